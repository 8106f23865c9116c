//! Plain loops that spare nucleo calls on ASCII text: the score of a
//! one-character needle (the first keystroke matches most of the directory,
//! and this is its hot path), the score and positions of a two-character
//! needle (the second keystroke re-matches nearly all of it: every
//! `sip:` URI ending in `.com` has an s before an m), and the subsequence
//! check that rejects a text before nucleo's own (slower on short texts)
//! prefilter.
//! They must agree exactly with nucleo (the tests below hold them to
//! nucleo-matcher over a generated directory): they mirror nucleo-matcher
//! 0.3 (what nucleo 0.5 uses), and a new version needs these tests again.

/// nucleo-matcher 0.3's character classes (in its order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Whitespace,
    NonWord,
    Delimiter,
    Lower,
    Upper,
    Number,
}

fn class(b: u8) -> Class {
    match b {
        b'a'..=b'z' => Class::Lower,
        b'A'..=b'Z' => Class::Upper,
        b'0'..=b'9' => Class::Number,
        _ if b.is_ascii_whitespace() => Class::Whitespace,
        // `Config::DEFAULT.delimiter_chars`
        b'/' | b',' | b':' | b';' | b'|' => Class::Delimiter,
        _ => Class::NonWord,
    }
}

/// `Config::bonus_for` with `Config::DEFAULT` (boundary after whitespace
/// 10, after a delimiter 9, after other punctuation 8, camelCase/digit 5).
fn bonus(prev: Class, class: Class) -> u16 {
    if class > Class::Delimiter {
        match prev {
            Class::Whitespace => return 10,
            Class::Delimiter => return 9,
            Class::NonWord => return 8,
            _ => {}
        }
    }
    if (prev == Class::Lower && class == Class::Upper)
        || (prev != Class::Number && class == Class::Number)
    {
        5
    } else if class == Class::Whitespace {
        10
    } else if class == Class::NonWord {
        8
    } else {
        0
    }
}

/// The class of the byte before `hay[i]` (whitespace at the start, as
/// nucleo's `initial_char_class`). Only computed where a needle byte
/// matched, as the bonus needs it there only.
fn class_before(hay: &[u8], i: usize) -> Class {
    i.checked_sub(1)
        .and_then(|i| hay.get(i))
        .map_or(Class::Whitespace, |&b| class(b))
}

/// nucleo's fuzzy score of the one-byte needle `c` in `hay` and the index
/// of the matched byte (`Matcher::fuzzy_indices`): the occurrence with the
/// best boundary bonus, the first one on ties. `None` when `hay` is shorter
/// than two bytes (nucleo takes another path there) — call nucleo then.
pub(crate) fn one_char(hay: &[u8], c: u8, ignore_case: bool) -> Option<Option<(u16, u32)>> {
    if hay.len() < 2 {
        return None;
    }
    let other = if ignore_case && c.is_ascii_lowercase() {
        c - 32
    } else {
        c
    };
    let mut best: Option<(u16, u32)> = None;
    for (i, &b) in hay.iter().enumerate() {
        if b == c || b == other {
            let bonus = bonus(class_before(hay, i), class(b));
            let score = 16 + 2 * bonus;
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, u32::try_from(i).unwrap_or(u32::MAX)));
                if bonus >= 10 {
                    break;
                }
            }
        }
    }
    Some(best)
}

/// Haystacks longer than this go to nucleo (its matrix is bounded; a
/// plain loop has no reason to be, but nothing long is worth the risk).
const MAX_TWO_CHAR_HAY: usize = 1024;

/// nucleo's fuzzy score of the two-byte needle `needle` (as nucleo keeps it:
/// lowercase when `ignore_case`) in `hay`, with the indices of the matched
/// bytes (`Matcher::fuzzy_indices`). It runs nucleo's optimal matcher
/// (`fuzzy_optimal.rs`) for two rows in one pass: the first row is the
/// score of the first needle byte matched at a column (`16 + 2 × bonus`),
/// the gap score that decays by 3 then 1 per skipped byte (saturating at 0)
/// remembers which first byte it came from, and the second row scores each
/// second byte either right after a first byte (consecutive, with nucleo's
/// consecutive bonus) or after a gap; the best cell wins, the last one on
/// ties, as `max_by_key` picks. `None` when nucleo takes another path
/// (`hay` of two bytes or fewer) or `hay` is long — call nucleo then.
pub(crate) fn two_char(
    hay: &[u8],
    needle: [u8; 2],
    ignore_case: bool,
) -> Option<Option<(u16, [u32; 2])>> {
    if hay.len() <= 2 || hay.len() > MAX_TWO_CHAR_HAY {
        return None;
    }
    const NONE: u32 = u32::MAX;
    let [first, second] = needle;
    let fold = |byte: u8| {
        if ignore_case {
            byte.to_ascii_lowercase()
        } else {
            byte
        }
    };
    // Nothing scores before the first `first` (nucleo starts there too).
    let Some(start) = hay.iter().position(|&byte| fold(byte) == first) else {
        return Some(None);
    };
    // The previous column's first-row score (0: no first byte there) and
    // bonus, and its gap score with the first byte that gap started after.
    let (mut m_score, mut m_bonus) = (0u16, 0u16);
    let (mut p_score, mut p_from) = (0u16, NONE);
    let mut best: Option<(u16, [u32; 2])> = None;
    let mut k = NONE;
    // The column after `k`, the last one processed.
    let mut next = start;
    for (i, &byte) in hay.iter().enumerate().skip(start) {
        let c = fold(byte);
        if c != first && c != second {
            continue;
        }
        // Catch up over the columns skipped since `k` (no needle byte:
        // the gap score moves as below, then decays by 1 per column).
        if let Some(skipped) = i.checked_sub(next).filter(|&n| n > 0) {
            (p_score, p_from) = gap_step(m_score, p_score, p_from, k);
            m_score = 0;
            p_score = p_score.saturating_sub(u16::try_from(skipped - 1).unwrap_or(u16::MAX));
        }
        next = i + 1;
        let j = u32::try_from(i).unwrap_or(NONE);
        let bonus = bonus(class_before(hay, i), class(byte));
        if c == second && (m_score > 0 || p_from != NONE) {
            let skip = p_score + bonus;
            let (score, from) = if m_score > 0 {
                let mut consecutive = m_bonus.max(4);
                if bonus >= 8 && bonus > consecutive {
                    consecutive = bonus;
                }
                let matched = m_score + consecutive.max(bonus);
                if matched > skip {
                    (matched, k)
                } else {
                    (skip, p_from)
                }
            } else {
                (skip, p_from)
            };
            let score = score + 16;
            if best.is_none_or(|(s, _)| score >= s) {
                best = Some((score, [from, j]));
            }
        }
        (p_score, p_from) = gap_step(m_score, p_score, p_from, k);
        if c == first {
            (m_score, m_bonus) = (16 + 2 * bonus, bonus);
        } else {
            m_score = 0;
        }
        k = j;
    }
    Some(best)
}

/// nucleo's `p_score`: the gap score one column on from a column with
/// first-row score `m_score` (at column `k`) and gap score `p_score` (after
/// the first byte at `p_from`): a new gap after that first byte, when that
/// scores strictly more, else the old gap one longer.
fn gap_step(m_score: u16, p_score: u16, p_from: u32, k: u32) -> (u16, u32) {
    let from_match = m_score.saturating_sub(3);
    let from_gap = p_score.saturating_sub(1);
    if from_match > from_gap {
        (from_match, k)
    } else {
        (from_gap, p_from)
    }
}

/// Longest needle [`InOrder`] takes (one bit per needle char, plus one).
const MAX_IN_ORDER: usize = 31;

/// A fuzzy needle of 2 to [`MAX_IN_ORDER`] ASCII chars, as an automaton
/// that tells whether it occurs in a text in order (a subsequence, each
/// char matching either case when the needle ignores case). A fuzzy match
/// needs this, so a text it rejects is one nucleo would not match; it is
/// checked first because most nucleo calls of a cold query would be misses,
/// and nucleo's own check (memchr per needle char) is slower on short texts.
#[derive(Debug, Clone)]
pub(crate) struct InOrder {
    /// Per text byte: bit `k + 1` is set when needle char `k` matches it.
    table: [u32; 256],
    /// The bit meaning "the whole needle was seen".
    done: u32,
}

impl InOrder {
    /// For a needle as nucleo keeps it (lowercase when case is ignored, so
    /// any uppercase char means the match respects case: smart case).
    pub(crate) fn new(needle: &[u8]) -> Option<Box<InOrder>> {
        if !(2..=MAX_IN_ORDER).contains(&needle.len()) || !needle.is_ascii() {
            return None;
        }
        let ignore_case = !needle.iter().any(u8::is_ascii_uppercase);
        let mut table = [0u32; 256];
        for (k, &c) in needle.iter().enumerate() {
            let bit = 1u32 << (k + 1);
            for b in [
                c,
                if ignore_case {
                    c.to_ascii_uppercase()
                } else {
                    c
                },
            ] {
                if let Some(slot) = table.get_mut(usize::from(b)) {
                    *slot |= bit;
                }
            }
        }
        Some(Box::new(InOrder {
            table,
            done: 1u32 << needle.len(),
        }))
    }

    /// Does the needle occur in `hay` in order? No branch per byte: bit `k`
    /// of the state says the first `k` needle chars were seen.
    pub(crate) fn matches(&self, hay: &[u8]) -> bool {
        let mut seen = 1u32;
        for &b in hay {
            seen |= (seen << 1) & self.table[usize::from(b)];
        }
        seen & self.done != 0
    }
}

#[cfg(test)]
mod tests {
    use nucleo::{Config, Matcher, Utf32Str};

    use super::{InOrder, one_char, two_char};
    use crate::search::sample;

    #[test]
    fn one_char_scores_exactly_like_nucleo() {
        let mut m = Matcher::new(Config::DEFAULT);
        let mut texts: Vec<String> = Vec::new();
        for d in sample::directory(300, 21) {
            texts.extend([d.name, d.extension, d.department, d.uri, d.note]);
        }
        texts.extend(
            [
                "a",
                "ab",
                "aB",
                "x1y2",
                "a|b;c,d:e/f g\th",
                "..a--b__c",
                "AbcDef",
                "12ab34",
            ]
            .map(String::from),
        );
        let needles = (b'a'..=b'z')
            .chain(b'A'..=b'Z')
            .chain(b'0'..=b'9')
            .chain(*b" .@-_/|:");
        let mut checked = 0;
        for c in needles {
            let needle = (c as char).to_string();
            let atom = sample::fuzzy_atom(&needle);
            for text in texts.iter().filter(|t| t.is_ascii()) {
                let mut indices = Vec::new();
                let want = atom.indices(Utf32Str::Ascii(text.as_bytes()), &mut m, &mut indices);
                let want = want.map(|s| (s, indices.first().copied().unwrap_or(u32::MAX)));
                match one_char(text.as_bytes(), c, !c.is_ascii_uppercase()) {
                    Some(got) => {
                        assert_eq!(got, want, "needle {needle:?} in {text:?}");
                        checked += 1;
                    }
                    None => assert!(text.len() < 2),
                }
            }
        }
        assert!(checked > 50_000, "{checked}");
    }

    #[test]
    fn two_chars_score_and_place_exactly_like_nucleo() {
        let mut m = Matcher::new(Config::DEFAULT);
        let docs = sample::directory(300, 23);
        let mut texts: Vec<String> = Vec::new();
        for d in &docs {
            texts.extend([
                d.name.clone(),
                d.extension.clone(),
                d.department.clone(),
                d.uri.clone(),
                d.note.clone(),
            ]);
        }
        texts.extend(
            [
                "a",
                "ab",
                "aB",
                "abc",
                "x1y2",
                "a|b;c,d:e/f g\th",
                "..a--b__c",
                "AbcDef",
                "12ab34",
                "smsmsmsm",
                "SsSsSs",
                "s m s m",
                "mississippi",
                "Smith-Smythe Schmidt",
                "sxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxm",
                "Sxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxm s",
                "aa aa",
                "Müller Smith",
            ]
            .map(String::from),
        );
        let mut needles: Vec<String> = Vec::new();
        let chars = "asmithjeoSMTA1 .-_/";
        for a in chars.chars() {
            for b in chars.chars() {
                needles.push([a, b].iter().collect());
            }
        }
        for d in docs.iter().take(30) {
            let name: Vec<char> = d.name.chars().filter(char::is_ascii).collect();
            for w in name.windows(2) {
                needles.push(w.iter().collect());
                needles.push(w.iter().rev().collect());
            }
        }
        needles.sort();
        needles.dedup();
        let (mut checked, mut matched, mut gapped) = (0, 0, 0);
        for needle in &needles {
            let atom = sample::fuzzy_atom(needle);
            let Utf32Str::Ascii(&[a, b]) = atom.needle_text() else {
                continue;
            };
            let ignore_case = !needle.bytes().any(|c| c.is_ascii_uppercase());
            for text in &texts {
                if !text.is_ascii() {
                    continue;
                }
                let mut indices = Vec::new();
                let want = atom.indices(Utf32Str::Ascii(text.as_bytes()), &mut m, &mut indices);
                let want = want.map(|s| (s, [indices[0], indices[1]]));
                match two_char(text.as_bytes(), [a, b], ignore_case) {
                    Some(got) => {
                        assert_eq!(got, want, "needle {needle:?} in {text:?}");
                        checked += 1;
                        matched += usize::from(got.is_some());
                        gapped += usize::from(got.is_some_and(|(_, [i, j])| j > i + 1));
                    }
                    None => assert!(text.len() <= 2),
                }
            }
        }
        assert!(
            checked > 200_000 && matched > 20_000 && gapped > 5_000,
            "{checked} {matched} {gapped}"
        );
    }

    #[test]
    fn in_order_rejects_only_what_nucleo_rejects() {
        let mut m = Matcher::new(Config::DEFAULT);
        let docs = sample::directory(200, 29);
        let texts: Vec<String> = docs
            .iter()
            .flat_map(|d| [d.name.clone(), d.department.clone(), d.uri.clone()])
            .filter(|t| t.is_ascii())
            .collect();
        let mut needles: Vec<String> = vec!["ab".into(), "A.".into(), "..".into(), "s s".into()];
        for d in docs.iter().take(40) {
            let name: Vec<char> = d.name.chars().filter(char::is_ascii).collect();
            for w in name.windows(3) {
                needles.push(w.iter().collect());
                needles.push(w.iter().rev().collect());
                needles.push(w.iter().step_by(2).collect::<String>().to_uppercase());
            }
        }
        let (mut agreed, mut rejected) = (0, 0);
        for needle in &needles {
            let atom = sample::fuzzy_atom(needle);
            let Utf32Str::Ascii(folded) = atom.needle_text() else {
                continue;
            };
            let in_order = InOrder::new(folded).expect("2 to 31 ASCII chars");
            for text in &texts {
                let nucleo = atom.score(Utf32Str::Ascii(text.as_bytes()), &mut m);
                let ours = in_order.matches(text.as_bytes());
                assert_eq!(ours, nucleo.is_some(), "{needle:?} in {text:?}");
                agreed += 1;
                rejected += usize::from(!ours);
            }
        }
        assert!(
            agreed > 20_000 && rejected > agreed / 4,
            "{agreed} {rejected}"
        );
    }
}
