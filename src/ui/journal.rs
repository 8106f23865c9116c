//! The journal on screen: the selected contact's day in the details panel
//! ("Today  busy 09:12–09:40, missed 10:03 from Carol, away since 11:00"),
//! the F8 overlay with one line per item, and the missed-call count in the
//! status bar. Times are local (the zone the runtime gave, `JournalState::tz`).

use jiff::tz::TimeZone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use crate::app::journal::Timeline;
use crate::app::model::Model;
use crate::notes::journal::{Item, clock, describe, summary, timeline};
use crate::ui::panel::field;
use crate::ui::theme::Theme;

/// The wall clock the model knows (ms since the epoch).
fn now_ms(model: &Model) -> Option<i64> {
    let (at, ms) = model.journal.anchor?;
    model.journal.wall_ms(model.now.unwrap_or(at)).or(Some(ms))
}

/// The timeline's own marks (the en dash of a span, an ellipsis) in ASCII
/// when the terminal needs it.
fn marks(theme: &Theme, s: String) -> String {
    if theme.ascii {
        s.replace('–', "-").replace('…', "...")
    } else {
        s
    }
}

fn reading(theme: &Theme) -> &'static str {
    if theme.ascii {
        "reading..."
    } else {
        "reading…"
    }
}

/// The panel's lines: the day so far, and the missed calls.
pub fn panel_lines<'a>(model: &'a Model, theme: &Theme) -> Vec<Line<'a>> {
    let (Some(id), Some(now)) = (model.selected(), now_ms(model)) else {
        return Vec::new();
    };
    let tz = &model.journal.tz;
    let mut out = Vec::new();
    let since = model.missed_log.since_ms;
    let missed = model.missed_log.since(id, since);
    if missed > 0 {
        let last = model.missed_log.last(id);
        let mut text = format!("{missed} today");
        if let Some(c) = last {
            text.push_str(&format!(", last {}", clock(c.at_ms, now, tz)));
            if let Some(who) = &c.caller {
                text.push_str(&format!(" from {who}"));
            }
        }
        out.push(field("Missed", vec![Span::styled(text, theme.warning())]));
    }
    if let Some(view) = model.journal.panel.as_ref().filter(|p| p.contact == id) {
        let day = match &view.entries {
            None => Span::styled(reading(theme), theme.dim()),
            Some(entries) => {
                let items = timeline(entries);
                let s = summary(&items, now, tz);
                if s.is_empty() {
                    Span::styled("nothing noteworthy", theme.dim())
                } else {
                    Span::raw(marks(theme, s))
                }
            }
        };
        out.push(field("Today", vec![day]));
    }
    out
}

/// The F8 overlay, when open.
pub fn render_overlay(model: &Model, screen: Rect, buf: &mut Buffer) {
    let Some(view) = &model.journal.overlay else {
        return;
    };
    let theme = &Theme::of(model);
    let now = now_ms(model).unwrap_or(view.since_ms);
    let name = &model.store.info(view.contact).name;
    let lines = overlay_lines(view, now, &model.journal.tz, theme);
    let w = 70.min(screen.width);
    let h = 18.min(screen.height);
    let area = Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    );
    Clear.render(area, buf);
    Paragraph::new(lines)
        .block(theme.block().title(format!(" Today: {name} ")))
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

fn overlay_lines(view: &Timeline, now: i64, tz: &TimeZone, theme: &Theme) -> Vec<Line<'static>> {
    let Some(entries) = &view.entries else {
        return vec![Line::styled(reading(theme), theme.dim())];
    };
    let items = timeline(entries);
    let mut out: Vec<Line<'static>> = if items.is_empty() {
        vec![Line::styled(
            "nothing noteworthy today (available, ready)",
            theme.dim(),
        )]
    } else {
        items
            .iter()
            .map(|i| {
                let text = marks(theme, describe(i, now, tz));
                match i {
                    Item::Missed { .. } => Line::styled(text, theme.warning()),
                    _ => Line::raw(text),
                }
            })
            .collect()
    };
    out.push(Line::raw(""));
    out.push(Line::styled(
        if theme.ascii {
            "any key: close | switchboard history NAME --since HH:MM"
        } else {
            "any key: close · switchboard history NAME --since HH:MM"
        },
        theme.key(),
    ));
    out
}

/// "3 missed" for the status bar (since the start of the day), or nothing.
pub fn status_span(model: &Model, theme: &Theme) -> Option<Span<'static>> {
    let n = model.missed_log.count_since(model.missed_log.since_ms);
    (n > 0).then(|| Span::styled(format!("{n} missed"), theme.warning()))
}
