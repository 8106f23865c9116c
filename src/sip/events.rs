//! What the engine reports to the rest of the program.
//!
//! Every text in an event that came from the network (documents, reason
//! phrases) was made harmless (`crate::text`) before the event was built.

use std::time::Instant;

use crate::body::message_summary::MessageSummary;
use crate::body::reginfo::RegDoc;
use crate::body::{DialogDoc, PresenceDoc};
use crate::presence::{ContactId, ContactInfo};
use crate::presence::{EventKind, SubscriptionStatus};

/// The connection to the presence server as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Sending the first requests, no answer yet.
    Connecting,
    /// The server answers.
    Connected,
    /// The server does not answer (timeouts, refused connection...).
    Unreachable(String),
    /// The server rejects our credentials.
    AuthFailed(String),
}

/// An event from the engine. Documents are already parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// A PIDF document arrived for a contact.
    Presence {
        contact: ContactId,
        doc: PresenceDoc,
        at: Instant,
    },
    /// A dialog-info document arrived (`None`: a NOTIFY without body = idle).
    Dialog {
        contact: ContactId,
        doc: Option<DialogDoc>,
        at: Instant,
    },
    /// A reginfo document arrived for one of the contact's lines (`line`:
    /// its index in the contact's lines, 0 the first). `None`: an empty
    /// body on an active subscription, nobody registered.
    Registration {
        contact: ContactId,
        line: u16,
        doc: Option<RegDoc>,
        at: Instant,
    },
    /// An event of one of the contact's other lines (`line` ≥ 1, a
    /// `lines` entry): `event` is a `Dialog`, `Registration`,
    /// `Subscription`, `Stale` or `Unreadable` of that line's own
    /// subscription. Line 0 (the contact's URI) reports unwrapped.
    Line {
        contact: ContactId,
        line: u16,
        event: Box<EngineEvent>,
    },
    /// A message-summary (RFC 3842) arrived for the contact.
    MessageSummary {
        contact: ContactId,
        summary: MessageSummary,
        at: Instant,
    },
    /// A subscription changed status.
    Subscription {
        contact: ContactId,
        event: EventKind,
        status: SubscriptionStatus,
        at: Instant,
    },
    /// What we know from this subscription is no longer backed by a live
    /// subscription (expired, server lost): show it stale.
    Stale {
        contact: ContactId,
        event: EventKind,
        at: Instant,
    },
    /// A NOTIFY arrived on a live subscription but its body could not be
    /// read (not well-formed, wrong root or namespace, the wrong document
    /// for the package). It was answered; what was read before is kept and
    /// shown not current, with `reason` (`unreadable dialog document: …`,
    /// already made harmless).
    Unreadable {
        contact: ContactId,
        event: EventKind,
        reason: String,
        at: Instant,
    },
    /// The server connection changed.
    Connection { state: ConnectionState, at: Instant },
    /// A resource list subscription (RFC 4662) changed state.
    List {
        event: EventKind,
        state: ListState,
        at: Instant,
    },
    /// Members of a resource list that are not in the directory: new
    /// contacts, named by their URI (or the list's `<name>`), with the ids
    /// every later event uses for them. Ids follow the directory's (the
    /// engine hands out the next free one).
    ContactsAdded {
        contacts: Vec<(ContactId, ContactInfo)>,
        at: Instant,
    },
    /// The diagnostics the driver was asked for (its `Command::Diagnose`):
    /// the engine's snapshot and the SIP trace.
    Diagnostics(Box<crate::sip::engine::diagnostics::Diagnostics>),
    /// One message in or out, masked and harmless (only while a live trace
    /// is on: `switchboard trace`).
    Trace(Box<crate::sip::trace::TraceEntry>),
}

/// A resource list subscription's state, as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListState {
    /// Subscribing to the list.
    Requesting,
    /// The server sends the list: it has this many members.
    Active { members: usize },
    /// The server cannot serve the list: one subscription per contact
    /// instead, for this reason (made harmless).
    Fallback(String),
}
