//! The console's fuzzy search over the directory: our type around nucleo.
//!
//! One column per searchable field (name, extension, department, URI without
//! its `sip:` scheme, note). The query is split into whitespace-separated
//! terms that must all match, in any order; see `query.rs` for the syntax
//! (`dept:sales`, `ext:10`, `note:lunch`, ...). A plain term is fuzzy
//! (subsequence) matched against the name, then the extension, department,
//! the URI's user part (the host is the same for nearly everyone) and the
//! note; the first column it matches gives its score, weighted so that a
//! name match counts a little more than the same match in the URI or note.
//! Hits are ordered by the sum of their terms' scores.
//!
//! Typos tolerated by a plain or `name:` term: missing characters (`smth`
//! finds Smith: fuzzy matching is a subsequence match), any number of extra
//! characters in the text between the typed ones, and, in the name only,
//! one pair of swapped adjacent characters (`simth` finds Smith, at half
//! the score, so below real matches; tried only when the word matches no
//! column as typed). Not tolerated: a wrong or extra character in the query
//! (`smoth`), two swaps.
//!
//! [`Search::set_query`] matches synchronously: it is called from the
//! console's `update()` on each keystroke, and the view only reads
//! [`Search::hits`]. Why not nucleo's own `Nucleo` worker pool: its results
//! arrive on a later `tick`, so `update()` would have to poll and the view
//! would draw stale results, and in `benches/search.rs` it is slower to have
//! complete results than this (it re-sorts everything on its pool).
//!
//! What keeps a keystroke over 100,000 contacts within ~10 ms on two cores:
//! - typing on (the query extends the previous one) re-matches only the
//!   previous hits (`Query::narrows` in `query.rs` says when that is exact);
//! - the index is column-wise flat arrays walked in order, each doc's
//!   character mask rejecting columns before nucleo is called (software
//!   prefetching the next docs was tried: no measurable gain); accented
//!   text that folds to ASCII is matched in its folded form (nucleo's fast
//!   path, same results);
//! - a plain word stops at the first column it matches;
//! - departments, notes and extra columns repeat: each distinct text is
//!   numbered (`intern.rs`) and a word is matched once per distinct text
//!   per query, not once per contact (same results: held by
//!   `equal_tests.rs` against matching every text);
//! - a space or an `is:` filter typed leaves the words as they were: the
//!   hits are kept as they are (`Query::same_words`);
//! - one- and two-character words use plain loops equal to nucleo's score
//!   and match positions (`fast::one_char`, `fast::two_char`: the first two
//!   keystrokes match most of the directory); ASCII words of two or more
//!   chars first pass a branch-free "are the chars in the text, in
//!   order?" automaton (`fast::InOrder`), so nucleo (or the two-character
//!   loop) runs only for texts it will match;
//! - the directory is split between up to [`MAX_WORKERS`] scoped threads
//!   (joined before `set_query` returns), candidates are radix-sorted by
//!   score and merged into `hits` reusing their highlight vectors;
//! - matching only scores; name highlights (nucleo's slower path that keeps
//!   its whole matrix) are computed for the best [`HIGHLIGHT_TOP`] hits
//!   only, more on demand with [`Search::ensure_highlights`].

mod column;
#[cfg(test)]
mod equal_tests;
mod fast;
mod highlight;
mod index;
mod intern;
mod query;
#[cfg(test)]
mod rules_tests;
mod run;
#[cfg(any(test, feature = "samples"))]
pub mod sample;
mod score;
mod state;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;

use crate::presence::ContactId;
use index::Index;
use query::Query;
use score::{STRONG, Worker, key_doc, key_score};
pub use state::StateFilter;

/// Most threads one search uses (the console's machine has two cores).
pub const MAX_WORKERS: usize = 2;

/// Below this many docs to match (or hits to build), one thread does it all.
const PARALLEL_MIN: usize = 4096;

/// How many of the best hits get their name highlights as part of the
/// search: more than a grid shows at once on any terminal (a few hundred to
/// ~2,000 cells). Hits further down have empty `name_indices` until
/// [`Search::ensure_highlights`] is called for them (the console does that
/// for the rows it scrolls to).
pub const HIGHLIGHT_TOP: usize = 2048;

/// The searchable text of one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    pub id: ContactId,
    pub name: String,
    pub extension: String,
    pub department: String,
    pub uri: String,
    /// The person's status note (later also the attendant's note).
    pub note: String,
    /// A directory file's extra columns, values joined by spaces.
    pub extra: String,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub id: ContactId,
    /// Higher is better; 0 for every doc while the search is inactive.
    pub score: u32,
    /// Sorted char indices (`name.chars()` positions) to highlight in the
    /// name. Only filled for the best [`HIGHLIGHT_TOP`] hits and for those
    /// passed to [`Search::ensure_highlights`]; empty for the others.
    pub name_indices: Vec<u32>,
}

impl Hit {
    /// The contact matched only because of its note (or a directory
    /// file's extra columns): some word of the query is in no name,
    /// extension, department or URI. Such hits rank below the others and
    /// the grid marks them.
    pub fn note_only(&self) -> bool {
        self.score != 0 && self.score & STRONG == 0
    }
}

/// A set of directory indices.
#[derive(Debug, Default)]
struct Bitset(Vec<u64>);

impl Bitset {
    fn clear(&mut self) {
        self.0.iter_mut().for_each(|w| *w = 0);
    }
    fn set(&mut self, i: u32, on: bool) {
        let w = i as usize / 64;
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        if let Some(word) = self.0.get_mut(w) {
            let bit = 1u64 << (i % 64);
            if on { *word |= bit } else { *word &= !bit }
        }
    }
    fn contains(&self, i: u32) -> bool {
        self.0
            .get(i as usize / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }
    /// The members in increasing order, into `out`.
    fn collect_into(&self, out: &mut Vec<u32>) {
        out.clear();
        for (wi, &word) in self.0.iter().enumerate() {
            let mut w = word;
            while w != 0 {
                out.push(wi as u32 * 64 + w.trailing_zeros());
                w &= w - 1;
            }
        }
    }
}

/// Fuzzy search over the directory. See the module docs.
pub struct Search {
    index: Index,
    by_id: HashMap<ContactId, u32>,
    /// Every doc in directory order: the results while nothing is filtered.
    all: Vec<Hit>,
    /// The results while filtering, best first.
    hits: Vec<Hit>,
    /// The sort key of each of `hits` (score and directory index).
    hit_keys: Vec<u64>,
    /// Whether each of `hits` has its highlights computed.
    lit: Vec<bool>,
    /// The directory indices in `hits`.
    matched: Bitset,
    text: String,
    query: Query,
    /// The query restricts something: `hits` are the results, not `all`.
    filtering: bool,
    workers: Vec<Worker>,
    /// Emptied highlight vectors of replaced hits, reused.
    pool: Vec<Vec<u32>>,
    scratch: Vec<u32>,
    parallel_min: usize,
    /// [`HIGHLIGHT_TOP`] (smaller in tests).
    highlight_top: usize,
}

impl fmt::Debug for Search {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Search")
            .field("docs", &self.index.len())
            .field("query", &self.text)
            .field("hits", &self.hits().len())
            .finish_non_exhaustive()
    }
}

impl Search {
    pub fn new(docs: Vec<SearchDoc>) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut search = Search {
            index: Index::default(),
            by_id: HashMap::with_capacity(docs.len()),
            all: Vec::with_capacity(docs.len()),
            hits: Vec::new(),
            hit_keys: Vec::new(),
            lit: Vec::new(),
            matched: Bitset::default(),
            text: String::new(),
            query: Query::default(),
            filtering: false,
            workers: (0..threads.clamp(1, MAX_WORKERS))
                .map(|_| Worker::new())
                .collect(),
            pool: Vec::new(),
            scratch: Vec::new(),
            parallel_min: PARALLEL_MIN,
            highlight_top: HIGHLIGHT_TOP,
        };
        for doc in docs {
            search.update_doc(doc);
        }
        search
    }

    /// A contact's searchable text changed (replaced by id, appended to the
    /// directory if new). The current results are updated for that contact.
    pub fn update_doc(&mut self, doc: SearchDoc) {
        let index = match self.by_id.get(&doc.id).copied() {
            Some(i) if (i as usize) < self.index.len() => {
                self.index.replace(i, &doc);
                i
            }
            _ => {
                let i = self.index.push(&doc);
                self.by_id.insert(doc.id, i);
                self.all.push(Hit {
                    id: doc.id,
                    score: 0,
                    name_indices: Vec::new(),
                });
                i
            }
        };
        if !self.filtering {
            return;
        }
        if self.matched.contains(index)
            && let Some(pos) = self.hit_keys.iter().position(|&k| key_doc(k) == index)
        {
            self.hit_keys.remove(pos);
            self.lit.remove(pos);
            let old = self.hits.remove(pos);
            recycle(&mut self.pool, old.name_indices);
            self.matched.set(index, false);
        }
        let (Some(worker), Some(doc)) = (self.workers.first_mut(), self.index.doc(index)) else {
            return;
        };
        worker.arena.clear();
        if let Some(cand) = worker.match_doc(doc, index, &self.query, false) {
            let pos = self.hit_keys.partition_point(|&k| k < cand.key);
            self.hits.insert(
                pos,
                Hit {
                    id: cand.id,
                    score: key_score(cand.key),
                    name_indices: Vec::new(),
                },
            );
            self.hit_keys.insert(pos, cand.key);
            self.lit.insert(pos, false);
            self.matched.set(index, true);
        }
        // The best hits keep their highlights (the new one, or the one that
        // moved up into them).
        self.ensure_highlights(0..self.highlight_top);
    }

    /// A contact left the directory: it is no longer listed nor matched.
    pub fn remove_doc(&mut self, id: ContactId) {
        let Some(index) = self.by_id.remove(&id) else {
            return;
        };
        let blank = SearchDoc {
            id,
            name: String::new(),
            extension: String::new(),
            department: String::new(),
            uri: String::new(),
            note: String::new(),
            extra: String::new(),
        };
        self.index.retire(index, &blank);
        self.all.retain(|h| h.id != id);
        if self.matched.contains(index)
            && let Some(pos) = self.hit_keys.iter().position(|&k| key_doc(k) == index)
        {
            self.hit_keys.remove(pos);
            self.lit.remove(pos);
            let old = self.hits.remove(pos);
            recycle(&mut self.pool, old.name_indices);
            self.matched.set(index, false);
        }
    }

    /// Set the query and match now. When the query extends the previous one
    /// only the previous hits are re-matched.
    pub fn set_query(&mut self, query: &str) {
        if query == self.text {
            return;
        }
        let parsed = Query::parse(query);
        if self.filtering && parsed.same_words(&self.query) {
            // A space or an `is:` filter typed: the hits stay as they are
            // (`update_doc` keeps them current).
            self.text.clear();
            self.text.push_str(query);
            self.query = parsed;
            return;
        }
        let narrow = self.filtering && parsed.narrows(&self.query);
        self.text.clear();
        self.text.push_str(query);
        self.query = parsed;
        if self.query.matches_all() {
            // `hits` stay allocated for the next search; `all` is shown.
            self.filtering = false;
            return;
        }
        tracing::trace!(query, narrow, "search");
        self.run(narrow);
        self.filtering = true;
    }

    pub fn query(&self) -> &str {
        &self.text
    }

    /// The `is:` filters of the query (see [`StateFilter`]): the console
    /// keeps only the hits in every one of these states.
    pub fn states(&self) -> &[StateFilter] {
        &self.query.states
    }

    /// The hits are ranked matches of some text (not every doc in
    /// directory order: the query is blank or only `is:` filters).
    pub fn ranked(&self) -> bool {
        self.filtering
    }

    /// Is this contact among [`Search::hits`]?
    pub fn is_hit(&self, id: ContactId) -> bool {
        match self.by_id.get(&id) {
            Some(&i) => !self.filtering || self.matched.contains(i),
            None => false,
        }
    }

    /// The query is not blank.
    pub fn is_active(&self) -> bool {
        !self.text.trim().is_empty()
    }

    /// Best first, ties in directory order; every doc in directory order
    /// while the query restricts nothing.
    pub fn hits(&self) -> &[Hit] {
        if self.filtering {
            &self.hits
        } else {
            &self.all
        }
    }

    /// Number of docs in the directory (removed ones not counted).
    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

fn recycle(pool: &mut Vec<Vec<u32>>, mut v: Vec<u32>) {
    if v.capacity() > 0 {
        v.clear();
        pool.push(v);
    }
}
