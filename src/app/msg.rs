//! Everything that can change the console's state.

use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::sip::events::EngineEvent;

#[derive(Debug, Clone)]
pub enum Msg {
    /// A key from the terminal.
    Key(KeyEvent),
    /// Text pasted into the terminal (goes into the search).
    Paste(String),
    /// A mouse event (a click selects a cell).
    Mouse(MouseEvent),
    /// The terminal was resized.
    Resize { width: u16, height: u16 },
    /// An event from the SIP engine.
    Engine(EngineEvent),
    /// The engine stopped (its event source ended).
    EngineStopped,
    /// A timer the model asked for ([`crate::app::Model::next_deadline`]) fired.
    Tick(Instant),
    /// The favourites file could not be written.
    SaveFailed(String),
    /// The runtime has put the current model on the terminal.
    Drawn,
    /// The console is leaving: the subscriptions are being ended.
    ShuttingDown,
    /// The directory files were (re)read: the whole directory as it is
    /// now, and what could not be loaded.
    Directory(crate::directory::Loaded),
    /// A report from the attendant notes thread.
    Notes(crate::app::notes::NotesEvent),
    /// A key was pressed at this instant (sent before the key): ends idling.
    Activity(Instant),
    /// The keeper's answer about our own status: the status-bar line, or
    /// what failed.
    OwnStatus(Result<String, String>),
    /// The configuration file was read again (Ctrl-R, SIGUSR1): what it
    /// now says, or why it was refused (the running one is kept).
    ConfigReloaded(Box<Result<crate::app::Reloaded, String>>),
    /// An event from the engine of server `server` (several servers;
    /// server 0's come as [`Msg::Engine`]).
    ServerEngine {
        server: crate::store::ServerId,
        event: EngineEvent,
    },
    /// The wall clock (local time zone), sent by the runtime at start and
    /// when the minute changes: the status bar's clock, every relative
    /// "until", and the journal's times.
    Clock { wall: jiff::Zoned, at: Instant },
    /// A call to this contact rang and was not answered (from the
    /// journal): the cell is marked until its details are looked at.
    MissedCall(crate::presence::ContactId),
}

impl Msg {
    /// An engine event of server `server`.
    pub fn engine_from(server: crate::store::ServerId, event: EngineEvent) -> Msg {
        if server == 0 {
            Msg::Engine(event)
        } else {
            Msg::ServerEngine { server, event }
        }
    }
}
