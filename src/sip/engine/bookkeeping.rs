//! Bookkeeping of one subscription: its reported status and staleness,
//! its timers (refresh/retry, expiry, Timer N) and starting it over.

use std::time::{Duration, Instant};

use super::sub::Phase;
use super::timers::TimerKey;
use super::{Engine, SubId, backoff_or, policy};
use crate::presence::SubscriptionStatus;
use crate::sip::events::{ConnectionState, EngineEvent};

impl Engine {
    /// Sweep the stale entries out of the timer heap once it has doubled
    /// (see `timers`): each kind of timer is live while its owner's
    /// generation still matches, as its handler checks when it is due.
    pub(super) fn sweep_timers(&mut self) {
        if !self.timers.wants_sweep() {
            return;
        }
        let before = self.timers.len();
        let (subs, txs) = (&self.subs, &self.txs);
        self.timers.retain(|key, generation| match key {
            TimerKey::Tx(id) => txs.get(&id).is_some_and(|t| t.generation == generation),
            TimerKey::Sub(i) => subs
                .get(i)
                .is_some_and(|s| u64::from(s.timer_gen) == generation),
            TimerKey::Expiry(i) => subs
                .get(i)
                .is_some_and(|s| u64::from(s.expiry_gen) == generation),
            _ => true,
        });
        tracing::debug!(before, after = self.timers.len(), "timer heap swept");
    }

    pub(super) fn emit(&mut self, ev: EngineEvent) {
        if self.capture_test_event(&ev) {
            return;
        }
        self.events.push_back(ev);
    }

    /// An event of subscription `i`: wrapped in `EngineEvent::Line` when
    /// it is for one of the contact's other lines.
    pub(super) fn emit_for(&mut self, i: SubId, ev: EngineEvent) {
        let (contact, line) = (self.subs[i].contact, self.subs[i].line);
        if line == 0 {
            self.emit(ev);
        } else {
            self.emit(EngineEvent::Line {
                contact,
                line,
                event: Box::new(ev),
            });
        }
    }

    pub(super) fn set_connection(&mut self, state: ConnectionState, now: Instant) {
        if self.connection != state {
            self.connection = state.clone();
            self.connection_since = now;
            self.emit(EngineEvent::Connection { state, at: now });
        }
    }

    /// Report a subscription's status if it changed.
    pub(super) fn set_status(&mut self, i: SubId, status: SubscriptionStatus, now: Instant) {
        if self.is_list(i) {
            return self.list_status(i, status, now);
        }
        let sub = &mut self.subs[i];
        if sub.status != status {
            sub.status = status.clone();
            let (contact, event) = (sub.contact, sub.event);
            self.emit_for(
                i,
                EngineEvent::Subscription {
                    contact,
                    event,
                    status,
                    at: now,
                },
            );
        }
    }

    /// The state from this subscription is no longer backed by it.
    pub(super) fn mark_stale(&mut self, i: SubId, now: Instant) {
        if self.is_list(i) {
            return self.list_stale(i, now);
        }
        let sub = &mut self.subs[i];
        if sub.has_state {
            sub.has_state = false;
            let (contact, event) = (sub.contact, sub.event);
            self.emit_for(
                i,
                EngineEvent::Stale {
                    contact,
                    event,
                    at: now,
                },
            );
        }
    }

    pub(super) fn schedule_sub(&mut self, i: SubId, at: Instant) {
        let epoch = self.subs.epoch();
        let sub = &mut self.subs[i];
        sub.timer_gen = sub.timer_gen.wrapping_add(1);
        sub.set_refresh_at(epoch, None);
        let generation = u64::from(self.subs[i].timer_gen);
        self.timers.push(at, TimerKey::Sub(i), generation);
    }

    pub(super) fn cancel_sub_timer(&mut self, i: SubId) {
        let epoch = self.subs.epoch();
        let sub = &mut self.subs[i];
        sub.timer_gen = sub.timer_gen.wrapping_add(1);
        sub.set_refresh_at(epoch, None);
    }

    pub(super) fn schedule_expiry(&mut self, i: SubId, at: Instant) {
        let epoch = self.subs.epoch();
        let sub = &mut self.subs[i];
        sub.expiry_gen = sub.expiry_gen.wrapping_add(1);
        sub.set_expires_at(epoch, Some(at));
        let generation = u64::from(sub.expiry_gen);
        self.timers.push(at, TimerKey::Expiry(i), generation);
    }

    pub(super) fn cancel_expiry(&mut self, i: SubId) {
        let epoch = self.subs.epoch();
        let sub = &mut self.subs[i];
        sub.expiry_gen = sub.expiry_gen.wrapping_add(1);
        sub.set_expires_at(epoch, None);
    }

    /// Queue a subscription for a fresh dialog (initial SUBSCRIBE).
    pub(super) fn queue_new_dialog(&mut self, i: SubId) {
        self.cancel_sub_timer(i);
        self.forget_dialog(i);
        self.subs[i].queue_initial();
        self.queue.push_back(i);
    }

    pub(super) fn forget_dialog(&mut self, i: SubId) {
        if let Some(old) = self.subs[i].forget_dialog() {
            self.by_call_id.remove(&*old);
        }
    }

    /// Retry later with backoff (or after `at_least`).
    pub(super) fn retry_later(&mut self, i: SubId, now: Instant, at_least: Option<Duration>) {
        let sub = &mut self.subs[i];
        sub.failures = sub.failures.saturating_add(1);
        let failures = sub.failures;
        let delay = backoff_or(at_least, failures, self.rng.unit());
        if self.refresh_can_wait(i, now) {
            // RFC 6665 4.1.2.2: a failed refresh leaves the subscription
            // valid until it expires; refresh again in the same dialog.
            self.subs[i].keep_established();
            self.schedule_sub(i, now + delay);
            let epoch = self.subs.epoch();
            self.subs[i].set_refresh_at(epoch, Some(now + delay));
            return;
        }
        self.forget_dialog(i);
        self.subs[i].wait();
        self.schedule_sub(i, now + delay);
    }

    /// The request that failed was a refresh of a subscription that is
    /// still valid (its expiry has not passed).
    pub(super) fn refresh_can_wait(&self, i: SubId, now: Instant) -> bool {
        let sub = &self.subs[i];
        sub.refresh
            && sub.in_dialog()
            && sub.expires_at(self.subs.epoch()).is_some_and(|at| at > now)
    }

    /// A subscription the server ended right away (deactivated/timeout)
    /// is started again at once only if it had lived a while; otherwise
    /// with backoff, so a server that accepts and ends at once is no loop.
    pub(super) fn start_over_after_termination(&mut self, i: SubId, now: Instant) {
        let lived = self.subs[i]
            .established_at(self.subs.epoch())
            .is_some_and(|at| now.duration_since(at) >= policy::LIVED);
        self.mark_stale(i, now);
        self.set_status(i, SubscriptionStatus::Requesting, now);
        if lived {
            self.subs[i].failures = 0;
            self.queue_new_dialog(i);
        } else {
            self.retry_later(i, now, None);
        }
    }

    pub(super) fn on_sub_timer(&mut self, i: SubId, generation: u64, now: Instant) {
        let Some(sub) = self.subs.get(i) else { return };
        if u64::from(sub.timer_gen) != generation || self.shutting_down {
            return;
        }
        match sub.phase() {
            Phase::Established => {
                // Time to refresh within the dialog.
                self.subs[i].queue_refresh();
                self.queue.push_back(i);
            }
            Phase::Waiting if self.server_up => self.queue_new_dialog(i),
            _ => {}
        }
        let _ = now;
    }

    pub(super) fn on_expiry_timer(&mut self, i: SubId, generation: u64, now: Instant) {
        let Some(sub) = self.subs.get(i) else { return };
        if u64::from(sub.expiry_gen) != generation || self.shutting_down {
            return;
        }
        // The subscription ran out without a successful refresh: what we
        // show from it is no longer backed by anything.
        tracing::info!(uri = %sub.uri, event = sub.event.as_str(), "subscription expired");
        let epoch = self.subs.epoch();
        self.subs[i].set_expires_at(epoch, None);
        self.mark_stale(i, now);
        if !matches!(self.subs[i].phase(), Phase::Sending | Phase::Stopped) {
            self.set_status(i, SubscriptionStatus::Requesting, now);
            self.queue_new_dialog(i);
        }
    }

    /// Timer N ran out: the server accepted the subscription but never
    /// sent its first NOTIFY. Treat it as failed and start over.
    pub(super) fn on_notify_wait(&mut self, i: SubId, generation: u64, now: Instant) {
        let Some(sub) = self.subs.get(i) else { return };
        if u64::from(sub.notify_gen) == generation && sub.awaiting_final_notify {
            // The final NOTIFY after our un-SUBSCRIBE never came.
            self.forget_dialog(i);
            return;
        }
        if u64::from(sub.notify_gen) != generation
            || sub.got_notify
            || self.shutting_down
            || sub.phase() != Phase::Established
        {
            return;
        }
        tracing::warn!(uri = %sub.uri, event = sub.event.as_str(), "no NOTIFY after the SUBSCRIBE was accepted");
        self.cancel_expiry(i);
        self.retry(
            i,
            now,
            SubscriptionStatus::Error(
                "the server accepted the subscription but sent no NOTIFY".into(),
            ),
            None,
        );
    }
}

/// What an emptied event or transmit queue keeps.
const DRAINED_CAPACITY: usize = 64;

/// A start-up burst (10,000 status events of one 489, a window of
/// SUBSCRIBEs) grows a queue to megabytes; once drained, the capacity is
/// given back instead of being kept all day.
pub(super) fn shrink_drained<T>(queue: &mut std::collections::VecDeque<T>) {
    if queue.is_empty() && queue.capacity() > DRAINED_CAPACITY {
        queue.shrink_to(DRAINED_CAPACITY);
    }
}
