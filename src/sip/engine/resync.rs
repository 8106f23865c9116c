//! Re-syncing one contact's package with the server: a lamp stuck on
//! "ringing" (the hang-up NOTIFY may have been lost) asks for the full
//! state again.
//!
//! A refresh SUBSCRIBE within the existing dialog is enough: RFC 6665
//! §4.2.1.1 has the notifier answer every SUBSCRIBE, refreshes included,
//! with a NOTIFY of the full current state, and the dialog's version
//! numbering goes on, so nothing in the store has to start over. A
//! subscription that is not established (retrying, queued, covered by a
//! resource list) is left alone: its next answer is a full state anyway.

use std::time::Instant;

use super::Engine;
use super::sub::Phase;
use crate::presence::{ContactId, EventKind};

impl Engine {
    /// Refresh `contact`'s `event` subscription now, asking the server for
    /// its full state. Returns true when a refresh was queued.
    pub fn resync(&mut self, contact: ContactId, event: EventKind, now: Instant) -> bool {
        if self.shutting_down {
            return false;
        }
        // Every line of the contact: which one is stuck is not known here.
        let found: Vec<_> = self
            .subs
            .ids()
            .filter(|&i| {
                let s = &self.subs[i];
                s.contact == contact && s.event == event && !self.is_list(i)
            })
            .collect();
        let mut queued = false;
        for i in found {
            let sub = &self.subs[i];
            if sub.phase() != Phase::Established || sub.tx.is_some() || !sub.in_dialog() {
                continue;
            }
            tracing::info!(uri = %sub.uri, event = event.as_str(), "re-syncing: refresh for the full state");
            self.cancel_sub_timer(i);
            self.subs[i].queue_refresh();
            self.queue.push_back(i);
            queued = true;
        }
        self.pump(now);
        queued
    }
}
