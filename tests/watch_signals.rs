//! `switchboard watch` ends its subscriptions on SIGINT, SIGTERM and SIGHUP,
//! as the console does: a real Kamailio must see one un-SUBSCRIBE per
//! subscription, and `watch` exits 0. (Before, a signal killed it at once
//! and the server kept every subscription, NOTIFYing nobody.)
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::time::Duration;

use support::kamailio::Kamailio;
use support::proc::{run_dir, signal, wait_until};
use support::watch::{Watch, s, write_config};

const USERS: &[(&str, &str)] = &[
    ("attendant", "secret"),
    ("alice", "alicepw"),
    ("bob", "bobpw"),
];
const CONTACTS: &[(&str, &str)] = &[("Alice Adams", "alice"), ("Bob Brown", "bob")];
/// Presence and dialog for each contact.
const SUBSCRIPTIONS: u64 = 2 * CONTACTS.len() as u64;

/// One of Kamailio's counters, e.g. `core:rcv_requests_subscribe`.
fn counter(kam: &Kamailio, key: &str) -> u64 {
    let stats = kam.stats().unwrap_or_else(|e| panic!("kamcmd stats: {e}"));
    stats
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once('=')?;
            (name.trim() == key).then(|| value.trim().parse().ok())?
        })
        .unwrap_or_else(|| panic!("no {key} in:\n{stats}"))
}

/// SUBSCRIBE requests Kamailio received so far.
fn subscribes_received(kam: &Kamailio) -> u64 {
    counter(kam, "core:rcv_requests_subscribe")
}

#[test]
fn watch_ends_its_subscriptions_on_sigint_sigterm_and_sighup_and_exits_0() {
    let kam = Kamailio::start(USERS);
    for sig in ["INT", "TERM", "HUP"] {
        let cfg = write_config(
            &run_dir(&format!("watch-signal-{sig}")),
            kam.port,
            "udp",
            ("attendant", "secret"),
            CONTACTS,
            "",
        );
        let mut w = Watch::start(&cfg, &[]);
        let snap = w.snapshot(CONTACTS.len(), Duration::from_secs(10));
        assert!(
            snap.iter().all(|l| s(l, "subscription") == "active"),
            "SIG{sig}: {snap:?}"
        );
        let before = subscribes_received(&kam);
        let answered_before = counter(&kam, "core:rcv_replies_2xx");
        signal(w.pid(), sig);
        let status = w
            .wait_exit(Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("SIG{sig}: watch did not exit: {e}"));
        assert_eq!(status.code(), Some(0), "SIG{sig}: exit status {status:?}");
        let mut after = before;
        let seen = wait_until(Duration::from_secs(5), || {
            after = subscribes_received(&kam);
            after >= before + SUBSCRIPTIONS
        });
        assert!(
            seen,
            "SIG{sig}: the server saw {} un-SUBSCRIBEs, expected {SUBSCRIPTIONS}\n{}",
            after - before,
            kam.log_tail()
        );
        // RFC 6665 4.1.2.3: the final NOTIFY that answers an un-SUBSCRIBE
        // gets 200 (it used to get 481, one log line per subscription).
        let answered = wait_until(Duration::from_secs(5), || {
            counter(&kam, "core:rcv_replies_2xx") >= answered_before + SUBSCRIPTIONS
        });
        assert!(
            answered,
            "SIG{sig}: the final NOTIFYs were not answered 200"
        );
        assert_eq!(
            counter(&kam, "core:rcv_replies_4xx"),
            0,
            "SIG{sig}: no NOTIFY refused"
        );
    }
}
