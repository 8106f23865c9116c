//! A timer heap with lazy cancellation: O(log n) per timer, so thousands of
//! subscriptions cost nothing per event. Each owner keeps a generation
//! counter; a popped timer whose generation is old is simply skipped.

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

#[derive(Debug, Default)]
pub struct TimerHeap {
    heap: BinaryHeap<Reverse<(Instant, TimerKey, u64)>>,
}

impl TimerHeap {
    pub fn push(&mut self, at: Instant, key: TimerKey, generation: u64) {
        self.heap.push(Reverse((at, key, generation)));
    }

    /// The earliest deadline (may belong to a cancelled timer: waking up
    /// early is harmless, late is not).
    pub fn peek(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Pop one timer that is due at `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<(TimerKey, u64)> {
        match self.heap.peek() {
            Some(Reverse((at, _, _))) if *at <= now => self
                .heap
                .pop()
                .map(|Reverse((_, key, generation))| (key, generation)),
            _ => None,
        }
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
