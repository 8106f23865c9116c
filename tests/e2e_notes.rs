//! End to end: two real consoles in tmux on one notes database — SQLite
//! (one host, several operators) and PostgreSQL (several hosts). A note
//! written in one appears in the other within a second; with PostgreSQL,
//! a note typed while the server is down is kept, "notes offline" is shown,
//! and the note reaches the other console once the server is back.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

#[path = "e2e_tmux/tmux.rs"]
#[allow(dead_code)]
mod tmux;

use std::path::Path;
use std::time::{Duration, Instant};

use support::postgres::Postgres;
use support::proc::{free_port, run_dir};
use tmux::{Tmux, shows};

/// A console, its operator's name, in its own tmux.
fn console(dir: &Path, operator: &str, notes: &str) -> Tmux {
    let dir = dir.join(operator);
    std::fs::create_dir_all(&dir).unwrap();
    // Nothing listens on this port: the console runs, "unreachable"; the
    // notes do not depend on the SIP server.
    let cfg = format!(
        "[account]\nuri = \"sip:{operator}@example.test\"\n\
         [server]\naddress = \"127.0.0.1:{port}\"\n\
         [notes]\n{notes}\noperator = \"{operator}\"\n\
         [[contact]]\nname = \"Alice Adams\"\nuri = \"sip:alice@example.test\"\n\
         [[contact]]\nname = \"Bob Brown\"\nuri = \"sip:bob@example.test\"\n",
        port = free_port()
    );
    let cfg_path = dir.join("config.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let script = dir.join("run.sh");
    std::fs::write(
        &script,
        format!(
            "'{}' --config '{}' --log '{}'\nexec sleep 600\n",
            env!("CARGO_BIN_EXE_switchboard"),
            cfg_path.display(),
            dir.join("switchboard.log").display()
        ),
    )
    .unwrap();
    let t = Tmux::start(&dir, &script, &[]);
    t.wait_for(
        Duration::from_secs(20),
        "the console",
        |s| shows(s, "Alice Adams"),
        String::new,
    );
    t
}

/// Ann writes a note for Alice (the first contact); returns when the keys
/// were sent.
fn write_note(ann: &Tmux, text: &str) -> Instant {
    ann.key("F4");
    ann.wait_for(
        Duration::from_secs(5),
        "the editor",
        |s| shows(s, "Note: Alice Adams"),
        String::new,
    );
    ann.type_text(text);
    let sent = Instant::now();
    ann.key("C-s");
    sent
}

/// Bob's console shows the note in the details panel within a second.
fn appears_within_a_second(bob: &Tmux, text: &str, sent: Instant) -> Duration {
    let screen = bob.wait_for(
        Duration::from_secs(1),
        "the note in the other console",
        |s| shows(s, text),
        String::new,
    );
    let took = sent.elapsed();
    assert!(
        shows(&screen, "by ann"),
        "author shown: {}",
        screen.join("\n")
    );
    assert!(
        shows(&screen, "✎Alice Adams"),
        "grid mark: {}",
        screen.join("\n")
    );
    eprintln!("note propagated in {took:?} (including tmux polling)");
    took
}

fn two_consoles_share_notes(notes: &str) -> (Tmux, Tmux) {
    let dir = run_dir("e2e-notes");
    let ann = console(&dir, "ann", notes);
    let bob = console(&dir, "bob", notes);
    bob.key("Enter"); // details of the selected contact (Alice)
    bob.wait_for(
        Duration::from_secs(5),
        "Bob's details",
        |s| shows(s, "Attendant"),
        String::new,
    );
    let sent = write_note(&ann, "On leave");
    appears_within_a_second(&bob, "On leave", sent);
    (ann, bob)
}

#[test]
fn sqlite_a_note_written_in_one_console_appears_in_the_other() {
    let dir = run_dir("e2e-notes-db");
    let db = dir.join("notes.sqlite");
    two_consoles_share_notes(&format!("path = \"{}\"", db.display()));
}

#[test]
fn postgres_a_note_written_in_one_console_appears_in_the_other_and_survives_a_restart() {
    let mut pg = Postgres::start();
    let (ann, bob) = two_consoles_share_notes(&format!("url = \"{}\"", pg.url()));
    pg.stop();
    for t in [&ann, &bob] {
        t.wait_for(
            Duration::from_secs(10),
            "notes offline",
            |s| shows(s, "notes offline"),
            String::new,
        );
    }
    // Typed while the server is down: kept, and said so.
    write_note(&ann, " today");
    ann.wait_for(
        Duration::from_secs(5),
        "the note waiting",
        |s| shows(s, "notes offline (1 waiting)"),
        String::new,
    );
    pg.resume();
    // Reconnection pauses grow to 5 s: within that and a second.
    bob.wait_for(
        Duration::from_secs(8),
        "the note typed offline, in the other console",
        |s| shows(s, "On leave today"),
        String::new,
    );
    ann.wait_for(
        Duration::from_secs(2),
        "online again",
        |s| !shows(s, "notes offline"),
        String::new,
    );
}
