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

pub mod auth;
pub mod codec;
pub mod engine;
pub mod events;
pub mod headers;
pub mod transaction;
