//! A timer heap with lazy cancellation: O(log n) per timer, so thousands of
//! subscriptions cost nothing per event. Each owner keeps a generation
//! counter; a popped timer whose generation is old is simply skipped.
//!
//! Lazy cancellation leaves stale entries behind (a finished transaction's
//! retransmission timers, a refreshed subscription's old expiry, due in an
//! hour). So that they do not pile up, the engine sweeps them out with
//! [`TimerHeap::retain`] whenever the heap has doubled since the last sweep
//! ([`TimerHeap::wants_sweep`]); and the room a burst needed (20,000
//! SUBSCRIBEs at start: about 80,000 entries, 5 MB) is given back once
//! the heap is down to a third of it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use super::SubId;

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimerKey {
    /// A subscription's next action (refresh, retry, NOTIFY wait).
    Sub(SubId),
    /// A subscription's expiry.
    Expiry(SubId),
    /// RFC 6665 Timer N: the NOTIFY that must follow an accepted SUBSCRIBE.
    NotifyWait(SubId),
    /// A client transaction's timers (E, F, K).
    Tx(u64),
    /// Keepalive OPTIONS and server health.
    Keepalive,
    /// Time to open a new TCP connection.
    Reconnect,
    /// The response cache for retransmitted requests.
    Responses,
    /// Only a reason to send queued requests (an auth retry is due).
    Pump,
    /// Members of a list subscription still without state get their own.
    ListGrace(SubId),
    /// The diagnostics view's test subscription is removed.
    TestEnd,
}

/// Below this many entries, neither sweeps nor shrinking are worth it.
const SWEEP_MIN: usize = 4096;

#[derive(Debug, Default)]
pub struct TimerHeap {
    heap: BinaryHeap<Reverse<(Instant, TimerKey, u64)>>,
    /// The length at which the next sweep is due (0: [`SWEEP_MIN`]).
    sweep_at: usize,
}

impl TimerHeap {
    pub fn push(&mut self, at: Instant, key: TimerKey, generation: u64) {
        self.heap.push(Reverse((at, key, generation)));
    }

    /// The heap has doubled since the last sweep: time for
    /// [`retain`](Self::retain).
    pub fn wants_sweep(&self) -> bool {
        self.heap.len() >= self.sweep_at.max(SWEEP_MIN)
    }

    /// Keep only the entries `live` accepts (key, generation): the stale
    /// ones would be skipped when due anyway. Amortised O(1) per push when
    /// called on [`wants_sweep`](Self::wants_sweep).
    pub fn retain(&mut self, mut live: impl FnMut(TimerKey, u64) -> bool) {
        self.heap
            .retain(|Reverse((_, key, generation))| live(*key, *generation));
        self.sweep_at = self.heap.len().saturating_mul(2);
        self.give_back_room();
    }

    /// A heap down to a third of its room gives most of it back.
    fn give_back_room(&mut self) {
        let (len, cap) = (self.heap.len(), self.heap.capacity());
        if cap > SWEEP_MIN && len < cap / 3 {
            self.heap.shrink_to((len + len / 2).max(SWEEP_MIN));
        }
    }

    /// The earliest deadline (may belong to a cancelled timer: waking up
    /// early is harmless, late is not).
    pub fn peek(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Pop one timer that is due at `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<(TimerKey, u64)> {
        match self.heap.peek() {
            Some(Reverse((at, _, _))) if *at <= now => {
                let popped = self.heap.pop();
                self.give_back_room();
                popped.map(|Reverse((_, key, generation))| (key, generation))
            }
            _ => None,
        }
    }

    /// Room for this many entries (what it holds in memory).
    pub fn capacity(&self) -> usize {
        self.heap.capacity()
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_sweep_drops_stale_entries_and_a_drained_burst_gives_its_room_back() {
        let t0 = Instant::now();
        let mut h = TimerHeap::default();
        for i in 0..80_000u64 {
            h.push(t0 + Duration::from_millis(i), TimerKey::Tx(i), i % 2);
        }
        assert!(h.wants_sweep());
        // Odd generations are stale.
        h.retain(|_, generation| generation == 0);
        assert_eq!(h.len(), 40_000);
        assert!(!h.wants_sweep(), "next sweep when doubled again");
        assert!(h.capacity() < 80_000, "room given back: {}", h.capacity());
        // Draining the rest shrinks the room with it, never below a floor.
        let mut n = 0;
        while h.pop_due(t0 + Duration::from_secs(100)).is_some() {
            n += 1;
        }
        assert_eq!(n, 40_000);
        assert!(h.capacity() <= 2 * SWEEP_MIN, "{}", h.capacity());
    }

    #[test]
    fn pops_in_deadline_order_only_when_due() {
        let t0 = Instant::now();
        let mut h = TimerHeap::default();
        h.push(t0 + Duration::from_secs(5), TimerKey::Tx(1), 0);
        h.push(t0 + Duration::from_secs(1), TimerKey::Tx(2), 0);
        assert_eq!(h.peek(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(h.pop_due(t0), None);
        assert_eq!(
            h.pop_due(t0 + Duration::from_secs(2)),
            Some((TimerKey::Tx(2), 0))
        );
        assert_eq!(h.pop_due(t0 + Duration::from_secs(2)), None);
        assert_eq!(
            h.pop_due(t0 + Duration::from_secs(9)),
            Some((TimerKey::Tx(1), 0))
        );
    }
}
