//! `switchboard notes …` as an operator runs it: the real binary on a real
//! SQLite file (and on a private PostgreSQL cluster), plus the crash test:
//! writers killed with SIGKILL mid-save, then the file is intact and every
//! acknowledged note is there.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use support::cli::{stderr, stdout};

use support::postgres::Postgres;
use switchboard::notes::NoteStore;
use switchboard::notes_db::sqlite::SqliteNotes;

fn config(dir: &Path, notes: &str) -> PathBuf {
    support::cli::office_config(dir, &format!("{notes}\noperator = \"Ann\""))
}

fn run(cfg: &Path, args: &[&str]) -> Output {
    support::cli::run(cfg, "notes", args)
}

/// set, show, clear, history, export and import, as the issue writes them.
fn the_notes_commands_work_as_documented(cfg: &Path, dir: &Path) {
    let set = run(
        cfg,
        &[
            "set",
            "alice",
            "On leave until March, calls to Bob",
            "--until",
            "2099-03-01",
        ],
    );
    assert!(set.status.success(), "{}", stderr(&set));
    let show = run(cfg, &["show", "1001"]);
    let out = stdout(&show);
    assert!(
        out.contains("by Ann") && out.contains("until 2099-03-01"),
        "{out}"
    );
    assert!(out.contains("On leave until March, calls to Bob"), "{out}");

    let ambiguous = run(cfg, &["show", "al"]);
    assert_eq!(ambiguous.status.code(), Some(2));
    let err = stderr(&ambiguous);
    assert!(
        err.contains("Alice Adams <sip:alice@example.test>"),
        "{err}"
    );
    assert!(err.contains("Alan Archer <sip:alan@example.test>"), "{err}");
    let unknown = run(cfg, &["show", "zed"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));

    assert!(
        run(cfg, &["clear", "sip:alice@EXAMPLE.test"])
            .status
            .success()
    );
    assert!(stdout(&run(cfg, &["show", "alice"])).contains("no note"));
    let history = stdout(&run(cfg, &["history", "alice"]));
    assert_eq!(history.lines().count(), 2, "{history}");
    assert!(history.contains("-> (none)"), "{history}");

    // Export, then import twice: the second import changes nothing.
    assert!(run(cfg, &["set", "bob", "In Paris"]).status.success());
    let export = run(cfg, &["export"]);
    let file = dir.join("notes.json");
    std::fs::write(&file, &export.stdout).unwrap();
    let again = run(cfg, &["import", file.to_str().unwrap()]);
    assert!(stdout(&again).contains("imported 0, already there 1, conflicts 0"));
    // A newer note in the database is reported, not overwritten.
    assert!(
        run(cfg, &["set", "bob", "Back from Paris"])
            .status
            .success()
    );
    let old = run(cfg, &["import", file.to_str().unwrap()]);
    assert_eq!(old.status.code(), Some(1));
    assert!(
        stderr(&old).contains("conflict: sip:bob@example.test"),
        "{}",
        stderr(&old)
    );
    assert!(stdout(&run(cfg, &["show", "bob"])).contains("Back from Paris"));
}

#[test]
fn sqlite_notes_commands_work_as_documented() {
    let dir = support::proc::run_dir("notes-cli");
    let db = dir.join("notes.sqlite");
    let cfg = config(&dir, &format!("path = \"{}\"", db.display()));
    the_notes_commands_work_as_documented(&cfg, &dir);
}

#[test]
fn postgres_notes_commands_work_as_documented() {
    let pg = Postgres::start();
    let dir = support::proc::run_dir("notes-cli");
    let cfg = config(&dir, &format!("url = \"{}\"", pg.url()));
    the_notes_commands_work_as_documented(&cfg, &dir);
}

/// Writers killed with SIGKILL at varying moments of a save, many times:
/// afterwards `integrity_check` says ok and every note whose writer printed
/// "saved" is in the file.
#[test]
fn sqlite_kill_9_mid_save_loses_no_acknowledged_note() {
    let dir = support::proc::run_dir("notes-crash");
    let db = dir.join("notes.sqlite");
    let cfg = config(&dir, &format!("path = \"{}\"", db.display()));
    // Create the schema first so every writer races on saves, not creation.
    drop(SqliteNotes::open(&db).unwrap());
    let mut acknowledged = Vec::new();
    let mut killed = 0;
    for i in 0..40u64 {
        let uri = format!("sip:crash{i}@example.test");
        let text = format!("note number {i}");
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--config")
            .arg(&cfg)
            .args(["notes", "set", &uri, &text])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // From "before it opened the file" to "after it returned".
        std::thread::sleep(Duration::from_micros(500 * (i % 20)));
        support::proc::signal(child.id(), "KILL");
        let out = child.wait_with_output().unwrap();
        if stdout(&out).contains("saved the note") {
            acknowledged.push((uri, text));
        } else {
            killed += 1;
        }
    }
    let mut check = SqliteNotes::open(&db).expect("the file opens after the kills");
    assert!(check.integrity_ok().unwrap(), "integrity_check failed");
    for (uri, text) in &acknowledged {
        let n = check.get(uri).unwrap();
        assert_eq!(
            n.and_then(|n| n.text).as_deref(),
            Some(text.as_str()),
            "acknowledged note of {uri} lost"
        );
    }
    eprintln!(
        "{} acknowledged, {killed} killed before acknowledging",
        acknowledged.len()
    );
    assert!(
        killed > 0,
        "no writer was killed mid-way: the test proves nothing"
    );
}

/// `sslmode=require` against a server with TLS: the note is saved and read
/// back over an encrypted session (the server logs "SSL enabled" for it),
/// and the server's identity is checked: with its CA trusted
/// (`SSL_CERT_FILE`) it connects; with only the system's roots the same
/// URL is refused, naming the certificate, and nothing is sent in the clear
/// (with `sslmode=prefer` either).
#[test]
fn postgres_tls_require_saves_and_reads_a_note_over_an_encrypted_session() {
    let pg = Postgres::start_tls();
    // What the readiness check (in the clear) logged comes before.
    let before = pg.log().len();
    let dir = support::proc::run_dir("notes-tls");
    let cfg = config(&dir, &format!("url = \"{}?sslmode=require\"", pg.url()));
    let notes = |args: &[&str], ca: Option<&Path>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        c.arg("--config").arg(&cfg).arg("notes").args(args);
        c.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
        if let Some(ca) = ca {
            c.env("SSL_CERT_FILE", ca);
        }
        c.output().expect("run switchboard")
    };
    let ca = pg.ca_file();
    let set = notes(&["set", "alice", "Over TLS: calls to Bob"], Some(&ca));
    assert!(
        set.status.success() && stdout(&set).contains("saved the note"),
        "{}{}\n{}",
        stdout(&set),
        stderr(&set),
        pg.log()
    );
    let show = notes(&["show", "alice"], Some(&ca));
    assert!(
        stdout(&show).contains("Over TLS: calls to Bob"),
        "{}{}",
        stdout(&show),
        stderr(&show)
    );
    let log = pg.log();
    let authorized: Vec<&str> = log[before..]
        .lines()
        .filter(|l| l.contains("connection authorized"))
        .collect();
    assert!(authorized.len() >= 2, "set and show connected: {log}");
    assert!(
        authorized.iter().all(|l| l.contains("SSL enabled")),
        "every session of the console was encrypted:\n{log}"
    );
    // sslmode=prefer (no sslmode): the server offers TLS, so it is used and
    // checked the same way; an untrusted certificate is not a reason to
    // fall back to the clear.
    let prefer_cfg = config(&dir, &format!("url = \"{}\"", pg.url()));
    let prefer = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(&prefer_cfg)
        .args(["notes", "show", "alice"])
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    assert!(
        !prefer.status.success() && stderr(&prefer).contains("invalid peer certificate"),
        "prefer does not fall back to the clear: {}{}",
        stdout(&prefer),
        stderr(&prefer)
    );
    let untrusted = notes(&["show", "alice"], None);
    assert!(!untrusted.status.success(), "{}", stdout(&untrusted));
    assert!(
        stderr(&untrusted).contains("invalid peer certificate")
            && stderr(&untrusted).contains("SSL_CERT_FILE"),
        "the refusal names the certificate and what to do: {}",
        stderr(&untrusted)
    );
}
