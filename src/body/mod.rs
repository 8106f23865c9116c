//! Bodies of NOTIFY/PUBLISH → domain documents. Pure functions over bytes.
//!
//! `pidf` reads `application/pidf+xml` (RFC 3863) with RPID (RFC 4480);
//! `dialog_info` reads `application/dialog-info+xml` (RFC 4235).
//! `reginfo` reads `application/reginfo+xml` (RFC 3680, is the phone
//! registered), `message_summary` RFC 3842 message-waiting bodies.
//! `notify` says what a NOTIFY body means for its package (an empty body,
//! the wrong document). `list` reads a resource list NOTIFY (RFC 4662):
//! `multipart` splits its `multipart/related` body, `rlmi` reads the root
//! part, each member's part is read as above. The parser is namespace-aware, never expands
//! entities, rejects a DTD and caps the body size; every text it keeps is
//! made harmless (`crate::text`) before it leaves this module.

pub mod dialog_info;
#[cfg(test)]
mod hostile;
pub mod list;
pub mod message_summary;
pub mod multipart;
pub mod notify;
pub mod pidf;
pub mod reginfo;
pub mod rlmi;
pub(crate) mod xml;

use crate::presence::{Availability, Presence};

/// Bodies larger than this are rejected before parsing.
pub const MAX_BODY: usize = 1024 * 1024;
/// A resource list NOTIFY may be this big: Kamailio sends partial NOTIFYs
/// of ~400 KB (500 PIDF parts), and a full state of 10,000 members with
/// their documents is a few MB.
pub const MAX_LIST_BODY: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("body too large: {0} bytes (limit {MAX_BODY})")]
    TooLarge(usize),
    #[error("body is not UTF-8")]
    NotUtf8,
    #[error("a DTD is not accepted in a {0} body")]
    Dtd(&'static str),
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("unexpected root element <{found}>, expected <{expected}>")]
    WrongRoot {
        expected: &'static str,
        found: String,
    },
    #[error("Content-Type {found:?} is not {expected}")]
    ContentType {
        expected: &'static str,
        found: String,
    },
    #[error("invalid {what}: {value:?}")]
    Invalid { what: &'static str, value: String },
}

/// PIDF `<basic>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basic {
    Open,
    Closed,
}

/// Forwarding / call protection as published alongside presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forwarding {
    /// Calls are redirected (to voicemail or a number).
    Redirected { target: Option<String> },
    /// Call protection is on (hides the redirection).
    Protected,
}

/// A parsed PIDF document, already mapped onto the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceDoc {
    pub entity: Option<Box<str>>,
    pub basic: Option<Basic>,
    pub presence: Presence,
    pub availability: Option<Availability>,
    /// Person note first, else the first tuple note.
    pub note: Option<Box<str>>,
    /// Until when the activities hold (RFC 4480 `until`): the return time,
    /// RFC 3339 UTC; None when absent or not a time.
    pub until: Option<Box<str>>,
    /// RPID activity names as received (`on-the-phone`, `away`, ...).
    pub activities: Vec<String>,
    pub forwarding: Option<Forwarding>,
    /// Which mapping rule produced `presence` (shown as the "why").
    pub rule: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    Trying,
    Proceeding,
    Early,
    Confirmed,
    Terminated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Initiator,
    Recipient,
}

/// One `<dialog>` of a dialog-info document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogEntry {
    pub id: String,
    pub state: DialogState,
    pub direction: Option<Direction>,
    /// The other party: `<remote><identity>` (URI) and its display name.
    pub remote_identity: Option<String>,
    pub remote_display: Option<String>,
}

/// A parsed dialog-info document (full or partial).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogDoc {
    pub version: u64,
    pub full: bool,
    pub entity: Option<String>,
    pub dialogs: Vec<DialogEntry>,
}
