//! The server side's memory of final responses, so a retransmitted
//! request (a NOTIFY resent over UDP) gets the same answer again.
//!
//! Memory is the decision here: under 5,000 NOTIFYs a second a cache of
//! 64*T1 (32 s) holds 160,000 entries. Keeping each 200's bytes and its key
//! twice (map and expiry queue) made `watch` grow to 150–165 MB. So the
//! cache keeps what the caller chooses as `V` (the engine: the status and
//! reason only, since the answer is rebuilt from the retransmitted request,
//! which carries the same Via, From, To, Call-ID and CSeq) under a 64-bit
//! keyed hash of the transaction key, not the key itself: about 60 bytes an
//! entry. The hash is SipHash with a per-cache random key, so a peer cannot
//! aim collisions; two live keys colliding by chance (about n/2^64 per new
//! request, 10^-14 at 160,000 entries) would answer a new NOTIFY as a
//! retransmission.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use crate::sip::codec::Request;
use crate::sip::headers::{parse_cseq, via_branch};

/// Below this many entries of room, a cache is not shrunk.
const SHRINK_MIN: usize = 1024;

/// Answers sent, keyed by [`server_key`], kept for `ttl` (use 64*T1).
/// Entries live until [`expire`](Self::expire) removes them: call it when
/// [`poll_timeout`](Self::poll_timeout) comes due. `V` is what is kept of
/// an answer: its bytes, or enough to build it again.
#[derive(Debug, Clone)]
pub struct ResponseCache<V = Vec<u8>> {
    ttl: Duration,
    hasher: RandomState,
    entries: HashMap<u64, (Instant, V)>,
    /// (expiry, key hash) in insertion order; expiries are monotonic
    /// because `now` is. A key inserted again leaves a stale entry here,
    /// skipped when it comes up.
    order: VecDeque<(Instant, u64)>,
}

impl<V> ResponseCache<V> {
    pub fn new(ttl: Duration) -> Self {
        ResponseCache {
            ttl,
            hasher: RandomState::new(),
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Remembers `value` as the answer to `key` until `now + ttl`
    /// (replacing an earlier answer).
    pub fn insert(&mut self, now: Instant, key: impl AsRef<str>, value: V) {
        let expiry = now + self.ttl;
        let h = self.hash(key.as_ref());
        self.order.push_back((expiry, h));
        self.entries.insert(h, (expiry, value));
    }

    /// What was kept of the answer to `key`, if still remembered.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(&self.hash(key)).map(|(_, v)| v)
    }

    /// Forgets every entry whose time is up at `now`.
    pub fn expire(&mut self, now: Instant) {
        while let Some((expiry, _)) = self.order.front() {
            if *expiry > now {
                break;
            }
            let Some((expiry, h)) = self.order.pop_front() else {
                break;
            };
            if self.entries.get(&h).is_some_and(|(e, _)| *e == expiry) {
                self.entries.remove(&h);
            }
        }
        // A burst's tables are not kept at their peak size for ever: once
        // down to a quarter of their room, they give most of it back.
        if self.entries.is_empty() {
            self.entries.shrink_to_fit();
            self.order.shrink_to_fit();
        } else if self.entries.capacity() > SHRINK_MIN
            && self.entries.len() < self.entries.capacity() / 4
        {
            self.entries.shrink_to(self.entries.len() * 2);
            self.order.shrink_to(self.order.len() * 2);
        }
    }

    /// When the oldest entry expires (possibly an earlier, superseded
    /// one: waking then is harmless).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.order.front().map(|(e, _)| *e)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The key of a server transaction: the top Via's branch, the CSeq and
/// the Call-ID (`z9hG4bK-1 2 NOTIFY c1@host`). `None` without a Via branch
/// or a valid CSeq.
///
/// The branch alone is not enough: Kamailio derives its branches from a
/// hash and a counter that starts over when it restarts, so the first
/// NOTIFYs after a restart repeat branches of NOTIFYs from before it. A
/// real retransmission repeats the CSeq and Call-ID too.
pub fn server_key(req: &Request) -> Option<String> {
    let branch = via_branch(req.headers.get("Via")?)?;
    let cseq = parse_cseq(req.headers.get("CSeq")?).ok()?;
    let call_id = req.headers.get("Call-ID").unwrap_or("");
    Some(format!("{branch} {} {} {call_id}", cseq.seq, cseq.method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_gives_its_room_back_as_it_expires_and_recent_answers_stay() {
        let t0 = Instant::now();
        let ttl = Duration::from_secs(32);
        let mut cache: ResponseCache<u16> = ResponseCache::new(ttl);
        // A burst of 20,000 answers, then a trickle of 100 a second later.
        for i in 0..20_000 {
            cache.insert(t0, format!("burst {i}"), 200);
        }
        let peak = cache.entries.capacity();
        let t1 = t0 + Duration::from_secs(1);
        for i in 0..100 {
            cache.insert(t1, format!("late {i}"), 200);
        }
        cache.expire(t0 + ttl);
        assert_eq!(cache.len(), 100);
        assert!(
            cache.entries.capacity() < peak / 8,
            "room given back: {} of {peak}",
            cache.entries.capacity()
        );
        assert_eq!(cache.get("late 7"), Some(&200), "the recent answers stay");
        assert_eq!(cache.get("burst 7"), None);
    }
}
