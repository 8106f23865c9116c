//! The indexed directory: one matchable column per field.
//!
//! Each column is kept in the form nucleo matches against (ASCII bytes, or
//! one char per grapheme), so no per-keystroke conversion, plus a 64-bit
//! "which characters occur" mask used to reject a column before calling the
//! matcher at all.

use std::collections::HashMap;

use nucleo::{Utf32Str, chars};

use super::SearchDoc;
use super::column::Column;
use super::intern::{self, Interned, SLOTS};
use crate::presence::ContactId;

/// Number of indexed columns.
pub(crate) const COLUMNS: usize = 7;

/// A searchable field. The discriminant is the column index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Name = 0,
    Extension = 1,
    Department = 2,
    /// The URI's user part: what a plain word is matched against (the host
    /// is the same for nearly everyone, matching it would only add noise).
    UriUser = 3,
    Note = 4,
    /// The whole URI without its scheme, for `uri:` filters.
    Uri = 5,
    /// A directory file's extra columns (values joined by spaces).
    Extra = 6,
}

impl Col {
    /// The columns a plain word is matched against, in priority order: the
    /// first that matches gives the score (and the name comes first, so what
    /// is highlighted in the name is what matched).
    pub(crate) const FREE: [Col; 6] = [
        Col::Name,
        Col::Extension,
        Col::Department,
        Col::UriUser,
        Col::Note,
        Col::Extra,
    ];

    /// Every column by index.
    pub(crate) const ALL: [Col; COLUMNS] = [
        Col::Name,
        Col::Extension,
        Col::Department,
        Col::UriUser,
        Col::Note,
        Col::Uri,
        Col::Extra,
    ];

    /// Rank weight in tenths: a name match counts fully, a match of the same
    /// quality in the URI or the note a little less.
    pub(crate) fn weight(self) -> u32 {
        match self {
            Col::Name | Col::Extension => 10,
            Col::Department => 9,
            Col::UriUser | Col::Uri | Col::Note | Col::Extra => 8,
        }
    }
}

/// The bit of a character in a presence mask. ASCII letters are folded to
/// one bit per letter, digits get one bit each, everything else is hashed
/// into the remaining bits (false positives only cost a matcher call).
pub(crate) fn char_bit(c: char) -> u64 {
    let bit = match c {
        'a'..='z' => c as u32 - 'a' as u32,
        'A'..='Z' => c as u32 - 'A' as u32,
        '0'..='9' => 26 + (c as u32 - '0' as u32),
        _ => 36 + (c as u32 % 28),
    };
    1u64 << bit
}

/// Strip a `sip:`/`sips:` scheme (case-insensitive): every URI has it, so
/// matching it would only add noise.
pub(crate) fn strip_scheme(uri: &str) -> &str {
    for scheme in ["sip:", "sips:"] {
        if let Some(head) = uri.get(..scheme.len())
            && head.eq_ignore_ascii_case(scheme)
        {
            return &uri[scheme.len()..];
        }
    }
    uri
}

/// Every doc's columns, stored column-wise (see [`Column`]).
#[derive(Debug, Default)]
pub(crate) struct Index {
    ids: Vec<ContactId>,
    /// Per doc: removed from the directory (never matched again).
    retired: Vec<bool>,
    /// Per doc: the union of its column masks.
    any: Vec<u64>,
    cols: [Column; COLUMNS],
    /// Numbers of the repeated texts of some columns (`intern.rs`).
    interned: [Interned; SLOTS],
    /// For each name with multi-char graphemes: the char index where each grapheme starts,
    /// then the name's char count (nucleo indexes graphemes, the UI
    /// highlights chars).
    name_graphemes: HashMap<u32, Box<[u32]>>,
}

/// One doc of the [`Index`].
#[derive(Clone, Copy)]
pub(crate) struct Doc<'a> {
    index: &'a Index,
    i: usize,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Index {
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Doc `i`; `None` past the end or once retired.
    pub(crate) fn doc(&self, i: u32) -> Option<Doc<'_>> {
        let i = i as usize;
        let live = i < self.ids.len() && !self.retired.get(i).copied().unwrap_or(false);
        live.then_some(Doc { index: self, i })
    }

    /// Doc `i` leaves the directory: its text is dropped and it never
    /// matches again (its index is not reused).
    pub(crate) fn retire(&mut self, i: u32, blank: &SearchDoc) {
        self.replace(i, blank);
        if let Some(r) = self.retired.get_mut(i as usize) {
            *r = true;
        }
    }

    /// Append a doc; returns its index.
    pub(crate) fn push(&mut self, doc: &SearchDoc) -> u32 {
        let i = self.ids.len();
        self.ids.push(doc.id);
        self.retired.push(false);
        self.any.push(0);
        self.fill(i, doc);
        to_u32(i)
    }

    /// Replace the doc at `i` (its old text becomes garbage, compacted once
    /// it outweighs the live text).
    pub(crate) fn replace(&mut self, i: u32, doc: &SearchDoc) {
        if (i as usize) < self.ids.len() {
            self.fill(i as usize, doc);
        }
    }

    fn fill(&mut self, i: usize, doc: &SearchDoc) {
        let uri = strip_scheme(&doc.uri);
        let user = uri.split_once('@').map_or(uri, |(user, _)| user);
        let texts: [&str; COLUMNS] = [
            &doc.name,
            &doc.extension,
            &doc.department,
            user,
            &doc.note,
            uri,
            &doc.extra,
        ];
        let mut any = 0;
        for ((col, text), c) in self.cols.iter_mut().zip(texts).zip(Col::ALL) {
            any |= col.set(i, text);
            if let Some(numbers) = intern::slot(c).and_then(|k| self.interned.get_mut(k)) {
                numbers.set(i, text);
            }
        }
        if let Some(slot) = self.any.get_mut(i) {
            *slot = any;
        }
        let clusters = self.cols[Col::Name as usize]
            .entries
            .get(i)
            .is_some_and(|e| e.span.clusters());
        if clusters {
            self.name_graphemes
                .insert(to_u32(i), grapheme_starts(&doc.name));
        } else {
            self.name_graphemes.remove(&to_u32(i));
        }
    }
}

impl Index {
    /// Heap bytes held (approximate), and how many of them number repeated
    /// texts (`intern.rs`).
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> (usize, usize) {
        let interned: usize = self.interned.iter().map(Interned::heap_bytes).sum();
        let graphemes: usize = self.name_graphemes.values().map(|s| s.len() * 4 + 24).sum();
        let total = self.ids.capacity() * 4
            + self.retired.capacity()
            + self.any.capacity() * 8
            + self.cols.iter().map(Column::heap_bytes).sum::<usize>()
            + graphemes
            + interned;
        (total, interned)
    }
}

impl<'a> Doc<'a> {
    pub(crate) fn id(self) -> ContactId {
        self.index
            .ids
            .get(self.i)
            .copied()
            .unwrap_or(ContactId(u32::MAX))
    }

    /// The text of `col` as nucleo should match it against a needle that is
    /// ASCII (`ascii_needle`: the folded form if there is one) or not.
    pub(crate) fn col(self, col: Col, ascii_needle: bool) -> Utf32Str<'a> {
        let column = &self.index.cols[col as usize];
        let span = column
            .entries
            .get(self.i)
            .map(|e| e.span)
            .unwrap_or_default();
        if span.unicode() {
            Utf32Str::Unicode(column.chars.get(span.range()).unwrap_or(&[]))
        } else if span.folded() && !ascii_needle {
            let start = column.uni.get(self.i).copied().unwrap_or(0) as usize;
            Utf32Str::Unicode(column.chars.get(start..start + span.len()).unwrap_or(&[]))
        } else {
            Utf32Str::Ascii(column.bytes.get(span.range()).unwrap_or(&[]))
        }
    }

    /// The number of this doc's text in `col` (see `intern.rs`), and the
    /// column's slot there; `None` when the column's texts are not numbered
    /// or this one has no number.
    pub(crate) fn text_number(self, col: Col) -> Option<(usize, u32)> {
        let slot = intern::slot(col)?;
        let id = self.index.interned.get(slot)?.id(self.i);
        (id != intern::NONE).then_some((slot, id))
    }

    /// Could `col` contain every character of a needle with mask `needle`?
    pub(crate) fn may_contain(self, col: Col, needle: u64) -> bool {
        self.index.cols[col as usize]
            .entries
            .get(self.i)
            .is_some_and(|e| needle & !e.mask == 0)
    }

    /// Could any column contain every character of the needle?
    pub(crate) fn may_contain_any(self, needle: u64) -> bool {
        self.index.any.get(self.i).is_some_and(|m| needle & !m == 0)
    }

    /// Convert sorted, deduplicated nucleo indices into the name (grapheme
    /// indices) to char indices, appending them to `out`.
    pub(crate) fn name_char_indices(self, graphemes: &[u32], out: &mut Vec<u32>) {
        let clusters = self.index.cols[Col::Name as usize]
            .entries
            .get(self.i)
            .is_some_and(|e| e.span.clusters());
        let starts = if clusters {
            self.index.name_graphemes.get(&to_u32(self.i))
        } else {
            None
        };
        let Some(starts) = starts else {
            out.extend_from_slice(graphemes);
            return;
        };
        for &g in graphemes {
            let (Some(&start), Some(&end)) = (starts.get(g as usize), starts.get(g as usize + 1))
            else {
                continue;
            };
            out.extend(start..end);
        }
    }
}

/// The char index at which each extended grapheme cluster starts (then the
/// text's char count), in the
/// same segmentation nucleo uses for its `Utf32String` (nucleo only exposes
/// the first char of each cluster, so boundaries are found by counting:
/// splitting at a boundary keeps the cluster count, splitting inside a
/// cluster raises it). Quadratic, but only run once per non-ASCII name.
fn grapheme_starts(text: &str) -> Box<[u32]> {
    let count = |s: &str| chars::graphemes(s).count();
    let total = count(text);
    let mut starts = Vec::with_capacity(total);
    for (i, (b, _)) in text.char_indices().enumerate() {
        let (head, tail) = text.split_at(b);
        if b == 0 || count(head) + count(tail) == total {
            starts.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
    }
    starts.push(to_u32(text.chars().count()));
    starts.into_boxed_slice()
}
