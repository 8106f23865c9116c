//! A person's own status: what they chose, until when, and what is published.
//!
//! - `state` — the states a person can choose ([`Chosen`]), [`OwnStatus`]
//! - `when`  — `--until` times (`14:30`, a date, a date-time, `45m`) and
//!   config durations (`5m`)
//! - `doc`   — an own status as the PIDF document we PUBLISH
//! - `auto`  — what is published: the chosen state, Inactive after idling,
//!   the calendar's Busy/Away, and which of them wins
//! - `calendar` — ICS events (with recurrence) → busy/out-of-office spans
//! - `action` — the environment of the per-state command
//!
//! Decision: Inactive and Offline are never chosen (there is no
//! [`Chosen`] for them): Inactive is formed by [`auto`], Offline is what
//! watchers see when nothing is published. "Appear offline" publishes a
//! closed `<basic>`, which reads back as Offline.

pub mod action;
pub mod auto;
pub mod calendar;
pub mod doc;
pub mod state;
pub mod when;

pub use state::{Chosen, OwnStatus, Profile};
