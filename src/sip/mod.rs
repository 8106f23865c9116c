//! Sans-IO SIP: bytes and `now` in; bytes to send, events and the next
//! wake-up out. No sockets, no clock reads, no tasks in here.
//!
//! - `codec`        — our message types over the rsipstack parser
//! - `headers`      — headers we parse ourselves (Event, Subscription-State...)
//! - `auth`         — digest authentication (MD5, SHA-256, qop=auth)
//! - `transaction`  — non-INVITE client transactions (Timer E/F/K)
//! - `subscription` — one SUBSCRIBE dialog's state machine
//! - `engine`       — all subscriptions of a console, pacing, keepalive

pub mod auth;
pub mod codec;
pub mod engine;
pub mod events;
pub mod headers;
pub mod transaction;
