//! The journal in the console: every state change the store reports
//! becomes journal entries ([`Cmd::Journal`], written in batches by the
//! notes thread, off the ingest path); a ringing dialog that ends without
//! being answered is a missed call, kept per contact in
//! [`Model::missed_log`]; F8 and the details panel show a contact's
//! timeline.
//!
//! Pure: wall-clock times come from one anchor the runtime sends at start
//! ([`Msg::Clock`](crate::app::Msg::Clock)): an engine event's
//! `Instant` is turned into milliseconds since the epoch from it. Without
//! an anchor (or without a notes database) nothing is journalled.
//!
//! Agreed with the console lane: the per-contact fact is
//! `model.missed_log` ([`MissedCalls`]); its `is:missed` search filter
//! reads [`MissedCalls::since`] / [`MissedCalls::contacts_since`].

use std::collections::HashMap;
use std::time::Instant;

use crate::app::cmd::Cmd;
use crate::app::model::Model;
use crate::body::DialogEntry;
use crate::notes::journal::{self, Entry, Kind};
use crate::presence::{LineState, Presence};
use crate::sip::events::EngineEvent;
use crate::store::{ContactId, Shown};

/// Missed calls kept per contact in the console (the database keeps all).
const MAX_MISSED_PER_CONTACT: usize = 200;

/// One missed call as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedCall {
    /// When it ended unanswered (ms since the epoch).
    pub at_ms: i64,
    /// The caller's display name, else number (see [`journal::caller_label`]).
    pub caller: Option<String>,
    pub caller_uri: Option<String>,
    /// The dialog id (one call is counted once).
    reference: Option<String>,
}

/// Every contact's missed calls (oldest first), from the journal read at
/// start and from what this console sees.
#[derive(Debug, Clone, Default)]
pub struct MissedCalls {
    by_contact: HashMap<ContactId, Vec<MissedCall>>,
    /// The default "since" of the count in the status bar and the filter:
    /// the start of the day the console started on (or was last told).
    pub since_ms: i64,
}

impl MissedCalls {
    /// A contact's missed calls, oldest first.
    pub fn of(&self, id: ContactId) -> &[MissedCall] {
        self.by_contact.get(&id).map_or(&[], Vec::as_slice)
    }
    /// How many calls `id` missed at or after `since_ms`.
    pub fn since(&self, id: ContactId, since_ms: i64) -> usize {
        self.of(id).iter().filter(|c| c.at_ms >= since_ms).count()
    }
    /// The latest missed call of `id`.
    pub fn last(&self, id: ContactId) -> Option<&MissedCall> {
        self.of(id).last()
    }
    /// Every missed call at or after `since_ms`, all contacts together.
    pub fn count_since(&self, since_ms: i64) -> usize {
        self.by_contact
            .values()
            .map(|v| v.iter().filter(|c| c.at_ms >= since_ms).count())
            .sum()
    }
    /// The contacts with a missed call at or after `since_ms`.
    pub fn contacts_since(&self, since_ms: i64) -> Vec<ContactId> {
        let mut ids: Vec<ContactId> = self
            .by_contact
            .iter()
            .filter(|(_, v)| v.iter().any(|c| c.at_ms >= since_ms))
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids
    }
    /// Add one (a call already known by its dialog id is not counted
    /// again); true when it was new.
    fn add(&mut self, id: ContactId, e: &Entry) -> bool {
        let calls = self.by_contact.entry(id).or_default();
        if e.reference.is_some() && calls.iter().any(|c| c.reference == e.reference) {
            return false;
        }
        let at = calls.partition_point(|c| c.at_ms <= e.at_ms);
        calls.insert(
            at,
            MissedCall {
                at_ms: e.at_ms,
                caller: e.peer.clone(),
                caller_uri: e.peer_uri.clone(),
                reference: e.reference.clone(),
            },
        );
        if calls.len() > MAX_MISSED_PER_CONTACT {
            calls.remove(0);
        }
        true
    }
}

/// A contact's timeline as read from the journal (F8 and the panel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub contact: ContactId,
    /// From when (ms since the epoch).
    pub since_ms: i64,
    /// `None`: still being read.
    pub entries: Option<Vec<Entry>>,
}

/// The journal's part of the console state.
#[derive(Debug, Clone)]
pub struct JournalState {
    /// Milliseconds since the epoch at an `Instant` (from the runtime).
    pub anchor: Option<(Instant, i64)>,
    /// The local time zone (UTC until the runtime says).
    pub tz: jiff::tz::TimeZone,
    /// The F8 overlay.
    pub overlay: Option<Timeline>,
    /// The selected contact's timeline for the details panel.
    pub panel: Option<Timeline>,
}

impl Default for JournalState {
    fn default() -> Self {
        JournalState {
            anchor: None,
            tz: jiff::tz::TimeZone::UTC,
            overlay: None,
            panel: None,
        }
    }
}

impl JournalState {
    /// The wall-clock time of `at`.
    pub fn wall_ms(&self, at: Instant) -> Option<i64> {
        let (base, ms) = self.anchor?;
        Some(if at >= base {
            ms + at.duration_since(base).as_millis() as i64
        } else {
            ms - base.duration_since(at).as_millis() as i64
        })
    }
}

/// What a contact showed before an engine event was applied.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: ContactId,
    pub presence: Presence,
    pub line: LineState,
    pub note: Option<Box<str>>,
    /// The dialogs that were ringing (for missed calls).
    pub ringing: Vec<DialogEntry>,
}

impl Snapshot {
    /// A contact's state now.
    pub fn of(store: &crate::store::Store, id: ContactId, dialogs: bool) -> Snapshot {
        let s = store.shown(id);
        Snapshot {
            id,
            presence: s.presence,
            line: s.line,
            note: s.note.clone(),
            ringing: if dialogs {
                journal::ringing(store.dialogs(id))
            } else {
                Vec::new()
            },
        }
    }
}

/// The entries a change from `before` to `shown` makes (presence, line,
/// status note; with the store's source and rule), stamped `at_ms`.
pub fn changes(key: &str, before: &Snapshot, shown: &Shown, at_ms: i64) -> Vec<Entry> {
    let (source, rule) = (shown.source.as_str(), shown.rule);
    let entry = |kind, value: &str| {
        let mut e = Entry::change(key, kind, value, source, rule);
        e.at_ms = at_ms;
        e
    };
    let mut out = Vec::new();
    if before.presence != shown.presence {
        out.push(entry(Kind::Presence, shown.presence.as_str()));
    }
    if before.line != shown.line {
        let mut e = entry(Kind::Line, shown.line.as_str());
        if let Some(p) = &shown.peer {
            e.peer = journal::caller_label(p.display.as_deref(), p.identity.as_deref());
            e.peer_uri = p.identity.clone();
        }
        out.push(e);
    }
    if before.note != shown.note {
        out.push(entry(Kind::Note, shown.note.as_deref().unwrap_or("")));
    }
    out
}

/// The contact an engine event is about, before it is applied (`None`:
/// not journalled: no anchor, or not a contact's event).
pub fn before(model: &Model, ev: &EngineEvent) -> Option<Snapshot> {
    model.journal.anchor?;
    let (id, dialogs) = match ev {
        EngineEvent::Presence { contact, .. } => (*contact, false),
        EngineEvent::Dialog { contact, .. } => (*contact, true),
        EngineEvent::Subscription { contact, .. }
        | EngineEvent::Stale { contact, .. }
        | EngineEvent::Registration { contact, .. }
        | EngineEvent::Line { contact, .. }
        | EngineEvent::Unreadable { contact, .. } => (*contact, false),
        _ => return None,
    };
    Some(Snapshot::of(&model.store, id, dialogs))
}

/// After the event was applied: the journal entries to write and the
/// missed calls to count.
pub fn after(model: &mut Model, before: Snapshot, at: Instant) -> Vec<Cmd> {
    let Some(at_ms) = model.journal.wall_ms(at) else {
        return Vec::new();
    };
    let id = before.id;
    let key = key_of(model, id);
    let mut entries = changes(&key, &before, model.store.shown(id), at_ms);
    if !before.ringing.is_empty() {
        for mut m in journal::missed_calls(&before.ringing, model.store.dialogs(id)) {
            m.contact.clone_from(&key);
            m.at_ms = at_ms;
            let mut m = m.made_harmless();
            if model.line.hide_peers {
                // `[ui] show_peers = false`: who called is not kept either.
                m.peer = None;
                m.peer_uri = None;
            }
            if model.missed_log.add(id, &m) {
                // The cell's mark and `is:missed` until the details are
                // looked at (see `Msg::MissedCall`).
                *model.missed_calls.entry(id).or_insert(0) += 1;
                if model.filtering_states() {
                    model.rebuild_list(None);
                }
                model.dirty = true;
            }
            entries.push(m);
        }
    }
    if entries.is_empty() {
        return Vec::new();
    }
    for view in [&mut model.journal.overlay, &mut model.journal.panel]
        .into_iter()
        .flatten()
    {
        if view.contact == id
            && let Some(list) = &mut view.entries
        {
            list.extend(entries.iter().cloned());
            model.dirty = true;
        }
    }
    if !model.notes.enabled {
        return Vec::new();
    }
    vec![Cmd::Journal(entries)]
}

/// The key a contact's rows are stored under.
pub fn key_of(model: &Model, id: ContactId) -> String {
    model
        .notes
        .keys
        .get(id.0 as usize)
        .cloned()
        .unwrap_or_else(|| crate::notes::contact_key(&model.store.info(id).uri))
}

/// The runtime's wall clock at `at`: the anchor of journal times, the
/// local time zone, and the start of today (the missed-call count's
/// default "since").
pub fn set_clock(model: &mut Model, wall: &jiff::Zoned, at: Instant) {
    let now_ms = wall.timestamp().as_millisecond();
    let tz = wall.time_zone().clone();
    model.journal.anchor = Some((at, now_ms));
    model.missed_log.since_ms = journal::start_of_day(now_ms, &tz);
    model.journal.tz = tz;
    model.dirty = true;
}

/// Missed calls read from the journal (at start: today's).
pub fn loaded_missed(model: &mut Model, entries: Vec<Entry>) {
    for e in entries.iter().filter(|e| e.kind == Kind::Missed) {
        if let Some(id) = model.store.find(&e.contact) {
            model.missed_log.add(id, e);
        }
    }
    model.dirty = true;
}

/// A contact's timeline, as asked for.
pub fn loaded(model: &mut Model, contact: &str, since_ms: i64, entries: Vec<Entry>) {
    let id = model.store.find(contact);
    for view in [&mut model.journal.overlay, &mut model.journal.panel]
        .into_iter()
        .flatten()
    {
        if Some(view.contact) == id && view.since_ms == since_ms && view.entries.is_none() {
            view.entries = Some(entries.clone());
        }
    }
    model.dirty = true;
}

/// F8: the selected contact's timeline since the start of today.
pub fn open(model: &mut Model) -> Vec<Cmd> {
    model.dirty = true;
    let Some(id) = model.selected() else {
        return Vec::new();
    };
    if !model.notes.enabled {
        model.message = Some("History is off: no notes database".into());
        return Vec::new();
    }
    let since_ms = model.missed_log.since_ms;
    model.journal.overlay = Some(Timeline {
        contact: id,
        since_ms,
        entries: None,
    });
    vec![Cmd::LoadJournal {
        contact: key_of(model, id),
        since_ms,
    }]
}

/// A key while the F8 overlay is open: any key closes it. `None`: it is
/// not open.
pub fn on_key(model: &mut Model) -> Option<Vec<Cmd>> {
    model.journal.overlay.take()?;
    model.dirty = true;
    Some(Vec::new())
}

/// The details panel shows the selected contact's timeline: ask for it
/// when the selection (or the panel) changed.
pub fn follow_selection(model: &mut Model) -> Vec<Cmd> {
    if !model.details_open || !model.notes.enabled || model.journal.anchor.is_none() {
        model.journal.panel = None;
        return Vec::new();
    }
    let Some(id) = model.selected() else {
        return Vec::new();
    };
    let since_ms = model.missed_log.since_ms;
    if model
        .journal
        .panel
        .as_ref()
        .is_some_and(|p| p.contact == id && p.since_ms == since_ms)
    {
        return Vec::new();
    }
    model.journal.panel = Some(Timeline {
        contact: id,
        since_ms,
        entries: None,
    });
    vec![Cmd::LoadJournal {
        contact: key_of(model, id),
        since_ms,
    }]
}

#[cfg(test)]
mod tests;
