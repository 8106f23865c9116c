//! `switchboard watch` with nothing but a server and a resource list URI,
//! against a real Kamailio serving a 1,000-member list (module rls) over
//! TCP: every member reaches a state, a PUBLISH arrives, and the list
//! survives a Kamailio restart.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::time::Duration;

use support::kamailio::{Kamailio, numbered_user};
use support::proc::run_dir;
use support::sipp;
use support::watch::{Watch, s, write_config};

const MEMBERS: usize = 1000;
const LIST: &str = "attendant-list";

fn away(user: &str, note: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:{user}@127.0.0.1"><tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:away/></rpid:activities><dm:note>{note}</dm:note></dm:person></presence>"#
    )
}

fn uri(user: &str) -> String {
    format!("sip:{user}@127.0.0.1")
}

#[test]
fn a_1000_member_kamailio_list_over_tcp_is_complete_current_and_survives_a_restart() {
    let mut users: Vec<(String, String)> = (1..=MEMBERS)
        .map(|i| (numbered_user(i), "secret".to_string()))
        .collect();
    users.push(("attendant".into(), "secret".into()));
    let mut kam = Kamailio::start_with_list(&users, LIST);
    // Published before the console starts: delivered through the list.
    let first = numbered_user(1);
    sipp::publish(kam.port, &first, "secret", &away(&first, "before")).expect("PUBLISH accepted");

    let cfg = write_config(
        &run_dir("watch-list"),
        kam.port,
        "tcp",
        ("attendant", "secret"),
        &[],
        &format!("list = \"sip:{LIST}@127.0.0.1\""),
    );
    let mut w = Watch::start(&cfg, &[]);
    let snap = w.snapshot(MEMBERS, Duration::from_secs(30));
    let unknown: Vec<&str> = snap
        .iter()
        .filter(|l| s(l, "presence") == "unknown")
        .map(|l| s(l, "contact"))
        .collect();
    assert!(unknown.is_empty(), "members without a state: {unknown:?}");
    let contacts: Vec<String> = (1..=MEMBERS).map(|i| uri(&numbered_user(i))).collect();
    w.wait_for_all(
        Duration::from_secs(10),
        "the early PUBLISH",
        &contacts[..1],
        |l| s(l, "presence") == "away" && s(l, "note") == "before",
    );

    // A PUBLISH while the list is up.
    let user = numbered_user(500);
    sipp::publish(kam.port, &user, "secret", &away(&user, "during")).expect("PUBLISH accepted");
    w.wait_for(Duration::from_secs(5), "the PUBLISH during the list", |l| {
        s(l, "contact") == uri(&user) && s(l, "note") == "during"
    });

    // Kamailio restarts (forgetting every subscription and publication):
    // the console subscribes again and follows a new PUBLISH.
    kam.restart();
    let user = numbered_user(777);
    // Until the console is back, a PUBLISH may reach nobody: publish again
    // until one arrives.
    let mut delivered = false;
    for _ in 0..20 {
        sipp::publish(kam.port, &user, "secret", &away(&user, "after restart"))
            .expect("PUBLISH accepted");
        let got = w.try_wait_for(Duration::from_secs(2), |l| {
            s(l, "contact") == uri(&user) && s(l, "note") == "after restart"
        });
        if got.is_some() {
            delivered = true;
            break;
        }
    }
    assert!(
        delivered,
        "no PUBLISH reached watch after the restart:\n{}",
        kam.log_tail()
    );
    w.wait_for_all(
        Duration::from_secs(20),
        "every member current again",
        &contacts,
        |l| {
            s(l, "presence") != "unknown" && l.get("stale").and_then(|v| v.as_bool()) == Some(false)
        },
    );
}
