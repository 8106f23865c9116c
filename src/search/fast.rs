//! A plain-loop version of nucleo's score for a one-character ASCII needle
//! in an ASCII text: the first keystroke matches most of the directory, and
//! this is its hot path. It must give exactly nucleo's result (the test
//! below holds it to nucleo-matcher over a generated directory).

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
    let mut prev = Class::Whitespace;
    for (i, &b) in hay.iter().enumerate() {
        let cls = class(b);
        if b == c || b == other {
            let bonus = bonus(prev, cls);
            let score = 16 + 2 * bonus;
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, u32::try_from(i).unwrap_or(u32::MAX)));
                if bonus >= 10 {
                    break;
                }
            }
        }
        prev = cls;
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use nucleo::pattern::{Atom, AtomKind, CaseMatching, Normalization};
    use nucleo::{Config, Matcher, Utf32Str};

    use super::one_char;
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
            let atom = Atom::new(
                &needle,
                CaseMatching::Smart,
                Normalization::Smart,
                AtomKind::Fuzzy,
                false,
            );
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
}
