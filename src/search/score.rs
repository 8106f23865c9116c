//! Matching indexed docs against a parsed query: score and name highlights.
//!
//! A [`Worker`] owns one nucleo [`Matcher`] and its scratch buffers, so the
//! search can split the directory between threads, one worker each.

use nucleo::pattern::Atom;
use nucleo::{Config, Matcher};

use super::index::{COLUMNS, Col, Indexed};
use super::query::{Query, Term};

/// A match through a transposed needle scores this much less (divisor), so
/// it ranks below a real match of the same quality.
const TYPO_DIVISOR: u32 = 2;

/// A matched doc: its sort key and where its name highlights sit in the
/// worker's arena.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cand {
    pub(crate) key: u64,
    pub(crate) start: u32,
    pub(crate) len: u32,
}

/// Sort key: best score first, then directory order.
pub(crate) fn key(score: u32, doc: u32) -> u64 {
    (u64::from(u32::MAX - score) << 32) | u64::from(doc)
}

pub(crate) fn key_score(key: u64) -> u32 {
    u32::MAX - (key >> 32) as u32
}

pub(crate) fn key_doc(key: u64) -> u32 {
    key as u32
}

/// The columns a term may match.
fn scope(term: &Term) -> &'static [Col] {
    match term.col {
        None => &Col::ALL,
        Some(c) => {
            let i = c as usize;
            Col::ALL.get(i..=i).unwrap_or(&[])
        }
    }
}

/// The best weighted score of `atom` over `cols`, with its column. Columns
/// come by decreasing weight, so once a score reaches what the next column
/// could at best give (`ceiling` times its weight), the rest are skipped.
fn best_col(
    atom: &Atom,
    term: &Term,
    doc: &Indexed,
    cols: &[Col],
    m: &mut Matcher,
    div: u32,
) -> Option<(u32, Col)> {
    let mut best: Option<(u32, Col)> = None;
    for &c in cols {
        if best.is_some_and(|(b, _)| b >= term.ceiling * c.weight() / div) {
            break;
        }
        if !doc.may_contain(c, term.mask) {
            continue;
        }
        if let Some(s) = atom.score(doc.col(c), m) {
            let weighted = u32::from(s) * c.weight() / div;
            if best.is_none_or(|(b, _)| weighted > b) {
                best = Some((weighted, c));
            }
        }
    }
    best
}

/// One thread's matcher and buffers.
pub(crate) struct Worker {
    matcher: Matcher,
    /// Terms whose best column was the name: (term, typo variant).
    name_terms: Vec<(usize, Option<usize>)>,
    graphemes: Vec<u32>,
    /// Name highlight char indices of every candidate, back to back.
    pub(crate) arena: Vec<u32>,
    /// Matched docs, sorted by key after [`Worker::run`].
    pub(crate) cands: Vec<Cand>,
}

impl Worker {
    pub(crate) fn new() -> Worker {
        Worker {
            matcher: Matcher::new(Config::DEFAULT),
            name_terms: Vec::new(),
            graphemes: Vec::new(),
            arena: Vec::new(),
            cands: Vec::new(),
        }
    }

    /// Match the docs at `indices`, leaving the matches sorted in `cands`.
    pub(crate) fn run(
        &mut self,
        docs: &[Indexed],
        query: &Query,
        indices: impl Iterator<Item = u32>,
    ) {
        self.arena.clear();
        self.cands.clear();
        for i in indices {
            let Some(doc) = docs.get(i as usize) else {
                continue;
            };
            if let Some(cand) = self.match_doc(doc, i, query) {
                self.cands.push(cand);
            }
        }
        self.cands.sort_unstable_by_key(|c| c.key);
    }

    /// Match one doc (directory index `index`); its highlights are appended
    /// to the arena.
    pub(crate) fn match_doc(&mut self, doc: &Indexed, index: u32, query: &Query) -> Option<Cand> {
        self.name_terms.clear();
        let m = &mut self.matcher;
        let mut total: u32 = 0;
        for (ti, term) in query.terms.iter().enumerate() {
            let Some(atom) = &term.atom else {
                continue;
            };
            let cols = scope(term);
            if atom.negative {
                // nucleo scores a negative atom `None` when the text matches.
                let hit = cols
                    .iter()
                    .any(|&c| doc.may_contain(c, term.mask) && atom.score(doc.col(c), m).is_none());
                if hit {
                    return None;
                }
                continue;
            }
            if !doc.may_contain_any(term.mask) {
                return None;
            }
            let mut best = best_col(atom, term, doc, cols, m, 1).map(|(s, c)| (s, c, None));
            if best.is_none() {
                for (vi, variant) in term.typos.iter().enumerate() {
                    if let Some((s, c)) = best_col(variant, term, doc, cols, m, TYPO_DIVISOR)
                        && best.is_none_or(|(b, _, _)| s > b)
                    {
                        best = Some((s, c, Some(vi)));
                    }
                }
            }
            let (score, col, variant) = best?;
            total = total.saturating_add(score);
            if col == Col::Name {
                self.name_terms.push((ti, variant));
            }
        }
        let start = self.arena.len();
        if !self.name_terms.is_empty() {
            self.graphemes.clear();
            for &(ti, variant) in &self.name_terms {
                let Some(term) = query.terms.get(ti) else {
                    continue;
                };
                let atom = match variant {
                    Some(vi) => term.typos.get(vi),
                    None => term.atom.as_ref(),
                };
                if let Some(atom) = atom {
                    atom.indices(doc.col(Col::Name), m, &mut self.graphemes);
                }
            }
            self.graphemes.sort_unstable();
            self.graphemes.dedup();
            doc.name_char_indices(&self.graphemes, &mut self.arena);
        }
        Some(Cand {
            key: key(total, index),
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(self.arena.len() - start).unwrap_or(0),
        })
    }

    /// The highlights of a candidate produced by this worker.
    pub(crate) fn highlights(&self, cand: &Cand) -> &[u32] {
        let start = cand.start as usize;
        self.arena
            .get(start..start + cand.len as usize)
            .unwrap_or(&[])
    }
}

const _: () = assert!(COLUMNS == Col::ALL.len());
