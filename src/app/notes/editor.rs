//! The note editor's fields: a string and a cursor (a byte offset, always on
//! a char boundary), edited at the cursor.
//!
//! Decisions: the cursor is a byte offset so edits are plain
//! `String::insert_str`/`replace_range`; Up/Down keep the column counted in
//! chars (what the operator sees for every script we draw one cell per
//! char), clamped to the shorter line; Up on the first line goes to the
//! start of the text, Down on the last to its end (as a browser text area).
//! Ctrl-a is Home; End has no Ctrl twin because Ctrl-e already clears the
//! expiry. The 4 KB cap ([`MAX_NOTE_BYTES`]) refuses what does not fit and
//! says so in the editor, it never drops text silently.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Editor;
use crate::notes::MAX_NOTE_BYTES;

/// The longest expiry field (`YYYY-MM-DD` plus slack for typos to be seen).
const MAX_UNTIL_BYTES: usize = 16;

/// What the operator is told when the note is full.
pub fn full_message() -> String {
    format!("The note is full: a note holds at most {MAX_NOTE_BYTES} bytes (4 KB)")
}

/// The char boundary before `c` (or `c` at the start).
pub fn left(t: &str, c: usize) -> usize {
    t[..c].chars().next_back().map_or(c, |ch| c - ch.len_utf8())
}

/// The char boundary after `c` (or `c` at the end).
pub fn right(t: &str, c: usize) -> usize {
    t[c..].chars().next().map_or(c, |ch| c + ch.len_utf8())
}

/// The start of the line holding `c`.
pub fn line_start(t: &str, c: usize) -> usize {
    t[..c].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line holding `c` (before its `\n`).
pub fn line_end(t: &str, c: usize) -> usize {
    t[c..].find('\n').map_or(t.len(), |i| c + i)
}

/// The offset `col` chars into the line `start..end`, clamped to its end.
fn at_col(t: &str, start: usize, end: usize, col: usize) -> usize {
    t[start..end]
        .char_indices()
        .nth(col)
        .map_or(end, |(i, _)| start + i)
}

/// The same column one line up (the start of the text from the first line).
pub fn up(t: &str, c: usize) -> usize {
    let start = line_start(t, c);
    if start == 0 {
        return 0;
    }
    let col = t[start..c].chars().count();
    let prev_end = start - 1;
    at_col(t, line_start(t, prev_end), prev_end, col)
}

/// The same column one line down (the end of the text from the last line).
pub fn down(t: &str, c: usize) -> usize {
    let end = line_end(t, c);
    if end == t.len() {
        return t.len();
    }
    let col = t[line_start(t, c)..c].chars().count();
    let next = end + 1;
    at_col(t, next, line_end(t, next), col)
}

/// Insert `s` at the cursor, as much as fits in `cap` bytes; `false`: some
/// of it did not fit (and was not inserted).
pub fn insert(t: &mut String, c: &mut usize, s: &str, cap: usize) -> bool {
    let room = cap.saturating_sub(t.len());
    let mut cut = s.len().min(room);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    t.insert_str(*c, &s[..cut]);
    *c += cut;
    cut == s.len()
}

/// Backspace: delete the char before the cursor.
pub fn backspace(t: &mut String, c: &mut usize) {
    let p = left(t, *c);
    t.replace_range(p..*c, "");
    *c = p;
}

/// Delete: delete the char under the cursor.
pub fn delete(t: &mut String, c: usize) {
    let n = right(t, c);
    t.replace_range(c..n, "");
}

/// A key for the focused field (not Esc, Ctrl-s, Ctrl-e or Tab, which the
/// editor handles itself).
pub fn on_key(ed: &mut Editor, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    let multi = !ed.on_until;
    let (t, c, cap) = if ed.on_until {
        (&mut ed.until, &mut ed.until_cursor, MAX_UNTIL_BYTES)
    } else {
        (&mut ed.text, &mut ed.cursor, MAX_NOTE_BYTES)
    };
    *c = (*c).min(t.len());
    while !t.is_char_boundary(*c) {
        *c -= 1;
    }
    let mut typed: Option<char> = None;
    match key.code {
        KeyCode::Left => *c = left(t, *c),
        KeyCode::Right => *c = right(t, *c),
        KeyCode::Up if multi => *c = up(t, *c),
        KeyCode::Down if multi => *c = down(t, *c),
        KeyCode::Home => *c = line_start(t, *c),
        KeyCode::Char('a') if ctrl => *c = line_start(t, *c),
        KeyCode::End => *c = line_end(t, *c),
        KeyCode::Backspace => backspace(t, c),
        KeyCode::Delete => delete(t, *c),
        KeyCode::Enter if multi => typed = Some('\n'),
        KeyCode::Char(ch)
            if plain
                && !ch.is_control()
                && !crate::text::is_hostile(ch)
                && (multi || ch.is_ascii_digit() || ch == '-') =>
        {
            typed = Some(ch)
        }
        _ => {}
    }
    if let Some(ch) = typed {
        let mut b = [0u8; 4];
        if !insert(t, c, ch.encode_utf8(&mut b), cap) {
            ed.problem = Some(full_message());
            return;
        }
    }
    if ed.problem.as_deref() == Some(full_message().as_str()) {
        ed.problem = None;
    }
}

/// Pasted text at the cursor of the focused field: made harmless with
/// [`crate::text::multiline`] for the note, digits and `-` for the expiry.
pub fn paste(ed: &mut Editor, text: &str) {
    if ed.on_until {
        let s: String = text
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        insert(&mut ed.until, &mut ed.until_cursor, &s, MAX_UNTIL_BYTES);
        return;
    }
    let clean = crate::text::multiline(text, MAX_NOTE_BYTES);
    if !insert(&mut ed.text, &mut ed.cursor, &clean, MAX_NOTE_BYTES) {
        ed.problem = Some(full_message());
    }
}

#[cfg(test)]
mod tests;
