//! Line truth in the console: the settings from `[telephony]` and
//! `[ui] show_peers`, and the stuck-ringing check.
//!
//! The check runs on every `Tick`: while anything rings the blink timer
//! ticks twice a second, so no timer of its own is needed, and it looks
//! only at the ringing contacts (`Model::ringing`), never the directory.
//! A line found ringing longer than `ringing_suspect_after` is marked
//! suspect once (the store keeps the mark until the line changes) and its
//! dialog subscription is re-synced once (`Cmd::Resync`).

use std::time::{Duration, Instant};

use crate::app::cmd::Cmd;
use crate::app::model::Model;
use crate::presence::EventKind;
use crate::store::ContactId;

/// `[telephony]` and `[ui] show_peers`, as the console needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineSettings {
    /// The voicemail pilot number.
    pub voicemail: Option<String>,
    /// `show_peers = false`: callers and callees are shown nowhere.
    pub hide_peers: bool,
    /// `None`: [`crate::store::RINGING_SUSPECT_AFTER`].
    pub ringing_suspect_after: Option<Duration>,
    /// One instant and the wall-clock time (ms since the epoch) it was,
    /// read once by the runtime: maps the store's instants to clock times
    /// ("not registered since 10:42") without reading a clock here.
    pub clock: Option<(Instant, i64)>,
}

impl LineSettings {
    pub fn suspect_after(&self) -> Duration {
        self.ringing_suspect_after
            .unwrap_or(crate::store::RINGING_SUSPECT_AFTER)
    }
}

/// `t` as wall-clock milliseconds since the epoch (by the runtime's anchor).
pub fn wall_ms(settings: &LineSettings, t: Instant) -> Option<i64> {
    let (anchor, anchor_ms) = settings.clock?;
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    Some(if t >= anchor {
        anchor_ms.saturating_add(ms(t - anchor))
    } else {
        anchor_ms.saturating_sub(ms(anchor - t))
    })
}

/// Marks lines stuck ringing; a re-sync for each one newly marked.
pub(crate) fn on_tick(model: &mut Model, now: Instant) -> Vec<Cmd> {
    if model.ringing.is_empty() {
        return Vec::new();
    }
    let after = model.line.suspect_after();
    let ringing: Vec<ContactId> = model.ringing.iter().copied().collect();
    let mut cmds = Vec::new();
    for id in ringing {
        if model.store.mark_stuck(id, now, after) {
            tracing::info!(?id, "line ringing too long: marked suspect, re-syncing");
            model.refresh_contact(id, now);
            cmds.push(Cmd::Resync {
                contact: id,
                event: EventKind::Dialog,
            });
        }
    }
    cmds
}
