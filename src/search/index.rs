//! The indexed form of one directory entry: one matchable column per field.
//!
//! Each column is kept as a [`Utf32String`] (what nucleo matches against, so
//! no per-keystroke conversion) plus a 64-bit "which characters occur" mask
//! used to reject a column before calling the matcher at all.

use nucleo::{Utf32Str, Utf32String, chars};

use super::SearchDoc;
use crate::store::ContactId;

/// Number of indexed columns.
pub(crate) const COLUMNS: usize = 6;

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
}

impl Col {
    /// The columns a plain word is matched against, in priority order: the
    /// first that matches gives the score (and the name comes first, so what
    /// is highlighted in the name is what matched).
    pub(crate) const FREE: [Col; 5] = [
        Col::Name,
        Col::Extension,
        Col::Department,
        Col::UriUser,
        Col::Note,
    ];

    /// Every column by index.
    pub(crate) const ALL: [Col; COLUMNS] = [
        Col::Name,
        Col::Extension,
        Col::Department,
        Col::UriUser,
        Col::Note,
        Col::Uri,
    ];

    /// Rank weight in tenths: a name match counts fully, a match of the same
    /// quality in the URI or the note a little less.
    pub(crate) fn weight(self) -> u32 {
        match self {
            Col::Name | Col::Extension => 10,
            Col::Department => 9,
            Col::UriUser | Col::Uri | Col::Note => 8,
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

/// The mask of every form a haystack character can take when nucleo compares
/// it (as is, case folded, normalized, both), so that a needle character that
/// nucleo would accept always has its bit set.
fn haystack_mask(text: &str) -> u64 {
    let mut mask = 0;
    for c in text.chars() {
        mask |= char_bit(c);
        if !c.is_ascii() {
            let lower = chars::to_lower_case(c);
            let norm = chars::normalize(c);
            mask |= char_bit(lower)
                | char_bit(norm)
                | char_bit(chars::to_lower_case(norm))
                | char_bit(chars::normalize(lower));
        }
    }
    mask
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

/// One directory entry ready for matching.
#[derive(Debug, Clone)]
pub(crate) struct Indexed {
    pub(crate) id: ContactId,
    cols: [Utf32String; COLUMNS],
    masks: [u64; COLUMNS],
    any_mask: u64,
    /// For a non-ASCII name: the char index where each grapheme starts
    /// (nucleo indexes graphemes, the UI highlights chars).
    name_graphemes: Option<Box<[u32]>>,
    name_chars: u32,
}

impl Indexed {
    pub(crate) fn new(doc: &SearchDoc) -> Indexed {
        let uri = strip_scheme(&doc.uri);
        let user = uri.split_once('@').map_or(uri, |(user, _)| user);
        let texts: [&str; COLUMNS] = [
            &doc.name,
            &doc.extension,
            &doc.department,
            user,
            &doc.note,
            uri,
        ];
        let masks = texts.map(haystack_mask);
        let name_graphemes = (!doc.name.is_ascii()).then(|| grapheme_starts(&doc.name));
        Indexed {
            id: doc.id,
            cols: texts.map(Utf32String::from),
            masks,
            any_mask: masks.iter().fold(0, |a, m| a | m),
            name_graphemes,
            name_chars: u32::try_from(doc.name.chars().count()).unwrap_or(u32::MAX),
        }
    }

    pub(crate) fn col(&self, col: Col) -> Utf32Str<'_> {
        self.cols[col as usize].slice(..)
    }

    /// Could `col` contain every character of a needle with mask `needle`?
    pub(crate) fn may_contain(&self, col: Col, needle: u64) -> bool {
        needle & !self.masks[col as usize] == 0
    }

    /// Could any column contain every character of the needle?
    pub(crate) fn may_contain_any(&self, needle: u64) -> bool {
        needle & !self.any_mask == 0
    }

    /// Convert sorted, deduplicated nucleo indices into the name (grapheme
    /// indices) to char indices, appending them to `out`.
    pub(crate) fn name_char_indices(&self, graphemes: &[u32], out: &mut Vec<u32>) {
        let Some(starts) = &self.name_graphemes else {
            out.extend_from_slice(graphemes);
            return;
        };
        for &g in graphemes {
            let Some(&start) = starts.get(g as usize) else {
                continue;
            };
            let end = starts
                .get(g as usize + 1)
                .copied()
                .unwrap_or(self.name_chars);
            out.extend(start..end);
        }
    }
}

/// The char index at which each extended grapheme cluster starts, in the
/// same segmentation nucleo uses for its [`Utf32String`] (nucleo only exposes
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
    starts.into_boxed_slice()
}
