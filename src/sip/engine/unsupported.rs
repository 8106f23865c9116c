//! Event packages the server does not know (489 Bad Event).
//!
//! RFC 6665 §8.2.1 (RFC 3265 before it): 489 means the notifier does not
//! support the event package at all, not for this one resource. So after
//! the first 489 for a package, the engine sends no more SUBSCRIBEs of it
//! to this server: every other subscription of the package that is still
//! waiting to be sent is stopped with the same status its own 489 would
//! have given (the same "does not support event …" reason and last code),
//! without a transaction, a timer or a request of its own. With the demo
//! configuration that is 10,000 `reg` SUBSCRIBEs refused one by one at
//! start-up, saved.
//!
//! Subscriptions already in flight get their own answer. An explicit
//! resubscribe (F7) tries the package again; so does a reload that builds
//! a new engine.

use std::time::Instant;

use crate::presence::{EventKind, SubscriptionStatus};

use super::Engine;
use super::sub::{Phase, SubId};

/// The packages refused with 489, one flag per [`EventKind`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Unsupported([bool; 4]);

fn index(event: EventKind) -> usize {
    EventKind::ALL
        .iter()
        .position(|&k| k == event)
        .unwrap_or_default()
}

impl Unsupported {
    pub(super) fn contains(self, event: EventKind) -> bool {
        self.0[index(event)]
    }

    fn insert(&mut self, event: EventKind) {
        self.0[index(event)] = true;
    }

    /// Try every package again (an explicit resubscribe).
    pub(super) fn clear(&mut self) {
        self.0 = [false; 4];
    }
}

/// The status a 489 gives a subscription of `event`.
pub(super) fn status_489(event: EventKind) -> SubscriptionStatus {
    SubscriptionStatus::Error(
        format!("the server does not support event {}", event.as_str()).into(),
    )
}

impl Engine {
    /// Subscription `i` (not a list) was refused with 489: its package is
    /// unsupported on this server; every queued or waiting subscription of
    /// it is stopped now, as if refused too.
    pub(super) fn package_unsupported(&mut self, i: SubId, now: Instant) {
        let event = self.subs[i].event;
        if self.is_list(i) || self.unsupported.contains(event) {
            return;
        }
        tracing::info!(
            event = event.as_str(),
            "489: the server does not support this package; no more SUBSCRIBEs of it"
        );
        self.unsupported.insert(event);
        for j in self.subs.ids() {
            let sub = &self.subs[j];
            if j != i
                && sub.event == event
                && matches!(sub.phase(), Phase::Queued | Phase::Waiting)
                && self.skips_unsupported(j)
            {
                self.stop_unsupported(j, now);
            }
        }
    }

    /// `i` is of a refused package and would be sent only to be refused
    /// (the diagnostics view's test subscription is always sent).
    pub(super) fn skips_unsupported(&self, i: SubId) -> bool {
        let sub = &self.subs[i];
        self.unsupported.contains(sub.event)
            && sub.contact != super::test_sub::TEST_CONTACT
            && !self.is_list(i)
    }

    /// Stops `i` as its own 489 would have, without sending anything.
    pub(super) fn stop_unsupported(&mut self, i: SubId, now: Instant) {
        let event = self.subs[i].event;
        self.cancel_sub_timer(i);
        self.cancel_expiry(i);
        self.forget_dialog(i);
        self.subs[i].stop();
        self.subs[i].last_code = Some(489);
        self.mark_stale(i, now);
        self.set_status(i, status_489(event), now);
    }
}
