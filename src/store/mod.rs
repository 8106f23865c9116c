//! The local store: per-contact state and the rules that combine sources.
//!
//! Everything here is pure: `now` comes in as an argument. The engine feeds
//! it parsed documents and subscription changes; `watch` and the UI read the
//! combined [`Shown`] state of each contact.

use std::time::Instant;

use crate::body::{DialogDoc, Direction, PresenceDoc};
use crate::presence::{Availability, EventKind, Freshness, LineState, Presence, Source, SubscriptionStatus};

/// A contact as configured (or from the demo directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInfo {
    pub name: String,
    pub uri: String,
    pub extension: Option<String>,
    pub department: Option<String>,
}

/// Index of a contact in the store (stable for the store's lifetime).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactId(pub u32);

/// The other party of a call on a contact's line (while ringing or active).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub identity: Option<String>,
    pub display: Option<String>,
    pub direction: Option<Direction>,
}

/// What the console shows for one contact: the combination of every source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub presence: Presence,
    pub availability: Option<Availability>,
    pub line: LineState,
    /// The person's own status note.
    pub note: Option<String>,
    /// The combined status of the presence and dialog subscriptions.
    pub subscription: SubscriptionStatus,
    pub freshness: Freshness,
    /// Which event produced the shown presence/line, and by which rule.
    pub source: Source,
    pub rule: &'static str,
    /// When the shown state last changed.
    pub since: Option<Instant>,
    /// When the last NOTIFY (either event) arrived.
    pub last_notify: Option<Instant>,
    /// Caller/callee while ringing or active.
    pub peer: Option<Peer>,
}

impl Default for Shown {
    fn default() -> Self {
        Shown {
            presence: Presence::Unknown,
            availability: None,
            line: LineState::Unknown,
            note: None,
            subscription: SubscriptionStatus::NotRequested,
            freshness: Freshness::Unknown,
            source: Source::None,
            rule: "nothing received yet",
            since: None,
            last_notify: None,
            peer: None,
        }
    }
}

/// The store of every contact's state.
#[derive(Debug, Default)]
pub struct Store {
    _private: (),
}

#[allow(unused_variables)]
impl Store {
    pub fn new(contacts: Vec<ContactInfo>) -> Self {
        todo!("store")
    }
    pub fn len(&self) -> usize {
        todo!("store")
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn ids(&self) -> impl Iterator<Item = ContactId> + '_ {
        (0..self.len() as u32).map(ContactId)
    }
    pub fn info(&self, id: ContactId) -> &ContactInfo {
        todo!("store")
    }
    pub fn shown(&self, id: ContactId) -> &Shown {
        todo!("store")
    }
    /// Find a contact by URI (compared without parameters, case-insensitive host).
    pub fn find(&self, uri: &str) -> Option<ContactId> {
        todo!("store")
    }
    /// A PIDF document arrived. Returns true when the shown state changed.
    pub fn apply_presence(&mut self, id: ContactId, doc: PresenceDoc, now: Instant) -> bool {
        todo!("store")
    }
    /// A dialog-info document arrived (`None`: a NOTIFY without body, i.e. no
    /// dialogs). A version older than the last one seen is ignored.
    pub fn apply_dialog(&mut self, id: ContactId, doc: Option<DialogDoc>, now: Instant) -> bool {
        todo!("store")
    }
    /// The subscription for `event` changed status. `Requesting` starts a new
    /// subscription: the dialog-info version baseline is reset.
    pub fn set_subscription(&mut self, id: ContactId, event: EventKind, status: SubscriptionStatus, now: Instant) -> bool {
        todo!("store")
    }
    /// The subscription for `event` was lost (expired, server gone): keep the
    /// last state but show it stale.
    pub fn mark_stale(&mut self, id: ContactId, event: EventKind, now: Instant) -> bool {
        todo!("store")
    }
}

impl Store {
    /// Apply one engine event. Returns the contact whose shown state changed.
    pub fn apply_event(&mut self, ev: &crate::sip::events::EngineEvent) -> Option<ContactId> {
        use crate::sip::events::EngineEvent as E;
        let (id, changed) = match ev {
            E::Presence { contact, doc, at } => (*contact, self.apply_presence(*contact, doc.clone(), *at)),
            E::Dialog { contact, doc, at } => (*contact, self.apply_dialog(*contact, doc.clone(), *at)),
            E::Subscription { contact, event, status, at } => {
                (*contact, self.set_subscription(*contact, *event, status.clone(), *at))
            }
            E::Stale { contact, event, at } => (*contact, self.mark_stale(*contact, *event, *at)),
            E::Connection { .. } => return None,
        };
        changed.then_some(id)
    }
}
