//! Real-server test harness shared by the integration tests: a real Kamailio
//! presence server on a free loopback port ([`kamailio`]) and sipp as the
//! other parties ([`sipp`]). Each test binary does `mod support;`.
//!
//! Everything runs on 127.0.0.1 only, never on 5060, with one run folder per
//! instance under `target/tmp/`. Processes are ended by their own pid when
//! the owning value drops.
#![allow(dead_code)] // every test binary uses a different part of the harness

pub mod cli;
pub mod kamailio;
pub mod netns;
pub mod notes_db;
pub mod postgres;
pub mod proc;
pub mod relay;
pub mod sipp;
pub mod test_ca;
pub mod watch;
