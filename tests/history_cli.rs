//! `switchboard history …` as an operator runs it: the real binary on a
//! real SQLite notes file holding a journal; a contact by name, extension
//! or URI; unknown, ambiguous and a bad `--since` are clear errors (exit 2).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::cli::{stderr as err, stdout as out};

use switchboard::notes::NoteStore;
use switchboard::notes::journal::{Entry, Kind};
use switchboard::notes_db::sqlite::SqliteNotes;

fn config(dir: &Path) -> PathBuf {
    let notes = dir.join("notes.sqlite");
    support::cli::office_config(dir, &format!("path = \"{}\"", notes.display()))
}

fn run(cfg: &Path, args: &[&str]) -> Output {
    support::cli::run(cfg, "history", args)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Alice was busy 50 to 40 minutes ago, missed a call 30 minutes ago and
/// is away since 20 minutes ago; Bob's day is not hers.
fn seed(dir: &Path) {
    let mut db = SqliteNotes::open(&dir.join("notes.sqlite")).unwrap();
    let now = now_ms();
    let e = |contact: &str, kind, value: &str, ago_min: i64| {
        let mut e = Entry::change(contact, kind, value, "presence", "rpid activity");
        e.at_ms = now - ago_min * 60_000;
        e
    };
    let mut missed = e("sip:alice@example.test", Kind::Missed, "missed", 30);
    missed.peer = Some("Carol".into());
    missed.peer_uri = Some("sip:carol@example.test".into());
    missed.reference = Some("call-1".into());
    missed.source = "dialog".into();
    db.journal_append(&[
        e("sip:alice@example.test", Kind::Presence, "busy", 50),
        e("sip:alice@example.test", Kind::Presence, "available", 40),
        missed,
        e("sip:alice@example.test", Kind::Presence, "away", 20),
        e("sip:bob@example.test", Kind::Presence, "dnd", 10),
    ])
    .unwrap();
}

#[test]
fn history_prints_the_day_and_every_entry_by_name_extension_or_uri() {
    let dir = support::proc::run_dir("history-cli");
    let cfg = config(&dir);
    seed(&dir);
    let text = run(&cfg, &["Alice Adams", "--since", "2h"]);
    assert!(text.status.success(), "{}", err(&text));
    let t = out(&text);
    assert!(
        t.starts_with("Alice Adams <sip:alice@example.test> since"),
        "{t}"
    );
    assert!(t.contains("busy ") && t.contains("away since"), "{t}");
    assert!(t.contains("missed") && t.contains("from Carol"), "{t}");
    assert!(t.contains("1 missed call(s)"), "{t}");
    assert!(!t.contains("dnd"), "Bob's entries are not Alice's: {t}");

    for who in ["1001", "sip:alice@example.test"] {
        let o = run(&cfg, &[who, "--since", "2h", "--json"]);
        assert!(o.status.success(), "{who}: {}", err(&o));
        let doc: serde_json::Value = serde_json::from_str(&out(&o)).expect("one JSON document");
        assert_eq!(doc["contact"], "sip:alice@example.test");
        assert_eq!(doc["name"], "Alice Adams");
        assert_eq!(doc["missed"], 1);
        let entries = doc["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 4, "{doc}");
        let m = entries.iter().find(|e| e["kind"] == "missed").unwrap();
        assert_eq!(m["peer"], "Carol");
        assert_eq!(m["peer_uri"], "sip:carol@example.test");
        assert!(m["at"].as_str().unwrap().ends_with('Z'), "{m}");
    }
    let late = run(&cfg, &["alice", "--since", "10m", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out(&late)).unwrap();
    assert_eq!(doc["missed"], 0, "the missed call was before --since");
    assert_eq!(
        doc["entries"][0]["value"], "away",
        "the state that held when the window began is given"
    );
}

#[test]
fn unknown_ambiguous_and_bad_since_are_clear_errors() {
    let dir = support::proc::run_dir("history-cli");
    let cfg = config(&dir);
    let unknown = run(&cfg, &["Zelda"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        err(&unknown).contains("no contact is called \"Zelda\""),
        "{}",
        err(&unknown)
    );
    let ambiguous = run(&cfg, &["al"]);
    assert_eq!(ambiguous.status.code(), Some(2));
    let e = err(&ambiguous);
    assert!(
        e.contains("Alice Adams") && e.contains("Alan Archer"),
        "{e}"
    );
    let bad = run(&cfg, &["bob", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(err(&bad).contains("HH:MM"), "{}", err(&bad));
}
