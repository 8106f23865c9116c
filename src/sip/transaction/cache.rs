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
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use crate::sip::codec::Request;
use crate::sip::headers::{parse_cseq, via_branch, via_branch_ref};

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

    /// The hashed [`server_key`] of `req`, built without the key string
    /// (the same number `insert`/`get` compute from `server_key(req)`):
    /// for the per-NOTIFY path, with [`get_hashed`](Self::get_hashed) and
    /// [`insert_hashed`](Self::insert_hashed). `None` where `server_key`
    /// is `None`.
    pub fn key_of(&self, req: &Request) -> Option<u64> {
        let branch = via_branch_ref(req.headers.get("Via")?)?;
        let cseq = parse_cseq(req.headers.get("CSeq")?).ok()?;
        let call_id = req.headers.get("Call-ID").unwrap_or("");
        // `str`'s Hash writes its bytes then 0xff, and SipHash reads the
        // written bytes as one stream: writing the key's pieces in turn
        // hashes exactly the string `server_key` would build.
        let mut h = self.hasher.build_hasher();
        h.write(branch.as_bytes());
        h.write(b" ");
        h.write(decimal(cseq.seq, &mut [0; 10]));
        h.write(b" ");
        h.write(cseq.method.as_str().as_bytes());
        h.write(b" ");
        h.write(call_id.as_bytes());
        h.write_u8(0xff);
        Some(h.finish())
    }

    /// [`get`](Self::get) by a key from [`key_of`](Self::key_of).
    pub fn get_hashed(&self, key: u64) -> Option<&V> {
        self.entries.get(&key).map(|(_, v)| v)
    }

    /// [`insert`](Self::insert) by a key from [`key_of`](Self::key_of).
    pub fn insert_hashed(&mut self, now: Instant, key: u64, value: V) {
        let expiry = now + self.ttl;
        self.order.push_back((expiry, key));
        self.entries.insert(key, (expiry, value));
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

/// `n` in decimal, written at the end of `buf`.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        if let Some(slot) = buf.get_mut(at) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    buf.get(at..).unwrap_or_default()
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
