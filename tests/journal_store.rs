//! The journal in the notes database, the same behaviour on both backends:
//! SQLite in a temporary file and a private PostgreSQL cluster
//! (tests/support/postgres.rs). Two handles on one database stand for two
//! consoles. Also: a database of the notes-only schema (version 1) is
//! migrated forward with its notes kept.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use support::postgres::Postgres;
use switchboard::notes::journal::{Entry, Kind, summary, timeline};
use switchboard::notes::{Edit, NoteStore, NotesTarget};
use switchboard::notes_db;

const ALICE: &str = "sip:alice@example.test";
const BOB: &str = "sip:bob@example.test";
const H: i64 = 3_600_000;
const M: i64 = 60_000;
/// 2026-12-05 00:00 UTC.
const DAY: i64 = 1_796_428_800_000;

use support::notes_db::TwoHandles as Db;

fn sqlite_db() -> Db {
    support::notes_db::sqlite("journal")
}

fn pg_db() -> Db {
    support::notes_db::postgres()
}

fn change(contact: &str, kind: Kind, value: &str, at_ms: i64) -> Entry {
    let mut e = Entry::change(contact, kind, value, "presence", "rpid activity busy");
    e.at_ms = at_ms;
    e
}

fn missed(contact: &str, dialog: &str, at_ms: i64) -> Entry {
    Entry {
        contact: contact.into(),
        at_ms,
        kind: Kind::Missed,
        value: "missed".into(),
        source: "dialog".into(),
        rule: "early → terminated, never confirmed".into(),
        peer: Some("+49 89 1234".into()),
        peer_uri: Some("sip:+49891234@pbx.example.test".into()),
        reference: Some(dialog.into()),
    }
}

/// What one console journals is read by the other: a day of one contact as
/// a timeline, with the state that held when the window began; a missed
/// call both consoles saw is one row; every missed call since a time, of
/// every contact.
fn entries_are_shared_and_missed_calls_counted_once(mut db: Db) {
    let day = vec![
        change(ALICE, Kind::Presence, "away", DAY - 2 * H), // yesterday evening
        change(ALICE, Kind::Presence, "available", DAY + 8 * H),
        change(ALICE, Kind::Presence, "busy", DAY + 9 * H + 12 * M),
        change(ALICE, Kind::Line, "active", DAY + 9 * H + 12 * M),
        change(ALICE, Kind::Presence, "available", DAY + 9 * H + 40 * M),
        change(ALICE, Kind::Line, "ready", DAY + 9 * H + 40 * M),
        missed(ALICE, "call-1", DAY + 10 * H + 3 * M),
        change(ALICE, Kind::Presence, "away", DAY + 11 * H),
        change(BOB, Kind::Presence, "busy", DAY + 9 * H),
    ];
    db.a.journal_append(&day).unwrap();
    // The other console saw the same missed call (a little later) and
    // another one for Bob.
    db.b.journal_append(&[
        missed(ALICE, "call-1", DAY + 10 * H + 3 * M + 20),
        missed(BOB, "call-2", DAY + 10 * H + 30 * M),
    ])
    .unwrap();

    let seen = db.b.journal(ALICE, DAY + 9 * H).unwrap();
    assert_eq!(
        seen.first().map(|e| (e.value.as_str(), e.at_ms)),
        Some(("available", DAY + 8 * H)),
        "the presence that held when the window began comes first"
    );
    assert_eq!(
        seen.iter().filter(|e| e.kind == Kind::Missed).count(),
        1,
        "one missed call, though two consoles journalled it"
    );
    let m = seen.iter().find(|e| e.kind == Kind::Missed).unwrap();
    assert_eq!(m.peer.as_deref(), Some("+49 89 1234"));
    assert_eq!(m.rule, "early → terminated, never confirmed");
    let tz = jiff::tz::TimeZone::UTC;
    assert_eq!(
        summary(&timeline(&seen), DAY + 12 * H, &tz),
        "busy 09:12–09:40, in a call 09:12–09:40, missed 10:03 from +49 89 1234, away since 11:00"
    );

    let all = db.a.journal_missed(DAY).unwrap();
    let who: Vec<&str> = all.iter().map(|e| e.contact.as_str()).collect();
    assert_eq!(
        who,
        [ALICE, BOB],
        "every contact's missed calls, oldest first"
    );
    assert!(db.a.journal_missed(DAY + 11 * H).unwrap().is_empty());
}

/// Entries older than the cutoff are pruned; newer ones stay.
fn pruning_removes_only_old_entries(mut db: Db) {
    db.a.journal_append(&[
        change(ALICE, Kind::Presence, "busy", DAY - 40 * 24 * H),
        missed(ALICE, "old", DAY - 31 * 24 * H),
        change(ALICE, Kind::Presence, "away", DAY - 29 * 24 * H),
    ])
    .unwrap();
    let pruned = db.b.journal_prune(DAY - 30 * 24 * H).unwrap();
    assert_eq!(pruned, 2);
    let left = db.a.journal(ALICE, 0).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].value, "away");
}

/// Saving an attendant note journals it in the same transaction.
fn a_saved_note_is_journalled(mut db: Db) {
    db.a.save(&Edit {
        contact: ALICE.into(),
        text: Some("On leave until March".into()),
        author: "ann".into(),
        expires_ms: None,
        base_version: 0,
        now_ms: DAY + 10 * H,
    })
    .unwrap();
    let seen = db.b.journal(ALICE, DAY).unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (
            seen[0].kind,
            seen[0].source.as_str(),
            seen[0].value.as_str()
        ),
        (Kind::Note, "attendant", "On leave until March")
    );
    assert_eq!(seen[0].rule, "written by ann");
}

/// A hostile row (escape sequences in a caller's name) reads back harmless.
fn hostile_text_reads_back_harmless(mut db: Db) {
    let mut m = missed(ALICE, "evil", DAY);
    m.peer = Some("\u{1b}]0;pwned\u{7}Mallory\u{1b}[2J".into());
    db.a.journal_append(&[m]).unwrap();
    let seen = db.b.journal_missed(0).unwrap();
    let peer = seen[0].peer.as_deref().unwrap();
    assert!(
        !peer.contains('\u{1b}') && !peer.contains('\u{7}'),
        "{peer:?}"
    );
    assert!(peer.contains("Mallory"), "{peer:?}");
}

#[test]
fn sqlite_entries_are_shared_and_missed_calls_counted_once() {
    entries_are_shared_and_missed_calls_counted_once(sqlite_db());
}
#[test]
fn postgres_entries_are_shared_and_missed_calls_counted_once() {
    entries_are_shared_and_missed_calls_counted_once(pg_db());
}
#[test]
fn sqlite_pruning_removes_only_old_entries() {
    pruning_removes_only_old_entries(sqlite_db());
}
#[test]
fn postgres_pruning_removes_only_old_entries() {
    pruning_removes_only_old_entries(pg_db());
}
#[test]
fn sqlite_a_saved_note_is_journalled() {
    a_saved_note_is_journalled(sqlite_db());
}
#[test]
fn postgres_a_saved_note_is_journalled() {
    a_saved_note_is_journalled(pg_db());
}
#[test]
fn sqlite_hostile_text_reads_back_harmless() {
    hostile_text_reads_back_harmless(sqlite_db());
}
#[test]
fn postgres_hostile_text_reads_back_harmless() {
    hostile_text_reads_back_harmless(pg_db());
}

/// The notes-only schema of the previous release (version 1).
const SQLITE_V1: &str = "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
     CREATE TABLE notes (
         contact TEXT PRIMARY KEY, text TEXT, author TEXT NOT NULL,
         written_ms INTEGER NOT NULL, expires_ms INTEGER, version INTEGER NOT NULL);
     CREATE TABLE history (
         id INTEGER PRIMARY KEY AUTOINCREMENT, contact TEXT NOT NULL,
         version INTEGER NOT NULL, author TEXT NOT NULL, at_ms INTEGER NOT NULL,
         old_text TEXT, new_text TEXT, expires_ms INTEGER);
     CREATE INDEX history_contact ON history (contact, version);
     INSERT INTO meta VALUES ('schema_version', 1);
     INSERT INTO notes VALUES ('sip:alice@example.test', 'Kept', 'ann', 1000, NULL, 1);
     PRAGMA user_version = 1;";

#[test]
fn sqlite_a_version_1_database_is_migrated_with_its_notes() {
    let path = support::proc::run_dir("journal").join("v1.sqlite");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(SQLITE_V1).unwrap();
    drop(c);
    let mut db = notes_db::sqlite::SqliteNotes::open(&path).expect("migrated");
    assert_eq!(db.schema_version().unwrap(), 2);
    let note = db.get(ALICE).unwrap().expect("the note is kept");
    assert_eq!(note.text.as_deref(), Some("Kept"));
    db.journal_append(&[missed(ALICE, "c", DAY)]).unwrap();
    assert_eq!(db.journal_missed(0).unwrap().len(), 1);
}

#[test]
fn postgres_a_version_1_database_is_migrated_with_its_notes() {
    let pg = Postgres::start();
    let mut c = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
    c.batch_execute(
        "CREATE TABLE switchboard_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
         CREATE TABLE switchboard_notes (
             contact TEXT PRIMARY KEY, text TEXT, author TEXT NOT NULL,
             written_ms BIGINT NOT NULL, expires_ms BIGINT, version BIGINT NOT NULL);
         CREATE TABLE switchboard_notes_history (
             id BIGSERIAL PRIMARY KEY, contact TEXT NOT NULL, version BIGINT NOT NULL,
             author TEXT NOT NULL, at_ms BIGINT NOT NULL, old_text TEXT, new_text TEXT,
             expires_ms BIGINT);
         INSERT INTO switchboard_meta VALUES ('schema_version', 1);
         INSERT INTO switchboard_notes VALUES ('sip:alice@example.test', 'Kept', 'ann', 1000, NULL, 1);",
    )
    .unwrap();
    let target = NotesTarget::Postgres {
        url: pg.url(),
        password: None,
    };
    let mut db = notes_db::open(&target).expect("migrated");
    let note = db.get(ALICE).unwrap().expect("the note is kept");
    assert_eq!(note.text.as_deref(), Some("Kept"));
    db.journal_append(&[missed(ALICE, "c", DAY)]).unwrap();
    assert_eq!(db.journal_missed(0).unwrap().len(), 1);
    let v: i64 = c
        .query_one(
            "SELECT value FROM switchboard_meta WHERE key = 'schema_version'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(v, 2);
}

/// The console's notes thread: entries sent one change at a time are
/// written (in a batch) and read back for F8; entries older than the
/// retention are pruned at the first write; today's missed calls are sent
/// when the database opens. Entry times are made up around the real clock.
fn the_notes_thread_batches_prunes_and_reads_back(target: NotesTarget) {
    use std::time::{Duration, Instant};
    use switchboard::app::Msg;
    use switchboard::app::notes::NotesEvent;
    use switchboard::runtime::notes::{NotesHandle, now_ms};

    let now = now_ms();
    // A missed call from an earlier console run: sent at open.
    notes_db::open(&target)
        .unwrap()
        .journal_append(&[missed(BOB, "earlier", now - 1_000)])
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = NotesHandle::start_with(target.clone(), tx, 2);
    handle.journal(vec![change(
        ALICE,
        Kind::Presence,
        "busy",
        now - 3 * 24 * H,
    )]);
    for i in 0..100 {
        let value = if i % 2 == 0 { "away" } else { "available" };
        handle.journal(vec![change(ALICE, Kind::Presence, value, now - 100 + i)]);
    }
    handle.load_journal(ALICE.into(), 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut read, mut at_open) = (None, None);
    while Instant::now() < deadline && (read.is_none() || at_open.is_none()) {
        match rx.try_recv() {
            Ok(Msg::Notes(NotesEvent::Journal { entries, .. })) => read = Some(entries),
            Ok(Msg::Notes(NotesEvent::Missed { entries })) => at_open = Some(entries),
            Ok(_) => {}
            Err(_) => std::thread::sleep(support::proc::POLL / 4),
        }
    }
    handle.stop();
    let read = read.expect("the journal was read back");
    assert_eq!(
        read.len(),
        100,
        "the 3-day-old entry is pruned (2 days kept)"
    );
    assert!(read.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    let at_open = at_open.expect("today's missed calls at open");
    assert_eq!(at_open.len(), 1);
    assert_eq!(at_open[0].contact, BOB);
}

#[test]
fn sqlite_the_notes_thread_batches_prunes_and_reads_back() {
    let path = support::proc::run_dir("journal").join("notes.sqlite");
    the_notes_thread_batches_prunes_and_reads_back(NotesTarget::Sqlite(path));
}

#[test]
fn postgres_the_notes_thread_batches_prunes_and_reads_back() {
    let pg = Postgres::start();
    the_notes_thread_batches_prunes_and_reads_back(NotesTarget::Postgres {
        url: pg.url(),
        password: None,
    });
}
