//! A compact instant for the subscription table: seconds and nanoseconds
//! since the engine's epoch (its creation) in 8 bytes, `None` included,
//! instead of an `Option<Instant>`'s 16. Exact (no rounding, so fake-clock
//! tests see the instants they set) and good for 136 years of uptime.
//! 30,000 subscriptions with four instants each save 1 MB.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

/// An instant at or after the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    secs: u32,
    /// Nanoseconds + 1: the zero niche makes `Option<Stamp>` 8 bytes.
    nanos: NonZeroU32,
}

impl Stamp {
    /// `at` relative to `epoch` (an instant before it counts as the epoch).
    pub fn new(epoch: Instant, at: Instant) -> Self {
        let d = at.saturating_duration_since(epoch);
        Stamp {
            secs: u32::try_from(d.as_secs()).unwrap_or(u32::MAX),
            nanos: NonZeroU32::new(d.subsec_nanos() + 1).unwrap_or(NonZeroU32::MIN),
        }
    }

    /// The instant again.
    pub fn at(self, epoch: Instant) -> Instant {
        epoch + Duration::new(u64::from(self.secs), self.nanos.get() - 1)
    }
}

/// An optional instant as an optional stamp.
pub fn stamp(epoch: Instant, at: Option<Instant>) -> Option<Stamp> {
    at.map(|at| Stamp::new(epoch, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_comes_back_exactly_and_an_absent_one_costs_nothing() {
        let epoch = Instant::now();
        for d in [0, 1, 999_999_999, 1_000_000_000, 86_400_123_456_789] {
            let at = epoch + Duration::from_nanos(d);
            assert_eq!(Stamp::new(epoch, at).at(epoch), at);
        }
        assert_eq!(std::mem::size_of::<Option<Stamp>>(), 8);
    }
}
