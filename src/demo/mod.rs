//! The embedded demo presence server and its simulated office.
//!
//! - `directory` — the demo people (`assets/demo-directory.tsv`), and
//!   synthesised extra people for load tests
//! - `state`     — what a person shows (presence, dialogs, line faults)
//! - `sim`       — the simulated office day (sans-IO, deterministic)
//! - `server`    — the presence server (sans-IO): SUBSCRIBE/NOTIFY, PUBLISH

pub mod directory;
pub mod server;
pub mod sim;
pub mod state;
