//! The notes in the console: what an operator sees and does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::{Msg, Settings, sample, update};
use crate::notes::Note;

const NOW: i64 = 1_800_000_000_000;

fn console(read_only: bool) -> Model {
    let mut m = Model::new(
        sample::office(),
        Settings {
            read_only,
            notes_operator: Some("Ann".into()),
            ..Settings::default()
        },
    );
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    m
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(m: &mut Model, c: char) -> Vec<Cmd> {
    update(
        m,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn note_for(m: &Model, id: ContactId, text: &str, version: i64) -> Note {
    Note {
        contact: m.notes.keys[id.0 as usize].clone(),
        text: Some(text.into()),
        author: "Bob".into(),
        written_ms: NOW - 120_000,
        expires_ms: None,
        version,
    }
}

fn typed(m: &mut Model, s: &str) {
    for c in s.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        key(m, code);
    }
}

#[test]
fn f4_writes_a_multi_line_note_with_an_expiry_made_harmless() {
    let mut m = console(false);
    let id = m.selected().unwrap();
    assert!(key(&mut m, KeyCode::F(4)).is_empty());
    typed(&mut m, "On leave\nCalls to Bob");
    update(&mut m, Msg::Paste(" \x1b[31mnow\u{202e}".into()));
    key(&mut m, KeyCode::Tab);
    typed(&mut m, "2027-03-01");
    let cmds = ctrl(&mut m, 's');
    let [Cmd::SaveNote(edit)] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(edit.text.as_deref(), Some("On leave\nCalls to Bob [31mnow"));
    assert_eq!(edit.author, "Ann");
    assert_eq!(
        edit.expires_ms,
        Some(crate::notes::date::parse_day("2027-03-01").unwrap())
    );
    assert_eq!(edit.contact, m.notes.keys[id.0 as usize]);
    assert_eq!(edit.base_version, 0);
    assert!(m.notes.overlay.is_none(), "the editor closed");
}

#[test]
fn a_bad_expiry_keeps_the_editor_open_and_says_why() {
    let mut m = console(false);
    key(&mut m, KeyCode::F(4));
    typed(&mut m, "x");
    key(&mut m, KeyCode::Tab);
    typed(&mut m, "2027-02-30");
    assert!(ctrl(&mut m, 's').is_empty());
    let Some(Overlay::Editor(ed)) = &m.notes.overlay else {
        panic!("editor closed")
    };
    assert!(ed.problem.as_deref().unwrap().contains("YYYY-MM-DD"));
    key(&mut m, KeyCode::Esc);
    assert!(m.notes.overlay.is_none(), "Esc cancels");
}

#[test]
fn read_only_shows_notes_but_refuses_the_editor() {
    let mut m = console(true);
    key(&mut m, KeyCode::F(4));
    assert!(m.notes.overlay.is_none());
    assert!(m.message.as_deref().unwrap().contains("Read-only"));
}

#[test]
fn a_note_from_another_console_marks_the_contact_and_is_searchable() {
    let mut m = console(false);
    let id = m.selected().unwrap();
    let n = note_for(&m, id, "Parental leave until March", 1);
    update(
        &mut m,
        Msg::Notes(NotesEvent::All {
            notes: vec![n],
            now_ms: NOW,
        }),
    );
    assert!(m.notes.current(id).is_some());
    typed(&mut m, "parental");
    assert_eq!(m.search.hits().first().map(|h| h.id), Some(id));
}

#[test]
fn an_expired_note_leaves_the_grid_when_the_clock_passes_it() {
    let mut m = console(false);
    let id = m.selected().unwrap();
    let mut n = note_for(&m, id, "Out today", 1);
    n.expires_ms = Some(NOW + 1_000);
    update(
        &mut m,
        Msg::Notes(NotesEvent::All {
            notes: vec![n],
            now_ms: NOW,
        }),
    );
    assert!(m.notes.current(id).is_some());
    update(
        &mut m,
        Msg::Notes(NotesEvent::Clock {
            now_ms: NOW + 1_000,
        }),
    );
    assert!(m.notes.current(id).is_none());
}

#[test]
fn a_conflict_shows_both_and_each_choice_does_what_it_says() {
    let mut m = console(false);
    let id = m.selected().unwrap();
    key(&mut m, KeyCode::F(4));
    typed(&mut m, "mine");
    let cmds = ctrl(&mut m, 's');
    let [Cmd::SaveNote(mine)] = cmds.as_slice() else {
        panic!()
    };
    let mine = mine.clone();
    let theirs = note_for(&m, id, "theirs", 1);
    let conflict = NotesEvent::Conflict {
        mine: mine.clone(),
        theirs: theirs.clone(),
    };
    // Keep theirs: nothing written.
    update(&mut m, Msg::Notes(conflict.clone()));
    assert!(matches!(m.notes.overlay, Some(Overlay::Conflict(_))));
    assert!(key(&mut m, KeyCode::Char('t')).is_empty());
    assert!(m.notes.overlay.is_none());
    // Keep mine: written over their version, knowingly.
    update(&mut m, Msg::Notes(conflict.clone()));
    let cmds = key(&mut m, KeyCode::Char('m'));
    let [Cmd::SaveNote(again)] = cmds.as_slice() else {
        panic!()
    };
    assert_eq!(
        (again.text.as_deref(), again.base_version),
        (Some("mine"), 1)
    );
    // Merge by hand: both texts in the editor, based on theirs.
    update(&mut m, Msg::Notes(conflict));
    key(&mut m, KeyCode::Char('e'));
    let Some(Overlay::Editor(ed)) = &m.notes.overlay else {
        panic!()
    };
    assert_eq!((ed.text.as_str(), ed.base_version), ("theirs\nmine", 1));
}

#[test]
fn offline_is_shown_and_a_failed_save_is_told() {
    let mut m = console(false);
    update(
        &mut m,
        Msg::Notes(NotesEvent::Offline {
            reason: "connection refused".into(),
            queued: 1,
        }),
    );
    assert_eq!(m.notes.offline.as_deref(), Some("connection refused"));
    let key0 = m.notes.keys[0].clone();
    update(
        &mut m,
        Msg::Notes(NotesEvent::Failed {
            contact: key0,
            reason: "gone".into(),
        }),
    );
    assert!(m.message.as_deref().unwrap().contains("NOT saved"));
    // A note waiting for the database: quitting warns once.
    update(
        &mut m,
        Msg::Notes(NotesEvent::Offline {
            reason: "down".into(),
            queued: 1,
        }),
    );
    assert!(key(&mut m, KeyCode::F(10)).is_empty());
    assert!(!m.quit);
    assert!(m.message.as_deref().unwrap().contains("not saved yet"));
    assert!(key(&mut m, KeyCode::F(10)).is_empty(), "then asks");
    assert_eq!(key(&mut m, KeyCode::Char('y')), vec![Cmd::Quit]);
    update(&mut m, Msg::Notes(NotesEvent::Online));
    assert!(m.notes.offline.is_none());
}

#[test]
fn the_editor_edits_at_its_cursor_through_update() {
    let mut m = console(false);
    key(&mut m, KeyCode::F(4));
    typed(&mut m, "Calls to Bob");
    for _ in 0..3 {
        key(&mut m, KeyCode::Left);
    }
    update(&mut m, Msg::Paste("Carol or \x1b[2J".into()));
    key(&mut m, KeyCode::Home);
    key(&mut m, KeyCode::Delete);
    typed(&mut m, "c");
    let cmds = ctrl(&mut m, 's');
    let [Cmd::SaveNote(edit)] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(edit.text.as_deref(), Some("calls to Carol or [2JBob"));
}
