//! The status bar: connection health, subscription counts, the operator's own
//! status, the search, and the focused panel's key hints (from the keymap).
//!
//! A message (a saved favourite, a config warning at startup) replaces the
//! hints until the next key. One too long for a row is wrapped and drawn
//! from the bottom of the screen up, over the status rows and as many grid
//! rows as it needs, so a warning's advice ("chmod 600 …") is never cut off
//! at 80 columns; the layout stays as it is, the next key brings it back.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::Action;
use crate::app::model::{Focus, Model};
use crate::sip::events::ConnectionState;
use crate::ui::theme::Theme;
use crate::ui::{grid, help, panel};

pub fn render(model: &Model, area: Rect, buf: &mut Buffer) {
    if area.height == 0 {
        return;
    }
    let long_message = model
        .message
        .as_deref()
        .filter(|m| area.height > 1 && Span::raw(*m).width() > usize::from(area.width));
    if let Some(m) = long_message {
        let lines = wrap(m, usize::from(area.width));
        let rows = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .clamp(area.height, area.bottom());
        let top = area.bottom() - rows;
        let style = Theme::of(model).warning();
        for y in top..area.bottom() {
            buf.set_string(area.x, y, " ".repeat(usize::from(area.width)), Style::new());
        }
        for (line, y) in lines.iter().zip(top..area.bottom()) {
            buf.set_stringn(area.x, y, line, usize::from(area.width), style);
        }
        return;
    }
    buf.set_line(area.x, area.y, &info_line(model), area.width);
    if area.height > 1 {
        let line = match &model.message {
            Some(m) => Line::from(Span::styled(m.as_str(), Theme::of(model).warning())),
            None => hints_line(model),
        };
        buf.set_line(area.x, area.y + 1, &line, area.width);
    }
}

/// Wrap `text` at spaces into lines of at most `width` columns (a word
/// longer than a line is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let cols = |s: &str| Span::raw(s).width();
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let sep = usize::from(!cur.is_empty());
        if cols(&cur) + sep + cols(word) <= width {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        for ch in word.chars() {
            let mut tmp = [0u8; 4];
            if cols(&cur) + cols(ch.encode_utf8(&mut tmp)) > width {
                lines.push(std::mem::take(&mut cur));
            }
            cur.push(ch);
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// The hints of whatever has the keyboard: help overlay, details or grid.
pub fn focused_hints(model: &Model) -> Vec<(Action, &'static str)> {
    if model.help_open {
        help::hints(model)
    } else if model.details_open && model.focus == Focus::Details {
        panel::hints(model)
    } else {
        grid::hints(model)
    }
}

fn hints_line(model: &Model) -> Line<'_> {
    let theme = &Theme::of(model);
    let mut spans = Vec::new();
    for (action, label) in focused_hints(model) {
        let Some(key) = model.keymap.keys(action).first() else {
            continue;
        };
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key.label(theme.ascii), theme.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    Line::from(spans)
}

fn info_line(model: &Model) -> Line<'_> {
    let theme = &Theme::of(model);
    let g = theme.glyphs;
    let sep = || Span::styled(g.bar, theme.dim());
    let mut spans = Vec::new();
    let (glyph, text, style) = if model.engine_stopped {
        (g.failed, "engine stopped".to_string(), theme.error())
    } else {
        match &model.connection {
            ConnectionState::Connecting => {
                (g.connecting, "connecting".to_string(), theme.warning())
            }
            ConnectionState::Connected => (g.connected, "connected".to_string(), theme.good()),
            ConnectionState::Unreachable(r) => {
                (g.failed, format!("unreachable: {r}"), theme.error())
            }
            ConnectionState::AuthFailed(r) => {
                (g.failed, format!("auth failed: {r}"), theme.error())
            }
        }
    };
    spans.push(Span::styled(format!("{glyph} {text}"), style));
    // Before the counts: it must not be cut off on a narrow terminal.
    if model.notes.offline.is_some() {
        spans.push(sep());
        let queued = model.notes.queued;
        let text = if queued > 0 {
            format!("notes offline ({queued} waiting)")
        } else {
            "notes offline".to_string()
        };
        spans.push(Span::styled(text, theme.error()));
    }
    if let Some(missed) = crate::ui::journal::status_span(model, theme) {
        spans.push(sep());
        spans.push(missed);
    }
    if let Some(note) = &model.list_note {
        spans.push(sep());
        let style = if note.starts_with("list refused") {
            theme.warning()
        } else {
            Style::new()
        };
        spans.push(Span::styled(note.as_str(), style));
    }
    spans.push(sep());
    let c = model.counts;
    spans.push(Span::raw(format!(
        "{} active{sep}{} pending{sep}",
        c.active,
        c.pending,
        sep = g.sep
    )));
    let failed_style = if c.failed > 0 {
        theme.error()
    } else {
        Style::new()
    };
    spans.push(Span::styled(format!("{} failed", c.failed), failed_style));
    if c.unreadable > 0 {
        // Up, but sending what we cannot read: not failed, not current.
        spans.push(Span::styled(
            format!("{}{} unreadable", g.sep, c.unreadable),
            theme.warning(),
        ));
    }
    if model.own_uri.is_some() {
        spans.push(sep());
        spans.push(Span::raw("me: "));
        match (&model.own.line, model.own_id) {
            // What we publish (state, note, until), from the keeper.
            (Some(line), _) => {
                let style = if model.own.error.is_some() {
                    theme.warning()
                } else {
                    Style::new()
                };
                spans.push(Span::styled(line.as_str(), style));
            }
            (None, own_id) => own_presence(model, theme, own_id, &mut spans),
        }
    }
    if model.read_only {
        spans.push(sep());
        spans.push(Span::styled("READ-ONLY", theme.warning()));
    }
    spans.push(sep());
    if model.search.is_active() {
        spans.push(Span::styled("search: ", theme.key()));
        spans.push(Span::styled(model.search.query(), theme.matched()));
        spans.push(Span::raw(format!(
            " ({} of {})",
            model.search.hits().len(),
            model.search.len()
        )));
    } else {
        spans.push(Span::styled("type to search", theme.dim()));
    }
    Line::from(spans)
}

/// "me:" before the keeper has said anything: our presence as a watcher sees
/// it (when we are a contact), or why there is none.
fn own_presence<'a>(
    model: &'a Model,
    theme: &Theme,
    own_id: Option<crate::presence::ContactId>,
    spans: &mut Vec<Span<'a>>,
) {
    match own_id {
        Some(id) => {
            let s = model.store.shown(id);
            let confident = s.freshness == crate::presence::Freshness::Fresh;
            spans.push(Span::styled(
                theme.presence_glyph(s.presence),
                theme.presence_style(s.presence, confident),
            ));
            spans.push(Span::raw(format!(" {}", s.presence.label())));
        }
        // The help says what this means and what to do.
        None => {
            let help = model.keymap.keys(Action::Help).first();
            let text = match help {
                Some(k) => format!("not a [[contact]] ({})", k.label(theme.ascii)),
                None => "not a [[contact]]".to_string(),
            };
            spans.push(Span::styled(text, theme.warning()));
        }
    }
}
