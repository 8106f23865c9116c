//! Strings from outside made harmless: the one function every untrusted
//! string passes through before it is stored, printed or drawn.
//!
//! A PIDF note, a caller's display name, a reason phrase, a name in a
//! directory file: any of them may hold bytes a terminal obeys. C0 controls
//! (other than newline and tab where a text may span lines), DEL and C1
//! controls (U+0080–U+009F: U+009B is a one-byte CSI, U+009D an OSC to many
//! terminals) are removed, and so are the bidi embeddings, overrides and
//! isolates (U+202A–U+202E, U+2066–U+2069) that make a text read otherwise
//! than it is stored. The result is capped at a number of characters, cut on
//! a character boundary, with `…` marking the cut.
//!
//! This is the domain layer: every module above may call it, it calls none.

use std::borrow::Cow;

/// Longest single-line text kept from outside (names, identities, URIs,
/// reason phrases), in characters.
pub const MAX_LINE_CHARS: usize = 256;
/// Longest multi-line text kept from outside (notes), in characters.
pub const MAX_TEXT_CHARS: usize = 4096;

/// Shown at the end of a text that was cut.
const CUT_MARK: char = '…';

/// Whether a character may never reach a store, a JSON line or a screen.
pub fn is_hostile(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
    )
}

/// A one-line text: every hostile character removed (newlines and tabs
/// too; a tab or line break becomes one space), at most `max_chars`
/// characters. Borrowed when nothing had to change.
pub fn line(s: &str, max_chars: usize) -> Cow<'_, str> {
    clean(s, max_chars, false)
}

/// A text that may span lines (a note): like [`line`], but newline and tab
/// are kept; CR LF and a lone CR become a newline.
pub fn multiline(s: &str, max_chars: usize) -> Cow<'_, str> {
    clean(s, max_chars, true)
}

/// [`line`] with the default cap, as an owned string.
pub fn harmless_line(s: &str) -> String {
    line(s, MAX_LINE_CHARS).into_owned()
}

/// [`multiline`] with the default cap, as an owned string.
pub fn harmless_text(s: &str) -> String {
    multiline(s, MAX_TEXT_CHARS).into_owned()
}

fn clean(s: &str, max_chars: usize, keep_lines: bool) -> Cow<'_, str> {
    let untouched = s.chars().all(|c| !is_hostile(c)) && s.chars().nth(max_chars).is_none();
    if untouched {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut kept = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let c = match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                if keep_lines { '\n' } else { ' ' }
            }
            '\n' | '\t' if keep_lines => c,
            '\n' | '\t' => ' ',
            c if is_hostile(c) => continue,
            c => c,
        };
        if kept == max_chars {
            if max_chars > 0 {
                out.pop();
                out.push(CUT_MARK);
            }
            break;
        }
        out.push(c);
        kept += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str =
        "a\u{1b}]0;pwned\u{7}b\u{9b}31mc\u{9d}8;;x\u{9c}d\u{202e}e\u{2066}f\u{7f}g\u{0}h";

    #[test]
    fn removes_every_control_and_bidi_character() {
        let out = line(HOSTILE, 100);
        assert_eq!(out, "a]0;pwnedb31mc8;;xdefgh");
        assert!(!out.chars().any(is_hostile));
    }

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        let s = "Zoë Ångström — back at 13:25 ☕";
        assert!(matches!(line(s, 100), Cow::Borrowed(t) if t == s));
    }

    #[test]
    fn lines_and_tabs_kept_only_in_multiline_text() {
        assert_eq!(line("one\r\ntwo\tthree\rfour", 100), "one two three four");
        assert_eq!(
            multiline("one\r\ntwo\tthree\rfour\u{85}", 100),
            "one\ntwo\tthree\nfour"
        );
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary_with_a_mark() {
        let s = "é".repeat(10);
        assert_eq!(line(&s, 4), "ééé…");
        assert_eq!(line(&s, 10), s);
        assert_eq!(line("", 0), "");
        assert_eq!(line("abc", 0), "");
        let big = "x".repeat(1 << 20);
        assert_eq!(harmless_text(&big).chars().count(), MAX_TEXT_CHARS);
    }

    #[test]
    fn every_c1_and_c0_code_point_is_removed() {
        for cp in (0u32..0x20)
            .chain(0x7f..0xa0)
            .chain(0x202a..0x202f)
            .chain(0x2066..0x206a)
        {
            let c = char::from_u32(cp).unwrap();
            let s = format!("x{c}y");
            let out = multiline(&s, 10);
            let expect = if c == '\n' || c == '\t' {
                s.clone()
            } else if c == '\r' {
                "x\ny".into()
            } else {
                "xy".into()
            };
            assert_eq!(out, expect, "U+{cp:04X}");
        }
    }
}
