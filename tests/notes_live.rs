//! Live sharing through the console's notes thread, without a terminal: a
//! save made through another handle reaches the thread's listener (inotify
//! for SQLite, LISTEN/NOTIFY for PostgreSQL) and comes out as the rows the
//! console shows, within a second.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::time::{Duration, Instant};

use switchboard::app::Msg;
use switchboard::app::notes::NotesEvent;
use switchboard::notes::{Edit, NotesTarget};
use switchboard::runtime::notes::NotesHandle;
use tokio::sync::mpsc;

/// Waits (with a deadline) for a report holding `text` for Alice.
fn wait_for_text(rx: &mut mpsc::UnboundedReceiver<Msg>, text: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        match rx.try_recv() {
            Ok(Msg::Notes(NotesEvent::All { notes, .. })) => {
                if notes.iter().any(|n| n.text.as_deref() == Some(text)) {
                    return true;
                }
            }
            Ok(_) => {}
            Err(_) => std::thread::sleep(support::proc::POLL / 4),
        }
    }
    false
}

fn another_console_saves(target: &NotesTarget, text: &str, base: i64) -> Instant {
    let mut db = switchboard::notes_db::open(target).unwrap();
    let at = Instant::now();
    db.save(&Edit {
        contact: "sip:alice@example.test".into(),
        text: Some(text.into()),
        author: "bob".into(),
        expires_ms: None,
        base_version: base,
        now_ms: 1,
    })
    .unwrap();
    at
}

fn a_save_elsewhere_reaches_the_console(target: NotesTarget) {
    // The schema exists before the console starts (as with a running office).
    drop(switchboard::notes_db::open(&target).unwrap());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = NotesHandle::start(target.clone(), tx);
    for (i, text) in ["first", "second", "third"].iter().enumerate() {
        let at = another_console_saves(&target, text, i as i64);
        assert!(
            wait_for_text(&mut rx, text, Duration::from_secs(1)),
            "{text:?} did not reach the console within a second"
        );
        eprintln!(
            "{target:?}: {text} reached the console in {:?}",
            at.elapsed()
        );
    }
    handle.stop();
}

#[test]
fn sqlite_a_save_elsewhere_reaches_the_console_within_a_second() {
    let path = support::proc::run_dir("notes-live").join("notes.sqlite");
    a_save_elsewhere_reaches_the_console(NotesTarget::Sqlite(path));
}

#[test]
fn postgres_a_save_elsewhere_reaches_the_console_within_a_second() {
    let pg = support::postgres::Postgres::start();
    a_save_elsewhere_reaches_the_console(NotesTarget::Postgres {
        url: pg.url(),
        password: None,
    });
}

fn note(contact: &str, text: &str) -> Edit {
    Edit {
        contact: contact.into(),
        text: Some(text.into()),
        author: "ann".into(),
        expires_ms: None,
        base_version: 0,
        now_ms: 1,
    }
}

/// Waits (with a deadline) for a report `pick` accepts; what it returned.
fn wait_for<T>(
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    within: Duration,
    mut pick: impl FnMut(NotesEvent) -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        match rx.try_recv() {
            Ok(Msg::Notes(ev)) => {
                if let Some(t) = pick(ev) {
                    return Some(t);
                }
            }
            Ok(_) => {}
            Err(_) => std::thread::sleep(support::proc::POLL / 4),
        }
    }
    None
}

/// Notes saved while PostgreSQL is down are kept (the console is told how
/// many wait) and every one of them is written when the server is back:
/// a queue that dropped or overwrote one fails here.
#[test]
fn postgres_notes_saved_while_the_server_is_down_are_written_when_it_is_back() {
    let mut pg = support::postgres::Postgres::start();
    let target = NotesTarget::Postgres {
        url: pg.url(),
        password: None,
    };
    drop(switchboard::notes_db::open(&target).unwrap());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = NotesHandle::start(target.clone(), tx);
    let first = wait_for(&mut rx, Duration::from_secs(5), |ev| {
        matches!(ev, NotesEvent::All { .. }).then_some(())
    });
    assert!(first.is_some(), "the console read the notes at start");
    pg.stop();
    const ALICE: &str = "sip:alice@example.test";
    const BOB: &str = "sip:bob@example.test";
    handle.save(note(ALICE, "typed while the server was down"));
    handle.save(note(BOB, "this one too"));
    let waiting = wait_for(&mut rx, Duration::from_secs(10), |ev| match ev {
        NotesEvent::Offline { queued: 2, .. } => Some(()),
        _ => None,
    });
    assert!(waiting.is_some(), "the console is told two notes wait");
    pg.resume();
    let mut saved = Vec::new();
    while saved.len() < 2 {
        let got = wait_for(&mut rx, Duration::from_secs(10), |ev| match ev {
            NotesEvent::Saved { note, .. } => Some(note.contact),
            NotesEvent::Failed { contact, reason } => panic!("{contact} not saved: {reason}"),
            _ => None,
        });
        saved.push(got.expect("every waiting note is saved when the server is back"));
    }
    saved.sort();
    assert_eq!(saved, [ALICE, BOB]);
    handle.stop();
    let mut db = switchboard::notes_db::open(&target).unwrap();
    for (who, text) in [
        (ALICE, "typed while the server was down"),
        (BOB, "this one too"),
    ] {
        let n = db.get(who).unwrap().expect("in the database");
        assert_eq!(n.text.as_deref(), Some(text));
        assert_eq!(n.author, "ann");
    }
}
