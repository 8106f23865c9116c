//! Several lines per contact against a real Kamailio: Bob has his own
//! line and a second one (`lines = ["sip:dave@127.0.0.1"]`). sipp calls the
//! second line; `switchboard watch` shows Bob ringing with the caller and
//! the direction, his first line untouched (`lines`), then ready again
//! after the call. The console shows the same: Bob's cell rings, his
//! details list line 2 ringing and line 1 ready. A line ringing longer
//! than `ringing_suspect_after` is marked `suspect` by `watch` and its
//! dialog subscription re-synced once.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

#[path = "e2e_tmux/tmux.rs"]
#[allow(dead_code)]
mod tmux;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use support::kamailio::Kamailio;
use support::proc::{run_dir, tail};
use support::sipp;
use support::watch::{Watch, s};
use switchboard::ui::theme::UNICODE;
use tmux::{Tmux, row_with, shows};

const USERS: &[(&str, &str)] = &[
    ("attendant", "secret"),
    ("alice", "alicepw"),
    ("bob", "bobpw"),
    ("dave", "davepw"),
];
const BOB: &str = "sip:bob@127.0.0.1";
const BOB_SECOND: &str = "sip:dave@127.0.0.1";
const WAIT: Duration = Duration::from_secs(10);

/// A config: Alice with one line, Bob with two; `extra` before the
/// contacts.
fn config(port: u16, extra: &str) -> PathBuf {
    let dir = run_dir("lines-two");
    std::fs::create_dir_all(&dir).expect("config dir");
    let text = format!(
        "[account]\nuri = \"sip:attendant@127.0.0.1\"\npassword = \"secret\"\n\
         [server]\naddress = \"127.0.0.1:{port}\"\ntransport = \"udp\"\n{extra}\n\
         [[contact]]\nname = \"Alice Adams\"\nuri = \"sip:alice@127.0.0.1\"\n\
         [[contact]]\nname = \"Bob Brown\"\nuri = \"{BOB}\"\nlines = [\"{BOB_SECOND}\"]\n"
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    path
}

/// `watch` on Bob's two lines and Alice, past the point where every line
/// of both is ready; and its log file.
fn watching(kam: &Kamailio, extra: &str) -> (Watch, PathBuf) {
    let cfg = config(kam.port, extra);
    let mut w = Watch::start(&cfg, &[]);
    let everyone = vec!["sip:alice@127.0.0.1".to_string(), BOB.to_string()];
    w.wait_for_all(WAIT, "every line ready", &everyone, |l| {
        s(l, "line") == "ready"
            && s(l, "subscription") == "active"
            && (s(l, "contact") != BOB
                || (line_of(l, BOB) == "ready" && line_of(l, BOB_SECOND) == "ready"))
    });
    (w, cfg.with_file_name("switchboard.log"))
}

/// The state of Bob's line `uri` in a JSON line (`lines`), "" if absent.
fn line_of<'a>(l: &'a Value, uri: &str) -> &'a str {
    l["lines"]
        .as_array()
        .and_then(|ls| ls.iter().find(|x| s(x, "uri") == uri))
        .map(|x| s(x, "line"))
        .unwrap_or("")
}

#[test]
fn a_contact_with_two_lines_rings_on_the_second_and_the_first_stays_as_it_was() {
    let kam = Kamailio::start(USERS);
    let (mut w, _) = watching(&kam, "");
    let from = w.seen.len();
    let bob_before = w
        .seen
        .iter()
        .rev()
        .find(|(_, l)| s(l, "contact") == BOB)
        .map(|(_, l)| l.clone())
        .expect("bob's line");
    assert_eq!(line_of(&bob_before, BOB), "ready", "{bob_before}");

    let call = sipp::start_call(
        kam.port,
        ("alice", "alicepw"),
        ("dave", "davepw"),
        2000,
        1000,
    );
    let ringing = w.wait_for(WAIT, "bob ringing on his second line", |l| {
        s(l, "contact") == BOB && s(l, "line") == "ringing"
    });
    assert_eq!(s(&ringing, "source"), "dialog", "{ringing}");
    assert_eq!(s(&ringing, "direction"), "incoming", "{ringing}");
    // Kamailio's dialog-info names the caller by URI: the number stands.
    assert_eq!(s(&ringing, "peer"), "alice", "{ringing}");
    assert_eq!(line_of(&ringing, BOB_SECOND), "ringing", "{ringing}");
    assert_eq!(
        line_of(&ringing, BOB),
        "ready",
        "the first line stays as it was: {ringing}"
    );

    w.wait_for(WAIT, "bob in a call on his second line", |l| {
        s(l, "contact") == BOB && s(l, "line") == "active"
    });
    let after = w.wait_for(WAIT, "bob ready after the call", |l| {
        s(l, "contact") == BOB && s(l, "line") == "ready"
    });
    call.wait().expect("the call completed");
    assert_eq!(line_of(&after, BOB), "ready", "{after}");
    assert_eq!(line_of(&after, BOB_SECOND), "ready", "{after}");
    assert!(after["peer"].is_null(), "no peer without a call: {after}");

    // From the call on, Bob's first line never showed anything but ready;
    // Alice (the caller, one line) never rang and carries no `lines`.
    for (_, l) in &w.seen[from..] {
        if s(l, "contact") == BOB {
            assert_eq!(line_of(l, BOB), "ready", "{}", w.dump());
        } else {
            assert_ne!(s(l, "line"), "ringing", "{}", w.dump());
            assert!(l.get("lines").is_none(), "{l}");
        }
    }
}

#[test]
fn watch_marks_a_line_ringing_too_long_suspect_and_re_syncs_it_once() {
    let kam = Kamailio::start(USERS);
    let (mut w, log) = watching(&kam, "[telephony]\nringing_suspect_after = \"1s\"");
    let call = sipp::start_call(
        kam.port,
        ("alice", "alicepw"),
        ("dave", "davepw"),
        4000,
        500,
    );
    let ringing = w.wait_for(WAIT, "bob ringing", |l| {
        s(l, "contact") == BOB && s(l, "line") == "ringing"
    });
    assert_eq!(ringing["suspect"], false, "not at once: {ringing}");
    let suspect = w.wait_for(WAIT, "bob's ringing marked suspect", |l| {
        s(l, "contact") == BOB && l["suspect"] == true
    });
    assert_eq!(s(&suspect, "line"), "ringing", "{suspect}");
    // The re-sync: a refresh SUBSCRIBE for the contact's dialog state, on
    // each of its lines, answered by Kamailio with the full state (still
    // ringing: the mark stays until the line changes).
    let resynced = support::proc::wait_until(WAIT, || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.lines()
            .filter(|l| l.contains("re-syncing") && l.contains(BOB_SECOND))
            .count()
            == 1
    });
    assert!(
        resynced,
        "one re-sync of the ringing line:\n{}",
        support::proc::tail(&log, 30)
    );
    let answered = w.wait_for(WAIT, "bob in a call", |l| {
        s(l, "contact") == BOB && s(l, "line") == "active"
    });
    assert_eq!(answered["suspect"], false, "the mark goes with the ringing");
    w.wait_for(WAIT, "bob ready", |l| {
        s(l, "contact") == BOB && s(l, "line") == "ready"
    });
    call.wait().expect("the call completed");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        text.matches("marked suspect, re-syncing").count(),
        1,
        "re-synced once:\n{}",
        support::proc::tail(&log, 30)
    );
}

#[test]
fn the_console_rings_bobs_cell_for_a_call_on_his_second_line_and_lists_both_lines() {
    let kam = Kamailio::start(USERS);
    let cfg = config(kam.port, "");
    let dir = run_dir("lines-console");
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
    .expect("run.sh");
    let console = Tmux::start(&dir, &script, &[]);
    let log_tail = || tail(&log, 30);
    let glyph = |n: usize| UNICODE.line[n].chars().next().unwrap_or('?');
    let (ready, ringing) = (glyph(0), glyph(1));
    console.wait_for(
        Duration::from_secs(20),
        "both contacts subscribed, Bob ready",
        |s| {
            shows(s, "connected")
                && shows(s, "2 active")
                && row_with(s, "Bob Brown").is_some_and(|r| r.contains(ready))
        },
        log_tail,
    );
    // Bob's details: both lines listed.
    console.type_text("bob");
    console.key("Enter");
    console.wait_for(
        Duration::from_secs(5),
        "the panel lists both lines",
        |s| shows(s, BOB) && shows(s, BOB_SECOND),
        log_tail,
    );

    let call = sipp::start_call(
        kam.port,
        ("alice", "alicepw"),
        ("dave", "davepw"),
        4000,
        500,
    );
    let screen = console.wait_for(
        Duration::from_secs(10),
        "Bob's cell and his second line ringing",
        |s| {
            row_with(s, "Bob Brown").is_some_and(|r| r.contains(ringing))
                && row_with(s, "line 2").is_some_and(|r| r.contains(ringing))
        },
        log_tail,
    );
    // The panel lists `line 1` (sip:bob@…) before `line 2` (sip:dave@…).
    let first = row_with(&screen, "line 1").expect("the first line's row");
    assert!(
        first.contains(ready) && !first.contains(ringing),
        "the first line stays ready:\n{}",
        screen.join("\n")
    );
    console.wait_for(
        Duration::from_secs(20),
        "Bob ready again",
        |s| row_with(s, "Bob Brown").is_some_and(|r| r.contains(ready) && !r.contains(ringing)),
        log_tail,
    );
    call.wait().expect("the call completed");
}
