//! What the engine reports to the rest of the program.

use std::time::Instant;

use crate::body::{DialogDoc, PresenceDoc};
use crate::presence::ContactId;
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
    /// The server connection changed.
    Connection { state: ConnectionState, at: Instant },
}
