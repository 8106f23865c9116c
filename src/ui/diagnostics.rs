//! The F7 diagnostics view, drawn over the whole screen: the tabs, each
//! server's connector status, then the tab's body (subscriptions, the SIP
//! trace, or the test subscription) and one line of the view's keys.
//!
//! Readable without colour: the current tab is in brackets, the selected
//! row is marked `>` (and reversed), states are words. Times are ages
//! against the model's clock ("12 s ago"), so the view needs no wall
//! clock and snapshots are stable.

use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use crate::app::diagnostics::{self as diag, Tab};
use crate::app::model::Model;
use crate::sip::engine::diagnostics::{ConnectorStatus, SubState};
use crate::ui::theme::Theme;

/// Draw the view over `screen` when it is open.
pub fn render(model: &Model, screen: Rect, buf: &mut Buffer) {
    if !model.diag.open || screen.height < 4 || screen.width < 20 {
        return;
    }
    Clear.render(screen, buf);
    let theme = Theme::of(model);
    let mut lines: Vec<Line<'static>> = vec![tabs_line(model, &theme)];
    let width = usize::from(screen.width);
    lines.extend(server_lines(model, &theme, width));
    let footer = footer(model, &theme);
    let body_h = usize::from(screen.height).saturating_sub(lines.len() + 1);
    let body = match model.diag.tab {
        Tab::Subscriptions => subscription_lines(model, &theme, body_h, width),
        Tab::Trace => trace_lines(model, &theme, body_h),
        Tab::Test => test_lines(model, &theme)
            .into_iter()
            .skip(model.diag.test_scroll)
            .collect(),
    };
    lines.extend(body.into_iter().take(body_h));
    for (y, line) in lines.iter().enumerate() {
        let y = screen.y + u16::try_from(y).unwrap_or(u16::MAX);
        if y >= screen.y + screen.height - 1 {
            break;
        }
        buf.set_line(screen.x, y, line, screen.width);
    }
    buf.set_line(
        screen.x,
        screen.y + screen.height - 1,
        &footer,
        screen.width,
    );
}

fn tabs_line(model: &Model, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(
        "Diagnostics (F7) ",
        Style::new().add_modifier(Modifier::BOLD),
    )];
    for tab in Tab::ALL {
        if tab == model.diag.tab {
            spans.push(Span::styled(format!("[{}]", tab.label()), theme.selected()));
        } else {
            spans.push(Span::styled(format!(" {} ", tab.label()), theme.dim()));
        }
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

/// Per server its status, its last error and how many subscriptions are
/// in each state; or a note while waiting for the first report.
fn server_lines(model: &Model, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let now = model.now;
    if model.diag.reports.is_empty() {
        return vec![Line::styled("Asking the SIP engine...", theme.dim())];
    }
    let mut out = Vec::new();
    for r in &model.diag.reports {
        let style = match r.status {
            ConnectorStatus::UpAndRunning => theme.good(),
            ConnectorStatus::Connecting | ConnectorStatus::Disabled => theme.warning(),
            _ => theme.error(),
        };
        let since = now.map_or_else(String::new, |n| format!(" for {}", age(n, r.since)));
        out.push(Line::from(vec![
            Span::raw(format!(
                "Server {}: ",
                crate::text::harmless_line(&r.server)
            )),
            Span::styled(r.status.label().to_string(), style),
            Span::styled(since, theme.dim()),
        ]));
        // The counts, wrapped at the screen's width.
        let mut line = String::from("  ");
        for (label, n) in r.counts() {
            let item = format!("{n} {label}, ");
            if line.len() + item.len() > width && line.len() > 2 {
                out.push(Line::raw(line.trim_end_matches([',', ' ']).to_string()));
                line = String::from("  ");
            }
            line.push_str(&item);
        }
        if line.len() > 2 {
            out.push(Line::raw(line.trim_end_matches([',', ' ']).to_string()));
        }
        if let Some(e) = &r.error {
            out.push(Line::from(vec![
                Span::styled("  last error: ", theme.dim()),
                Span::raw(crate::text::harmless_line(e)),
            ]));
        }
    }
    out
}

fn subscription_lines(
    model: &Model,
    theme: &Theme,
    height: usize,
    width: usize,
) -> Vec<Line<'static>> {
    let d = &model.diag;
    let filter = d
        .filter
        .and_then(|i| SubState::LABELS.get(i).copied())
        .unwrap_or("all");
    let mut out = vec![Line::from(vec![
        Span::styled("State: ", theme.dim()),
        Span::styled(filter.to_string(), theme.key()),
        Span::styled(
            if theme.ascii {
                " (Left/Right)  Sort: "
            } else {
                " (←/→)  Sort: "
            },
            theme.dim(),
        ),
        Span::styled(d.sort.label().to_string(), theme.key()),
        Span::styled(" (Ctrl-O)  Search: ", theme.dim()),
        Span::styled(format!("{}_", d.query), theme.matched()),
    ])];
    let rows = diag::rows(model);
    // Name, package, state, code, last NOTIFY; the URI takes the rest.
    let (nw, ew, sw, cw, lw) = (18usize, 9usize, 14usize, 5usize, 12usize);
    let uw = width.saturating_sub(2 + nw + ew + sw + cw + lw).max(8);
    out.push(Line::styled(
        format!(
            "  {:<nw$}{:<ew$}{:<sw$}{:>4} {:<lw$}{}",
            "Contact", "Package", "State", "Code", "Last NOTIFY", "URI"
        ),
        theme.header(),
    ));
    if rows.is_empty() {
        out.push(Line::styled("  (no subscription matches)", theme.dim()));
        return out;
    }
    let cursor = d.cursor.min(rows.len() - 1);
    // One line for the selected row's reason at the bottom.
    let visible = height.saturating_sub(out.len() + 1).max(1);
    let first = cursor.saturating_sub(visible.saturating_sub(1));
    for (k, row) in rows.iter().enumerate().skip(first).take(visible) {
        let sub = &d.reports[row.server].subscriptions[row.index];
        let name = cut(&diag::row_name(model, sub), nw - 1);
        let code = sub.last_code.map_or("-".to_string(), |c| c.to_string());
        let notified = match (model.now, sub.last_notify) {
            (Some(now), Some(at)) => format!("{} ago", age(now, at)),
            _ => "never".into(),
        };
        let selected = k == cursor;
        let text = format!(
            "{}{:<nw$}{:<ew$}{:<sw$}{:>4} {:<lw$}{}",
            if selected { "> " } else { "  " },
            name,
            sub.event.as_str(),
            sub.state.label(),
            code,
            notified,
            cut(&crate::text::harmless_line(&sub.uri), uw),
        );
        let style = if selected {
            theme.selected()
        } else {
            state_style(theme, &sub.state)
        };
        out.push(Line::styled(text, style));
    }
    let row = rows[cursor];
    let sub = &d.reports[row.server].subscriptions[row.index];
    let mut detail = format!(
        "{} {}: {}",
        diag::row_name(model, sub),
        sub.event.as_str(),
        sub.state.label()
    );
    if let Some(reason) = sub.state.reason() {
        detail.push_str(&format!(" ({})", crate::text::harmless_line(reason)));
    }
    if sub.via_list {
        detail.push_str(" · via the resource list");
    }
    out.push(Line::styled(detail, theme.dim()));
    out
}

fn state_style(theme: &Theme, s: &SubState) -> Style {
    match s {
        SubState::Active => Style::new(),
        SubState::Requesting | SubState::Pending | SubState::NotRequested => theme.dim(),
        _ => theme.warning(),
    }
}

fn trace_lines(model: &Model, theme: &Theme, height: usize) -> Vec<Line<'static>> {
    let d = &model.diag;
    if d.trace.is_empty() {
        return vec![Line::styled(
            "No message yet (or [diagnostics] trace_messages = 0).",
            theme.dim(),
        )];
    }
    let len = d.trace.len();
    let cursor = d.trace_cursor.unwrap_or(len - 1).min(len - 1);
    // The list in the upper part, the selected message below.
    let list_h = (height / 2).max(3).min(height.saturating_sub(1)).max(1);
    let first = cursor.saturating_sub(list_h.saturating_sub(1));
    let mut out = Vec::new();
    for (k, e) in d.trace.iter().enumerate().skip(first).take(list_h) {
        let when = model
            .now
            .map_or_else(String::new, |now| format!("{:>7}", age(now, e.at)));
        let event = if e.event.is_empty() { "-" } else { &e.event };
        let text = format!(
            "{}{when} {} {:<24} {} {}",
            if k == cursor { "> " } else { "  " },
            e.direction.arrow(),
            cut(&e.summary(), 24),
            cut(event, 10),
            e.call_id,
        );
        let style = if k == cursor {
            theme.selected()
        } else {
            Style::new()
        };
        out.push(Line::styled(text, style));
    }
    if let Some(e) = d.trace.get(cursor) {
        let rule = if theme.ascii { "--" } else { "──" };
        out.push(Line::styled(
            format!(
                "{rule} {} {} {rule}",
                e.direction.arrow(),
                e.peer.map_or_else(|| "-".into(), |p| p.to_string())
            ),
            theme.dim(),
        ));
        out.extend(e.text.lines().map(|l| Line::raw(l.to_string())));
    }
    out
}

fn test_lines(model: &Model, theme: &Theme) -> Vec<Line<'static>> {
    let d = &model.diag;
    let mut out = Vec::new();
    if let Some(input) = &d.input {
        out.push(Line::from(vec![
            Span::raw(format!("Test {} subscription to: ", d.test_event.as_str())),
            Span::styled(format!("{input}_"), theme.matched()),
        ]));
        out.push(Line::styled(
            "  Enter: subscribe for one minute  Tab: presence/dialog  Esc: cancel",
            theme.dim(),
        ));
        return out;
    }
    let test = d.reports.iter().find_map(|r| r.test.as_ref());
    let Some(t) = test else {
        out.push(Line::styled(
            "No test subscription. Ctrl-T: subscribe to any URI for one minute.",
            theme.dim(),
        ));
        return out;
    };
    let left = model.now.map_or_else(String::new, |now| {
        format!(", removed in {}", age(t.ends, now))
    });
    out.push(Line::from(vec![
        Span::raw(format!("{} ({}): ", t.uri, t.event.as_str())),
        Span::styled(t.status.label(), theme.key()),
        Span::styled(left, theme.dim()),
    ]));
    out.push(Line::raw(format!(
        "Parsed: {}",
        t.parsed.as_deref().unwrap_or("(no NOTIFY yet)")
    )));
    for (title, text) in [("Answer", &t.answer), ("Last NOTIFY", &t.notify)] {
        let rule = if theme.ascii { "--" } else { "──" };
        out.push(Line::styled(format!("{rule} {title} {rule}"), theme.dim()));
        match text {
            Some(text) => out.extend(text.lines().map(|l| Line::raw(l.to_string()))),
            None => out.push(Line::styled("(none yet)", theme.dim())),
        }
    }
    out
}

fn footer(model: &Model, theme: &Theme) -> Line<'static> {
    let keys: &[(&str, &str)] = match model.diag.tab {
        _ if model.diag.input.is_some() => &[("Enter", "test"), ("Esc", "cancel")],
        Tab::Subscriptions => &[
            ("Enter", "resubscribe"),
            ("^A", "all on server"),
            ("^T", "test URI"),
            ("Tab", "trace"),
            ("Esc", "close"),
        ],
        Tab::Trace if model.ascii => &[("Up/Dn", "message"), ("Tab", "test"), ("Esc", "close")],
        Tab::Trace => &[("↑↓", "message"), ("Tab", "test"), ("Esc", "close")],
        Tab::Test => &[
            ("^T", "test URI"),
            ("Tab", "subscriptions"),
            ("Esc", "close"),
        ],
    };
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(k.to_string(), theme.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

/// `12 s`, `4 min`, `2 h` between two instants (either order).
fn age(now: Instant, then: Instant) -> String {
    let d = now
        .checked_duration_since(then)
        .unwrap_or_else(|| then.duration_since(now));
    short(d)
}

fn short(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}

/// At most `w` characters.
fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        return s.to_string();
    }
    let mut out: String = s.chars().take(w.saturating_sub(1)).collect();
    out.push('~');
    out
}
