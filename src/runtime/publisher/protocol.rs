//! The keeper's socket protocol: one JSON request line, one JSON reply line.

use serde::{Deserialize, Serialize};

/// What a client (`switchboard status`, a console) asks the keeper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Choose a status. `until`: Unix seconds.
    Set {
        state: String,
        availability: Option<String>,
        note: Option<String>,
        until: Option<i64>,
        /// Who asks, for `status show` ("cli", "console", "console (exit)").
        by: String,
    },
    /// Remove the publication; the keeper then ends.
    Clear { by: String },
    /// The console's idle timer: Inactive while idle.
    Idle { idle: bool },
    /// What we publish and who keeps it.
    Show,
}

/// A status as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusView {
    pub state: String,
    pub availability: Option<String>,
    pub note: Option<String>,
    /// RFC 3339.
    pub until: Option<String>,
    /// `chosen`, `idle`, `calendar`.
    pub source: Option<String>,
}

/// The keeper's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    pub error: Option<String>,
    /// What the person chose (None: nothing, or cleared).
    pub chosen: Option<StatusView>,
    /// What we publish now.
    pub published: Option<StatusView>,
    /// Who set it ("cli", "console").
    pub set_by: Option<String>,
    /// The server's SIP-ETag and when it forgets us unless refreshed (RFC 3339).
    pub etag: Option<String>,
    pub server_expires: Option<String>,
    pub keeper_pid: u32,
    /// RFC 3339.
    pub keeper_since: String,
    /// The last per-state command's failure, if it failed.
    pub action_error: Option<String>,
    /// The calendar's state ("3 events", or why it cannot be read).
    pub calendar: Option<String>,
}
