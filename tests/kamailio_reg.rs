//! Registration state (RFC 3680) against a real Kamailio with its reginfo
//! modules: a sipp phone registers, unregisters and registers again, and
//! `switchboard watch` shows the line ready → faulty ("not registered",
//! with the time it happened) → ready. Kamailio numbers every reginfo
//! NOTIFY `version="0"`: none may be dropped as a repeat.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::time::{Duration, SystemTime};

use support::kamailio::Kamailio;
use support::proc::{free_port, run_dir};
use support::sipp;
use support::watch::{Watch, s, write_config};

const USERS: &[(&str, &str)] = &[
    ("attendant", "secret"),
    ("alice", "alicepw"),
    ("bob", "bobpw"),
];
const CONTACTS: &[(&str, &str)] = &[("Alice Adams", "alice"), ("Bob Brown", "bob")];
const ALICE: &str = "sip:alice@127.0.0.1";
const WAIT: Duration = Duration::from_secs(10);

/// The `at` of a JSON line (RFC 3339, UTC, milliseconds) as a time.
fn at(line: &serde_json::Value) -> SystemTime {
    let ts: jiff::Timestamp = s(line, "at").parse().expect("an RFC 3339 at");
    SystemTime::from(ts)
}

#[test]
fn a_phone_registers_unregisters_and_registers_again() {
    let kam = Kamailio::start_with_reginfo(USERS);
    let cfg = write_config(
        &run_dir("reg-cycle"),
        kam.port,
        "udp",
        ("attendant", "secret"),
        CONTACTS,
        "[telephony]\nregistration = true",
    );
    let mut w = Watch::start(&cfg, &[]);
    // Nobody has registered yet: not there.
    let first = w.wait_for(WAIT, "alice faulty at start", |l| {
        s(l, "contact") == ALICE && s(l, "line") == "faulty"
    });
    assert_eq!(s(&first, "line_rule"), "not registered", "{first}");

    let phone = free_port();
    sipp::register(kam.port, "alice", "alicepw", phone, 300).expect("REGISTER");
    w.wait_for(WAIT, "alice ready once registered", |l| {
        s(l, "contact") == ALICE && s(l, "line") == "ready"
    });

    let before = SystemTime::now();
    sipp::register(kam.port, "alice", "alicepw", phone, 0).expect("un-REGISTER");
    let gone = w.wait_for(WAIT, "alice faulty after unregistering", |l| {
        s(l, "contact") == ALICE && s(l, "line") == "faulty"
    });
    let after = SystemTime::now();
    assert_eq!(s(&gone, "line_rule"), "not registered", "{gone}");
    let since = at(&gone);
    assert!(
        since >= before - Duration::from_millis(50) && since <= after,
        "the since is when it happened: {since:?} not in {before:?}..{after:?}"
    );

    sipp::register(kam.port, "alice", "alicepw", phone, 300).expect("REGISTER again");
    w.wait_for(WAIT, "alice ready again", |l| {
        s(l, "contact") == ALICE && s(l, "line") == "ready"
    });
    // Bob never registered: not there (his dialog NOTIFY may come before
    // his reginfo, so "ready" may show for a moment first).
    let bob_last = w
        .seen
        .iter()
        .rev()
        .find(|(_, l)| s(l, "contact") == "sip:bob@127.0.0.1")
        .map(|(_, l)| l.clone())
        .expect("bob's line");
    assert_eq!(s(&bob_last, "line"), "faulty", "{}", w.dump());
}

#[test]
fn a_server_without_reginfo_gives_no_registration_information_never_faulty() {
    let kam = Kamailio::start(USERS);
    let cfg = write_config(
        &run_dir("reg-489"),
        kam.port,
        "udp",
        ("attendant", "secret"),
        CONTACTS,
        "[telephony]\nregistration = true",
    );
    let mut w = Watch::start(&cfg, &[]);
    let everyone: Vec<String> = CONTACTS
        .iter()
        .map(|(_, u)| format!("sip:{u}@127.0.0.1"))
        .collect();
    w.wait_for_all(WAIT, "every line ready", &everyone, |l| {
        s(l, "line") == "ready" && s(l, "subscription") == "active"
    });
    assert!(
        !w.seen.iter().any(|(_, l)| s(l, "line") == "faulty"),
        "{}",
        w.dump()
    );
}
