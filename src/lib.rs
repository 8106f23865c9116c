//! Switchboard: a terminal attendant console for SIP SIMPLE presence.
//!
//! Layers, lowest first; a module names only those below it
//! (`tests/layering.rs` checks it):
//! - `presence`, `text` — the domain: presence, line state, subscription
//!   status, contacts; the one function that makes outside strings harmless
//! - `body`      — PIDF and dialog-info parsing, and what a NOTIFY body means
//!   for its package (`body::notify`)
//! - `sip`       — sans-IO SIP: codec, headers, digest, transactions and the
//!   subscription engine (bytes + `now` in, bytes + events out); every
//!   timing number in `sip::engine::policy`
//! - `status`    — one's own status: chosen states, `--until` times, what is
//!   published (idle, calendar), the PIDF we PUBLISH (beside `sip`)
//! - `store`     — per-contact state and the rules that combine sources;
//!   `demo`'s server side sits here too (domain, body and sip only), and
//!   `directory` (CSV and vCard files read and merged by canonical URI)
//! - `search`, `watch` — fuzzy search over the directory; JSON lines
//! - `app`       — the console's model, `update`, key map and geometry
//! - `ui`        — the pure `view`: drawing and the theme
//! - `config`    — the TOML configuration, the one validator (file/line/key)
//! - `runtime`   — the only code touching sockets, clocks, tasks, terminals
//! - `cli`       — the command line and exit codes
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
pub mod directory;
pub mod notes;
pub mod notes_db;
pub mod presence;
pub mod runtime;
pub mod search;
pub mod sip;
pub mod status;
pub mod store;
pub mod text;
pub mod tls_roots;
pub mod ui;
pub mod watch;
