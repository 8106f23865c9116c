//! The details panel's line part: what the phone is doing and why —
//! "not registered since 10:42", "forwarded to voicemail", the call's
//! direction and both parties, "ringing for 12 min — the hang-up may have
//! been missed", new voice messages. Peers are left out with
//! `show_peers = false`.

use ratatui::text::Span;

use crate::app::model::Model;
use crate::body::Direction;
use crate::presence::{ContactId, ContactInfo, LineState};
use crate::store::{Peer, Shown};
use crate::ui::theme::Theme;

/// The lines under "Line" (each a label and a value, drawn by `field`).
pub(crate) fn details(
    model: &Model,
    id: ContactId,
    theme: &Theme,
) -> Vec<(&'static str, Vec<Span<'static>>)> {
    let info = model.store.info(id);
    let shown = model.store.shown(id);
    let mut out = Vec::new();
    // Several lines: each with its own state and why.
    let lines = model.store.lines(id);
    if lines.len() > 1 {
        for (n, l) in lines.iter().enumerate() {
            let label = LINE_LABELS.get(n).copied().unwrap_or("  line");
            out.push((
                label,
                vec![
                    Span::styled(theme.line_glyph(l.state), theme.line_style(l.state, true)),
                    Span::raw(format!(
                        " {} \u{00b7} {} \u{00b7} {}",
                        l.state.label(),
                        l.rule,
                        l.uri
                    )),
                ],
            ));
        }
    }
    let why = match shown.line {
        LineState::Faulty => Some(match since_clock(model, shown) {
            Some(at) => format!("not registered since {at}"),
            None => "not registered".to_string(),
        }),
        LineState::Redirected => Some(match &shown.forwarded_to {
            Some(to) => format!("forwarded to {to}"),
            None => "call forwarding on".to_string(),
        }),
        LineState::Ringing => model.now.and_then(|now| shown.suspect_why(now)),
        _ => None,
    };
    if let Some(why) = why {
        let style = if shown.suspect || shown.line == LineState::Faulty {
            theme.warning()
        } else {
            ratatui::style::Style::new()
        };
        out.push(("Line why", vec![Span::styled(why, style)]));
    }
    if let Some(peer) = shown
        .peer
        .as_ref()
        .filter(|_| matches!(shown.line, LineState::Ringing | LineState::Active))
        .filter(|_| !model.line.hide_peers)
    {
        out.push(("Call", vec![Span::raw(call_text(info, peer))]));
    }
    if let Some(n) = shown.messages {
        let s = if n == 1 { "" } else { "s" };
        out.push(("Voicemail", vec![Span::raw(format!("{n} new message{s}"))]));
    }
    out
}

/// The labels of a contact's lines in the panel (more are "line").
const LINE_LABELS: [&str; 6] = [
    "  line 1", "  line 2", "  line 3", "  line 4", "  line 5", "  line 6",
];

/// "incoming: Carol Customer <sip:+4989…> → Bob Brown (1002)".
fn call_text(info: &ContactInfo, peer: &Peer) -> String {
    let other = match (&peer.display, &peer.identity) {
        (Some(d), Some(i)) => format!("{d} <{i}>"),
        (Some(d), None) => d.clone(),
        (None, Some(i)) => i.clone(),
        (None, None) => "unknown party".into(),
    };
    let me = match &info.extension {
        Some(ext) => format!("{} ({ext})", info.name),
        None => info.name.clone(),
    };
    match peer.direction {
        Some(Direction::Recipient) => format!("incoming: {other} \u{2192} {me}"),
        Some(Direction::Initiator) => format!("outgoing: {me} \u{2192} {other}"),
        None => format!("{me} \u{2194} {other}"),
    }
}

/// When the line state began, as a local clock time (`10:42`, or with the
/// date when not today).
fn since_clock(model: &Model, shown: &Shown) -> Option<String> {
    let ms = crate::app::line::wall_ms(&model.line, shown.line_since?)?;
    let t = jiff::Timestamp::from_millisecond(ms).ok()?;
    let tz = jiff::tz::TimeZone::system();
    let at = t.to_zoned(tz.clone());
    let now = model
        .now
        .and_then(|n| crate::app::line::wall_ms(&model.line, n))
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|n| n.to_zoned(tz));
    let same_day = now.is_some_and(|n| n.date() == at.date());
    Some(if same_day {
        at.strftime("%H:%M").to_string()
    } else {
        at.strftime("%Y-%m-%d %H:%M").to_string()
    })
}
