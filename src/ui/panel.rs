//! The details panel for the selected contact: presence, availability, line
//! state with the other party, notes, subscription health and the "why".

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::model::{Focus, Model, age_label};
use crate::body::Direction;
use crate::presence::{Freshness, LineState};
use crate::store::Peer;

const LABEL_W: usize = 12;

pub fn render(model: &Model, area: Rect, buf: &mut Buffer) {
    let theme = &model.theme;
    let focused = model.focus == Focus::Details;
    let border = if focused { theme.header() } else { theme.dim() };
    let block = theme.block().border_style(border).title(Span::styled(
        " Details ",
        if focused {
            theme.header()
        } else {
            Style::new()
        },
    ));
    let lines = match model.selected() {
        Some(_) => lines(model),
        None => vec![Line::styled("Nothing selected", theme.dim())],
    };
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((model.panel_scroll, 0))
        .render(area, buf);
}

fn field<'a>(label: &'a str, value: Vec<Span<'a>>) -> Line<'a> {
    let mut spans = vec![Span::styled(
        format!("{label:<LABEL_W$}"),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    spans.extend(value);
    Line::from(spans)
}

fn peer_text(peer: &Peer) -> String {
    let who = match (&peer.display, &peer.identity) {
        (Some(d), Some(i)) => format!("{d} <{i}>"),
        (Some(d), None) => d.clone(),
        (None, Some(i)) => i.clone(),
        (None, None) => "unknown party".into(),
    };
    match peer.direction {
        Some(Direction::Recipient) => format!("from {who}"),
        Some(Direction::Initiator) => format!("to {who}"),
        None => format!("with {who}"),
    }
}

fn lines(model: &Model) -> Vec<Line<'_>> {
    let Some(cell) = model.selected_cell() else {
        return Vec::new();
    };
    let id = cell.id;
    let theme = &model.theme;
    let g = theme.glyphs;
    let info = model.store.info(id);
    let shown = model.store.shown(id);
    let meta = model.meta.get(id.0 as usize).copied().unwrap_or_default();
    let confident = shown.freshness == Freshness::Fresh;
    let ago = |t: Option<std::time::Instant>| match (model.now, t) {
        (Some(now), Some(t)) => format!("{} ago", age_label(now, t)),
        _ => g.none.to_string(),
    };

    let mut title = vec![Span::styled(
        info.name.as_str(),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    if meta.favourite {
        title.push(Span::styled(format!(" {}", g.favourite), theme.warning()));
    }
    let mut out = vec![Line::from(title)];
    let mut sub = Vec::new();
    if let Some(ext) = &info.extension {
        sub.push(format!("ext {ext}"));
    }
    if let Some(d) = &info.department {
        sub.push(d.clone());
    }
    if !sub.is_empty() {
        out.push(Line::raw(sub.join(g.sep)));
    }
    out.push(Line::styled(info.uri.as_str(), theme.dim()));
    out.push(Line::raw(""));

    let p = shown.presence;
    out.push(field(
        "Presence",
        vec![
            Span::styled(theme.presence_glyph(p), theme.presence_style(p, confident)),
            Span::raw(format!(" {}", p.label())),
        ],
    ));
    let avail = match &shown.availability {
        Some(a) => vec![
            Span::styled(theme.availability_glyph(a), theme.warning()),
            Span::raw(format!(" {}", a.label())),
        ],
        None => vec![Span::styled(g.none, theme.dim())],
    };
    out.push(field("Available", avail));
    let l = shown.line;
    let l_style = if l == LineState::Ringing {
        theme.ringing_badge(model.blink.phase)
    } else {
        theme.line_style(l, confident)
    };
    let mut line = vec![
        Span::styled(theme.line_glyph(l), l_style),
        Span::raw(format!(" {}", l.label())),
    ];
    if let Some(peer) = shown
        .peer
        .as_ref()
        .filter(|_| matches!(l, LineState::Ringing | LineState::Active))
    {
        line.push(Span::raw(format!(", {}", peer_text(peer))));
    }
    out.push(field("Line", line));
    let note = match &shown.note {
        Some(n) => Span::raw(format!("\"{n}\"")),
        None => Span::styled(g.none, theme.dim()),
    };
    out.push(field("Note", vec![note]));
    let att = if meta.has_note {
        Span::raw(g.note)
    } else {
        Span::styled(g.none, theme.dim())
    };
    out.push(field("Attendant", vec![att]));
    out.push(Line::raw(""));

    let sub_style = match shown.subscription.severity() {
        0 => theme.good(),
        1..=3 => theme.warning(),
        _ => theme.error(),
    };
    out.push(field(
        "Subscribed",
        vec![Span::styled(shown.subscription.label(), sub_style)],
    ));
    let fresh = match shown.freshness {
        Freshness::Fresh => Span::styled("fresh", theme.good()),
        Freshness::Stale => Span::styled(
            format!(
                "stale, last heard {}",
                ago(shown.last_notify.or(shown.since))
            ),
            theme.warning(),
        ),
        Freshness::Unknown => Span::styled("nothing received", theme.dim()),
    };
    out.push(field("State", vec![fresh]));
    out.push(field(
        "Why",
        vec![Span::raw(format!(
            "{}{}{}",
            shown.source.as_str(),
            g.sep,
            shown.rule
        ))],
    ));
    out.push(field("Since", vec![Span::raw(ago(shown.since))]));
    out.push(field(
        "Last NOTIFY",
        vec![Span::raw(ago(shown.last_notify))],
    ));
    out
}

/// The key hints of the details panel.
pub fn hints(_model: &Model) -> Vec<(crate::app::Action, &'static str)> {
    use crate::app::Action as A;
    vec![
        (A::Down, "scroll"),
        (A::Back, "close"),
        (A::NextPanel, "grid"),
        (A::ToggleFavourite, "favourite"),
        (A::Help, "help"),
        (A::Quit, "quit"),
    ]
}
