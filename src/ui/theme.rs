//! Glyph sets and colours. Every presence and line state has a glyph of its
//! own shape, so the grid reads correctly without colour (`--mono`,
//! `NO_COLOR`) and in ASCII (`--ascii`, non-UTF-8 locales).

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use ratatui::widgets::{Block, Borders};

use crate::presence::{Availability, LineState, Presence};

/// One glyph set.
#[derive(Debug, PartialEq, Eq)]
pub struct Glyphs {
    /// Indexed like [`Presence::ALL`].
    pub presence: [&'static str; 7],
    /// Indexed like [`LineState::ALL`].
    pub line: [&'static str; 7],
    /// Break, business trip, home office, vacation, custom.
    pub availability: [&'static str; 5],
    pub favourite: &'static str,
    /// A missed call not yet looked at (in the gap after the badge).
    pub missed: &'static str,
    /// A search hit found only through a note.
    pub via_note: &'static str,
    /// A call's duration is approximate (its start was not seen).
    pub approx: &'static str,
    /// The contact has an attendant note (in the gap after the badge).
    pub note: &'static str,
    pub stale: &'static str,
    pub ellipsis: &'static str,
    pub rule: &'static str,
    pub connected: &'static str,
    pub connecting: &'static str,
    pub failed: &'static str,
    /// "Nothing here" in panels.
    pub none: &'static str,
    /// Separates items on one line.
    pub sep: &'static str,
    /// Separates status bar sections.
    pub bar: &'static str,
    pub border: border::Set<'static>,
}

pub static UNICODE: Glyphs = Glyphs {
    presence: ["●", "■", "⊘", "▲", "◐", "○", "?"],
    line: ["✓", "☎", "⇄", "✗", "↪", "⊗", "·"],
    availability: ["‖", "✈", "⌂", "☀", "※"],
    favourite: "★",
    missed: "!",
    via_note: "¶",
    approx: "≈",
    note: "✎",
    stale: "?",
    ellipsis: "…",
    rule: "─",
    connected: "●",
    connecting: "◌",
    failed: "✗",
    none: "—",
    sep: " · ",
    bar: " │ ",
    border: border::PLAIN,
};

pub static ASCII: Glyphs = Glyphs {
    presence: ["+", "#", "!", "^", "~", "o", "?"],
    line: ["-", "*", "=", "x", ">", "%", "."],
    availability: ["B", "T", "H", "V", "C"],
    favourite: "*",
    missed: "!",
    via_note: "P",
    approx: "~",
    note: "N",
    stale: "?",
    ellipsis: "~",
    rule: "-",
    connected: "+",
    connecting: ".",
    failed: "x",
    none: "-",
    sep: " / ",
    bar: " | ",
    border: border::Set {
        top_left: "+",
        top_right: "+",
        bottom_left: "+",
        bottom_right: "+",
        vertical_left: "|",
        vertical_right: "|",
        horizontal_top: "-",
        horizontal_bottom: "-",
    },
};

/// Orange (xterm 208): the second colour of a ringing line.
pub const ORANGE: Color = Color::Indexed(208);
/// Yellow-green (xterm 148): inactive, between away and available.
pub const YELLOW_GREEN: Color = Color::Indexed(148);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
    pub ascii: bool,
    pub glyphs: &'static Glyphs,
}

fn index<T: PartialEq + Copy>(all: &[T], x: T) -> usize {
    all.iter().position(|a| *a == x).unwrap_or(0)
}

impl Theme {
    /// The theme for the model's settings (`mono`, `ascii`).
    pub fn of(model: &crate::app::model::Model) -> Theme {
        Theme::new(model.mono, model.ascii)
    }

    pub fn new(mono: bool, ascii: bool) -> Theme {
        Theme {
            mono,
            ascii,
            glyphs: if ascii { &ASCII } else { &UNICODE },
        }
    }

    /// Decide from the environment: `NO_COLOR` (set and non-empty) means
    /// mono; the first of `LC_ALL`, `LC_CTYPE`, `LANG` that is set decides
    /// UTF-8 (none set: the C locale, ASCII).
    pub fn from_env(
        mono: bool,
        ascii: bool,
        no_color: Option<&str>,
        locale: [Option<&str>; 3],
    ) -> Theme {
        let no_color = no_color.is_some_and(|v| !v.is_empty());
        let loc = locale
            .into_iter()
            .flatten()
            .find(|v| !v.is_empty())
            .unwrap_or("C")
            .to_ascii_lowercase();
        let utf8 = loc.contains("utf-8") || loc.contains("utf8");
        Theme::new(mono || no_color, ascii || !utf8)
    }

    /// A bordered block in this glyph set.
    pub fn block(&self) -> Block<'static> {
        Block::default()
            .borders(Borders::ALL)
            .border_set(self.glyphs.border)
    }

    /// A colour, or nothing in mono.
    pub fn fg(&self, c: Color) -> Style {
        if self.mono {
            Style::new()
        } else {
            Style::new().fg(c)
        }
    }

    pub fn presence_glyph(&self, p: Presence) -> &'static str {
        self.glyphs.presence[index(&Presence::ALL, p)]
    }

    pub fn line_glyph(&self, l: LineState) -> &'static str {
        self.glyphs.line[index(&LineState::ALL, l)]
    }

    pub fn availability_glyph(&self, a: &Availability) -> &'static str {
        let i = match a {
            Availability::Break => 0,
            Availability::BusinessTrip => 1,
            Availability::HomeOffice => 2,
            Availability::Vacation => 3,
            Availability::Custom(_) => 4,
        };
        self.glyphs.availability[i]
    }

    pub fn presence_color(p: Presence) -> Color {
        match p {
            Presence::Available => Color::Green,
            Presence::Busy | Presence::Dnd => Color::Red,
            Presence::Away => Color::Yellow,
            Presence::Inactive => YELLOW_GREEN,
            Presence::Offline | Presence::Unknown => Color::DarkGray,
        }
    }

    /// The presence glyph's style; stale or unknown state is grey and dim,
    /// never a confident colour.
    pub fn presence_style(&self, p: Presence, confident: bool) -> Style {
        if !confident || p == Presence::Unknown {
            return self.fg(Color::DarkGray).add_modifier(Modifier::DIM);
        }
        let s = self.fg(Self::presence_color(p));
        if p == Presence::Dnd {
            s.add_modifier(Modifier::BOLD)
        } else {
            s
        }
    }

    pub fn line_style(&self, l: LineState, confident: bool) -> Style {
        if !confident {
            return self.fg(Color::DarkGray).add_modifier(Modifier::DIM);
        }
        match l {
            LineState::Ready => self.fg(Color::Green),
            LineState::Ringing => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            LineState::Active => self.fg(Color::Red),
            LineState::Faulty => self.fg(Color::Magenta),
            LineState::Redirected => self.fg(Color::Cyan),
            LineState::Protected => self.fg(Color::Magenta),
            LineState::Unknown => self.fg(Color::DarkGray).add_modifier(Modifier::DIM),
        }
    }

    /// The badge (presence + line glyph) of a ringing cell in blink phase
    /// `phase`: red, then orange; in mono, reversed, then plain bold.
    pub fn ringing_badge(&self, phase: bool) -> Style {
        if self.mono {
            let s = Style::new().add_modifier(Modifier::BOLD);
            if phase {
                s
            } else {
                s.add_modifier(Modifier::REVERSED)
            }
        } else {
            let bg = if phase { ORANGE } else { Color::Red };
            Style::new()
                .fg(Color::Black)
                .bg(bg)
                .add_modifier(Modifier::BOLD)
        }
    }

    /// A ringing cell, whole, in blink phase `phase`: black on red, then
    /// on orange; in mono reversed and bold, then bold (the selection only
    /// reverses the name); a selected ringing cell is also underlined.
    pub fn ringing_cell(&self, phase: bool, selected: bool) -> Style {
        let s = self.ringing_badge(phase);
        if selected {
            s.add_modifier(Modifier::UNDERLINED)
        } else {
            s
        }
    }

    /// The selected cell's name.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Matched characters of a name while searching.
    pub fn matched(&self) -> Style {
        self.fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn header(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn demo(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_state_has_a_distinct_single_column_glyph() {
        for g in [&UNICODE, &ASCII] {
            let p: HashSet<_> = g.presence.iter().collect();
            let l: HashSet<_> = g.line.iter().collect();
            assert_eq!(p.len(), 7, "{:?}", g.presence);
            assert_eq!(l.len(), 7, "{:?}", g.line);
            for s in g.presence.iter().chain(&g.line).chain(&g.availability) {
                assert_eq!(ratatui::text::Span::raw(*s).width(), 1, "{s:?}");
            }
        }
        assert!(
            ASCII
                .presence
                .iter()
                .chain(&ASCII.line)
                .all(|s| s.is_ascii())
        );
    }

    #[test]
    fn environment_picks_mono_and_ascii() {
        let t = Theme::from_env(false, false, Some("1"), [None, None, Some("en_GB.UTF-8")]);
        assert!(t.mono && !t.ascii);
        let t = Theme::from_env(
            false,
            false,
            Some(""),
            [Some("C"), None, Some("en_GB.UTF-8")],
        );
        assert!(!t.mono && t.ascii);
        let t = Theme::from_env(false, false, None, [None, None, None]);
        assert!(t.ascii);
        assert_eq!(
            Theme::new(true, false).presence_style(Presence::Busy, true),
            Style::new()
        );
    }
}
