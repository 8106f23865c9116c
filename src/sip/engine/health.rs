//! Is the server there? A start-up probe, keepalive OPTIONS, and what a
//! lost server means: everything it told us goes stale at once, and every
//! subscription starts again (paced) as soon as it answers again.
//!
//! Over TCP the engine also decides when to (re)connect: after a lost
//! connection [`Engine::poll_connect`] says "connect now" on the schedule
//! of [`policy::reconnect_delay`]; the runtime only opens the socket and
//! reports back ([`Engine::transport_connected`] / [`Engine::connect_failed`]),
//! so the schedule is tested on a fake clock.

use std::time::Instant;

use super::sub::Phase;
use super::timers::TimerKey;
use super::{Engine, policy};
use crate::presence::SubscriptionStatus;
use crate::sip::events::ConnectionState;

/// Keepalive bookkeeping.
#[derive(Debug, Default)]
pub(super) struct Health {
    /// Generation of the keepalive timer.
    generation: u64,
    /// An OPTIONS is outstanding since this instant.
    waiting_since: Option<Instant>,
    /// The last time anything came from the server (a request or a
    /// response to us).
    last_heard: Option<Instant>,
    /// Consecutive unanswered probes while the server is down.
    misses: u32,
    /// The TCP connection is down (the runtime reconnects when told).
    transport_down: bool,
    /// Connect attempts since the server last answered.
    connect_attempts: u32,
    /// Generation of the reconnect timer.
    reconnect_gen: u64,
    /// The runtime should open a connection now ([`Engine::poll_connect`]).
    connect_wanted: bool,
}

impl Engine {
    /// Send an OPTIONS and expect an answer within the keepalive timeout.
    pub(super) fn probe(&mut self, now: Instant) {
        if self.health.transport_down {
            return;
        }
        self.send_options(now);
        self.health.waiting_since = Some(now);
        self.schedule_keepalive(now + self.cfg.keepalive_timeout);
    }

    /// The interval of keepalive OPTIONS: the configured one, but never
    /// longer than [`policy::KEEPALIVE_INTERVAL`] (a lost server must be
    /// noticed within 10 s); zero: only the start-up probe.
    fn keepalive_interval(&self) -> Option<std::time::Duration> {
        (!self.cfg.keepalive.is_zero()).then(|| self.cfg.keepalive.min(policy::KEEPALIVE_INTERVAL))
    }

    fn schedule_keepalive(&mut self, at: Instant) {
        self.health.generation += 1;
        self.timers
            .push(at, TimerKey::Keepalive, self.health.generation);
    }

    pub(super) fn on_keepalive_timer(&mut self, generation: u64, now: Instant) {
        if generation != self.health.generation || self.shutting_down {
            return;
        }
        tracing::debug!(
            waiting = self.health.waiting_since.is_some(),
            up = self.server_up,
            "keepalive timer"
        );
        if let Some(sent) = self.health.waiting_since
            && self.health.last_heard.is_some_and(|heard| heard >= sent)
        {
            // The probe's answer was lost, but the server kept talking
            // (NOTIFYs under load, when its socket drops some datagrams):
            // it is alive. Declaring it lost would re-subscribe everyone
            // into the very overload that lost the answer.
            tracing::debug!("keepalive unanswered, but the server was heard since: alive");
            self.on_options_answer(now);
            return;
        }
        if self.health.waiting_since.is_some() {
            // The probe went unanswered.
            self.health.waiting_since = None;
            self.health.misses += 1;
            self.server_lost(
                now,
                "the server does not answer (keepalive OPTIONS timed out)",
            );
            // Probe again soon: 1 s, 2 s, 4 s, 4 s ...
            let at = now + policy::lost_probe_delay(self.health.misses);
            self.health.generation += 1;
            self.timers
                .push(at, TimerKey::Keepalive, self.health.generation);
            return;
        }
        if self.server_up && self.keepalive_interval().is_none() {
            return;
        }
        self.probe(now);
    }

    /// The answer to an OPTIONS arrived (any status: the server is alive).
    pub(super) fn on_options_answer(&mut self, now: Instant) {
        self.health.waiting_since = None;
        self.health.misses = 0;
        if let Some(interval) = self.keepalive_interval() {
            self.schedule_keepalive(now + interval);
        }
    }

    /// Anything from the server proves it is alive.
    pub(super) fn server_heard(&mut self, now: Instant) {
        self.health.last_heard = Some(now);
        if self.server_up {
            return;
        }
        self.server_up = true;
        self.health.transport_down = false;
        self.health.connect_attempts = 0;
        if !self.auth_failed {
            self.set_connection(ConnectionState::Connected, now);
        }
        // Start (again): every subscription that is not final gets a fresh
        // dialog, paced by the window, starting with a single probe.
        self.window.reset();
        for i in self.subs.ids() {
            if matches!(self.subs[i].phase(), Phase::Waiting | Phase::Established)
                && self.subs[i].tx.is_none()
            {
                self.queue_new_dialog(i);
            }
        }
    }

    /// A SUBSCRIBE timed out: check the server now rather than at the next
    /// keepalive.
    pub(super) fn check_server(&mut self, now: Instant) {
        if self.server_up && self.health.waiting_since.is_none() {
            self.probe(now);
        }
    }

    /// The server is gone: everything it told us is stale from now on.
    pub(super) fn server_lost(&mut self, now: Instant, why: &str) {
        let first = self.server_up || matches!(self.connection, ConnectionState::Connecting);
        self.server_up = false;
        if first {
            tracing::warn!("{why}");
        }
        if !matches!(self.connection, ConnectionState::AuthFailed(_)) {
            self.set_connection(ConnectionState::Unreachable(why.to_string()), now);
        }
        // Abandon every request in flight; they will be sent again.
        let ids: Vec<u64> = self.subs.iter_mut().filter_map(|s| s.tx.take()).collect();
        for id in ids {
            self.drop_tx(id);
            self.window.on_abandon();
        }
        self.queue.clear();
        for i in self.subs.ids() {
            if self.subs[i].phase() == Phase::Covered {
                // Its list goes stale and starts over; it stays covered.
                self.mark_stale(i, now);
                continue;
            }
            if self.subs[i].phase() == Phase::Stopped {
                if self.subs[i].awaiting_final_notify {
                    self.forget_dialog(i); // no final NOTIFY from a lost server
                }
                continue;
            }
            self.mark_stale(i, now);
            self.cancel_expiry(i);
            self.cancel_sub_timer(i);
            self.forget_dialog(i);
            self.subs[i].wait();
            self.set_status(
                i,
                SubscriptionStatus::Error(format!("server lost: {why}").into()),
                now,
            );
        }
    }

    /// The transport reported an error (over UDP: an ICMP "port
    /// unreachable"): nobody listens there. Probing goes on.
    pub fn transport_error(&mut self, now: Instant, why: &str) {
        if self.server_up || matches!(self.connection, ConnectionState::Connecting) {
            self.server_lost(now, why);
        }
    }

    /// The TCP connection closed (a server restart, a network cut). The
    /// runtime reconnects and then calls [`Engine::transport_connected`].
    pub fn transport_lost(&mut self, now: Instant, why: &str) {
        self.transport_down(now, &format!("connection lost: {why}"));
    }

    /// The first connect (at start) failed, e.g. a refused TLS
    /// certificate: `why` is shown as it is (no connection was lost), and
    /// the engine asks for the next attempt as after a lost connection.
    pub fn transport_unavailable(&mut self, now: Instant, why: &str) {
        self.transport_down(now, why);
    }

    fn transport_down(&mut self, now: Instant, why: &str) {
        self.server_lost(now, why);
        self.health.transport_down = true;
        self.health.waiting_since = None;
        self.health.generation += 1; // no probes without a connection
        self.schedule_reconnect(now);
    }

    /// A connect attempt the engine asked for failed: try again later.
    pub fn connect_failed(&mut self, now: Instant, why: &str) {
        tracing::debug!(
            attempt = self.health.connect_attempts,
            "connect failed: {why}"
        );
        if self.health.transport_down {
            // Say why now (a certificate that became invalid, a refused
            // port), not why the connection was first lost.
            if matches!(self.connection, ConnectionState::Unreachable(_)) {
                let state = ConnectionState::Unreachable(format!("cannot connect: {why}"));
                if self.connection != state {
                    tracing::warn!("cannot connect: {why}");
                }
                self.set_connection(state, now);
            }
            self.schedule_reconnect(now);
        }
    }

    /// True once when the runtime should open a (new) connection now.
    pub fn poll_connect(&mut self) -> bool {
        std::mem::take(&mut self.health.connect_wanted)
    }

    /// A (new) connection to the server is up: probe it; the first answer
    /// restarts every subscription.
    pub fn transport_connected(&mut self, now: Instant) {
        self.health.transport_down = false;
        self.health.connect_wanted = false;
        self.health.reconnect_gen += 1;
        self.probe(now);
    }

    fn schedule_reconnect(&mut self, now: Instant) {
        if self.shutting_down || !self.cfg.transport.reliable() {
            return;
        }
        let at = now + policy::reconnect_delay(self.health.connect_attempts);
        self.health.connect_attempts = self.health.connect_attempts.saturating_add(1);
        self.health.reconnect_gen += 1;
        self.timers
            .push(at, TimerKey::Reconnect, self.health.reconnect_gen);
    }

    pub(super) fn on_reconnect_timer(&mut self, generation: u64) {
        if generation == self.health.reconnect_gen
            && self.health.transport_down
            && !self.shutting_down
        {
            self.health.connect_wanted = true;
        }
    }
}
