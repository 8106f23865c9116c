//! The runtime: the only code that touches sockets, the clock, the
//! terminal and tasks.
//!
//! - `sip_driver` — the engine over UDP/TCP/TLS sockets and real timers, as
//!   its own task: events out and commands in over channels
//! - `tls`        — SIP over TLS (rustls): roots, certificate checks and
//!   what a failed check is called
//! - `watch_run`  — `switchboard watch` (its one `select!`: events, signals)
//! - `console`    — the console's one `select!` loop and terminal guard
//! - `diag_run`   — `switchboard check` and `switchboard trace`
//! - `heap`       — the start-up burst's freed memory given back (glibc)
#![allow(
    clippy::disallowed_methods,
    reason = "the runtime is the one place that reads the clock and starts tasks"
)]

pub mod console;
pub mod diag_run;
pub mod directory;
pub mod heap;
pub mod notes;
pub mod publisher;
pub mod reload;
pub mod servers;
pub mod sip_driver;
pub mod tls;
pub mod watch_run;

use std::net::SocketAddr;

use crate::config::Config;
use crate::sip::engine::EngineConfig;

/// The engine's configuration from the user's configuration.
pub fn engine_config(cfg: &Config, seed: u64) -> EngineConfig {
    let transport = cfg.server.transport;
    let unspecified: SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut e = EngineConfig::new(
        &cfg.account.uri,
        &cfg.server.authority(),
        unspecified,
        transport,
    );
    e.display_name = cfg.account.display_name.clone();
    e.auth_user = cfg.account.auth_user.clone();
    e.password = cfg.account.password.clone();
    e.presence = cfg.subscribe.presence;
    e.dialog = cfg.subscribe.dialog;
    e.reg = cfg.telephony.registration_on(cfg.server.list.is_some());
    e.message_summary = cfg.telephony.voicemail_indicator;
    e.expires = cfg.subscribe.expires;
    e.window = cfg.subscribe.window;
    e.keepalive = cfg.server.keepalive;
    e.list = cfg.server.list.clone();
    e.seed = seed;
    e.ca_file = cfg.server.ca_file.clone();
    e.trace_messages = cfg.diagnostics.trace_messages;
    e
}

/// The engine's configuration for one of several servers: the account,
/// `[subscribe]` and this server's table, packages and credentials.
/// Built by [`engine_config`] on a copy whose `server` is this entry's,
/// so whatever that reads from the server table (transport, TLS
/// settings…) applies to each entry alike.
pub fn server_engine_config(
    cfg: &Config,
    entry: &crate::config::ServerEntry,
    seed: u64,
) -> EngineConfig {
    let mut one = cfg.clone();
    one.server = entry.server.clone();
    let mut e = engine_config(&one, seed);
    e.auth_user = entry.auth_user.clone();
    e.password = entry.password.clone();
    e.presence = entry.presence;
    e.dialog = entry.dialog;
    // Registration and message waiting are telephony: asked of the
    // servers that serve line state.
    e.reg = entry.dialog && e.reg;
    e.message_summary = entry.dialog && e.message_summary;
    e
}

/// Each contact's other lines (`lines` of `[[contact]]`), by the id the
/// contact has in `contacts` (URIs compared by RFC 3261 19.1.4).
pub fn contact_lines(
    lines: &[(String, Vec<String>)],
    contacts: &[crate::presence::ContactInfo],
) -> Vec<(crate::presence::ContactId, Vec<String>)> {
    use crate::sip::uri::{SipUri, UriMap};
    if lines.is_empty() {
        return Vec::new();
    }
    let mut ids = UriMap::with_capacity(contacts.len());
    for (i, c) in contacts.iter().enumerate() {
        if let Some(u) = SipUri::parse_loose(&c.uri) {
            let _ = ids.insert(u, crate::presence::ContactId(i as u32));
        }
    }
    lines
        .iter()
        .filter_map(|(uri, l)| {
            let id = *ids.get(&SipUri::parse_loose(uri)?)?;
            Some((id, l.clone()))
        })
        .collect()
}

/// The engine's list of other lines (see `EngineConfig::lines`).
pub fn engine_lines(
    lines: &[(crate::presence::ContactId, Vec<String>)],
) -> Vec<(crate::presence::ContactId, String)> {
    lines
        .iter()
        .flat_map(|(id, l)| l.iter().map(move |u| (*id, u.clone())))
        .collect()
}

/// A seed for tags and jitter that differs between runs.
pub fn seed_from_clock() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    t.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)
}
