//! The indexed directory: one matchable column per field.
//!
//! Each column is kept in the form nucleo matches against (ASCII bytes, or
//! one char per grapheme), so no per-keystroke conversion, plus a 64-bit
//! "which characters occur" mask used to reject a column before calling the
//! matcher at all.

use std::collections::HashMap;

use nucleo::{Utf32Str, chars};

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

/// Longest text matched per column, in chars (a longer note is cut).
const MAX_TEXT: usize = (1 << 30) - 1;

/// Where one doc's text of a column sits: in the column's `bytes` (ASCII,
/// or [`FOLDED`]) or `chars` (anything else, one char per grapheme as nucleo
/// wants it).
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: u32,
    /// Length, with the [`UNICODE`], [`FOLDED`] and [`CLUSTERS`] flags.
    len: u32,
}

/// The text is in `chars`.
const UNICODE: u32 = 1 << 31;
/// The text is not ASCII, but every grapheme normalizes to an ASCII char of
/// the same class (`Zoë` → `Zoe`): `bytes` holds that folded form, which
/// nucleo matches like the original for an ASCII needle (much faster; for
/// a one-char needle the bonus is the one an ASCII text gets, where nucleo's
/// non-ASCII path scores a little differently); the original is in `chars`
/// at `Column::uni`, for non-ASCII needles.
const FOLDED: u32 = 1 << 30;
/// Some grapheme of the text has more than one char (decomposed accents,
/// emoji sequences): nucleo's indices are not char indices.
const CLUSTERS: u32 = 1 << 29;

impl Span {
    fn len(self) -> usize {
        (self.len & !(UNICODE | FOLDED | CLUSTERS)) as usize
    }
    fn unicode(self) -> bool {
        self.len & UNICODE != 0
    }
    fn folded(self) -> bool {
        self.len & FOLDED != 0
    }
    fn clusters(self) -> bool {
        self.len & CLUSTERS != 0
    }
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len()
    }
}

/// One doc in one column.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    mask: u64,
    span: Span,
}

/// nucleo-matcher's class of a non-ASCII char (`char_class_non_ascii`) and
/// of an ASCII one, with its default delimiters.
fn same_class(c: char, ascii: char) -> bool {
    #[derive(PartialEq)]
    enum Class {
        Whitespace,
        NonWord,
        Delimiter,
        Lower,
        Upper,
        Letter,
        Number,
    }
    let of_ascii = match ascii {
        'a'..='z' => Class::Lower,
        'A'..='Z' => Class::Upper,
        '0'..='9' => Class::Number,
        _ if ascii.is_ascii_whitespace() => Class::Whitespace,
        '/' | ',' | ':' | ';' | '|' => Class::Delimiter,
        _ => Class::NonWord,
    };
    let of_c = if c.is_ascii() {
        return c == ascii;
    } else if c.is_lowercase() {
        Class::Lower
    } else if chars::is_upper_case(c) {
        Class::Upper
    } else if c.is_numeric() {
        Class::Number
    } else if c.is_alphabetic() {
        Class::Letter
    } else if c.is_whitespace() {
        Class::Whitespace
    } else {
        Class::NonWord
    };
    of_c == of_ascii
}

/// The ASCII form of a grapheme list, when every char folds (see [`FOLDED`]).
fn fold(graphemes: &[char]) -> Option<Vec<u8>> {
    graphemes
        .iter()
        .map(|&c| {
            let n = chars::normalize(c);
            (n.is_ascii() && same_class(c, n)).then_some(n as u8)
        })
        .collect()
}

/// One column of every doc, each array indexed by doc: a search for a word
/// in the names only walks the name entries and text, in order.
#[derive(Debug, Default)]
struct Column {
    /// Per doc: its mask and where its text is (side by side: one memory
    /// stream per column).
    entries: Vec<Entry>,
    /// For a [`FOLDED`] span: where the original is in `chars`.
    uni: Vec<u32>,
    bytes: Vec<u8>,
    chars: Vec<char>,
    /// Text of replaced docs still in `bytes`/`chars`.
    garbage: usize,
}

impl Column {
    fn set(&mut self, i: usize, text: &str) -> u64 {
        let mask = haystack_mask(text);
        let mut uni = 0;
        let span = if text.is_ascii() {
            let text = text.get(..MAX_TEXT).unwrap_or(text);
            let start = to_u32(self.bytes.len());
            self.bytes.extend_from_slice(text.as_bytes());
            Span {
                start,
                len: to_u32(text.len()),
            }
        } else {
            let graphemes: Vec<char> = chars::graphemes(text).take(MAX_TEXT).collect();
            let len = to_u32(graphemes.len());
            let clusters = if graphemes.len() == text.chars().count() {
                0
            } else {
                CLUSTERS
            };
            uni = to_u32(self.chars.len());
            self.chars.extend_from_slice(&graphemes);
            match fold(&graphemes) {
                Some(folded) => {
                    let start = to_u32(self.bytes.len());
                    self.bytes.extend_from_slice(&folded);
                    Span {
                        start,
                        len: len | FOLDED | clusters,
                    }
                }
                None => Span {
                    start: uni,
                    len: len | UNICODE | clusters,
                },
            }
        };
        let entry = Entry { mask, span };
        if i == self.entries.len() {
            self.entries.push(entry);
            self.uni.push(uni);
        } else if let (Some(e), Some(u)) = (self.entries.get_mut(i), self.uni.get_mut(i)) {
            let old = e.span;
            self.garbage += if old.folded() {
                2 * old.len()
            } else {
                old.len()
            };
            *e = entry;
            *u = uni;
        }
        if self.garbage > 4096 && self.garbage > (self.bytes.len() + self.chars.len()) / 2 {
            self.compact();
        }
        mask
    }

    /// Copy the live text into fresh arrays.
    fn compact(&mut self) {
        let (bytes, chars) = (
            std::mem::take(&mut self.bytes),
            std::mem::take(&mut self.chars),
        );
        for (Entry { span, .. }, uni) in self.entries.iter_mut().zip(self.uni.iter_mut()) {
            let range = span.range();
            if span.folded() {
                let start = *uni as usize;
                *uni = to_u32(self.chars.len());
                self.chars
                    .extend_from_slice(chars.get(start..start + span.len()).unwrap_or(&[]));
            }
            if span.unicode() {
                span.start = to_u32(self.chars.len());
                *uni = span.start;
                self.chars
                    .extend_from_slice(chars.get(range).unwrap_or(&[]));
            } else {
                span.start = to_u32(self.bytes.len());
                self.bytes
                    .extend_from_slice(bytes.get(range).unwrap_or(&[]));
            }
        }
        self.garbage = 0;
    }
}

/// Every doc's columns, stored column-wise (see [`Column`]).
#[derive(Debug, Default)]
pub(crate) struct Index {
    ids: Vec<ContactId>,
    /// Per doc: the union of its column masks.
    any: Vec<u64>,
    cols: [Column; COLUMNS],
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

    pub(crate) fn doc(&self, i: u32) -> Option<Doc<'_>> {
        let i = i as usize;
        (i < self.ids.len()).then_some(Doc { index: self, i })
    }

    /// Append a doc; returns its index.
    pub(crate) fn push(&mut self, doc: &SearchDoc) -> u32 {
        let i = self.ids.len();
        self.ids.push(doc.id);
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
        ];
        let mut any = 0;
        for (col, text) in self.cols.iter_mut().zip(texts) {
            any |= col.set(i, text);
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

/// Hint the CPU to fetch the cache line holding `item` (no effect on
/// anything but timing).
#[inline(always)]
fn prefetch<T>(item: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = item {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch never faults and reads nothing the program
        // sees; SSE is part of the x86_64 baseline; the pointer comes from a
        // live reference.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(item).cast()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}

impl Index {
    /// Start fetching what matching doc `i` reads first (its masks and
    /// where its text is, in every column a plain word is matched against).
    pub(crate) fn prefetch(&self, i: u32) {
        let i = i as usize;
        prefetch(self.any.get(i));
        for col in Col::FREE {
            prefetch(self.cols[col as usize].entries.get(i));
        }
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

#[cfg(test)]
mod tests {
    use nucleo::pattern::{Atom, AtomKind, CaseMatching, Normalization};
    use nucleo::{Config, Matcher, Utf32Str, chars};

    use super::fold;
    use crate::search::sample;

    /// The folded ASCII form gives nucleo's exact scores and indices of the
    /// original for ASCII needles (of more than one char, see below).
    #[test]
    fn folded_text_matches_like_the_original() {
        let mut m = Matcher::new(Config::DEFAULT);
        let mut texts: Vec<String> = sample::directory(400, 5)
            .into_iter()
            .map(|d| d.name)
            .collect();
        texts.extend(
            [
                "Zoë Ødegaard",
                "José Núñez",
                "Jose\u{301} Nu\u{301}n\u{303}ez",
                "Æsa Øst",
                "ß",
                "Ǆemal",
            ]
            .map(String::from),
        );
        let needles = [
            "o", "od", "ode", "zo", "Z", "nun", "Nu", "ez", "se nu", "a", "sa", "e", "O", "d g",
            "es",
        ];
        let mut folded_count = 0;
        for text in texts.iter().filter(|t| !t.is_ascii()) {
            let graphemes: Vec<char> = chars::graphemes(text).collect();
            let Some(folded) = fold(&graphemes) else {
                continue;
            };
            folded_count += 1;
            for needle in needles {
                let atom = Atom::new(
                    needle,
                    CaseMatching::Smart,
                    Normalization::Smart,
                    AtomKind::Fuzzy,
                    false,
                );
                let (mut a, mut b) = (Vec::new(), Vec::new());
                let want = atom.indices(Utf32Str::Unicode(&graphemes), &mut m, &mut a);
                let got = atom.indices(Utf32Str::Ascii(&folded), &mut m, &mut b);
                if needle.len() == 1 {
                    // nucleo's one-char path for non-ASCII text only updates
                    // the previous char's class on matches, so its bonus
                    // differs from the ASCII path's; the folded text scores
                    // like an ASCII name would. Same match either way.
                    assert_eq!(got.is_some(), want.is_some(), "{needle:?} in {text:?}");
                } else {
                    assert_eq!((got, b), (want, a), "{needle:?} in {text:?}");
                }
            }
        }
        assert!(folded_count > 20, "{folded_count}");
    }
}
