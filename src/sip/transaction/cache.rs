//! The server side's memory of final responses, so a retransmitted
//! request (a NOTIFY resent over UDP) gets the same answer again.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::sip::codec::Request;
use crate::sip::headers::{parse_cseq, via_branch};

/// Final responses sent, keyed by [`server_key`], kept for `ttl` (use
/// 64*T1). Entries live until [`expire`](Self::expire) removes them: call
/// it when [`poll_timeout`](Self::poll_timeout) comes due.
#[derive(Debug, Clone)]
pub struct ResponseCache {
    ttl: Duration,
    entries: HashMap<String, (Instant, Vec<u8>)>,
    /// (expiry, key) in insertion order; expiries are monotonic because
    /// `now` is. A key inserted again leaves a stale entry here, skipped
    /// when it comes up.
    order: VecDeque<(Instant, String)>,
}

impl ResponseCache {
    pub fn new(ttl: Duration) -> Self {
        ResponseCache {
            ttl,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Remembers `bytes` as the answer to `key` until `now + ttl`
    /// (replacing an earlier answer).
    pub fn insert(&mut self, now: Instant, key: String, bytes: Vec<u8>) {
        let expiry = now + self.ttl;
        self.order.push_back((expiry, key.clone()));
        self.entries.insert(key, (expiry, bytes));
    }

    /// The bytes sent for `key`, if still remembered.
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.entries.get(key).map(|(_, b)| b.as_slice())
    }

    /// Forgets every entry whose time is up at `now`.
    pub fn expire(&mut self, now: Instant) {
        while let Some((expiry, _)) = self.order.front() {
            if *expiry > now {
                break;
            }
            let Some((expiry, key)) = self.order.pop_front() else {
                break;
            };
            if self.entries.get(&key).is_some_and(|(e, _)| *e == expiry) {
                self.entries.remove(&key);
            }
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
