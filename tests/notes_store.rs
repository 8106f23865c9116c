//! The same note behaviour against both backends: SQLite in a temporary
//! file and a private PostgreSQL cluster (tests/support/postgres.rs). Two
//! handles on one database stand for two consoles.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::path::PathBuf;
use std::time::Duration;

use support::postgres::Postgres;
use switchboard::notes::{Edit, NoteStore, NotesError, NotesTarget, SaveOutcome};
use switchboard::notes_db::{self, postgres::PgListener, sqlite::SqliteNotes};

const ALICE: &str = "sip:alice@example.test";

use support::notes_db::TwoHandles as Db;

fn sqlite_db() -> Db {
    support::notes_db::sqlite("notes")
}

fn pg_db() -> Db {
    support::notes_db::postgres()
}

fn edit(text: Option<&str>, author: &str, base: i64, now: i64) -> Edit {
    Edit {
        contact: ALICE.into(),
        text: text.map(str::to_string),
        author: author.into(),
        expires_ms: None,
        base_version: base,
        now_ms: now,
    }
}

fn saved(o: SaveOutcome) -> i64 {
    match o {
        SaveOutcome::Saved(n) => n.version,
        SaveOutcome::Conflict { theirs } => panic!("unexpected conflict with {theirs:?}"),
    }
}

/// A note written through one handle is read, with author and time, through
/// the other; its history holds every change with old and new text.
fn written_note_is_seen_with_author_and_history(mut db: Db) {
    let v1 = saved(
        db.a.save(&edit(Some("On leave until March"), "ann", 0, 1_000))
            .unwrap(),
    );
    let v2 = saved(
        db.a.save(&edit(Some("Back Monday"), "ann", v1, 2_000))
            .unwrap(),
    );
    let seen = db.b.get(ALICE).unwrap().expect("the other console sees it");
    assert_eq!(seen.text.as_deref(), Some("Back Monday"));
    assert_eq!(
        (seen.author.as_str(), seen.written_ms, seen.version),
        ("ann", 2_000, v2)
    );
    saved(db.b.save(&edit(None, "bob", v2, 3_000)).unwrap());
    let h = db.a.history(ALICE).unwrap();
    let texts: Vec<_> = h
        .iter()
        .map(|e| {
            (
                e.author.as_str(),
                e.old_text.as_deref(),
                e.new_text.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        texts,
        [
            ("ann", None, Some("On leave until March")),
            ("ann", Some("On leave until March"), Some("Back Monday")),
            ("bob", Some("Back Monday"), None),
        ]
    );
    assert!(
        !db.a.get(ALICE).unwrap().unwrap().is_current(4_000),
        "cleared"
    );
}

/// Interleaved edits: both start from the same version; the second save is
/// refused with their note, and nothing of the first is lost.
fn interleaved_edits_conflict(mut db: Db) {
    let v1 = saved(db.a.save(&edit(Some("base"), "ann", 0, 1)).unwrap());
    let base_a = db.a.get(ALICE).unwrap().unwrap().version;
    let base_b = db.b.get(ALICE).unwrap().unwrap().version;
    assert_eq!((base_a, base_b), (v1, v1));
    saved(
        db.a.save(&edit(Some("ann's text"), "ann", base_a, 2))
            .unwrap(),
    );
    match db
        .b
        .save(&edit(Some("bob's text"), "bob", base_b, 3))
        .unwrap()
    {
        SaveOutcome::Conflict { theirs } => {
            assert_eq!(theirs.text.as_deref(), Some("ann's text"));
            assert_eq!(theirs.author, "ann");
        }
        SaveOutcome::Saved(n) => panic!("bob overwrote ann unknowingly: {n:?}"),
    }
    assert_eq!(
        db.b.get(ALICE).unwrap().unwrap().text.as_deref(),
        Some("ann's text")
    );
    // Two first notes at once: the second "there was none" is a conflict too.
    let bob = Edit {
        contact: "sip:bob@example.test".into(),
        ..edit(Some("x"), "ann", 0, 4)
    };
    saved(db.a.save(&bob).unwrap());
    assert!(matches!(
        db.b.save(&Edit {
            author: "bob".into(),
            ..bob
        })
        .unwrap(),
        SaveOutcome::Conflict { .. }
    ));
}

/// An expired note stops being current at its expiry and stays in history.
fn expiry_is_a_function_of_time(mut db: Db) {
    let mut e = edit(Some("Out today"), "ann", 0, 1_000);
    e.expires_ms = Some(10_000);
    saved(db.a.save(&e).unwrap());
    let n = db.b.get(ALICE).unwrap().unwrap();
    assert!(n.is_current(9_999) && !n.is_current(10_000));
    assert_eq!(db.b.history(ALICE).unwrap().len(), 1);
    assert_eq!(db.b.all().unwrap().len(), 1, "kept in the table");
}

#[test]
fn sqlite_written_note_is_seen_with_author_and_history() {
    written_note_is_seen_with_author_and_history(sqlite_db());
}
#[test]
fn postgres_written_note_is_seen_with_author_and_history() {
    written_note_is_seen_with_author_and_history(pg_db());
}
#[test]
fn sqlite_interleaved_edits_conflict() {
    interleaved_edits_conflict(sqlite_db());
}
#[test]
fn postgres_interleaved_edits_conflict() {
    interleaved_edits_conflict(pg_db());
}
#[test]
fn sqlite_expiry_is_a_function_of_time() {
    expiry_is_a_function_of_time(sqlite_db());
}
#[test]
fn postgres_expiry_is_a_function_of_time() {
    expiry_is_a_function_of_time(pg_db());
}

/// A database written by a newer switchboard is refused, and not changed.
#[test]
fn sqlite_newer_schema_is_refused_untouched() {
    let path: PathBuf = support::proc::run_dir("notes").join("newer.sqlite");
    drop(SqliteNotes::open(&path).unwrap());
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(c);
    let before = std::fs::read(&path).unwrap();
    let err = SqliteNotes::open(&path).err().expect("refused");
    assert!(
        matches!(err, NotesError::NewerSchema { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade switchboard"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "not changed");
}

#[test]
fn postgres_newer_schema_is_refused() {
    let pg = Postgres::start();
    let target = NotesTarget::Postgres {
        url: pg.url(),
        password: None,
    };
    drop(notes_db::open(&target).unwrap());
    let mut c = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
    c.batch_execute("UPDATE switchboard_meta SET value = 99 WHERE key = 'schema_version'")
        .unwrap();
    let err = notes_db::open(&target).err().expect("refused");
    assert!(
        matches!(err, NotesError::NewerSchema { found: 99, .. }),
        "{err}"
    );
}

/// A save notifies every listener, within a second; a restarted server
/// loses the connection (an Offline error) and a new one works again.
#[test]
fn postgres_notifies_listeners_and_survives_a_restart() {
    let mut pg = Postgres::start();
    let target = NotesTarget::Postgres {
        url: pg.url(),
        password: None,
    };
    let mut db = notes_db::open(&target).unwrap();
    let mut listener = PgListener::connect(&pg.url(), None).unwrap();
    saved(db.save(&edit(Some("hello"), "ann", 0, 1)).unwrap());
    let got = listener.wait(Duration::from_secs(1)).unwrap();
    assert_eq!(got, [ALICE]);
    assert!(listener.wait(Duration::from_millis(50)).unwrap().is_empty());
    pg.restart();
    let err = db.get(ALICE).expect_err("the old connection is gone");
    assert!(matches!(err, NotesError::Offline { .. }), "{err}");
    let mut db = notes_db::open(&target).unwrap();
    assert_eq!(
        db.get(ALICE).unwrap().unwrap().text.as_deref(),
        Some("hello")
    );
}

/// A URL that asks for TLS from a server without it fails with a clear
/// error instead of connecting in the clear.
#[test]
fn postgres_sslmode_require_is_never_silently_plain() {
    let pg = Postgres::start();
    let target = NotesTarget::Postgres {
        url: format!("{}?sslmode=require", pg.url()),
        password: None,
    };
    let err = notes_db::open(&target).err().expect("refused");
    let msg = err.to_string();
    assert!(msg.contains("TLS") || msg.contains("tls"), "{msg}");
    // sslmode=prefer (the default) still connects to a server without TLS.
    assert!(
        notes_db::open(&NotesTarget::Postgres {
            url: pg.url(),
            password: None
        })
        .is_ok()
    );
}

/// A row written into the database by another program, with terminal
/// controls in it, is read back harmless.
#[test]
fn sqlite_a_hostile_row_is_read_back_harmless() {
    let path: PathBuf = support::proc::run_dir("notes").join("hostile.sqlite");
    let mut db = SqliteNotes::open(&path).unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute(
        "INSERT INTO notes VALUES (?1, ?2, ?3, 1, NULL, 1)",
        [ALICE, "line\x1b]0;pwned\x07\u{202e}", "\x1b[2Jmallory"],
    )
    .unwrap();
    let n = db.get(ALICE).unwrap().unwrap();
    assert_eq!(n.text.as_deref(), Some("line]0;pwned"));
    assert_eq!(n.author, "[2Jmallory");
}

/// `sslmode=require` with the server's CA named in the URL
/// (`sslrootcert`): two handles and a listener connect over TLS, a save
/// reaches the listener and the other handle, and the server logged every
/// session as encrypted.
#[test]
fn postgres_tls_with_sslrootcert_saves_reads_and_notifies() {
    let pg = Postgres::start_tls();
    let before = pg.log().len();
    let url = format!(
        "{}?sslmode=require&sslrootcert={}",
        pg.url(),
        pg.ca_file().display()
    );
    let target = NotesTarget::Postgres {
        url: url.clone(),
        password: None,
    };
    let mut a = notes_db::open(&target).expect("open over TLS");
    let mut b = notes_db::open(&target).expect("open over TLS");
    let mut listener = PgListener::connect(&url, None).expect("listen over TLS");
    saved(a.save(&edit(Some("encrypted"), "ann", 0, 1)).unwrap());
    assert_eq!(listener.wait(Duration::from_secs(1)).unwrap(), [ALICE]);
    assert_eq!(
        b.get(ALICE).unwrap().unwrap().text.as_deref(),
        Some("encrypted")
    );
    let log = pg.log();
    let sessions: Vec<&str> = log[before..]
        .lines()
        .filter(|l| l.contains("connection authorized"))
        .collect();
    assert_eq!(sessions.len(), 3, "{log}");
    assert!(sessions.iter().all(|l| l.contains("SSL enabled")), "{log}");
}
