//! Network faults (issue 11, "Hostile input, proven"): in a network
//! namespace of the test's own, a real Kamailio and `switchboard watch`
//! talk over a loopback that loses 20 % of the packets, or over which the
//! server blackholes. Nothing is shown current that is not: once a
//! blackholed server is past the detection window (a lost server is
//! noticed within 10 s: `policy::KEEPALIVE_INTERVAL` + `KEEPALIVE_TIMEOUT`),
//! every line `watch` prints says `stale: true`; and everything is current
//! again when the fault ends; over TCP with 300 ms each way and 20 % loss,
//! every contact goes current and changes arrive. See `support/netns.rs`
//! for how the namespace and the faults are made (and why nftables and a
//! delaying relay, not `tc netem`).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::time::{Duration, Instant};

use support::kamailio::Kamailio;
use support::netns::{self, set_fault};
use support::proc::run_dir;
use support::relay::DelayRelay;
use support::sipp;
use support::test_ca::{Leaf, TestCa};
use support::watch::{Watch, s, write_config};

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
/// A lost server is noticed within this long (keepalive every 5 s, 4 s
/// to answer).
const WINDOW: Duration = Duration::from_secs(10);

const AWAY_PIDF: &str = r#"<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:alice@127.0.0.1"><tuple id="t-alice"><status><basic>open</basic></status></tuple><dm:person id="p-alice"><rpid:activities><rpid:away/></rpid:activities></dm:person></presence>"#;

fn everyone() -> Vec<String> {
    CONTACTS
        .iter()
        .map(|(_, u)| format!("sip:{u}@127.0.0.1"))
        .collect()
}

fn current(l: &serde_json::Value) -> bool {
    s(l, "subscription") == "active" && l["stale"] == false
}

/// Kamailio and `watch` (UDP, keepalive 1 s) with every contact current
/// and both packages answered.
fn watching(name: &str) -> (Kamailio, Watch) {
    let kam = Kamailio::start(USERS);
    let cfg = write_config(
        &run_dir(name),
        kam.port,
        "udp",
        ("attendant", "secret"),
        CONTACTS,
        "keepalive = 1",
    );
    let w = current_watch(&cfg);
    (kam, w)
}

/// `watch` on `cfg` once every contact is current, line ready.
fn current_watch(cfg: &std::path::Path) -> Watch {
    let mut w = Watch::start(cfg, &[]);
    w.wait_for_all(
        Duration::from_secs(15),
        "every contact current, line ready",
        &everyone(),
        |l| current(l) && s(l, "line") == "ready",
    );
    w
}

/// Read what `watch` prints until `until`.
fn read_until(w: &mut Watch, until: Instant) {
    let left = until.saturating_duration_since(Instant::now());
    let _ = w.try_wait_for(left, |_| false);
}

#[test]
fn a_blackholed_server_is_never_shown_current_past_the_detection_window_and_everything_recovers() {
    const NAME: &str = "a_blackholed_server_is_never_shown_current_past_the_detection_window_and_everything_recovers";
    if !netns::inside(NAME) {
        return netns::run_inside(NAME);
    }
    let (kam, w) = watching("fault-blackhole");
    let port = kam.port;
    blackhole(w, port, "UDP");
}

#[test]
fn a_blackholed_tls_server_is_never_shown_current_past_the_detection_window_and_recovers() {
    const NAME: &str =
        "a_blackholed_tls_server_is_never_shown_current_past_the_detection_window_and_recovers";
    if !netns::inside(NAME) {
        return netns::run_inside(NAME);
    }
    let dir = run_dir("fault-blackhole-tls");
    let ca = TestCa::new(&dir, "test-ca");
    let good = ca.leaf("good", Leaf::Good(&["127.0.0.1"]));
    let (_kam, ports) = Kamailio::start_tls(USERS, &[good]);
    let cfg = write_config(
        &dir.join("watch"),
        ports[0],
        "tls",
        ("attendant", "secret"),
        CONTACTS,
        &format!("ca_file = \"{}\"\nkeepalive = 1", ca.pem.display()),
    );
    // The connection stays open but nothing crosses it: only the
    // keepalive can tell.
    blackhole(current_watch(&cfg), ports[0], "TLS");
}

/// Blackhole port `p` (both ways) well past the detection window, then
/// end the fault: checks and prints what `w` showed.
fn blackhole(mut w: Watch, p: u16, over: &str) {
    set_fault(&format!(
        "udp dport {p} drop\n  udp sport {p} drop\n  tcp dport {p} drop\n  tcp sport {p} drop"
    ));
    let cut = Instant::now();
    w.wait_for_all(
        WINDOW + Duration::from_secs(5),
        "every contact stale",
        &everyone(),
        |l| l["stale"] == true,
    );
    let noticed = cut.elapsed();
    // Stay blackholed well past the window: the engine probes on; every
    // line it prints meanwhile must say stale.
    read_until(&mut w, cut + WINDOW + Duration::from_secs(10));
    set_fault("");
    let healed = Instant::now();
    w.wait_for_all(
        Duration::from_secs(30),
        "every contact current again",
        &everyone(),
        current,
    );
    let recovered = healed.elapsed();
    for (at, l) in &w.seen {
        if *at > cut + WINDOW && *at < healed {
            assert_eq!(
                l["stale"],
                true,
                "shown current past the detection window while blackholed: {l}\n{}",
                w.dump()
            );
        }
    }
    assert!(
        noticed <= WINDOW + Duration::from_secs(1),
        "noticed after {noticed:?}"
    );
    println!(
        "fault: blackhole ({over}): every contact stale {noticed:?} after the cut, current again {recovered:?} after it ended"
    );
}

#[test]
fn with_20_percent_loss_changes_arrive_nothing_current_is_false_and_everything_recovers() {
    const NAME: &str =
        "with_20_percent_loss_changes_arrive_nothing_current_is_false_and_everything_recovers";
    if !netns::inside(NAME) {
        return netns::run_inside(NAME);
    }
    let (kam, mut w) = watching("fault-loss");
    // Both directions: every packet on this loopback leaves through
    // the output hook once.
    set_fault("meta l4proto udp numgen random mod 100 < 20 drop");
    let lossy = Instant::now();
    let sent = Instant::now();
    let mut published = Err(String::new());
    for _ in 0..5 {
        published = sipp::publish(kam.port, "alice", "alicepw", AWAY_PIDF);
        if published.is_ok() {
            break;
        }
    }
    published.expect("a PUBLISH through 20 % loss (5 tries)");
    w.wait_for(
        Duration::from_secs(20),
        "alice away through the loss",
        |l| s(l, "contact") == "sip:alice@127.0.0.1" && s(l, "presence") == "away",
    );
    let arrived = sent.elapsed();
    read_until(&mut w, lossy + Duration::from_secs(30));
    set_fault("");
    let healed = Instant::now();
    w.wait_for_all(
        Duration::from_secs(30),
        "every contact current after the loss",
        &everyone(),
        current,
    );
    let mut stale_lines = 0;
    for (at, l) in &w.seen {
        if *at >= lossy && *at < healed {
            // Current only with a live subscription behind it.
            if l["stale"] == false {
                assert_eq!(s(l, "subscription"), "active", "{l}\n{}", w.dump());
            } else {
                stale_lines += 1;
            }
        }
    }
    println!(
        "fault: 20 % loss (UDP): a change published arrived after {arrived:?} (sipp's PUBLISH included); {stale_lines} stale lines in 30 s of loss; current {:?} after it ended",
        healed.elapsed()
    );
}

#[test]
fn with_300_ms_delay_and_20_percent_loss_over_tcp_contacts_go_current_and_changes_arrive() {
    const NAME: &str =
        "with_300_ms_delay_and_20_percent_loss_over_tcp_contacts_go_current_and_changes_arrive";
    if !netns::inside(NAME) {
        return netns::run_inside(NAME);
    }
    const DELAY: Duration = Duration::from_millis(300);
    let kam = Kamailio::start(USERS);
    let relay = DelayRelay::start(kam.port, DELAY);
    // 20 % of the TCP segments that carry the traffic are lost (TCP
    // retransmits them). The handshake's SYN and SYN-ACK are spared: a lost
    // SYN costs 1 s, 3 s… and the first connect is bounded by
    // `policy::CONNECT_TIMEOUT`, past which `watch` rightly says the server
    // is unreachable and exits; that would test the connect bound, not the
    // behaviour under loss (it made this test fail about one run in ten).
    set_fault("tcp flags & syn == 0 numgen random mod 100 < 20 drop");
    let cfg = write_config(
        &run_dir("fault-delay"),
        relay.port,
        "tcp",
        ("attendant", "secret"),
        CONTACTS,
        "keepalive = 1",
    );
    let started = Instant::now();
    let mut w = Watch::start(&cfg, &[]);
    w.wait_for_all(
        Duration::from_secs(30),
        "every contact current through delay and loss",
        &everyone(),
        |l| current(l) && s(l, "line") == "ready",
    );
    let up = started.elapsed();
    assert!(up >= 2 * DELAY, "a round trip at least: {up:?}");
    // The PUBLISH goes straight to the server (UDP, no fault); its NOTIFY
    // comes through the relay.
    // A lost PUBLISH (Kamailio's sqlite "database is locked" under load,
    // kamailio-notes pitfall 2) is tried again; the delay is measured from
    // the first try (any NOTIFY follows it, through the relay).
    let sent = Instant::now();
    let mut published = Err(String::new());
    for _ in 0..3 {
        published = sipp::publish(kam.port, "alice", "alicepw", AWAY_PIDF);
        if published.is_ok() {
            break;
        }
    }
    published.expect("PUBLISH accepted (3 tries)");
    w.wait_for(
        Duration::from_secs(15),
        "alice away through the delay",
        |l| s(l, "contact") == "sip:alice@127.0.0.1" && s(l, "presence") == "away",
    );
    let arrived = sent.elapsed();
    assert!(arrived >= DELAY, "the NOTIFY was delayed: {arrived:?}");
    read_until(&mut w, sent + Duration::from_secs(20));
    set_fault("");
    relay.set_delay(Duration::ZERO);
    let healed = Instant::now();
    w.wait_for_all(
        Duration::from_secs(30),
        "every contact current after the fault",
        &everyone(),
        current,
    );
    let mut stale_lines = 0;
    for (at, l) in &w.seen {
        if *at >= started && *at < healed {
            if l["stale"] == false {
                assert_eq!(s(l, "subscription"), "active", "{l}\n{}", w.dump());
            } else {
                stale_lines += 1;
            }
        }
    }
    println!(
        "fault: 300 ms each way + 20 % loss (TCP): every contact current {up:?} after start; a change arrived {arrived:?} after its PUBLISH; {stale_lines} stale lines in 20 s; current {:?} after the fault ended",
        healed.elapsed()
    );
}
