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
