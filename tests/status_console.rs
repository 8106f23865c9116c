//! The console's own status, end to end: the real binary in tmux against a
//! real Kamailio. F5 and a letter set a state that another user's
//! `switchboard watch` sees; the per-state command runs with the right
//! environment; SIGHUP (a dropped SSH link) applies `on_exit`, which the
//! watcher sees too, and the keeper outlives the console.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

#[path = "e2e_tmux/tmux.rs"]
#[allow(dead_code, reason = "shared with e2e_tmux, which uses all of it")]
mod tmux;

use std::path::Path;
use std::time::Duration;

use support::kamailio::Kamailio;
use support::proc::{pid_alive, pids_with, run_dir, signal, tail, wait_until};
use support::watch::{Watch, s, write_config};
use tmux::{Tmux, shows};

const USERS: &[(&str, &str)] = &[("attendant", "secret"), ("alice", "alicepw")];

fn quote(p: &Path) -> String {
    format!("'{}'", p.to_string_lossy().replace('\'', r"'\''"))
}

fn alice(l: &serde_json::Value) -> bool {
    s(l, "contact") == "sip:alice@127.0.0.1"
}

#[test]
fn the_picker_sets_a_state_others_see_and_sighup_applies_on_exit() {
    let kam = Kamailio::start(USERS);
    let dir = run_dir("status-console");
    let runtime = dir.join("run");
    let actions = dir.join("actions.txt");
    let status = format!(
        "[status]\non_exit = \"away\"\naction = \"env | grep ^SWITCHBOARD_ | sort >> {} ; echo --- >> {}\"\n",
        quote(&actions),
        quote(&actions)
    );
    let cfg = write_config(
        &dir.join("alice"),
        kam.port,
        "udp",
        ("alice", "alicepw"),
        &[("Alice Adams", "alice")],
        &status,
    );
    let watcher_cfg = write_config(
        &dir.join("attendant"),
        kam.port,
        "udp",
        ("attendant", "secret"),
        &[("Alice Adams", "alice")],
        "",
    );
    let mut watch = Watch::start(&watcher_cfg, &[]);
    watch.snapshot(1, Duration::from_secs(10));

    let log = dir.join("console.log");
    let script = dir.join("run.sh");
    std::fs::write(
        &script,
        format!(
            "{} --config {} --log {}\nexec sleep 600\n",
            quote(Path::new(env!("CARGO_BIN_EXE_switchboard"))),
            quote(&cfg),
            quote(&log)
        ),
    )
    .expect("run.sh");
    let runtime_s = runtime.to_string_lossy().into_owned();
    let tmux = Tmux::start(&dir, &script, &[("SWITCHBOARD_RUNTIME_DIR", &runtime_s)]);
    let context = || format!("--- console.log ---\n{}", tail(&log, 40));
    tmux.wait_for(
        Duration::from_secs(15),
        "the console",
        |sc| shows(sc, "Alice Adams"),
        context,
    );

    // F5, the note field, a note, back to the letters, b: Busy.
    tmux.key("F5");
    tmux.wait_for(
        Duration::from_secs(5),
        "the picker",
        |sc| shows(sc, "My status"),
        context,
    );
    tmux.key("Tab");
    tmux.type_text("On a call with ACME");
    tmux.key("Enter");
    tmux.type_text("b");
    let line = watch.wait_for(Duration::from_secs(10), "alice busy", |l| {
        alice(l) && s(l, "presence") == "busy"
    });
    assert_eq!(s(&line, "note"), "On a call with ACME");
    tmux.wait_for(
        Duration::from_secs(5),
        "the own status in the status bar",
        |sc| shows(sc, "me: Busy · On a call with ACME"),
        context,
    );
    assert!(
        wait_until(Duration::from_secs(5), || std::fs::read_to_string(&actions)
            .is_ok_and(|t| t.contains("SWITCHBOARD_NEW_STATE=busy"))),
        "the per-state command ran"
    );
    let env = std::fs::read_to_string(&actions).unwrap_or_default();
    assert!(
        env.contains("SWITCHBOARD_NEW_NOTE=On a call with ACME"),
        "{env}"
    );
    assert!(
        env.contains("SWITCHBOARD_ACCOUNT=sip:alice@127.0.0.1"),
        "{env}"
    );

    // A dropped SSH link: SIGHUP to the console (not to its keeper).
    let marker = cfg.to_string_lossy().into_owned();
    let console: Vec<u32> = pids_with(&marker)
        .into_iter()
        .filter(|&p| !pid_alive(p, "status keep"))
        .collect();
    let keepers: Vec<u32> = pids_with(&marker)
        .into_iter()
        .filter(|&p| pid_alive(p, "status keep"))
        .collect();
    assert_eq!(console.len(), 1, "one console: {console:?}");
    assert_eq!(keepers.len(), 1, "one keeper: {keepers:?}");
    signal(console[0], "HUP");
    let line = watch.wait_for(Duration::from_secs(10), "alice away on exit", |l| {
        alice(l) && s(l, "presence") == "away"
    });
    assert_eq!(s(&line, "note"), "", "the exit state carries no note");
    assert!(
        wait_until(Duration::from_secs(5), || !pid_alive(console[0], &marker)),
        "the console left on SIGHUP"
    );
    assert!(
        pid_alive(keepers[0], "status keep"),
        "the keeper outlives the console"
    );
    // Clean up: the keeper ends with `status clear`.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(&cfg)
        .args(["status", "clear"])
        .env("SWITCHBOARD_RUNTIME_DIR", &runtime)
        .output()
        .expect("status clear");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(wait_until(Duration::from_secs(5), || !pid_alive(
        keepers[0],
        "status keep"
    )));
    drop(tmux);
    drop(kam);
}

#[test]
fn the_demo_console_sets_its_own_status_against_the_embedded_server() {
    let dir = run_dir("status-demo");
    let log = dir.join("console.log");
    let script = dir.join("run.sh");
    std::fs::write(
        &script,
        format!(
            "{} --demo --log {}\nexec sleep 600\n",
            quote(Path::new(env!("CARGO_BIN_EXE_switchboard"))),
            quote(&log)
        ),
    )
    .expect("run.sh");
    let tmux = Tmux::start(&dir, &script, &[]);
    let context = || format!("--- console.log ---\n{}", tail(&log, 40));
    tmux.wait_for(
        Duration::from_secs(15),
        "the demo",
        |sc| shows(sc, "DEMO"),
        context,
    );
    tmux.key("F5");
    tmux.wait_for(
        Duration::from_secs(5),
        "the picker",
        |sc| shows(sc, "My status"),
        context,
    );
    tmux.key("Tab");
    tmux.type_text("demo note");
    tmux.key("Enter");
    tmux.type_text("d");
    // The note is in the line only once the keeper's PUBLISH was answered.
    tmux.wait_for(
        Duration::from_secs(5),
        "do not disturb accepted by the demo server",
        |sc| shows(sc, "me: Do not disturb · demo note"),
        context,
    );
    tmux.key("C-q");
}
