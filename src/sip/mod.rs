//! Sans-IO SIP: bytes and `now` in; bytes to send, events and the next
//! wake-up out. No sockets, no clock reads, no tasks in here.
//!
//! - `codec`        — our message types and their parser (see codec.rs for
//!   why not the rsipstack parser)
//! - `headers`      — headers we parse ourselves (Event, Subscription-State...)
//! - `auth`         — digest authentication (MD5, SHA-256, qop=auth)
//! - `transaction`  — non-INVITE client transactions (Timer E/F/K) and the
//!   cache that answers retransmitted requests
//! - `engine`       — every subscription of a console (one per contact and
//!   package), the subscription rules, pacing and keepalive
//! - `events`       — what the engine reports
//! - `uri`          — the one SIP URI type and RFC 3261 19.1.4 comparison
//! - `trace`        — the ring buffer of the last messages, secrets masked

pub mod auth;
pub mod codec;
pub mod engine;
pub mod events;
pub mod headers;
pub mod publication;
pub mod trace;
pub mod transaction;
pub mod uri;

/// The transport of a SIP message (client, server and configuration alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Transport {
    #[default]
    Udp,
    Tcp,
    /// TCP with TLS (rustls in the runtime; the engine sees a stream).
    Tls,
}

impl Transport {
    /// `UDP` / `TCP`, as in a Via header.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }

    /// Reliable transports get no retransmissions (RFC 3261 17.1.2.2).
    pub fn reliable(self) -> bool {
        matches!(self, Transport::Tcp | Transport::Tls)
    }

    /// The port a server listens on when none is given (RFC 3261 19.1.2:
    /// 5060, and 5061 for TLS).
    pub fn default_port(self) -> u16 {
        match self {
            Transport::Udp | Transport::Tcp => 5060,
            Transport::Tls => 5061,
        }
    }
}

/// `udp` / `tcp`, as in a configuration file or a `transport=` parameter.
impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        })
    }
}
