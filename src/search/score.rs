//! Matching indexed docs against a parsed query: score and name highlights.
//!
//! A [`Worker`] owns one nucleo [`Matcher`] and its scratch buffers, so the
//! search can split the directory between threads, one worker each.

use nucleo::pattern::Atom;
use nucleo::{Config, Matcher, Utf32Str};

use super::fast::{self, InOrder};
use super::index::{COLUMNS, Col, Doc, Index};
use super::intern::{Known, Memo};
use super::query::{Query, Term};
use crate::presence::ContactId;

/// A match through a transposed needle scores this much less (divisor), so
/// it ranks below a real match of the same quality.
const TYPO_DIVISOR: u32 = 2;

/// Added to the score of a doc that every word matched in a name,
/// extension, department or URI: such a doc ranks above every doc that
/// needed its note (or a directory file's extra columns) to match.
pub(crate) const STRONG: u32 = 1 << 30;

/// A matched doc: its sort key and where its name highlights sit in the
/// worker's arena.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cand {
    pub(crate) key: u64,
    pub(crate) id: ContactId,
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

/// Sort candidates that are in directory order by key (best score first,
/// then directory order). The [`STRONG`] bit would spread the scores over
/// 2^30 (four radix passes instead of one or two): the strong and the weak
/// (note) matches are split first, keeping directory order, and each part
/// is sorted on its own, strong first.
fn sort_by_score(cands: &mut Vec<Cand>, buf: &mut Vec<Cand>) {
    let strong = |c: &Cand| key_score(c.key) & STRONG != 0;
    if cands.iter().all(strong) || !cands.iter().any(strong) {
        radix_by_score(cands, buf);
        return;
    }
    let mut weak: Vec<Cand> = Vec::new();
    cands.retain(|c| {
        let keep = strong(c);
        if !keep {
            weak.push(*c);
        }
        keep
    });
    radix_by_score(cands, buf);
    radix_by_score(&mut weak, buf);
    cands.extend_from_slice(&weak);
}

/// A stable LSD radix sort on the score, which has few distinct values
/// when there are many candidates (short queries).
fn radix_by_score(cands: &mut Vec<Cand>, buf: &mut Vec<Cand>) {
    if cands.len() < 256 {
        cands.sort_unstable_by_key(|c| c.key);
        return;
    }
    let best = cands.iter().map(|c| key_score(c.key)).max().unwrap_or(0);
    let worst = cands.iter().map(|c| key_score(c.key)).min().unwrap_or(0);
    let rank = |c: &Cand| best - key_score(c.key);
    let mut shift = 0;
    while shift < 32 && (best - worst) >> shift != 0 {
        let mut offsets = [0usize; 256];
        for c in cands.iter() {
            offsets[((rank(c) >> shift) & 0xff) as usize] += 1;
        }
        let mut total = 0;
        for slot in offsets.iter_mut() {
            let count = *slot;
            *slot = total;
            total += count;
        }
        buf.clear();
        buf.resize(
            cands.len(),
            Cand {
                key: 0,
                id: ContactId(0),
                start: 0,
                len: 0,
            },
        );
        for c in cands.iter() {
            let digit = ((rank(c) >> shift) & 0xff) as usize;
            if let Some(slot) = buf.get_mut(offsets[digit]) {
                *slot = *c;
            }
            offsets[digit] += 1;
        }
        std::mem::swap(cands, buf);
        shift += 8;
    }
}

/// The columns a term may match.
fn scope(term: &Term) -> &'static [Col] {
    match term.col {
        None => &Col::FREE,
        Some(c) => {
            let i = c as usize;
            Col::ALL.get(i..=i).unwrap_or(&[])
        }
    }
}

/// What can be decided about a needle without nucleo.
#[derive(Clone, Copy)]
enum Quick<'a> {
    /// One ASCII char (and whether case is ignored): scored by a plain loop.
    OneChar(u8, bool),
    /// Two ASCII chars (as nucleo keeps them, and whether case is ignored):
    /// texts the in-order check rejects are rejected, the others scored by
    /// a plain loop too.
    TwoChar(&'a InOrder, [u8; 2], bool),
    /// Texts the needle is not in, in order, are rejected before nucleo.
    InOrder(&'a InOrder),
}

impl<'a> Quick<'a> {
    /// The quick path of a positive fuzzy needle of 2 to 31 ASCII chars
    /// (`in_order` is its check).
    fn of(atom: &Atom, in_order: &'a InOrder) -> Quick<'a> {
        match atom.needle_text() {
            Utf32Str::Ascii(&[a, b]) => {
                let ignore_case = !a.is_ascii_uppercase() && !b.is_ascii_uppercase();
                Quick::TwoChar(in_order, [a, b], ignore_case)
            }
            _ => Quick::InOrder(in_order),
        }
    }
}

impl Term {
    fn quick(&self) -> Option<Quick<'_>> {
        match (self.one_char, &self.in_order, &self.atom) {
            (Some((c, ignore_case)), _, _) => Some(Quick::OneChar(c, ignore_case)),
            (None, Some(q), Some(atom)) => Some(Quick::of(atom, q)),
            (None, Some(q), None) => Some(Quick::InOrder(q)),
            (None, None, _) => None,
        }
    }
}

/// The best score of `atom` in one whitespace-separated word of `text`:
/// a fuzzy word in a note must match within one of its words, never pick
/// its letters across several ("trip" is not in "until Friday … please").
/// With `quick` two chars, each word is scored by [`fast::two_char`].
fn in_one_word(
    atom: &Atom,
    quick: Option<Quick<'_>>,
    text: Utf32Str<'_>,
    m: &mut Matcher,
) -> Option<u16> {
    match text {
        Utf32Str::Ascii(bytes) => bytes
            .split(u8::is_ascii_whitespace)
            .filter(|w| !w.is_empty())
            .filter_map(|w| match quick {
                Some(Quick::TwoChar(_, pair, ignore_case)) => {
                    match fast::two_char(w, pair, ignore_case) {
                        Some(found) => found.map(|(score, _)| score),
                        None => atom.score(Utf32Str::Ascii(w), m),
                    }
                }
                _ => atom.score(Utf32Str::Ascii(w), m),
            })
            .max(),
        Utf32Str::Unicode(chars) => chars
            .split(|c| c.is_whitespace())
            .filter(|w| !w.is_empty())
            .filter_map(|w| atom.score(Utf32Str::Unicode(w), m))
            .max(),
    }
}

/// Columns of free text (several words): fuzzy words match within a word.
fn free_text(c: Col) -> bool {
    matches!(c, Col::Note | Col::Extra)
}

/// The weighted score of `atom` in the first of `cols` it matches, and
/// that column. With
/// `name_hits`, a name match also appends its (grapheme) indices there
/// (slower: nucleo then keeps its whole matrix to trace the path back).
///
/// With `memo` (the word's index in the query and the worker's memo), the
/// result for a column whose texts are numbered is looked up, or computed
/// and remembered (see `intern.rs`).
#[allow(
    clippy::too_many_arguments,
    reason = "the hot loop's state, passed apart to borrow it apart"
)]
fn first_col(
    atom: &Atom,
    quick: Option<Quick<'_>>,
    mask: u64,
    doc: Doc<'_>,
    cols: &[Col],
    m: &mut Matcher,
    mut name_hits: Option<&mut Vec<u32>>,
    mut memo: Option<(usize, &mut Memo)>,
) -> Option<(u32, Col)> {
    let word_wise = atom.kind == nucleo::pattern::AtomKind::Fuzzy && !atom.negative;
    let ascii = matches!(atom.needle_text(), Utf32Str::Ascii(_));
    for &c in cols {
        if !doc.may_contain(c, mask) {
            continue;
        }
        let number = match (&mut memo, doc.text_number(c)) {
            (Some((term, memo)), Some((slot, id))) => match memo.get(*term, slot, id) {
                Known::Score(Some(s)) => return Some((s, c)),
                Known::Score(None) => continue,
                Known::Unknown => Some((slot, id)),
            },
            _ => None,
        };
        let text = doc.col(c, ascii);
        // The score and the matched indices (`len` of `at`), or `None`
        // for nucleo to decide.
        let fast = match (quick, text) {
            (Some(Quick::OneChar(ch, ignore_case)), Utf32Str::Ascii(bytes)) => {
                fast::one_char(bytes, ch, ignore_case)
                    .map(|found| found.map(|(score, at)| (score, [at, at], 1)))
            }
            (Some(Quick::InOrder(q) | Quick::TwoChar(q, ..)), Utf32Str::Ascii(bytes))
                if !q.matches(bytes) =>
            {
                Some(None)
            }
            (Some(Quick::TwoChar(_, pair, ignore_case)), Utf32Str::Ascii(bytes))
                if !(word_wise && free_text(c)) =>
            {
                fast::two_char(bytes, pair, ignore_case)
                    .map(|found| found.map(|(score, at)| (score, at, 2)))
            }
            _ => None,
        };
        let score = match fast {
            Some(Some((score, at, len))) => {
                if c == Col::Name
                    && let Some(hits) = name_hits.as_deref_mut()
                {
                    hits.extend_from_slice(at.get(..len).unwrap_or(&[]));
                }
                Some(score)
            }
            Some(None) => None,
            None if word_wise && free_text(c) => in_one_word(atom, quick, text, m),
            None => match name_hits.as_deref_mut() {
                Some(hits) if c == Col::Name => {
                    let mark = hits.len();
                    let score = atom.indices(text, m, hits);
                    if score.is_none() {
                        hits.truncate(mark);
                    }
                    score
                }
                _ => atom.score(text, m),
            },
        };
        let weighted = score.map(|s| u32::from(s) * c.weight());
        if let (Some((term, memo)), Some((slot, id))) = (&mut memo, number) {
            memo.put(*term, slot, id, weighted);
        }
        if let Some(s) = weighted {
            return Some((s, c));
        }
    }
    None
}

/// One thread's matcher and buffers.
pub(crate) struct Worker {
    matcher: Matcher,
    /// Name match indices (graphemes) of the doc being matched.
    graphemes: Vec<u32>,
    /// Name highlight char indices of every candidate, back to back.
    pub(crate) arena: Vec<u32>,
    /// Matched docs, sorted by key after [`Worker::run`].
    pub(crate) cands: Vec<Cand>,
    sort_buf: Vec<Cand>,
    /// Results per distinct department/note text for the current query.
    memo: Memo,
    /// Use `memo` (off only in tests, to compare with matching every text).
    pub(crate) remember: bool,
}

impl Worker {
    pub(crate) fn new() -> Worker {
        Worker {
            matcher: Matcher::new(Config::DEFAULT),
            graphemes: Vec::new(),
            arena: Vec::new(),
            cands: Vec::new(),
            sort_buf: Vec::new(),
            memo: Memo::default(),
            remember: true,
        }
    }

    /// Match the docs at `indices`, leaving the matches sorted in `cands`
    /// and, with `highlights`, their highlights in the arena.
    pub(crate) fn run(
        &mut self,
        docs: &Index,
        query: &Query,
        indices: impl Iterator<Item = u32>,
        highlights: bool,
    ) {
        self.arena.clear();
        self.cands.clear();
        for i in indices {
            let Some(doc) = docs.doc(i) else {
                continue;
            };
            if let Some(cand) = self.match_doc(doc, i, query, highlights) {
                self.cands.push(cand);
            }
        }
        sort_by_score(&mut self.cands, &mut self.sort_buf);
    }

    /// Match one doc (directory index `index`). With `highlights`, its name
    /// highlights are appended to the arena (the score is the same either
    /// way: nucleo runs one algorithm, only keeping the path or not).
    pub(crate) fn match_doc(
        &mut self,
        doc: Doc<'_>,
        index: u32,
        query: &Query,
        highlights: bool,
    ) -> Option<Cand> {
        let m = &mut self.matcher;
        self.graphemes.clear();
        self.memo.start(query.serial);
        let mut total: u32 = 0;
        let mut weak = false;
        for (t, term) in query.terms.iter().enumerate() {
            let Some(atom) = &term.atom else {
                continue;
            };
            let cols = scope(term);
            if atom.negative {
                let ascii = matches!(atom.needle_text(), Utf32Str::Ascii(_));
                // nucleo scores a negative atom `None` when the text matches.
                let hit = cols.iter().any(|&c| {
                    doc.may_contain(c, term.mask) && atom.score(doc.col(c, ascii), m).is_none()
                });
                if hit {
                    return None;
                }
                continue;
            }
            if !doc.may_contain_any(term.mask) {
                return None;
            }
            let (score, col) = first_col(
                atom,
                term.quick(),
                term.mask,
                doc,
                cols,
                m,
                highlights.then_some(&mut self.graphemes),
                self.remember.then_some((t, &mut self.memo)),
            )
            .or_else(|| {
                // Typos are forgiven in names only (people misspell names;
                // in the other columns it would mostly add noise).
                if !cols.contains(&Col::Name) {
                    return None;
                }
                let name = &[Col::Name];
                term.typos.iter().find_map(|(variant, in_order)| {
                    let hits = highlights.then_some(&mut self.graphemes);
                    let quick = in_order.as_deref().map(|q| Quick::of(variant, q));
                    first_col(variant, quick, term.mask, doc, name, m, hits, None)
                        .map(|(s, c)| (s / TYPO_DIVISOR, c))
                })
            })?;
            weak |= free_text(col);
            total = total.saturating_add(score);
        }
        let total = total.min(STRONG - 1) | if weak { 0 } else { STRONG };
        let start = self.arena.len();
        if !self.graphemes.is_empty() {
            self.graphemes.sort_unstable();
            self.graphemes.dedup();
            doc.name_char_indices(&self.graphemes, &mut self.arena);
        }
        Some(Cand {
            key: key(total, index),
            id: doc.id(),
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

    /// Replace `out` with the name highlights of doc `index` for `query`
    /// (left empty if the doc does not match).
    pub(crate) fn highlight(
        &mut self,
        docs: &Index,
        index: u32,
        query: &Query,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        self.arena.clear();
        let Some(doc) = docs.doc(index) else { return };
        if let Some(cand) = self.match_doc(doc, index, query, true) {
            out.extend_from_slice(self.highlights(&cand));
        }
        self.arena.clear();
    }
}

const _: () = assert!(COLUMNS == Col::ALL.len());
