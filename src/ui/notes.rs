//! The attendant notes on screen: the panel rows (text, author, age,
//! expiry, "notes offline") and the three overlays: editor, history and
//! conflict. Text is shown as stored (made harmless when it was typed or
//! received).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use crate::app::model::Model;
use crate::app::notes::Overlay;
use crate::notes::date::{format_day, format_minute};
use crate::notes::{HistoryEntry, age};
use crate::ui::panel::field;
use crate::ui::theme::Theme;

pub mod editor;

/// The panel rows for the selected contact's attendant note.
pub fn panel_lines<'a>(model: &'a Model, theme: &Theme) -> Vec<Line<'a>> {
    if !model.notes.enabled {
        return Vec::new();
    }
    let Some(id) = model.selected() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let now = model.notes.now_ms;
    match model.notes.current(id) {
        Some(n) => {
            let mut text = n.text.as_deref().unwrap_or("").lines();
            let first = text.next().unwrap_or("");
            out.push(field("Attendant", vec![Span::raw(first)]));
            for line in text {
                out.push(field("", vec![Span::raw(line)]));
            }
            let mut by = format!("by {}, {}", n.author, age(now, n.written_ms));
            if let Some(e) = n.expires_ms {
                by.push_str(&format!(", until {}", format_day(e)));
                // Said relative too, once the runtime sent the clock.
                if let (Some(now), Ok(t)) = (&model.clock, jiff::Timestamp::from_millisecond(e)) {
                    by.push_str(&format!(", {}", crate::ui::clock::relative(now, t)));
                }
            }
            out.push(field("", vec![Span::styled(by, theme.dim())]));
        }
        None => out.push(field(
            "Attendant",
            vec![Span::styled(theme.glyphs.none, theme.dim())],
        )),
    }
    if let Some(reason) = &model.notes.offline {
        out.push(field(
            "",
            vec![Span::styled(
                "notes offline: changes are kept and saved when the database is back",
                theme.error(),
            )],
        ));
        // Why (an untrusted certificate is not fixed by waiting); made
        // harmless when it was reported.
        out.push(field("", vec![Span::styled(reason.as_str(), theme.dim())]));
    }
    out
}

/// Between the keys of a footer: `·`, or `|` in ASCII.
pub fn sep(theme: &Theme) -> &'static str {
    if theme.ascii { " | " } else { " · " }
}

/// A box of `w`x`h` in the middle of `screen`.
fn centred(screen: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(screen.width);
    let h = h.min(screen.height);
    Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    )
}

/// Draw the open notes overlay, if any.
pub fn render_overlay(model: &Model, screen: Rect, buf: &mut Buffer) {
    let Some(overlay) = &model.notes.overlay else {
        return;
    };
    let theme = &Theme::of(model);
    let (title, lines) = match overlay {
        Overlay::Editor(ed) => {
            let area = centred(screen, 70, 18);
            Clear.render(area, buf);
            let block = theme
                .block()
                .title(format!(" Note: {} ", model.store.info(ed.contact).name));
            let inner = block.inner(area);
            block.render(area, buf);
            editor::render(ed, theme, inner, buf);
            return;
        }
        Overlay::History { contact, entries } => (
            format!(" History: {} ", model.store.info(*contact).name),
            history_lines(entries.as_deref(), theme),
        ),
        Overlay::Conflict(c) => {
            let mut lines = vec![
                Line::styled(
                    format!(
                        "{} changed this note while you were editing it.",
                        c.theirs.author
                    ),
                    theme.warning(),
                ),
                Line::raw(""),
                Line::styled(
                    format!("Theirs ({}):", format_minute(c.theirs.written_ms)),
                    theme.header(),
                ),
            ];
            lines.extend(text_lines(c.theirs.text.as_deref()));
            lines.push(Line::raw(""));
            lines.push(Line::styled("Yours:", theme.header()));
            lines.extend(text_lines(c.mine.text.as_deref()));
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                ["m keep mine", "t keep theirs", "e merge by hand"].join(sep(theme)),
                theme.key(),
            ));
            (
                format!(" Conflict: {} ", model.store.info(c.contact).name),
                lines,
            )
        }
    };
    let area = centred(screen, 70, 18);
    Clear.render(area, buf);
    Paragraph::new(lines)
        .block(theme.block().title(title))
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

fn text_lines(text: Option<&str>) -> Vec<Line<'static>> {
    match text {
        Some(t) => t.lines().map(|l| Line::raw(format!("  {l}"))).collect(),
        None => vec![Line::raw("  (no note)")],
    }
}

fn history_lines(entries: Option<&[HistoryEntry]>, theme: &Theme) -> Vec<Line<'static>> {
    let Some(entries) = entries else {
        let reading = if theme.ascii {
            "reading..."
        } else {
            "reading…"
        };
        return vec![Line::styled(reading, theme.dim())];
    };
    if entries.is_empty() {
        return vec![Line::styled("no changes yet", theme.dim())];
    }
    let mut out = Vec::new();
    for h in entries.iter().rev() {
        out.push(Line::styled(
            format!("{} by {}", format_minute(h.at_ms), h.author),
            theme.header(),
        ));
        match &h.new_text {
            Some(t) => out.extend(t.lines().map(|l| Line::raw(format!("  {l}")))),
            None => out.push(Line::styled("  (cleared)", theme.dim())),
        }
    }
    out.push(Line::styled("any key: close", theme.key()));
    out
}
