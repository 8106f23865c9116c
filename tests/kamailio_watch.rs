//! `switchboard watch` against a real Kamailio presence server, with sipp
//! as the other parties (the engine issue's interop scenarios).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::time::{Duration, Instant};

use support::kamailio::Kamailio;
use support::proc::run_dir;
use support::sipp;
use support::watch::{Watch, once, s, write_config};

const USERS: &[(&str, &str)] = &[
    ("attendant", "secret"),
    ("alice", "alicepw"),
    ("bob", "bobpw"),
    ("carol", "carolpw"),
];
const CONTACTS: &[(&str, &str)] = &[
    ("Alice Adams", "alice"),
    ("Bob Brown", "bob"),
    ("Carol Clark", "carol"),
];

fn uri(user: &str) -> String {
    format!("sip:{user}@127.0.0.1")
}

const AWAY_PIDF: &str = r#"<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:alice@127.0.0.1"><tuple id="t-alice"><status><basic>open</basic></status></tuple><dm:person id="p-alice"><rpid:activities><rpid:away/></rpid:activities><dm:note>Back in 5 minutes</dm:note></dm:person></presence>"#;

/// A real Kamailio with `USERS`, and `watch` on `CONTACTS` past its
/// snapshot (every contact answered).
fn watching(name: &str, transport: &str, extra: &str) -> (Kamailio, Watch) {
    let kam = Kamailio::start(USERS);
    let cfg = write_config(
        &run_dir(name),
        kam.port,
        transport,
        ("attendant", "secret"),
        CONTACTS,
        extra,
    );
    let mut w = Watch::start(&cfg, &[]);
    let snap = w.snapshot(CONTACTS.len(), Duration::from_secs(10));
    assert!(
        snap.iter().all(|l| s(l, "subscription") == "active"),
        "{snap:?}"
    );
    (kam, w)
}

#[test]
fn a_publish_of_away_with_a_note_reaches_watch_within_a_second() {
    let (kam, mut w) = watching("watch-publish", "udp", "");
    let sent = Instant::now();
    sipp::publish(kam.port, "alice", "alicepw", AWAY_PIDF).expect("PUBLISH accepted");
    let line = w.wait_for(Duration::from_secs(5), "alice away", |l| {
        s(l, "contact") == uri("alice") && s(l, "presence") == "away"
    });
    let took = sent.elapsed();
    assert_eq!(s(&line, "note"), "Back in 5 minutes");
    assert_eq!(s(&line, "source"), "presence");
    assert_eq!(line["stale"], false);
    // sipp's own run (REGISTER-free PUBLISH with digest) is part of `took`.
    assert!(took < Duration::from_secs(1), "the change took {took:?}");
}

#[test]
fn a_call_shows_the_callee_ringing_then_active_then_ready() {
    let (kam, mut w) = watching("watch-call", "udp", "");
    let call = sipp::start_call(kam.port, ("alice", "alicepw"), ("bob", "bobpw"), 1500, 1500);
    let ringing = w.wait_for(Duration::from_secs(10), "bob ringing", |l| {
        s(l, "contact") == uri("bob") && s(l, "line") == "ringing"
    });
    assert_eq!(s(&ringing, "source"), "dialog");
    w.wait_for(Duration::from_secs(10), "bob active", |l| {
        s(l, "contact") == uri("bob") && s(l, "line") == "active"
    });
    w.wait_for(Duration::from_secs(10), "bob ready", |l| {
        s(l, "contact") == uri("bob") && s(l, "line") == "ready"
    });
    call.wait().expect("the call completed");
    // The caller's line was active too, never ringing.
    let alice_ringing = w
        .seen
        .iter()
        .any(|(_, l)| s(l, "contact") == uri("alice") && s(l, "line") == "ringing");
    assert!(!alice_ringing, "the caller does not ring:\n{}", w.dump());
}

#[test]
fn a_wrong_password_exits_3_with_a_clear_message() {
    let kam = Kamailio::start(USERS);
    let cfg = write_config(
        &run_dir("watch-badpw"),
        kam.port,
        "udp",
        ("attendant", "wrong"),
        CONTACTS,
        "",
    );
    let (code, lines, stderr) = once(&cfg, 10);
    assert_eq!(
        code,
        i32::from(switchboard::config::exit::SERVER),
        "stderr: {stderr}"
    );
    assert!(lines.is_empty());
    assert!(
        stderr.contains("rejects our credentials") && stderr.contains("attendant"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

#[test]
fn an_unreachable_server_exits_3() {
    let port = support::proc::free_port();
    let cfg = write_config(
        &run_dir("watch-down"),
        port,
        "udp",
        ("attendant", "secret"),
        CONTACTS,
        "",
    );
    let (code, _, stderr) = once(&cfg, 10);
    assert_eq!(
        code,
        i32::from(switchboard::config::exit::SERVER),
        "stderr: {stderr}"
    );
    assert!(stderr.contains("cannot reach the server"), "{stderr}");
}

#[test]
fn watch_once_prints_the_snapshot_and_an_unknown_user_shows_not_found() {
    let kam = Kamailio::start(USERS);
    let mut contacts = CONTACTS.to_vec();
    contacts.push(("Nobody Here", "nobody"));
    let cfg = write_config(
        &run_dir("watch-once"),
        kam.port,
        "tcp",
        ("attendant", "secret"),
        &contacts,
        "",
    );
    let (code, lines, stderr) = once(&cfg, 10);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines.len(), 4, "{lines:?}");
    let nobody = lines
        .iter()
        .find(|l| s(l, "contact") == uri("nobody"))
        .expect("nobody's line");
    assert_eq!(s(nobody, "subscription"), "not-found");
    assert_eq!(s(nobody, "presence"), "unknown");
    for l in lines.iter().filter(|l| s(l, "contact") != uri("nobody")) {
        assert_eq!(s(l, "subscription"), "active", "{l}");
        assert_eq!(s(l, "line"), "ready", "{l}");
        assert_eq!(s(l, "presence"), "offline", "nothing published: {l}");
    }
}

/// Kill Kamailio mid-run and start it again: every contact goes stale (never
/// shown fresh while the server is gone) and ends active again.
fn server_restart(transport: &str) {
    let (mut kam, mut w) = watching(
        &format!("watch-restart-{transport}"),
        transport,
        "keepalive = 1",
    );
    sipp::publish(kam.port, "alice", "alicepw", AWAY_PIDF).expect("PUBLISH accepted");
    w.wait_for(Duration::from_secs(5), "alice away", |l| {
        s(l, "presence") == "away"
    });

    let everyone: Vec<String> = CONTACTS.iter().map(|(_, u)| uri(u)).collect();
    kam.stop();
    let killed = Instant::now();
    w.wait_for_all(
        Duration::from_secs(15),
        "every contact stale",
        &everyone,
        |l| l["stale"] == true,
    );
    let all_stale = Instant::now();
    kam.restart();
    let restarted = Instant::now();
    w.wait_for_all(
        Duration::from_secs(30),
        "every contact active again",
        &everyone,
        |l| s(l, "subscription") == "active" && l["stale"] == false,
    );
    // Nothing was shown fresh while the server was gone.
    for (at, l) in &w.seen {
        if *at > killed && *at < restarted && s(l, "subscription") == "active" {
            assert_eq!(
                l["stale"],
                true,
                "fresh while the server was down: {l}\n{}",
                w.dump()
            );
        }
    }
    eprintln!(
        "{transport}: stale after {:?}, recovered {:?} after restart",
        all_stale - killed,
        restarted.elapsed()
    );
}

#[test]
fn a_server_restart_over_tcp_marks_everything_stale_and_recovers() {
    server_restart("tcp");
}

#[test]
fn a_server_restart_over_udp_marks_everything_stale_and_recovers() {
    server_restart("udp");
}

#[test]
fn watch_reads_a_directory_csv_and_follows_its_edits() {
    let kam = Kamailio::start(USERS);
    let dir = run_dir("watch-directory");
    let csv = dir.join("staff.csv");
    std::fs::create_dir_all(&dir).expect("run dir");
    std::fs::write(&csv, "name,uri\nBob Brown,sip:bob@127.0.0.1\n").expect("write staff.csv");
    let cfg = write_config(
        &dir,
        kam.port,
        "udp",
        ("attendant", "secret"),
        &[("Alice Adams", "alice")],
        "[directory]\ncsv = \"staff.csv\"\n",
    );
    let mut w = Watch::start(&cfg, &[]);
    let snap = w.snapshot(2, Duration::from_secs(10));
    let mut got: Vec<&str> = snap.iter().map(|l| s(l, "contact")).collect();
    got.sort();
    assert_eq!(
        got,
        [uri("alice"), uri("bob")],
        "the [[contact]] and the CSV row"
    );
    std::fs::write(
        &csv,
        "name,uri\nBob Brown,sip:bob@127.0.0.1\nCarol Clark,sip:carol@127.0.0.1\n",
    )
    .expect("rewrite staff.csv");
    w.wait_for(Duration::from_secs(10), "carol subscribed", |l| {
        s(l, "contact") == uri("carol") && s(l, "subscription") == "active"
    });
}
