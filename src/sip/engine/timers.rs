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
//!
//! An entry is 24 bytes, not the 40 of `(Instant, TimerKey, u64)`: the
//! deadline is kept as nanoseconds from the first one pushed and the key
//! packed into a `u64` (its variant in the top byte, so entries order as
//! the derived `Ord` of `TimerKey` would). At start, with 20,000
//! subscriptions, the heap holds about 100,000 entries.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

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

/// Bits of a packed key's payload (below the variant byte).
const PAYLOAD_BITS: u32 = 56;

impl TimerKey {
    /// The key as a `u64` ordered like the key (variant, then payload).
    fn pack(self) -> u64 {
        let (variant, payload): (u64, u64) = match self {
            TimerKey::Sub(id) => (0, u64::from(id.raw())),
            TimerKey::Expiry(id) => (1, u64::from(id.raw())),
            TimerKey::NotifyWait(id) => (2, u64::from(id.raw())),
            TimerKey::Tx(tx) => (3, tx & ((1 << PAYLOAD_BITS) - 1)),
            TimerKey::Keepalive => (4, 0),
            TimerKey::Reconnect => (5, 0),
            TimerKey::Responses => (6, 0),
            TimerKey::Pump => (7, 0),
            TimerKey::ListGrace(id) => (8, u64::from(id.raw())),
            TimerKey::TestEnd => (9, 0),
        };
        (variant << PAYLOAD_BITS) | payload
    }

    /// The key [`pack`](Self::pack) gave.
    fn unpack(packed: u64) -> TimerKey {
        let payload = packed & ((1 << PAYLOAD_BITS) - 1);
        let id = || SubId::from_raw(u32::try_from(payload).unwrap_or(u32::MAX));
        match packed >> PAYLOAD_BITS {
            0 => TimerKey::Sub(id()),
            1 => TimerKey::Expiry(id()),
            2 => TimerKey::NotifyWait(id()),
            3 => TimerKey::Tx(payload),
            4 => TimerKey::Keepalive,
            5 => TimerKey::Reconnect,
            6 => TimerKey::Responses,
            7 => TimerKey::Pump,
            8 => TimerKey::ListGrace(id()),
            _ => TimerKey::TestEnd,
        }
    }
}

#[derive(Debug, Default)]
pub struct TimerHeap {
    /// (deadline in ns from `base`, packed key, generation).
    heap: BinaryHeap<Reverse<(i64, u64, u64)>>,
    /// The first deadline pushed: the others are kept relative to it.
    base: Option<Instant>,
    /// The length at which the next sweep is due (0: [`SWEEP_MIN`]).
    sweep_at: usize,
}

impl TimerHeap {
    pub fn push(&mut self, at: Instant, key: TimerKey, generation: u64) {
        let offset = self.offset(at);
        self.heap.push(Reverse((offset, key.pack(), generation)));
    }

    /// `at` as signed nanoseconds from the base (set by the first push).
    fn offset(&mut self, at: Instant) -> i64 {
        offset_from(*self.base.get_or_insert(at), at)
    }

    /// The instant an offset stands for.
    fn instant(&self, offset: i64) -> Option<Instant> {
        let base = self.base?;
        let span = Duration::from_nanos(offset.unsigned_abs());
        if offset >= 0 {
            base.checked_add(span)
        } else {
            base.checked_sub(span)
        }
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
            .retain(|Reverse((_, key, generation))| live(TimerKey::unpack(*key), *generation));
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
        let Reverse((offset, _, _)) = self.heap.peek()?;
        self.instant(*offset)
    }

    /// Pop one timer that is due at `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<(TimerKey, u64)> {
        let (Some(base), Some(Reverse((offset, _, _)))) = (self.base, self.heap.peek()) else {
            return None;
        };
        if *offset > offset_from(base, now) {
            return None;
        }
        let popped = self.heap.pop();
        self.give_back_room();
        popped.map(|Reverse((_, key, generation))| (TimerKey::unpack(key), generation))
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

/// `at` as signed nanoseconds from `base` (saturating at ±292 years).
fn offset_from(base: Instant, at: Instant) -> i64 {
    match at.checked_duration_since(base) {
        Some(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        None => {
            let before = base.duration_since(at).as_nanos();
            i64::try_from(before).map_or(i64::MIN, |n| -n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn keys_survive_packing_and_deadlines_before_the_first_order_right() {
        let t0 = Instant::now() + Duration::from_secs(60);
        let keys = [
            TimerKey::Sub(SubId::from_raw(7)),
            TimerKey::Expiry(SubId::from_raw(u32::MAX)),
            TimerKey::NotifyWait(SubId::from_raw(0)),
            TimerKey::Tx(123_456_789),
            TimerKey::Keepalive,
            TimerKey::Reconnect,
            TimerKey::Responses,
            TimerKey::Pump,
            TimerKey::ListGrace(SubId::from_raw(3)),
            TimerKey::TestEnd,
        ];
        for (a, b) in keys.iter().zip(keys.iter().skip(1)) {
            assert_eq!(TimerKey::unpack(a.pack()), *a);
            assert_eq!(a.cmp(b), a.pack().cmp(&b.pack()), "{a:?} {b:?}");
        }
        let mut h = TimerHeap::default();
        h.push(t0, TimerKey::Keepalive, 1);
        h.push(t0 - Duration::from_secs(30), TimerKey::Pump, 2);
        assert_eq!(h.peek(), Some(t0 - Duration::from_secs(30)));
        assert_eq!(h.pop_due(t0 - Duration::from_secs(31)), None);
        assert_eq!(
            h.pop_due(t0 - Duration::from_secs(30)),
            Some((TimerKey::Pump, 2))
        );
        assert_eq!(h.pop_due(t0), Some((TimerKey::Keepalive, 1)));
        assert_eq!(std::mem::size_of::<(i64, u64, u64)>(), 24);
    }
}
