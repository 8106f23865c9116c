//! The attendant notes on an 80x24 screen: the grid mark, the panel rows,
//! the editor, the conflict view, "notes offline", and the help that still
//! fits with the two notes keys.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

#[path = "support/ui.rs"]
mod ui;

use ui::{key, screen_cells as text};

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use switchboard::app::notes::NotesEvent;
use switchboard::app::{Model, Msg, Settings, sample, update};
use switchboard::notes::{Edit, Note};
use switchboard::ui::view;

const NOW: i64 = 1_800_000_000_000;

fn console(ascii: bool) -> Model {
    let mut m = Model::new(
        sample::office(),
        Settings {
            ascii,
            notes_operator: Some("ann".into()),
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

fn with_note(m: &mut Model, text: &str) -> Note {
    let id = m.selected().unwrap();
    let n = Note {
        contact: m.notes.keys[id.0 as usize].clone(),
        text: Some(text.into()),
        author: "bob".into(),
        written_ms: NOW - 5 * 60_000,
        expires_ms: Some(NOW + 86_400_000),
        version: 1,
    };
    update(
        m,
        Msg::Notes(NotesEvent::All {
            notes: vec![n.clone()],
            now_ms: NOW,
        }),
    );
    n
}

#[test]
fn a_note_is_marked_in_the_grid_and_shown_with_author_age_and_expiry() {
    let mut m = console(false);
    with_note(&mut m, "On leave\nCalls to Bob");
    let name = m.store.info(m.selected().unwrap()).name.clone();
    let t = text(&m);
    assert!(t.contains(&format!("✎{name}")), "{t}");
    key(&mut m, KeyCode::Enter);
    let t = text(&m);
    assert!(t.contains("Attendant    On leave"), "{t}");
    assert!(t.contains("Calls to Bob"), "{t}");
    assert!(t.contains("by bob, 5 min"), "{t}");
    assert!(t.contains("2027-01-16"), "{t}");
    let ascii = {
        let mut a = console(true);
        with_note(&mut a, "x");
        text(&a)
    };
    assert!(ascii.contains(&format!("N{name}")), "{ascii}");
}

#[test]
fn the_editor_and_the_conflict_view_fit_80x24() {
    let mut m = console(false);
    let theirs = with_note(&mut m, "theirs");
    key(&mut m, KeyCode::F(4));
    let t = text(&m);
    assert!(t.contains("Note: "), "{t}");
    assert!(t.contains("Ctrl-s save"), "{t}");
    let mine = Edit {
        contact: theirs.contact.clone(),
        text: Some("mine".into()),
        author: "ann".into(),
        expires_ms: None,
        base_version: 0,
        now_ms: NOW,
    };
    key(&mut m, KeyCode::Esc);
    update(&mut m, Msg::Notes(NotesEvent::Conflict { mine, theirs }));
    let t = text(&m);
    assert!(t.contains("bob changed this note"), "{t}");
    assert!(
        t.contains("m keep mine · t keep theirs · e merge by hand"),
        "{t}"
    );
}

#[test]
fn notes_offline_shows_in_the_status_bar_at_80_columns() {
    let mut m = console(false);
    update(
        &mut m,
        Msg::Notes(NotesEvent::Offline {
            reason: "connection refused".into(),
            queued: 2,
        }),
    );
    let t = text(&m);
    assert!(t.contains("notes offline (2 waiting)"), "{t}");
}

#[test]
fn the_help_lists_the_notes_keys_and_mark_and_still_fits() {
    let mut m = console(false);
    key(&mut m, KeyCode::F(1));
    // With the history key (F8) the help takes a second page at 80x24
    // (PgDn): both pages together list every key.
    let mut t = text(&m);
    key(&mut m, KeyCode::PageDown);
    t.push_str(&text(&m));
    let mut t = text(&m);
    // Every page (PgDn cycles back to the first).
    for _ in 0..4 {
        key(&mut m, KeyCode::PageDown);
        let page = text(&m);
        if t.starts_with(&page) {
            break;
        }
        t.push_str(&page);
    }
    for needle in [
        "F4",
        "edit_note",
        "Shift-F4",
        "note_history",
        "F8",
        "✎ attendant note",
        "F10, Ctrl-C     quit ",
        "quit_now",
    ] {
        assert!(t.contains(needle), "{needle}: {t}");
    }
}

fn buffer(m: &Model) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(m.size.0, m.size.1)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    t.backend().buffer().clone()
}

/// Every reversed cell (the editor's cursor) in `rows`: x, y, its char.
fn reversed_in(buf: &Buffer, rows: std::ops::Range<u16>) -> Vec<(u16, u16, String)> {
    let mut out = Vec::new();
    for y in rows {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            if c.modifier.contains(ratatui::style::Modifier::REVERSED) {
                out.push((x, y, c.symbol().to_string()));
            }
        }
    }
    out
}

fn find(t: &str, needle: &str) -> (u16, u16) {
    for (y, line) in t.lines().enumerate() {
        if let Some(i) = line.find(needle) {
            let x = line[..i].chars().count();
            return (x as u16, y as u16);
        }
    }
    panic!("{needle} not on screen:\n{t}")
}

#[test]
fn the_editor_draws_its_cursor_mid_text_at_80x24() {
    let mut m = console(true);
    key(&mut m, KeyCode::F(4));
    for c in "On leave until March\nCalls go to Bob".chars() {
        key(
            &mut m,
            if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            },
        );
    }
    key(&mut m, KeyCode::Up);
    for _ in 0..6 {
        key(&mut m, KeyCode::Left);
    }
    key(&mut m, KeyCode::Char('X'));
    let t = text(&m);
    insta::assert_snapshot!(t);
    let (x, y) = find(&t, "On leave Xuntil March");
    let cursor = reversed_in(&buffer(&m), y..y + 1);
    assert_eq!(
        cursor,
        vec![(x + 10, y, "u".to_string())],
        "the cursor sits on the char after the X typed mid-text:\n{t}"
    );
    assert!(t.contains("37/4096 bytes"), "{t}");
    assert!(
        t.contains("Ctrl-s save | Esc cancel") && !t.contains('·'),
        "an ASCII console's editor draws ASCII separators:\n{t}"
    );
}

#[test]
fn a_long_note_scrolls_to_keep_the_cursor_visible() {
    let mut m = console(true);
    key(&mut m, KeyCode::F(4));
    for i in 0..30 {
        for c in format!("line {i:02}").chars() {
            key(&mut m, KeyCode::Char(c));
        }
        key(&mut m, KeyCode::Enter);
    }
    for c in "last".chars() {
        key(&mut m, KeyCode::Char(c));
    }
    let t = text(&m);
    assert!(t.contains("last"), "{t}");
    assert!(!t.contains("line 00"), "{t}");
    assert!(t.contains("Ctrl-s save"), "the keys stay visible: {t}");
    let (x, y) = find(&t, "last");
    assert_eq!(
        reversed_in(&buffer(&m), y..y + 1),
        vec![(x + 4, y, " ".to_string())]
    );
    for _ in 0..30 {
        key(&mut m, KeyCode::Up);
    }
    let t = text(&m);
    let (x, y) = find(&t, "line 00");
    assert_eq!(
        reversed_in(&buffer(&m), y..y + 1),
        vec![(x + 4, y, " ".to_string())],
        "{t}"
    );
}

#[test]
fn the_full_help_pages_at_80x24_and_every_action_is_reachable() {
    let mut m = Model::new(
        sample::office(),
        Settings {
            notes_operator: Some("ann".into()),
            own_uri: Some("sip:reception@example.com".into()),
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
    key(&mut m, KeyCode::F(1));
    let first = text(&m);
    assert!(first.contains("page 1/"), "{first}");
    assert!(first.contains("status_picker"), "{first}");
    // Every page in turn (PgDn cycles back to the first).
    let mut all = first.clone();
    let mut last = first.clone();
    for n in 2..10 {
        key(&mut m, KeyCode::PageDown);
        assert!(m.help_open, "PgDn pages, it does not close the help");
        let page = text(&m);
        if page == first {
            break;
        }
        assert!(page.contains(&format!("page {n}/")), "{page}");
        all.push_str(&page);
        last = page;
    }
    insta::assert_snapshot!(all.clone());
    for a in switchboard::app::Action::ALL {
        let name = a.name();
        assert!(all.contains(name), "{name} is on no page:\n{all}");
    }
    for needle in [
        "me: sip:reception@example.com is not a [[contact]]:",
        "add it to the config to see your own status.",
        "✎ attendant note",
        "F10, Ctrl-C     quit ",
        "is:available",
    ] {
        assert!(all.contains(needle), "{needle}: {all}");
    }
    // The loop above ended on the first page again: PgDn from the last
    // page cycles to the first, and PgUp from the first goes to the last.
    key(&mut m, KeyCode::PageUp);
    assert_eq!(text(&m), last, "PgUp from the first page goes to the last");
}

#[test]
fn the_details_say_why_notes_are_offline_made_harmless() {
    let mut m = console(false);
    key(&mut m, KeyCode::Enter);
    update(
        &mut m,
        Msg::Notes(NotesEvent::Offline {
            reason: "certificate verify failed\x1b[2J\u{202e}".into(),
            queued: 0,
        }),
    );
    let t = text(&m);
    assert!(
        t.contains("certificate") && t.contains("failed[2J"),
        "the reason, wrapped in the panel: {t}"
    );
    assert!(!t.contains('\u{202e}'), "{t}");
}
