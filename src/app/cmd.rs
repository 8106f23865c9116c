//! What `update` asks the runtime to do (all I/O happens there).

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// Leave the console: end subscriptions (with a short deadline), restore
    /// the terminal.
    Quit,
    /// Write `contents` to `path` (`favourites.toml` in the data directory,
    /// see [`crate::app::favourites::to_toml`]), replacing it atomically;
    /// report a failure back as [`crate::app::Msg::SaveFailed`]. Latest
    /// wins: contents still waiting when newer ones come are never written.
    SaveFavourites {
        path: std::path::PathBuf,
        contents: String,
    },
    /// The directory changed: subscribe to `subscribe` (new contacts, with
    /// their URIs) and end the subscriptions of `unsubscribe` (removed
    /// ones), both paced by the engine's window.
    Resubscribe {
        subscribe: Vec<(crate::store::ContactId, String)>,
        unsubscribe: Vec<crate::store::ContactId>,
    },
    /// Save an attendant note (the notes thread answers with
    /// [`crate::app::notes::NotesEvent`]: saved, conflict, offline, failed).
    SaveNote(crate::notes::Edit),
    /// Read the history of one contact's note (answered with
    /// `NotesEvent::History`).
    LoadNoteHistory { contact: String },
    /// Set our own status through the keeper; the answer comes back as
    /// [`crate::app::Msg::OwnStatus`].
    SetStatus(StatusChoice),
    /// The idle timer: Inactive (true) or back (false).
    StatusIdle(bool),
    /// Ask the server for the full state of one contact's package again
    /// (a line stuck ringing: its hang-up may have been missed).
    Resync {
        contact: crate::store::ContactId,
        event: crate::presence::EventKind,
    },
    /// Journal these state changes and missed calls (written in batches
    /// by the notes thread).
    Journal(Vec<crate::notes::journal::Entry>),
    /// Read one contact's journal since `since_ms` (answered with
    /// `NotesEvent::Journal`).
    LoadJournal { contact: String, since_ms: i64 },
    /// Read the configuration file again and apply what changed (the
    /// answer comes back as [`crate::app::Msg::ConfigReloaded`]).
    ReloadConfig,
    /// Ask every SIP driver for its diagnostics (answered with
    /// `EngineEvent::Diagnostics`).
    Diagnose,
    /// Subscribe again, now, to these contacts (the diagnostics view).
    ResubscribeContacts(Vec<crate::store::ContactId>),
    /// Subscribe again to everything on one server (its index in the
    /// diagnostics' reports; with one server, 0).
    ResubscribeServer(usize),
    /// A test subscription to any URI, removed after a minute.
    TestSubscribe {
        uri: String,
        event: crate::presence::EventKind,
    },
}

/// A status chosen in the picker (the until as typed: the runtime reads it
/// against the real clock and answers an error for nonsense).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChoice {
    pub state: crate::status::Chosen,
    pub availability: Option<String>,
    pub note: Option<String>,
    pub until: Option<String>,
    /// The profile it came from.
    pub profile: Option<String>,
}
