//! The console's state machine: one [`Msg`] type, one
//! [`update`](update::update) function returning [`Cmd`]s for the runtime.

mod added;
pub mod caller;
pub mod calls;
pub mod cmd;
pub mod diagnostics;
pub mod directory;
pub mod favourites;
pub mod grid_list;
pub mod journal;
pub mod keymap;
pub mod layout;
pub mod line;
pub mod modal;
pub mod model;
pub mod msg;
pub mod notes;
pub mod own_status;
#[cfg(any(test, feature = "samples"))]
pub mod sample;
mod servers;
pub mod update;
pub mod views;

pub use cmd::Cmd;
pub use keymap::{Action, Key, KeyProblem, Keymap, KeymapError};
pub use model::{Focus, Model, Settings};
pub use msg::Msg;
pub use servers::{Reloaded, restarted_ids};
pub use update::update;
