//! What one person of the demo office shows: the values the simulation
//! produces and the server turns into NOTIFY bodies.

use std::time::Duration;

use crate::body::{DialogEntry, Forwarding};
use crate::presence::{Availability, Presence};

/// The person's presence, rendered as PIDF/RPID. `Offline` is rendered as
/// `basic` closed (logged off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceState {
    pub presence: Presence,
    pub note: Option<String>,
    pub availability: Option<Availability>,
    pub forwarding: Option<Forwarding>,
}

impl PresenceState {
    pub fn available() -> Self {
        PresenceState {
            presence: Presence::Available,
            note: None,
            availability: None,
            forwarding: None,
        }
    }

    pub fn offline(note: Option<String>) -> Self {
        PresenceState {
            presence: Presence::Offline,
            note,
            availability: None,
            forwarding: None,
        }
    }
}

/// One change of the simulated office, for person `user` (an index into
/// the directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The person's presence changed.
    Presence { user: usize, state: PresenceState },
    /// The dialogs on the person's line changed. A `Terminated` entry is
    /// reported once (in the NOTIFYs of this change) and then dropped.
    Dialogs {
        user: usize,
        dialogs: Vec<DialogEntry>,
    },
    /// The line went faulty (`Some`: for about this long in real time, so
    /// a watcher can be told when to retry) or recovered (`None`).
    LineFault {
        user: usize,
        faulty_for: Option<Duration>,
    },
}

impl Change {
    pub fn user(&self) -> usize {
        match self {
            Change::Presence { user, .. }
            | Change::Dialogs { user, .. }
            | Change::LineFault { user, .. } => *user,
        }
    }
}
