//! The F7 diagnostics view's state and keys (pure; drawn by
//! `ui::diagnostics`).
//!
//! While the view is open the console asks the driver for its
//! diagnostics ([`Cmd::Diagnose`]) on opening and then every
//! [`POLL`]; each answer (`EngineEvent::Diagnostics`) replaces the
//! snapshot shown. Three tabs (Tab cycles): the subscriptions (per server
//! its connector status; per contact and package the state, last code,
//! last NOTIFY and URI, filtered by state with ←/→, sorted with Ctrl-O,
//! searched by typing), the SIP trace, and the test subscription.
//!
//! Search: every typed word must occur (case-insensitive) in the
//! contact's name, URI, package or state, as the grid's words each must
//! match something of a contact.
//!
//! Keys of the view: Enter resubscribes the selected contact, Ctrl-A
//! everything on the selected row's server, Ctrl-T asks for a URI to test
//! (Tab in the prompt switches presence/dialog, Enter starts it, Esc
//! cancels); Esc or F7 closes; the console's quit keys still quit.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::cmd::Cmd;
use crate::app::keymap::Action;
use crate::app::model::Model;
use crate::presence::{ContactId, EventKind};
use crate::sip::engine::diagnostics::{ServerReport, SubReport, SubState};
use crate::sip::trace::TraceEntry;

/// How often the open view asks for fresh diagnostics.
pub const POLL: Duration = Duration::from_secs(1);

/// The view's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Subscriptions,
    Trace,
    Test,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Subscriptions, Tab::Trace, Tab::Test];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Subscriptions => "Subscriptions",
            Tab::Trace => "SIP trace",
            Tab::Test => "Test subscription",
        }
    }

    fn next(self) -> Tab {
        match self {
            Tab::Subscriptions => Tab::Trace,
            Tab::Trace => Tab::Test,
            Tab::Test => Tab::Subscriptions,
        }
    }
}

/// What the subscription rows are sorted by (Ctrl-O cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Contact,
    State,
    Event,
    Code,
    LastNotify,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Contact => "contact",
            SortKey::State => "state",
            SortKey::Event => "package",
            SortKey::Code => "last code",
            SortKey::LastNotify => "last NOTIFY",
        }
    }

    fn next(self) -> SortKey {
        match self {
            SortKey::Contact => SortKey::State,
            SortKey::State => SortKey::Event,
            SortKey::Event => SortKey::Code,
            SortKey::Code => SortKey::LastNotify,
            SortKey::LastNotify => SortKey::Contact,
        }
    }
}

/// The view's state (closed by default).
#[derive(Debug, Clone)]
pub struct DiagState {
    pub open: bool,
    pub tab: Tab,
    /// Only rows in this state (index into [`SubState::LABELS`]).
    pub filter: Option<usize>,
    pub sort: SortKey,
    pub query: String,
    /// The selected subscription row (in the filtered, sorted rows).
    pub cursor: usize,
    /// The selected trace message (`None`: the newest, following).
    pub trace_cursor: Option<usize>,
    /// Lines scrolled in the test subscription tab.
    pub test_scroll: usize,
    /// Typing a URI to test (with the package to test).
    pub input: Option<String>,
    pub test_event: EventKind,
    /// The last snapshot, one report per server.
    pub reports: Vec<ServerReport>,
    /// The engine each report came from (several servers: one per
    /// server), in the order of `reports`.
    pub report_servers: Vec<crate::store::ServerId>,
    /// Every server's trace, merged in time order.
    pub trace: Vec<TraceEntry>,
    /// Each server's own trace, in the order of `reports`.
    pub traces: Vec<Vec<TraceEntry>>,
    /// When to ask again.
    pub next_poll: Option<Instant>,
}

impl Default for DiagState {
    fn default() -> Self {
        DiagState {
            open: false,
            tab: Tab::default(),
            filter: None,
            sort: SortKey::default(),
            query: String::new(),
            cursor: 0,
            trace_cursor: None,
            test_scroll: 0,
            input: None,
            test_event: EventKind::Presence,
            reports: Vec::new(),
            report_servers: Vec::new(),
            trace: Vec::new(),
            traces: Vec::new(),
            next_poll: None,
        }
    }
}

impl DiagState {
    /// When the open view wants a tick (to ask again).
    pub fn deadline(&self) -> Option<Instant> {
        self.next_poll.filter(|_| self.open)
    }
}

/// One subscription row: which server's report, which subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub server: usize,
    pub index: usize,
}

/// F7: open the view (and ask for the diagnostics at once).
pub fn open(model: &mut Model) -> Vec<Cmd> {
    let d = &mut model.diag;
    d.open = true;
    d.input = None;
    d.next_poll = model.now.map(|now| now + POLL);
    model.dirty = true;
    vec![Cmd::Diagnose]
}

/// The driver's answer: replaces the snapshot (one server's report; the
/// others' stay).
pub fn on_report(
    model: &mut Model,
    server: crate::store::ServerId,
    d: crate::sip::engine::diagnostics::Diagnostics,
) {
    let diag = &mut model.diag;
    match diag.report_servers.iter().position(|s| *s == server) {
        Some(i) if i < diag.reports.len() && i < diag.traces.len() => {
            diag.reports[i] = d.report;
            diag.traces[i] = d.trace;
        }
        _ => {
            diag.report_servers.push(server);
            diag.reports.push(d.report);
            diag.traces.push(d.trace);
        }
    }
    diag.trace = if diag.traces.len() == 1 {
        diag.traces[0].clone()
    } else {
        let mut all: Vec<TraceEntry> = diag.traces.iter().flatten().cloned().collect();
        all.sort_by_key(|e| e.at);
        all
    };
    if diag.open {
        model.dirty = true;
    }
}

/// A tick: ask again when due.
pub fn tick(model: &mut Model, now: Instant) -> Vec<Cmd> {
    let d = &mut model.diag;
    if !d.open || d.next_poll.is_some_and(|at| at > now) {
        return Vec::new();
    }
    d.next_poll = Some(now + POLL);
    vec![Cmd::Diagnose]
}

/// The contact name a row shows (the URI's for a list, or an unknown id).
pub fn row_name(model: &Model, sub: &SubReport) -> String {
    match sub.contact {
        Some(id) if (id.0 as usize) < model.store.len() => model.store.info(id).name.clone(),
        Some(_) => String::new(),
        None => "(resource list)".into(),
    }
}

/// The subscription rows shown: filtered by state and search, sorted.
pub fn rows(model: &Model) -> Vec<Row> {
    let d = &model.diag;
    let words: Vec<String> = d.query.split_whitespace().map(str::to_lowercase).collect();
    let wanted = d.filter.and_then(|i| SubState::LABELS.get(i).copied());
    let mut out: Vec<(Row, String)> = Vec::new();
    for (server, report) in d.reports.iter().enumerate() {
        for (index, sub) in report.subscriptions.iter().enumerate() {
            if wanted.is_some_and(|w| sub.state.label() != w) {
                continue;
            }
            let name = row_name(model, sub);
            let hay = format!(
                "{} {} {} {}",
                name.to_lowercase(),
                sub.uri.to_lowercase(),
                sub.event.as_str(),
                sub.state.label()
            );
            if words.iter().all(|w| hay.contains(w.as_str())) {
                out.push((Row { server, index }, name.to_lowercase()));
            }
        }
    }
    let sub = |r: &Row| &d.reports[r.server].subscriptions[r.index];
    out.sort_by(|(a, an), (b, bn)| {
        let (sa, sb) = (sub(a), sub(b));
        let by_name = an.cmp(bn).then(sa.event.as_str().cmp(sb.event.as_str()));
        match d.sort {
            SortKey::Contact => by_name,
            SortKey::State => state_rank(&sa.state)
                .cmp(&state_rank(&sb.state))
                .then(by_name),
            SortKey::Event => sa.event.as_str().cmp(sb.event.as_str()).then(by_name),
            SortKey::Code => sb.last_code.cmp(&sa.last_code).then(by_name),
            // Most recent first; never notified last.
            SortKey::LastNotify => sb.last_notify.cmp(&sa.last_notify).then(by_name),
        }
    });
    out.into_iter().map(|(r, _)| r).collect()
}

/// Worst first: what needs attention sorts to the top.
fn state_rank(s: &SubState) -> usize {
    match s {
        SubState::Error(_) => 0,
        SubState::Terminated(_) => 1,
        SubState::AccessDenied => 2,
        SubState::NotFound => 3,
        SubState::Pending => 4,
        SubState::Requesting => 5,
        SubState::NotRequested => 6,
        SubState::Active => 7,
    }
}

/// A key while the view is open. `None`: closed, or a key the console
/// handles (quitting).
pub fn key(model: &mut Model, key: &KeyEvent) -> Option<Vec<Cmd>> {
    if !model.diag.open {
        return None;
    }
    model.dirty = true;
    if model.diag.input.is_some() {
        return Some(prompt_key(model, key));
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let action = model.keymap.action_for(key);
    if matches!(action, Some(Action::Quit | Action::QuitNow)) {
        return None;
    }
    match (key.code, action) {
        (KeyCode::Esc, _) | (_, Some(Action::Diagnostics)) => model.diag.open = false,
        (KeyCode::Tab, _) => model.diag.tab = model.diag.tab.next(),
        (KeyCode::BackTab, _) => {
            model.diag.tab = model.diag.tab.next().next();
        }
        (KeyCode::Char('o'), _) if ctrl => {
            model.diag.sort = model.diag.sort.next();
            model.diag.cursor = 0;
        }
        (KeyCode::Char('t'), _) if ctrl => model.diag.input = Some(String::new()),
        (KeyCode::Char('a'), _) if ctrl => return Some(resubscribe_server(model)),
        (KeyCode::Left, _) => cycle_filter(model, -1),
        (KeyCode::Right, _) => cycle_filter(model, 1),
        (KeyCode::Enter, _) if model.diag.tab == Tab::Subscriptions => {
            return Some(resubscribe_selected(model));
        }
        (KeyCode::Up, _) => move_cursor(model, -1),
        (KeyCode::Down, _) => move_cursor(model, 1),
        (KeyCode::PageUp, _) => move_cursor(model, -10),
        (KeyCode::PageDown, _) => move_cursor(model, 10),
        (KeyCode::Home, _) => move_cursor(model, isize::MIN / 2),
        (KeyCode::End, _) => move_cursor(model, isize::MAX / 2),
        (KeyCode::Backspace, _) => {
            model.diag.query.pop();
            model.diag.cursor = 0;
        }
        (KeyCode::Char(c), _) if !ctrl && !alt && !c.is_control() => {
            if model.diag.query.chars().count() < 80 {
                model.diag.query.push(c);
            }
            model.diag.cursor = 0;
        }
        _ => {}
    }
    Some(Vec::new())
}

/// Typing the URI of a test subscription.
fn prompt_key(model: &mut Model, key: &KeyEvent) -> Vec<Cmd> {
    let d = &mut model.diag;
    let Some(input) = d.input.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => d.input = None,
        KeyCode::Tab | KeyCode::BackTab => {
            d.test_event = match d.test_event {
                EventKind::Presence => EventKind::Dialog,
                EventKind::Dialog => EventKind::Reg,
                EventKind::Reg => EventKind::MessageSummary,
                EventKind::MessageSummary => EventKind::Presence,
            }
        }
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Enter => {
            let uri = input.trim().to_string();
            if crate::sip::uri::SipUri::parse_loose(&uri).is_none() {
                model.message = Some(format!(
                    "Not a SIP URI: {} (e.g. sip:alice@example.test)",
                    crate::text::harmless_line(&uri)
                ));
                return Vec::new();
            }
            d.input = None;
            d.tab = Tab::Test;
            d.test_scroll = 0;
            let event = d.test_event;
            model.message = Some(format!(
                "Test subscription to {uri} ({}) for one minute",
                event.as_str()
            ));
            return vec![Cmd::TestSubscribe { uri, event }, Cmd::Diagnose];
        }
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && !c.is_control()
                && input.chars().count() < 200 =>
        {
            input.push(c)
        }
        _ => {}
    }
    Vec::new()
}

fn cycle_filter(model: &mut Model, step: isize) {
    let n = SubState::LABELS.len() as isize + 1; // "all" + each state
    let now = model.diag.filter.map_or(0, |i| i as isize + 1);
    let next = (now + step).rem_euclid(n);
    model.diag.filter = (next > 0).then(|| (next - 1) as usize);
    model.diag.cursor = 0;
}

fn move_cursor(model: &mut Model, step: isize) {
    let d = &model.diag;
    match d.tab {
        Tab::Subscriptions => {
            let len = rows(model).len();
            let at = model.diag.cursor.saturating_add_signed(step);
            model.diag.cursor = at.min(len.saturating_sub(1));
        }
        Tab::Trace => {
            let len = d.trace.len();
            let current = d.trace_cursor.unwrap_or(len.saturating_sub(1));
            let at = current
                .saturating_add_signed(step)
                .min(len.saturating_sub(1));
            // Back at the newest: follow new messages again.
            model.diag.trace_cursor = (at + 1 < len).then_some(at);
        }
        Tab::Test => {
            model.diag.test_scroll = d.test_scroll.saturating_add_signed(step).min(500);
        }
    }
}

/// The selected row, if any.
pub fn selected(model: &Model) -> Option<Row> {
    let rows = rows(model);
    rows.get(model.diag.cursor.min(rows.len().saturating_sub(1)))
        .copied()
}

fn resubscribe_selected(model: &mut Model) -> Vec<Cmd> {
    let Some(row) = selected(model) else {
        return Vec::new();
    };
    let sub = &model.diag.reports[row.server].subscriptions[row.index];
    let Some(contact) = sub.contact else {
        return resubscribe_server(model);
    };
    let name = row_name(model, sub);
    model.message = Some(format!("Subscribing again to {name}"));
    vec![Cmd::ResubscribeContacts(vec![contact]), Cmd::Diagnose]
}

fn resubscribe_server(model: &mut Model) -> Vec<Cmd> {
    let server = selected(model).map_or(0, |r| r.server);
    let Some(report) = model.diag.reports.get(server) else {
        return Vec::new();
    };
    model.message = Some(format!(
        "Subscribing again to everything on {}",
        crate::text::harmless_line(&report.server)
    ));
    // The engine that sent this report (its server's id).
    let id = model.diag.report_servers.get(server).copied().unwrap_or(0);
    vec![Cmd::ResubscribeServer(usize::from(id)), Cmd::Diagnose]
}

/// Contacts with a row (for tests and the view's counts).
pub fn contacts_shown(model: &Model) -> Vec<ContactId> {
    rows(model)
        .iter()
        .filter_map(|r| model.diag.reports[r.server].subscriptions[r.index].contact)
        .collect()
}

#[cfg(any(test, feature = "samples"))]
pub mod sample;
#[cfg(test)]
mod tests;
