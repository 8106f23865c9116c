//! Line truth in the store: registration state (RFC 3680), message
//! waiting (RFC 3842), the forwarding target's name (voicemail or a
//! number), stuck ringing, hidden peers, and who the other party is.
//!
//! Registration documents are never dropped as repeats: Kamailio numbers
//! every reginfo NOTIFY `version="0"`; each full state is the truth.

use std::time::Instant;

use super::{EventKind, LineState, Peer, Shown, Store, slot};
use crate::presence::{ContactId, SubscriptionStatus};
use crate::sip::events::EngineEvent;

impl Peer {
    /// Who the other party is, as a cell shows it: their display name,
    /// else their number (the user part of a `sip:`/`tel:` identity),
    /// else the identity as received. `None` when nothing is known.
    pub fn label(&self) -> Option<String> {
        if let Some(d) = self
            .display
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            return Some(d.to_string());
        }
        let id = self
            .identity
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())?;
        Some(target_number(id).to_string())
    }
}

/// The store's line settings a contact's combination needs.
pub(super) struct LineCtx<'a> {
    /// `[ui] show_peers = false`.
    pub(super) hide_peers: bool,
    /// `[telephony] voicemail`.
    pub(super) voicemail: Option<&'a str>,
}

/// What the store adds to the combined line state from its own
/// configuration: the forwarding target's name and the message count.
#[derive(Debug, Default)]
pub(super) struct LineExtras {
    pub(super) forwarded_to: Option<String>,
    pub(super) messages: Option<u32>,
}

/// "voicemail" when `target` is the voicemail pilot or the person's own
/// mailbox (their extension: PBXs number a mailbox after its extension),
/// else the number or address as published (its user part for a SIP or
/// tel URI: `sip:0171234567@pbx` → `0171234567`).
pub fn forward_target_label(target: &str, pilot: Option<&str>, extension: Option<&str>) -> String {
    let number = target_number(target);
    let digits = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let n = digits(number);
    let is = |x: Option<&str>| x.is_some_and(|x| !x.trim().is_empty() && digits(x) == n);
    if is(pilot) || is(extension) {
        "voicemail".to_string()
    } else {
        number.to_string()
    }
}

/// The user part of a `sip:`/`sips:`/`tel:` URI (parameters dropped), or
/// the text itself.
fn target_number(target: &str) -> &str {
    let t = target.trim();
    let t = t
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(t);
    let lower = t.get(..5).map(str::to_ascii_lowercase).unwrap_or_default();
    let rest = if lower.starts_with("sips:") {
        &t[5..]
    } else if lower.starts_with("sip:") || lower.starts_with("tel:") {
        &t[4..]
    } else {
        return t;
    };
    let user = rest.split('@').next().unwrap_or(rest);
    user.split(';').next().unwrap_or(user)
}

impl Shown {
    /// "ringing for 12 min — the hang-up may have been missed" for a
    /// suspect ringing line, `None` otherwise.
    pub fn suspect_why(&self, now: Instant) -> Option<String> {
        if !self.suspect || self.line != LineState::Ringing {
            return None;
        }
        let mins = now.saturating_duration_since(self.line_since?).as_secs() / 60;
        Some(format!(
            "ringing for {mins} min \u{2014} the hang-up may have been missed"
        ))
    }
}

impl Store {
    /// `[ui] show_peers = false`: keep no peer in what is shown.
    pub fn set_hide_peers(&mut self, hide: bool) {
        self.hide_peers = hide;
    }
    /// The voicemail pilot number (`[telephony] voicemail`).
    pub fn set_voicemail_pilot(&mut self, pilot: Option<String>) {
        self.voicemail = pilot;
    }
    /// A reginfo document arrived for the contact's line (`None`: an empty
    /// body on an active subscription, nobody registered). Every document
    /// is applied: Kamailio numbers them all `version="0"`. A full state
    /// is the truth; a partial one that names a registered contact says
    /// registered, otherwise it is read as what it lists.
    pub fn apply_registration(
        &mut self,
        id: ContactId,
        doc: Option<crate::body::reginfo::RegDoc>,
        now: Instant,
    ) -> bool {
        self.change(id, now, true, |src| {
            let r = slot(EventKind::Reg);
            let registered = doc.as_ref().is_some_and(|d| d.registered());
            let was = src.registered.replace(registered);
            let cleared = src.stale[r] || src.unreadable.is_some(r);
            src.stale[r] = false;
            src.unreadable.clear(r);
            was != Some(registered) || cleared
        })
    }
    /// A message-summary arrived for the contact.
    pub fn apply_messages(
        &mut self,
        id: ContactId,
        summary: crate::body::message_summary::MessageSummary,
        now: Instant,
    ) -> bool {
        self.change(id, now, true, |src| {
            let m = slot(EventKind::MessageSummary);
            src.stale[m] = false;
            src.unreadable.clear(m);
            src.messages.replace(summary) != Some(summary)
        })
    }
    /// Marks lines ringing for longer than `after` as suspect (a missed
    /// hang-up); returns the contacts newly marked, whose dialog
    /// subscription the caller re-syncs once. A line marked stays so
    /// until its state changes.
    pub fn mark_stuck_ringing(
        &mut self,
        now: Instant,
        after: std::time::Duration,
    ) -> Vec<ContactId> {
        (0..self.len() as u32)
            .map(ContactId)
            .filter(|&id| self.mark_stuck(id, now, after))
            .collect()
    }
    /// [`Store::mark_stuck_ringing`] for one contact: true when newly marked.
    pub fn mark_stuck(&mut self, id: ContactId, now: Instant, after: std::time::Duration) -> bool {
        let Some(c) = self.contacts.get_mut(id.0 as usize) else {
            return false;
        };
        let s = &mut c.shown;
        if c.retired || s.line != LineState::Ringing || s.suspect {
            return false;
        }
        let stuck = s
            .line_since
            .is_some_and(|t| now.saturating_duration_since(t) >= after);
        s.suspect = stuck;
        stuck
    }
    /// When contact `id`'s ringing line becomes suspect, if it rings and is
    /// not suspect yet: after an event changed one contact, the caller's
    /// timer moves no later than this (without walking every contact).
    pub fn stuck_check_of(&self, id: ContactId, after: std::time::Duration) -> Option<Instant> {
        let c = self.contacts.get(id.0 as usize)?;
        let s = &c.shown;
        if c.retired || s.line != LineState::Ringing || s.suspect {
            return None;
        }
        s.line_since.map(|t| t + after)
    }
    /// When the next ringing line becomes suspect (for the caller's timer).
    pub fn next_stuck_check(&self, after: std::time::Duration) -> Option<Instant> {
        self.contacts
            .iter()
            .filter(|c| !c.retired && c.shown.line == LineState::Ringing && !c.shown.suspect)
            .filter_map(|c| c.shown.line_since)
            .min()
            .map(|t| t + after)
    }
}

/// One of a contact's other lines (`lines`, line 1 and up): its own dialog
/// and registration subscriptions, combined like the first line's.
#[derive(Debug)]
pub struct ExtraLine {
    pub(crate) uri: String,
    pub(crate) dialogs: super::dialogs::DialogTracker,
    /// Dialog, reg.
    pub(crate) status: [SubscriptionStatus; 2],
    pub(crate) stale: [bool; 2],
    pub(crate) unreadable: super::reasons::Reasons<2>,
    pub(crate) registered: Option<bool>,
}

impl ExtraLine {
    pub(super) fn new(uri: String) -> Self {
        ExtraLine {
            uri,
            dialogs: Default::default(),
            status: [
                SubscriptionStatus::NotRequested,
                SubscriptionStatus::NotRequested,
            ],
            stale: [false; 2],
            unreadable: Default::default(),
            registered: None,
        }
    }

    /// The dialogs still shown (none once the subscription is refused).
    pub(crate) fn shown_dialogs(&self) -> &[crate::body::DialogEntry] {
        if self.status[0].is_refused() {
            &[]
        } else {
            self.dialogs.dialogs()
        }
    }

    /// What the registrar says, while its subscription holds.
    pub(crate) fn registered_now(&self) -> Option<bool> {
        let current = self.status[1] == SubscriptionStatus::Active
            && !self.stale[1]
            && !self.unreadable.is_some(1);
        self.registered.filter(|_| current)
    }

    /// Applies one event of this line's subscriptions; true on a change.
    fn apply(&mut self, ev: &EngineEvent) -> bool {
        use EngineEvent as E;
        let at = |event: EventKind| usize::from(event != EventKind::Dialog);
        match ev {
            E::Dialog { doc, .. } => {
                let applied = self.dialogs.apply(doc.clone());
                if applied {
                    self.stale[0] = false;
                    self.unreadable.clear(0);
                }
                applied
            }
            E::Registration { doc, .. } => {
                let registered = doc.as_ref().is_some_and(|d| d.registered());
                let cleared = self.stale[1] || self.unreadable.is_some(1);
                self.stale[1] = false;
                self.unreadable.clear(1);
                self.registered.replace(registered) != Some(registered) || cleared
            }
            E::Subscription { event, status, .. } => {
                if *status == SubscriptionStatus::Requesting && *event == EventKind::Dialog {
                    self.dialogs.restart();
                }
                let s = &mut self.status[at(*event)];
                if s == status {
                    return false;
                }
                *s = status.clone();
                true
            }
            E::Stale { event, .. } => !std::mem::replace(&mut self.stale[at(*event)], true),
            E::Unreadable { event, reason, .. } => self.unreadable.set(at(*event), reason),
            _ => false,
        }
    }
}

/// One line of a contact as the details panel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineView {
    pub uri: String,
    pub state: LineState,
    /// Why ("not registered", "in a call", "no call on the line"…).
    pub rule: &'static str,
}

impl Store {
    /// The contact's other lines (`lines`: URIs besides its own, which is
    /// always line 0). Replaces what was set before.
    pub fn set_lines(&mut self, id: ContactId, uris: Vec<String>) {
        if let Some(c) = self.contacts.get_mut(id.0 as usize) {
            for s in std::iter::once(&mut c.src).chain(c.more.iter_mut()) {
                s.lines = uris.iter().cloned().map(ExtraLine::new).collect();
            }
        }
    }

    /// Every line of the contact with its own state and why: its URI
    /// first, then its `lines`.
    pub fn lines(&self, id: ContactId) -> Vec<LineView> {
        let Some(c) = self.contacts.get(id.0 as usize) else {
            return Vec::new();
        };
        // The same servers as the cell: each line from the dialog server.
        let (_, inputs) = super::servers::inputs(&c.src, &c.more, self.preferred());
        let doc = inputs
            .presence
            .filter(|_| !inputs.presence_status.is_refused());
        let uris =
            std::iter::once(c.info.uri.as_str()).chain(c.src.lines.iter().map(|l| l.uri.as_str()));
        super::rules::every_line(&inputs, doc)
            .zip(uris)
            .map(|((state, rule, ..), uri)| LineView {
                uri: uri.to_string(),
                state,
                rule,
            })
            .collect()
    }

    /// An event of one of the contact's other lines (`EngineEvent::Line`).
    pub(super) fn apply_line_event(&mut self, id: ContactId, line: u16, ev: &EngineEvent) -> bool {
        let Some(at) = event_at(ev) else {
            return false;
        };
        let notify = matches!(
            ev,
            EngineEvent::Dialog { .. } | EngineEvent::Registration { .. }
        );
        let index = usize::from(line.saturating_sub(1));
        self.change(id, at, notify, |src| {
            src.lines.get_mut(index).is_some_and(|l| l.apply(ev))
        })
    }
}

/// When an event happened (`None`: one without a time of its own).
pub fn event_at(ev: &EngineEvent) -> Option<Instant> {
    use EngineEvent as E;
    match ev {
        E::Presence { at, .. }
        | E::Dialog { at, .. }
        | E::Registration { at, .. }
        | E::MessageSummary { at, .. }
        | E::Subscription { at, .. }
        | E::Stale { at, .. }
        | E::Unreadable { at, .. }
        | E::Connection { at, .. }
        | E::List { at, .. }
        | E::ContactsAdded { at, .. } => Some(*at),
        E::Line { event, .. } => event_at(event),
        E::Diagnostics(_) | E::Trace(_) => None,
    }
}
