//! The details panel for the selected contact: presence, availability, line
//! state with the other party, notes, subscription health and the "why".

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::model::{Focus, Model, age_label};
use crate::body::Direction;
use crate::presence::{Freshness, LineState, Severity};
use crate::store::Peer;
use crate::ui::theme::Theme;

/// Labels are padded to this width ("Availability" and a space).
const LABEL_W: usize = 13;

pub fn render(model: &Model, area: Rect, buf: &mut Buffer) {
    let theme = &Theme::of(model);
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
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    let lines: Vec<Line> = lines
        .into_iter()
        .flat_map(|l| {
            // Field values wrap under their value column, other lines at 0.
            let indent = if l
                .spans
                .first()
                .is_some_and(|s| s.style.add_modifier.contains(Modifier::BOLD))
                && l.spans.len() > 1
            {
                LABEL_W
            } else {
                0
            };
            hang_wrap(l, indent, width)
        })
        .collect();
    Paragraph::new(lines)
        .block(block)
        .scroll((model.panel_scroll, 0))
        .render(area, buf);
}

/// Wrap a line at spaces to `width` columns; continuation lines start
/// `indent` columns in (words longer than a line are cut).
fn hang_wrap(line: Line<'_>, indent: usize, width: usize) -> Vec<Line<'static>> {
    let indent = if indent * 2 > width { 0 } else { indent };
    let cols = |s: &str| Span::raw(s).width();
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    let break_line =
        |out: &mut Vec<Line<'static>>, cur: &mut Vec<Span<'static>>, used: &mut usize| {
            out.push(Line::from(std::mem::take(cur)));
            cur.push(Span::raw(" ".repeat(indent)));
            *used = indent;
        };
    for span in line.spans {
        let style = span.style;
        for piece in span.content.split_inclusive(' ') {
            let mut word = piece;
            while !word.is_empty() {
                let line_start = if out.is_empty() { 0 } else { indent };
                let w = cols(word);
                let bare = cols(word.trim_end());
                if used + w <= width || used + bare <= width {
                    let text = if used + w <= width {
                        word
                    } else {
                        word.trim_end()
                    };
                    used += cols(text);
                    cur.push(Span::styled(text.to_string(), style));
                    break;
                }
                if used > line_start && bare <= width - indent {
                    break_line(&mut out, &mut cur, &mut used);
                    continue;
                }
                if used >= width {
                    break_line(&mut out, &mut cur, &mut used);
                    continue;
                }
                // A word longer than a line: cut it at the room left.
                let room = width - used;
                let mut cut = 0;
                let mut taken = 0;
                for (at, ch) in word.char_indices() {
                    let cw = cols(ch.encode_utf8(&mut [0u8; 4]));
                    if taken + cw > room {
                        break;
                    }
                    taken += cw;
                    cut = at + ch.len_utf8();
                }
                if cut == 0 {
                    break_line(&mut out, &mut cur, &mut used);
                    continue;
                }
                cur.push(Span::styled(word[..cut].to_string(), style));
                break_line(&mut out, &mut cur, &mut used);
                word = &word[cut..];
            }
        }
    }
    out.push(Line::from(cur));
    out
}

pub(crate) fn field<'a>(label: &'a str, value: Vec<Span<'a>>) -> Line<'a> {
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
    let theme = &Theme::of(model);
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
    // A directory file's other columns (already harmless), label cut to
    // the label column.
    for (key, value) in model.store.extra(id) {
        let label: String = key.chars().take(LABEL_W.saturating_sub(1)).collect();
        out.push(Line::from(vec![
            Span::styled(
                format!("{label:<LABEL_W$}"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(value.as_str()),
        ]));
    }
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
    out.push(field("Availability", avail));
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
        .filter(|_| !model.line.hide_peers)
    {
        line.push(Span::raw(format!(", {}", peer_text(peer))));
    }
    if let (Some(start), Some(now)) = (model.calls.started.get(&id), model.now) {
        line.push(Span::raw(format!(
            ", for {}",
            crate::app::calls::duration_label(*start, now, theme.ascii)
        )));
    }
    out.push(field("Line", line));
    for (label, value) in crate::ui::line_panel::details(model, id, theme) {
        out.push(field(label, value));
    }
    // The other party by name, when the directory knows the number or URI.
    if let Some(who) = shown
        .peer
        .as_ref()
        .filter(|_| matches!(l, LineState::Ringing | LineState::Active))
        .filter(|_| !model.line.hide_peers)
        .and_then(|p| p.identity.as_deref())
        .and_then(|i| model.callers.lookup(&model.store, i))
    {
        let c = model.store.info(who);
        let mut about = vec![c.name.clone()];
        about.extend(c.extension.as_ref().map(|e| format!("ext {e}")));
        about.extend(c.department.clone());
        out.push(field(
            "Caller",
            vec![Span::styled(about.join(g.sep), theme.header())],
        ));
    }
    let note = match &shown.note {
        Some(n) => Span::raw(format!("\"{n}\"")),
        None => Span::styled(g.none, theme.dim()),
    };
    out.push(field("Note", vec![note]));
    if let Some(until) = &shown.until {
        let mut text = return_time(until, model.clock.as_ref());
        if let (Some(now), Ok(t)) = (&model.clock, until.parse::<jiff::Timestamp>()) {
            text.push_str(&format!(", {}", crate::ui::clock::relative(now, t)));
        }
        out.push(field("Until", vec![Span::raw(text)]));
    }
    out.extend(crate::ui::notes::panel_lines(model, theme));
    out.extend(crate::ui::journal::panel_lines(model, theme));
    out.push(Line::raw(""));

    let sub_style = match shown.subscription.severity() {
        Severity::Off | Severity::Live => theme.good(),
        Severity::Waiting => theme.warning(),
        Severity::Failing | Severity::Refused => theme.error(),
    };
    let mut subscribed = vec![Span::styled(shown.subscription.label(), sub_style)];
    if let Some(why) = shown.unreadable.as_deref() {
        // Up, but what it sent could not be read: said, not hidden.
        subscribed.push(Span::styled(format!(", {why}"), theme.warning()));
    }
    out.push(field("Subscribed", subscribed));
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
    if let Some(server) = server_line(model, id, g.sep) {
        out.push(field("Server", vec![Span::raw(server)]));
    }
    out.push(field("Since", vec![Span::raw(ago(shown.since))]));
    out.push(field(
        "Last NOTIFY",
        vec![Span::raw(ago(shown.last_notify))],
    ));
    out
}

/// With several servers: the one the shown state came from, or each
/// package's when presence and line come from different ones.
fn server_line(model: &Model, id: crate::store::ContactId, sep: &str) -> Option<String> {
    use crate::presence::EventKind;
    let store = &model.store;
    if !store.several_servers() {
        return None;
    }
    let presence = store.package_server(id, EventKind::Presence);
    let line = store.package_server(id, EventKind::Dialog);
    match (presence, line) {
        (Some(p), Some(l)) if p != l => Some(format!("presence: {p}{sep}line: {l}")),
        _ => store
            .shown_server(id)
            .or(presence)
            .or(line)
            .map(str::to_string),
    }
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

/// A return time (RFC 3339 UTC) in local time (the clock's zone, once the
/// runtime sent it), as written when unreadable.
fn return_time(rfc3339: &str, clock: Option<&jiff::Zoned>) -> String {
    let tz = clock.map_or_else(jiff::tz::TimeZone::system, |c| c.time_zone().clone());
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| t.to_zoned(tz).strftime("%a %d %b %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn values_wrap_under_their_column_and_long_words_are_cut() {
        let line = field(
            "Line",
            vec![Span::raw(
                "Ringing, from Paul Prospect <sip:paul.prospect@example.net>",
            )],
        );
        let out = hang_wrap(line, LABEL_W, 31);
        assert_eq!(
            texts(&out),
            [
                "Line         Ringing, from Paul",
                "             Prospect <sip:paul",
                "             .prospect@example.",
                "             net>",
            ]
        );
        assert!(out.iter().all(|l| l.width() <= 31));
        for w in 1..8 {
            let out = hang_wrap(Line::raw("a bbbbbbbbbbbb c"), 0, w);
            assert!(out.iter().all(|l| l.width() <= w), "{w}: {:?}", texts(&out));
        }
    }

    #[test]
    fn extra_directory_columns_are_listed_under_the_uri() {
        use crate::app::{Model, Msg, Settings, update};
        use crate::directory::{Entry, Loaded};
        let mut m = Model::new(Vec::new(), Settings::default());
        let mut e = Entry::from(crate::presence::ContactInfo {
            name: "Zoe".into(),
            uri: "sip:zoe@example.com".into(),
            extension: None,
            department: None,
        });
        e.extra = vec![
            ("Room".into(), "Attic 7".into()),
            ("A very long column header".into(), "x".into()),
        ];
        update(
            &mut m,
            Msg::Directory(Loaded {
                entries: vec![e],
                problems: Vec::new(),
            }),
        );
        let got = texts(&lines(&m));
        assert_eq!(
            got[1..4],
            [
                "sip:zoe@example.com".to_string(),
                "Room         Attic 7".to_string(),
                "A very long  x".to_string()
            ]
        );
    }
}
