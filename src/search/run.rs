//! Running a search: match (score) the docs on up to two threads, then
//! write the sorted results into `hits`, reusing their highlight vectors,
//! and highlight the best of them.

use std::sync::Mutex;

use super::score::{Cand, Worker, key_doc, key_score};
use super::{Hit, Search, recycle};
use crate::presence::ContactId;

/// Run `job(a)` here and `job(b)` on a scoped thread when `two` (both here
/// otherwise, or when no thread can be spawned).
pub(super) fn on_two_threads<T: Send>(two: bool, a: T, b: T, job: impl Fn(T) + Sync) {
    let b = Mutex::new(Some(b));
    let take = |cell: &Mutex<Option<T>>| cell.lock().ok().and_then(|mut slot| slot.take());
    if two {
        std::thread::scope(|s| {
            let spawned = std::thread::Builder::new().spawn_scoped(s, || {
                if let Some(b) = take(&b) {
                    job(b);
                }
            });
            if let Err(error) = spawned {
                tracing::warn!(%error, "search: no thread, working on this one");
            }
            job(a);
        });
    } else {
        job(a);
    }
    if let Some(b) = take(&b) {
        job(b);
    }
}

/// While a search matches at most this many times
/// [`HIGHLIGHT_TOP`](super::HIGHLIGHT_TOP) docs (typing on, over the
/// previous hits), highlights are traced as the docs are matched: nucleo's
/// extra cost for that is a small part of a match, so it costs less than
/// matching the best hits a second time.
const EAGER_FACTOR: usize = 8;

impl Search {
    /// Match every doc (or only the current hits when `narrow`) and replace
    /// the results.
    pub(super) fn run(&mut self, narrow: bool) {
        let total = u32::try_from(self.index.len()).unwrap_or(u32::MAX);
        if narrow {
            self.matched.collect_into(&mut self.scratch);
        }
        let count = if narrow {
            self.scratch.len()
        } else {
            total as usize
        };
        let eager = count <= self.highlight_top.saturating_mul(EAGER_FACTOR);
        let two = count >= self.parallel_min && self.workers.len() >= 2;
        let half = if two { count / 2 } else { count };
        let (docs, query, scratch) = (&self.index, &self.query, &self.scratch);
        // Docs `lo..hi` of the work list: directory indices, or the previous
        // hits in directory order.
        let work = |worker: &mut Worker, lo: usize, hi: usize| {
            if narrow {
                let list = scratch.get(lo..hi).unwrap_or(&[]).iter().copied();
                worker.run(docs, query, list, eager);
            } else {
                worker.run(docs, query, lo as u32..hi as u32, eager);
            }
        };
        let split = self.workers.len().min(1);
        let (first, rest) = self.workers.split_at_mut(split);
        let jobs = (
            first.first_mut().map(|w| (w, 0, half)),
            rest.first_mut().map(|w| (w, half, count)),
        );
        if let (Some(a), Some(b)) = jobs {
            on_two_threads(two, a, b, |(w, lo, hi)| work(w, lo, hi));
        } else if let (Some((w, _, _)), None) = jobs {
            work(w, 0, count);
        }
        self.fill(two);
        self.highlight_top(two, eager);
    }

    /// Write the workers' sorted candidates into `hits`/`hit_keys`, with
    /// highlights for the best [`HIGHLIGHT_TOP`](super::HIGHLIGHT_TOP) if the
    /// workers traced them:
    /// a merge of two sorted runs, split in halves for two threads.
    fn fill(&mut self, two: bool) {
        let w0 = Run::of(self.workers.first());
        let w1 = Run::of(self.workers.get(1).filter(|_| two));
        let total = w0.cands.len() + w1.cands.len();
        if self.hits.len() > total {
            for hit in self.hits.drain(total..) {
                recycle(&mut self.pool, hit.name_indices);
            }
        }
        while self.hits.len() < total {
            let name_indices = self.pool.pop().unwrap_or_default();
            self.hits.push(Hit {
                id: ContactId(0),
                score: 0,
                name_indices,
            });
        }
        self.hit_keys.resize(total, 0);
        let parallel = two && total >= self.parallel_min;
        let mid = if parallel { total / 2 } else { total };
        let (i, j) = split_point(w0.cands, w1.cands, mid);
        let (hits_lo, hits_hi) = self.hits.split_at_mut(mid);
        let (keys_lo, keys_hi) = self.hit_keys.split_at_mut(mid);
        let top = self.highlight_top;
        let lo = (hits_lo, keys_lo, w0.slice(..i), w1.slice(..j), top);
        let hi = (
            hits_hi,
            keys_hi,
            w0.slice(i..),
            w1.slice(j..),
            top.saturating_sub(mid),
        );
        on_two_threads(parallel, lo, hi, |(h, k, a, b, top)| {
            merge_into(h, k, a, b, top);
        });
        self.matched.clear();
        for &k in &self.hit_keys {
            self.matched.set(key_doc(k), true);
        }
    }
}

/// One worker's sorted candidates and the arena their highlights are in.
#[derive(Clone, Copy)]
struct Run<'a> {
    cands: &'a [Cand],
    arena: &'a [u32],
}

impl<'a> Run<'a> {
    fn of(worker: Option<&'a Worker>) -> Run<'a> {
        worker.map_or(
            Run {
                cands: &[],
                arena: &[],
            },
            |w| Run {
                cands: &w.cands,
                arena: &w.arena,
            },
        )
    }

    fn slice(self, range: impl std::slice::SliceIndex<[Cand], Output = [Cand]>) -> Run<'a> {
        Run {
            cands: self.cands.get(range).unwrap_or(&[]),
            arena: self.arena,
        }
    }
}

/// Where to cut two sorted runs so that the first `k` merged elements are
/// `a[..i]` and `b[..j]`, `i + j == k` (keys are unique).
fn split_point(a: &[Cand], b: &[Cand], k: usize) -> (usize, usize) {
    let k = k.min(a.len() + b.len());
    let (mut lo, mut hi) = (k.saturating_sub(b.len()), k.min(a.len()));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let a_key = a.get(mid).map_or(u64::MAX, |c| c.key);
        let b_key = (k - mid)
            .checked_sub(1)
            .and_then(|j| b.get(j))
            .map_or(0, |c| c.key);
        if a_key < b_key {
            lo = mid + 1
        } else {
            hi = mid
        }
    }
    (lo, k - lo)
}

/// Merge two sorted runs into `hits`/`keys` (as long as both together);
/// the first `top` hits get the highlights the runs have.
fn merge_into(hits: &mut [Hit], keys: &mut [u64], a: Run<'_>, b: Run<'_>, top: usize) {
    let (mut ia, mut ib) = (0, 0);
    for (n, (hit, key)) in hits.iter_mut().zip(keys.iter_mut()).enumerate() {
        let (cand, arena) = match (a.cands.get(ia), b.cands.get(ib)) {
            (Some(x), Some(y)) if x.key < y.key => {
                ia += 1;
                (x, a.arena)
            }
            (Some(x), None) => {
                ia += 1;
                (x, a.arena)
            }
            (_, Some(y)) => {
                ib += 1;
                (y, b.arena)
            }
            (None, None) => break,
        };
        hit.id = cand.id;
        hit.score = key_score(cand.key);
        hit.name_indices.clear();
        if n < top {
            let start = cand.start as usize;
            let highlights = arena.get(start..start + cand.len as usize).unwrap_or(&[]);
            hit.name_indices.extend_from_slice(highlights);
        }
        *key = cand.key;
    }
}
