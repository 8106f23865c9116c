//! Switchboard: a terminal attendant console for SIP SIMPLE presence.
//!
//! Layout (where to look):
//! - `config`    — the TOML configuration, with file/line/key errors
//! - `presence`  — domain types (presence, line state, subscription status)
//! - `sip`       — sans-IO SIP: codec wrapper, headers, digest, transactions,
//!   subscriptions and the engine (bytes + `now` in, bytes + events out)
//! - `body`      — PIDF and dialog-info parsing into domain documents
//! - `store`     — per-contact state and the rules that combine sources
//! - `runtime`   — the only code touching sockets, clocks and terminals
//! - `watch`     — `switchboard watch`: JSON lines of the store
//! - `demo`      — the embedded demo presence server and its simulated office
//! - `app`, `ui`, `search` — the console: model/update, drawing, fuzzy search
#![cfg_attr(
    test,
    allow(
        clippy::disallowed_methods,
        reason = "unit tests build their fake clock from a real instant"
    )
)]

pub mod app;
pub mod body;
pub mod config;
pub mod demo;
pub mod presence;
pub mod runtime;
pub mod search;
pub mod sip;
pub mod store;
pub mod text;
pub mod ui;
pub mod watch;
