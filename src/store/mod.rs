//! The local store: per-contact state and the rules that combine sources.
//!
//! Everything here is pure: `now` comes in as an argument. The engine feeds
//! it parsed documents and subscription changes; `watch` and the UI read the
//! combined [`Shown`] state of each contact.

mod dialogs;
mod directory;
mod line;
mod reasons;
pub mod rules;
mod servers;
mod shown;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_line;
#[cfg(test)]
mod tests_lines_health;
mod uri;

use std::time::Instant;

use crate::body::{DialogDoc, DialogEntry, PresenceDoc};
use crate::presence::{EventKind, LineState, SubscriptionStatus};
use dialogs::DialogTracker;

pub use crate::presence::{ContactId, ContactInfo};
pub use directory::DirectoryChange;
use line::LineCtx;
pub use line::{LineView, event_at, forward_target_label};

/// How long a line may ring before it is suspect (`[telephony]
/// ringing_suspect_after`): no caller waits three minutes; a lamp that
/// does has most likely missed its hang-up.
pub const RINGING_SUSPECT_AFTER: std::time::Duration = std::time::Duration::from_secs(180);
pub use servers::ServerId;
pub use shown::{Peer, Shown};

/// The store of every contact's state.
#[derive(Debug, Default)]
pub struct Store {
    contacts: Vec<Contact>,
    /// Contact URI → contact, compared by RFC 3261 19.1.4.
    by_uri: uri::UriIndex,
    /// `[telephony] voicemail`: a forward to this number is "forwarded to
    /// voicemail".
    voicemail: Option<String>,
    /// `[ui] show_peers = false`: the other party of a call is never kept
    /// in what is shown (so no view and no JSON line can show it).
    hide_peers: bool,
    /// The presence servers' names and the preferred one.
    servers: servers::Servers,
    /// The server whose event is being applied (0 outside
    /// [`Store::apply_server_event`]).
    current_server: ServerId,
}

#[derive(Debug)]
struct Contact {
    info: ContactInfo,
    /// Directory columns without a field of their own (details, search).
    extra: Vec<(String, String)>,
    /// Removed from the directory: the slot is kept (ids stay stable) and
    /// never given to another contact; nothing is applied to it any more.
    retired: bool,
    /// What server 0 said (the only one, usually).
    src: Sources,
    /// What servers 1, 2, … said (`more[k - 1]`); empty with one server.
    more: Vec<Sources>,
    shown: Shown,
}

/// What arrived for one contact, per event package.
#[derive(Debug)]
struct Sources {
    presence: Option<PresenceDoc>,
    dialogs: DialogTracker,
    /// Indexed by [`slot`]: presence, dialog, reg, message-summary.
    status: [SubscriptionStatus; 4],
    stale: [bool; 4],
    /// Why the last body of each package could not be read (cleared by
    /// the next one that could).
    unreadable: reasons::Reasons<4>,
    /// The last reginfo read: is any contact of the line registered?
    registered: Option<bool>,
    /// The last message summary read.
    messages: Option<crate::body::message_summary::MessageSummary>,
    /// The contact's other lines (`lines`), line 1 and up.
    lines: Vec<line::ExtraLine>,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            presence: None,
            dialogs: DialogTracker::default(),
            status: [const { SubscriptionStatus::NotRequested }; 4],
            stale: [false; 4],
            unreadable: reasons::Reasons::default(),
            registered: None,
            messages: None,
            lines: Vec::new(),
        }
    }
}

impl Sources {
    fn inputs(&self) -> rules::Inputs<'_> {
        rules::Inputs {
            presence: self.presence.as_ref(),
            presence_status: &self.status[0],
            presence_stale: self.stale[0],
            presence_unreadable: self.unreadable.get(0),
            dialogs: self.dialogs.dialogs(),
            dialog_received: self.dialogs.received(),
            dialog_status: &self.status[1],
            dialog_stale: self.stale[1],
            dialog_unreadable: self.unreadable.get(1),
            registered: self.registered.filter(|_| self.registration_current()),
            lines: &self.lines,
        }
    }

    /// What the registrar said still holds: its subscription is up (a
    /// 489 — no registration information — or any failure is never a
    /// statement about the phone), not stale, its last body readable.
    fn registration_current(&self) -> bool {
        let r = slot(EventKind::Reg);
        self.status[r] == SubscriptionStatus::Active
            && !self.stale[r]
            && !self.unreadable.is_some(r)
    }

    /// New messages, while the message-summary subscription holds.
    fn new_messages(&self) -> Option<u32> {
        let m = slot(EventKind::MessageSummary);
        if self.status[m] != SubscriptionStatus::Active || self.stale[m] {
            return None;
        }
        self.messages
            .filter(|s| s.waiting && s.new > 0)
            .map(|s| s.new)
    }
}

fn slot(event: EventKind) -> usize {
    match event {
        EventKind::Presence => 0,
        EventKind::Dialog => 1,
        EventKind::Reg => 2,
        EventKind::MessageSummary => 3,
    }
}

/// Returned for an id the store never gave out (never a panic).
static NO_CONTACT: ContactInfo = ContactInfo {
    name: String::new(),
    uri: String::new(),
    extension: None,
    department: None,
};
static NO_SHOWN: Shown = Shown::INITIAL;

impl Store {
    pub fn new(contacts: Vec<ContactInfo>) -> Self {
        let contacts: Vec<Contact> = contacts
            .into_iter()
            .take(u32::MAX as usize)
            .map(|info| Contact::new(info, Vec::new()))
            .collect();
        let mut by_uri = uri::UriIndex::with_capacity(contacts.len());
        for (i, c) in contacts.iter().enumerate() {
            by_uri.add(&c.info.uri, ContactId(i as u32), &contacts);
        }
        Store {
            contacts,
            by_uri,
            voicemail: None,
            hide_peers: false,
            servers: servers::Servers::default(),
            current_server: 0,
        }
    }
    /// Slots: every id given out (`0..len`), retired ones included.
    pub fn len(&self) -> usize {
        self.contacts.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Every contact in the directory (retired slots left out).
    pub fn ids(&self) -> impl Iterator<Item = ContactId> + '_ {
        (0..self.len() as u32)
            .map(ContactId)
            .filter(|id| self.contact(*id).is_some_and(|c| !c.retired))
    }
    /// The contact's configuration (an empty one for an unknown id).
    pub fn info(&self, id: ContactId) -> &ContactInfo {
        self.contact(id).map_or(&NO_CONTACT, |c| &c.info)
    }
    /// What the console shows (the initial state for an unknown id).
    pub fn shown(&self, id: ContactId) -> &Shown {
        self.contact(id).map_or(&NO_SHOWN, |c| &c.shown)
    }
    /// Find a contact by URI, compared by RFC 3261 19.1.4 (see
    /// [`crate::sip::uri`]): host case does not matter, the port does.
    pub fn find(&self, uri: &str) -> Option<ContactId> {
        self.by_uri.find(uri, &self.contacts)
    }
    /// The last PIDF document received (kept while a subscription is
    /// refused, for the "why" panel): activities, entity, raw rule.
    pub fn presence_doc(&self, id: ContactId) -> Option<&PresenceDoc> {
        self.shown_sources(id, EventKind::Presence)?
            .presence
            .as_ref()
    }
    /// The live dialogs on the contact's line.
    pub fn dialogs(&self, id: ContactId) -> &[DialogEntry] {
        self.shown_sources(id, EventKind::Dialog)
            .map_or(&[], |s| s.dialogs.dialogs())
    }
    /// The status of one event's subscription (the shown one combines both).
    pub fn subscription(&self, id: ContactId, event: EventKind) -> &SubscriptionStatus {
        self.shown_sources(id, event)
            .map_or(&SubscriptionStatus::NotRequested, |s| {
                &s.status[slot(event)]
            })
    }

    /// A PIDF document arrived. Returns true when the shown state changed.
    pub fn apply_presence(&mut self, id: ContactId, doc: PresenceDoc, now: Instant) -> bool {
        self.change(id, now, true, |src| {
            src.presence = Some(doc);
            src.stale[0] = false;
            src.unreadable.clear(0);
            true
        })
    }
    /// A dialog-info document arrived (`None`: a NOTIFY without body, i.e. no
    /// dialogs). A version older than the last one seen is ignored.
    pub fn apply_dialog(&mut self, id: ContactId, doc: Option<DialogDoc>, now: Instant) -> bool {
        self.change(id, now, true, |src| {
            let applied = src.dialogs.apply(doc);
            if applied {
                src.stale[1] = false;
                src.unreadable.clear(1);
            }
            applied
        })
    }
    /// The subscription for `event` changed status. `Requesting` starts a new
    /// subscription: the dialog-info version baseline is reset.
    pub fn set_subscription(
        &mut self,
        id: ContactId,
        event: EventKind,
        status: SubscriptionStatus,
        now: Instant,
    ) -> bool {
        self.change(id, now, false, |src| {
            if status == SubscriptionStatus::Requesting && event == EventKind::Dialog {
                src.dialogs.restart();
            }
            let s = &mut src.status[slot(event)];
            if *s == status {
                return false;
            }
            *s = status;
            true
        })
    }
    /// A body for `event` arrived but could not be read: the last state
    /// read is kept and shown not current, with `reason`.
    pub fn mark_unreadable(
        &mut self,
        id: ContactId,
        event: EventKind,
        reason: &str,
        now: Instant,
    ) -> bool {
        self.change(id, now, false, |src| {
            src.unreadable.set(slot(event), reason)
        })
    }
    /// The subscription for `event` was lost (expired, server gone): keep the
    /// last state but show it stale.
    pub fn mark_stale(&mut self, id: ContactId, event: EventKind, now: Instant) -> bool {
        self.change(id, now, false, |src| {
            !std::mem::replace(&mut src.stale[slot(event)], true)
        })
    }

    /// A contact learnt at run time (a resource list member not in the
    /// directory): appended, its id returned (the next after the last).
    pub fn add_contact(&mut self, info: ContactInfo) -> ContactId {
        let id = ContactId(u32::try_from(self.contacts.len()).unwrap_or(u32::MAX));
        self.by_uri.add(&info.uri, id, &self.contacts);
        self.contacts.push(Contact::new(info, Vec::new()));
        id
    }

    fn contact(&self, id: ContactId) -> Option<&Contact> {
        self.contacts.get(id.0 as usize)
    }

    /// Applies `f` to the contact's sources; when it reports a change,
    /// recombines and returns whether the shown state changed. A NOTIFY
    /// that was applied updates `last_notify` (not itself a change).
    fn change(
        &mut self,
        id: ContactId,
        now: Instant,
        notify: bool,
        f: impl FnOnce(&mut Sources) -> bool,
    ) -> bool {
        self.change_at(id, self.current_server, now, notify, f)
    }

    /// [`Store::change`] for what server `server` said.
    fn change_at(
        &mut self,
        id: ContactId,
        server: ServerId,
        now: Instant,
        notify: bool,
        f: impl FnOnce(&mut Sources) -> bool,
    ) -> bool {
        let preferred = self.preferred();
        let line = LineCtx {
            hide_peers: self.hide_peers,
            voicemail: self.voicemail.as_deref(),
        };
        let Some(c) = self.contacts.get_mut(id.0 as usize) else {
            tracing::warn!(?id, "store: no such contact");
            return false;
        };
        if c.retired {
            return false; // removed from the directory: late news is void
        }
        if !f(c.sources_mut(server)) {
            return false;
        }
        if notify {
            c.shown.last_notify = Some(now);
        }
        c.show(preferred, now, &line)
    }
}

impl Store {
    /// Apply one engine event. Returns the contact whose shown state changed.
    pub fn apply_event(&mut self, ev: &crate::sip::events::EngineEvent) -> Option<ContactId> {
        self.apply_server_event(0, ev)
    }

    fn apply_event_inner(&mut self, ev: &crate::sip::events::EngineEvent) -> Option<ContactId> {
        use crate::sip::events::EngineEvent as E;
        let (id, changed) = match ev {
            E::Presence { contact, doc, at } => {
                (*contact, self.apply_presence(*contact, doc.clone(), *at))
            }
            E::Dialog { contact, doc, at } => {
                (*contact, self.apply_dialog(*contact, doc.clone(), *at))
            }
            E::Subscription {
                contact,
                event,
                status,
                at,
            } => (
                *contact,
                self.set_subscription(*contact, *event, status.clone(), *at),
            ),
            E::Stale { contact, event, at } => (*contact, self.mark_stale(*contact, *event, *at)),
            E::Registration {
                contact, doc, at, ..
            } => (
                *contact,
                self.apply_registration(*contact, doc.clone(), *at),
            ),
            E::MessageSummary {
                contact,
                summary,
                at,
            } => (*contact, self.apply_messages(*contact, *summary, *at)),
            E::Line {
                contact,
                line,
                event,
            } => (*contact, self.apply_line_event(*contact, *line, event)),
            E::Unreadable {
                contact,
                event,
                reason,
                at,
            } => (
                *contact,
                self.mark_unreadable(*contact, *event, reason, *at),
            ),
            E::ContactsAdded { contacts, .. } => {
                for (id, info) in contacts {
                    let got = self.add_contact(info.clone());
                    if got != *id {
                        tracing::warn!(?id, ?got, "store: an added contact got another id");
                    }
                }
                return None;
            }
            E::Connection { .. } | E::List { .. } => return None,
            // Diagnostics and the live trace change no contact.
            E::Diagnostics(_) | E::Trace(_) => return None,
        };
        changed.then_some(id)
    }
}
