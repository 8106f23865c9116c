//! What `update` asks the runtime to do (all I/O happens there).

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// Leave the console: end subscriptions (with a short deadline), restore
    /// the terminal.
    Quit,
    /// Write `favourites.toml` in the data directory with this content
    /// (see [`crate::app::favourites::to_toml`]); report a failure back as
    /// [`crate::app::Msg::SaveFailed`].
    SaveFavourites(String),
}
