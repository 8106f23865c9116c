//! Repeated texts of a column, numbered, so that a query word is matched
//! once per distinct text instead of once per contact.
//!
//! Departments are a handful of names shared by thousands of contacts, and
//! status notes repeat too ("Lunch", "In a meeting"). A word that falls
//! through to these columns (a `dept:` filter, a word found in no name) was
//! matched by nucleo for every contact; now each [`Worker`](super::score)
//! remembers, per query word, the result for each distinct text
//! ([`Memo`]). The result is the same function of the same text, so the
//! hits are identical.
//!
//! Memory stays bounded: at most [`MAX_DISTINCT`] texts per column are
//! numbered (never forgotten: a text that no contact has any more keeps its
//! number); texts beyond that get no number and are matched per contact as
//! before.

use std::collections::HashMap;

use super::index::Col;

/// Most distinct texts numbered per column (about 100 KB of keys at most).
pub(crate) const MAX_DISTINCT: usize = 2048;

/// A doc's text has no number (too many distinct texts).
pub(crate) const NONE: u32 = u32::MAX;

/// The columns whose texts are numbered, and their slot.
pub(crate) fn slot(col: Col) -> Option<usize> {
    match col {
        Col::Department => Some(0),
        Col::Note => Some(1),
        Col::Extra => Some(2),
        _ => None,
    }
}

/// Number of numbered columns.
pub(crate) const SLOTS: usize = 3;

/// The numbers of one column's texts.
#[derive(Debug, Default)]
pub(crate) struct Interned {
    /// Per doc: the number of its text, or `u16::MAX` for none (two bytes
    /// a doc: [`MAX_DISTINCT`] fits).
    ids: Vec<u16>,
    by_text: HashMap<Box<str>, u16>,
}

impl Interned {
    /// Number doc `i`'s text (docs are appended in order or replaced).
    pub(crate) fn set(&mut self, i: usize, text: &str) {
        let id = match self.by_text.get(text) {
            Some(&id) => id,
            None if self.by_text.len() < MAX_DISTINCT => {
                let id = u16::try_from(self.by_text.len()).unwrap_or(u16::MAX);
                self.by_text.insert(text.into(), id);
                id
            }
            None => u16::MAX,
        };
        if i == self.ids.len() {
            self.ids.push(id);
        } else if let Some(slot) = self.ids.get_mut(i) {
            *slot = id;
        }
    }

    /// Heap bytes held (approximate: the map's table and its keys).
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        let per_slot = std::mem::size_of::<(Box<str>, u16)>() + 1;
        self.ids.capacity() * 2
            + self.by_text.capacity() * per_slot
            + self.by_text.keys().map(|k| k.len()).sum::<usize>()
    }

    /// Doc `i`'s text number, or [`NONE`].
    pub(crate) fn id(&self, i: usize) -> u32 {
        match self.ids.get(i).copied() {
            Some(u16::MAX) | None => NONE,
            Some(id) => u32::from(id),
        }
    }
}

/// One worker's remembered results for the current query: per query word
/// and numbered column, per text number, 0 (not matched yet), 1 (no match)
/// or 2 + the weighted score.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    /// The query these results are for ([`Query::serial`](super::query::Query)).
    serial: u64,
    slots: Vec<Vec<u32>>,
}

/// What the memo knows about one text.
pub(crate) enum Known {
    Unknown,
    Score(Option<u32>),
}

impl Memo {
    /// Forget everything unless it is for query `serial`.
    pub(crate) fn start(&mut self, serial: u64) {
        if self.serial != serial {
            self.serial = serial;
            self.slots.iter_mut().for_each(Vec::clear);
        }
    }

    fn cell(&mut self, term: usize, slot: usize, id: u32) -> Option<&mut u32> {
        if id == NONE {
            return None;
        }
        let k = term * SLOTS + slot;
        if self.slots.len() <= k {
            self.slots.resize_with(k + 1, Vec::new);
        }
        let row = self.slots.get_mut(k)?;
        let id = id as usize;
        if row.len() <= id {
            row.resize(id + 1, 0);
        }
        row.get_mut(id)
    }

    pub(crate) fn get(&mut self, term: usize, slot: usize, id: u32) -> Known {
        match self.cell(term, slot, id).map(|c| *c) {
            Some(0) | None => Known::Unknown,
            Some(1) => Known::Score(None),
            Some(s) => Known::Score(Some(s - 2)),
        }
    }

    pub(crate) fn put(&mut self, term: usize, slot: usize, id: u32, score: Option<u32>) {
        if let Some(cell) = self.cell(term, slot, id) {
            *cell = score.map_or(1, |s| s.saturating_add(2));
        }
    }
}
