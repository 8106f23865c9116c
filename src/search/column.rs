//! One column of the index: each doc's "which characters occur" mask and
//! its text in the form nucleo matches against, in flat arrays.

use nucleo::chars;

use super::index::char_bit;

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The mask of every form a haystack character can take when nucleo compares
/// it (as is, case folded, normalized, both), so that a needle character that
/// nucleo would accept always has its bit set.
pub(super) fn haystack_mask(text: &str) -> u64 {
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

/// Longest text matched per column, in chars (a longer note is cut).
const MAX_TEXT: usize = (1 << 30) - 1;

/// Where one doc's text of a column sits: in the column's `bytes` (ASCII,
/// or [`FOLDED`]) or `chars` (anything else, one char per grapheme as nucleo
/// wants it).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Span {
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
    pub(super) fn len(self) -> usize {
        (self.len & !(UNICODE | FOLDED | CLUSTERS)) as usize
    }
    pub(super) fn unicode(self) -> bool {
        self.len & UNICODE != 0
    }
    pub(super) fn folded(self) -> bool {
        self.len & FOLDED != 0
    }
    pub(super) fn clusters(self) -> bool {
        self.len & CLUSTERS != 0
    }
    pub(super) fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len()
    }
}

/// One doc in one column.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Entry {
    pub(super) mask: u64,
    pub(super) span: Span,
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
pub(super) struct Column {
    /// Per doc: its mask and where its text is (side by side: one memory
    /// stream per column).
    pub(super) entries: Vec<Entry>,
    /// For a [`FOLDED`] span: where the original is in `chars`.
    pub(super) uni: Vec<u32>,
    pub(super) bytes: Vec<u8>,
    pub(super) chars: Vec<char>,
    /// Text of replaced docs still in `bytes`/`chars`.
    garbage: usize,
}

impl Column {
    pub(super) fn set(&mut self, i: usize, text: &str) -> u64 {
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

    /// Heap bytes held by the arrays.
    #[cfg(test)]
    pub(super) fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.uni.capacity() * 4
            + self.bytes.capacity()
            + self.chars.capacity() * 4
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

#[cfg(test)]
mod tests {
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
                let atom = sample::fuzzy_atom(needle);
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
