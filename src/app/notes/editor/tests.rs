//! The editor's motions and edits, each as the operator sees the text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::store::ContactId;

fn editor(text: &str, cursor: usize) -> Editor {
    Editor {
        contact: ContactId(0),
        key: "sip:alice@example.test".into(),
        text: text.into(),
        cursor,
        until_cursor: 0,
        until: String::new(),
        on_until: false,
        base_version: 0,
        problem: None,
    }
}

fn press(ed: &mut Editor, code: KeyCode) {
    on_key(ed, KeyEvent::new(code, KeyModifiers::NONE));
}

/// The text with `|` at the cursor.
fn shown(ed: &Editor) -> String {
    let mut t = ed.text.clone();
    t.insert(ed.cursor, '|');
    t
}

#[test]
fn left_and_right_move_one_char_and_stop_at_the_ends() {
    let mut ed = editor("aé", 0);
    press(&mut ed, KeyCode::Left);
    assert_eq!(shown(&ed), "|aé");
    press(&mut ed, KeyCode::Right);
    press(&mut ed, KeyCode::Right);
    assert_eq!(shown(&ed), "aé|");
    press(&mut ed, KeyCode::Right);
    assert_eq!(shown(&ed), "aé|");
    press(&mut ed, KeyCode::Left);
    assert_eq!(shown(&ed), "a|é");
}

#[test]
fn up_and_down_keep_the_column_clamped_to_shorter_lines() {
    let mut ed = editor("abcdef\nxy\nlonger line", 4);
    press(&mut ed, KeyCode::Down);
    assert_eq!(shown(&ed), "abcdef\nxy|\nlonger line");
    press(&mut ed, KeyCode::Down);
    assert_eq!(shown(&ed), "abcdef\nxy\nlo|nger line");
    press(&mut ed, KeyCode::Down);
    assert_eq!(shown(&ed), "abcdef\nxy\nlonger line|");
    press(&mut ed, KeyCode::Up);
    assert_eq!(shown(&ed), "abcdef\nxy|\nlonger line");
    press(&mut ed, KeyCode::Up);
    assert_eq!(shown(&ed), "ab|cdef\nxy\nlonger line");
    press(&mut ed, KeyCode::Up);
    assert_eq!(shown(&ed), "|abcdef\nxy\nlonger line");
}

#[test]
fn home_end_and_ctrl_a_go_to_the_ends_of_the_line() {
    let mut ed = editor("one\ntwo three\nfour", 6);
    press(&mut ed, KeyCode::End);
    assert_eq!(shown(&ed), "one\ntwo three|\nfour");
    press(&mut ed, KeyCode::Home);
    assert_eq!(shown(&ed), "one\n|two three\nfour");
    press(&mut ed, KeyCode::End);
    on_key(
        &mut ed,
        KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL),
    );
    assert_eq!(shown(&ed), "one\n|two three\nfour");
}

#[test]
fn typing_enter_backspace_and_delete_work_at_the_cursor() {
    let mut ed = editor("On leave", 2);
    press(&mut ed, KeyCode::Char('!'));
    assert_eq!(shown(&ed), "On!| leave");
    press(&mut ed, KeyCode::Backspace);
    assert_eq!(shown(&ed), "On| leave");
    press(&mut ed, KeyCode::Delete);
    assert_eq!(shown(&ed), "On|leave");
    press(&mut ed, KeyCode::Enter);
    assert_eq!(shown(&ed), "On\n|leave");
    press(&mut ed, KeyCode::Backspace);
    press(&mut ed, KeyCode::Backspace);
    assert_eq!(shown(&ed), "O|leave");
    press(&mut ed, KeyCode::Home);
    press(&mut ed, KeyCode::Backspace);
    assert_eq!(shown(&ed), "|Oleave");
    press(&mut ed, KeyCode::End);
    press(&mut ed, KeyCode::Delete);
    assert_eq!(shown(&ed), "Oleave|");
}

#[test]
fn delete_and_backspace_remove_whole_multi_byte_chars() {
    let mut ed = editor("aé✎b", 1);
    press(&mut ed, KeyCode::Delete);
    assert_eq!(shown(&ed), "a|✎b");
    press(&mut ed, KeyCode::Right);
    press(&mut ed, KeyCode::Backspace);
    assert_eq!(shown(&ed), "a|b");
}

#[test]
fn paste_goes_in_at_the_cursor_made_harmless() {
    let mut ed = editor("Calls to Bob", 9);
    paste(&mut ed, "\x1b[2J\u{202e}Carol or ");
    assert_eq!(shown(&ed), "Calls to [2JCarol or |Bob");
}

#[test]
fn the_4_kb_cap_refuses_what_does_not_fit_and_says_so() {
    let mut ed = editor(&"x".repeat(MAX_NOTE_BYTES - 1), 0);
    press(&mut ed, KeyCode::Char('é'));
    assert_eq!(
        ed.text.len(),
        MAX_NOTE_BYTES - 1,
        "a 2-byte char does not fit"
    );
    assert_eq!(ed.problem.as_deref(), Some(full_message().as_str()));
    assert!(full_message().contains("4096 bytes"));
    press(&mut ed, KeyCode::Char('a'));
    assert_eq!(ed.text.len(), MAX_NOTE_BYTES);
    assert!(ed.text.starts_with('a'), "typed at the cursor");
    assert_eq!(ed.problem, None, "what fits clears the message");
    paste(&mut ed, "more");
    assert_eq!(ed.text.len(), MAX_NOTE_BYTES);
    assert_eq!(ed.problem.as_deref(), Some(full_message().as_str()));
    press(&mut ed, KeyCode::Backspace);
    assert_eq!(ed.problem, None);
}

#[test]
fn the_until_field_edits_at_its_own_cursor_and_takes_only_a_date() {
    let mut ed = editor("text", 4);
    ed.on_until = true;
    for c in "2027-0301".chars() {
        press(&mut ed, KeyCode::Char(c));
    }
    press(&mut ed, KeyCode::Left);
    press(&mut ed, KeyCode::Left);
    press(&mut ed, KeyCode::Char('-'));
    press(&mut ed, KeyCode::Char('x'));
    press(&mut ed, KeyCode::Enter);
    press(&mut ed, KeyCode::Up);
    assert_eq!(ed.until, "2027-03-01");
    assert_eq!(ed.until_cursor, 8);
    assert_eq!(shown(&ed), "text|", "the note is untouched");
}
