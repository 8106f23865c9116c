//! Name highlights. Matching only scores (nucleo's score-only path is
//! faster than the one that traces the matched characters back), so after
//! a search the best [`HIGHLIGHT_TOP`](super::HIGHLIGHT_TOP) hits are
//! matched once more for their highlights, and any other hit on demand.

use std::ops::Range;

use super::run::on_two_threads;
use super::score::{Worker, key_doc};
use super::{Hit, Search};
use crate::search::index::Index;
use crate::search::query::Query;

/// Below this many hits to highlight, one thread does them all (a thread
/// costs about as much as highlighting a hundred names).
const PARALLEL_MIN: usize = 512;

/// Fill the highlights of `hits` (whose sort keys are `keys`).
fn highlight_all(worker: &mut Worker, docs: &Index, query: &Query, hits: &mut [Hit], keys: &[u64]) {
    for (hit, &key) in hits.iter_mut().zip(keys) {
        worker.highlight(docs, key_doc(key), query, &mut hit.name_indices);
    }
}

impl Search {
    /// After `fill`: highlight the best hits, on two threads when `two`
    /// (unless `traced`: `fill` copied them from the workers already).
    pub(super) fn highlight_top(&mut self, two: bool, traced: bool) {
        let n = self.hits.len().min(self.highlight_top);
        self.lit.clear();
        self.lit.resize(self.hits.len(), false);
        if traced {
            if let Some(lit) = self.lit.get_mut(..n) {
                lit.fill(true);
            }
            return;
        }
        let (docs, query) = (&self.index, &self.query);
        let (Some(hits), Some(keys)) = (self.hits.get_mut(..n), self.hit_keys.get(..n)) else {
            return;
        };
        let Some((w0, rest)) = self.workers.split_first_mut() else {
            return;
        };
        match rest.first_mut() {
            Some(w1) if two && n >= PARALLEL_MIN => {
                let mid = n / 2;
                let (hits_lo, hits_hi) = hits.split_at_mut(mid);
                let (keys_lo, keys_hi) = keys.split_at(mid);
                let lo = (w0, hits_lo, keys_lo);
                let hi = (w1, hits_hi, keys_hi);
                on_two_threads(true, lo, hi, |(w, h, k)| {
                    highlight_all(w, docs, query, h, k);
                });
            }
            _ => highlight_all(w0, docs, query, hits, keys),
        }
        if let Some(lit) = self.lit.get_mut(..n) {
            lit.fill(true);
        }
    }

    /// Compute the name highlights of the hits at `range` (positions in
    /// [`Search::hits`]) that do not have them yet: the best
    /// [`HIGHLIGHT_TOP`](super::HIGHLIGHT_TOP) always do, call this for
    /// the others before showing them. Cheap when they are there already;
    /// positions past the end are ignored.
    pub fn ensure_highlights(&mut self, range: Range<usize>) {
        if !self.filtering {
            return;
        }
        let Some(worker) = self.workers.first_mut() else {
            return;
        };
        let end = range.end.min(self.hits.len());
        for i in range.start..end {
            let (Some(lit), Some(hit), Some(&key)) = (
                self.lit.get_mut(i),
                self.hits.get_mut(i),
                self.hit_keys.get(i),
            ) else {
                continue;
            };
            if !*lit {
                worker.highlight(
                    &self.index,
                    key_doc(key),
                    &self.query,
                    &mut hit.name_indices,
                );
                *lit = true;
            }
        }
    }
}
