//! End to end: the real console in tmux against a real Kamailio, with sipp
//! as the phones. Carol calls Bob; Bob's phone rings and nobody answers
//! (after ringing, 480). The console journals it as a missed call with its
//! caller: the status bar counts it, the details panel names the caller,
//! and `switchboard history bob` (another process, on the same notes file)
//! shows it.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

#[path = "e2e_tmux/tmux.rs"]
#[allow(dead_code)]
mod tmux;

use std::process::Command;
use std::time::Duration;

use support::kamailio::Kamailio;
use support::proc::{run_dir, wait_until};
use support::sipp;
use support::watch::write_config;
use tmux::{Tmux, shows};

const USERS: &[(&str, &str)] = &[
    ("attendant", "secret"),
    ("alice", "alicepw"),
    ("bob", "bobpw"),
    ("carol", "carolpw"),
];

#[test]
fn a_call_nobody_answers_is_journalled_as_missed_and_shown_in_history() {
    let kam = Kamailio::start(USERS);
    let dir = run_dir("e2e-journal");
    let notes = dir.join("notes.sqlite");
    let cfg = write_config(
        &dir,
        kam.port,
        "udp",
        ("attendant", "secret"),
        &[("Alice Adams", "alice"), ("Bob Brown", "bob")],
        &format!(
            "[notes]\npath = \"{}\"\noperator = \"Ann\"\n",
            notes.display()
        ),
    );
    let log = dir.join("switchboard.log");
    let script = dir.join("run.sh");
    std::fs::write(
        &script,
        format!(
            "'{}' --config '{}' --log '{}'\nexec sleep 600\n",
            env!("CARGO_BIN_EXE_switchboard"),
            cfg.display(),
            log.display()
        ),
    )
    .unwrap();
    let console = Tmux::start(&dir, &script, &[]);
    let log_tail = || support::proc::tail(&log, 30);
    console.wait_for(
        Duration::from_secs(20),
        "both contacts subscribed",
        |s| shows(s, "connected") && shows(s, "2 active"),
        log_tail,
    );

    let call = sipp::start_unanswered_call(kam.port, "carol", ("bob", "bobpw"), 1500);
    call.wait().expect("the call rang and was given up");

    let screen = console.wait_for(
        Duration::from_secs(10),
        "the missed call counted in the status bar",
        |s| shows(s, "1 missed"),
        log_tail,
    );
    assert!(!shows(&screen, "Ringing"), "{}", screen.join("\n"));
    // Select Bob (type to search) and open the details.
    console.type_text("bob");
    console.key("Enter");
    console.wait_for(
        Duration::from_secs(5),
        "the panel names the caller",
        |s| shows(s, "Missed") && shows(s, "from carol"),
        log_tail,
    );

    // Another process reads the journal the console wrote (batched: within
    // a fraction of a second).
    let mut last = String::new();
    let found = wait_until(Duration::from_secs(10), || {
        let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--config")
            .arg(&cfg)
            .args(["history", "bob", "--json"])
            .output()
            .expect("run switchboard history");
        last = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.status.success()
            && serde_json::from_slice::<serde_json::Value>(&out.stdout)
                .is_ok_and(|d| d["missed"] == 1)
    });
    assert!(found, "history never showed the missed call:\n{last}");
    let doc: serde_json::Value = serde_json::from_str(&last).expect("JSON");
    let entries = doc["entries"].as_array().unwrap();
    let missed = entries.iter().find(|e| e["kind"] == "missed").unwrap();
    // Kamailio's dialog-info carries the caller's URI, not the display
    // name of its From: the number (user part) stands for the caller.
    assert_eq!(missed["peer"], "carol", "{doc}");
    assert_eq!(missed["peer_uri"], "sip:carol@127.0.0.1", "{doc}");
    assert_eq!(missed["contact"], "sip:bob@127.0.0.1");
    assert!(
        entries
            .iter()
            .any(|e| e["kind"] == "line" && e["value"] == "ringing" && e["source"] == "dialog"),
        "the ringing itself is journalled with its source: {doc}"
    );
    let text = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(&cfg)
        .args(["history", "Bob Brown"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("missed") && text.contains("from carol"),
        "{text}"
    );
    drop(kam);
}
