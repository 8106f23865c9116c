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
    /// Set our own status through the keeper; the answer comes back as
    /// [`crate::app::Msg::OwnStatus`].
    SetStatus(StatusChoice),
    /// The idle timer: Inactive (true) or back (false).
    StatusIdle(bool),
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
