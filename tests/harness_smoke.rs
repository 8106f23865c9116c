//! Proves the real-server harness works with sipp alone: a real Kamailio
//! presence server on loopback turns a PUBLISH into a presence NOTIFY and a
//! call into dialog-info NOTIFYs, and answers the errors switchboard must
//! show (unknown user, unknown event, wrong auth user).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::time::{Duration, Instant};

use support::kamailio::Kamailio;
use support::sipp::{self, Logged, Run, Sipp};

const USERS: &[(&str, &str)] = &[
    ("alice", "alice-pw"),
    ("bob", "bob-pw"),
    ("carol", "carol-pw"),
];
const WAIT: Duration = Duration::from_secs(10);

fn away_with_note(user: &str, note: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:{user}@127.0.0.1">
<tuple id="t-{user}"><status><basic>open</basic></status></tuple>
<dm:person id="p-{user}"><rpid:activities><rpid:away/></rpid:activities><dm:note>{note}</dm:note></dm:person>
</presence>
"#
    )
}

/// The `<state>` of each dialog-info NOTIFY body, lower-cased, in order.
fn dialog_states(notifies: &[Logged]) -> Vec<String> {
    notifies
        .iter()
        .filter_map(|n| {
            let body = n.body();
            let start = body.find("<state>")? + "<state>".len();
            let len = body.get(start..)?.find("</state>")?;
            Some(body.get(start..start + len)?.to_ascii_lowercase())
        })
        .collect()
}

#[test]
fn dialog_watcher_sees_the_callee_ring_answer_and_hang_up() {
    let server = Kamailio::start(USERS);
    let watcher = sipp::subscribe(server.port, ("carol", "carol-pw"), "bob", "dialog");
    assert_eq!(
        watcher.answer(WAIT),
        Ok(200),
        "dialog SUBSCRIBE not accepted\n{}",
        server.log_tail()
    );
    // an idle line: the first NOTIFY has no body (kamailio-notes pitfall 7)
    let first = watcher
        .wait_for(WAIT, |n| !n.is_empty())
        .expect("initial NOTIFY");
    assert_eq!(first[0].body(), "", "idle line NOTIFY should be empty");

    let call = sipp::start_call(
        server.port,
        ("alice", "alice-pw"),
        ("bob", "bob-pw"),
        300,
        300,
    );
    call.wait().expect("the call alice -> bob");

    let seen = watcher
        .wait_for(WAIT, |n| dialog_states(n).iter().any(|s| s == "terminated"))
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log_tail()));
    assert_eq!(dialog_states(&seen), ["early", "confirmed", "terminated"]);
    for notify in &seen[1..] {
        assert!(
            notify.body().contains(r#"entity="sip:bob@127.0.0.1""#),
            "{}",
            notify.text
        );
        assert!(
            notify.body().contains(r#"direction="recipient""#),
            "{}",
            notify.text
        );
        assert!(
            notify
                .body()
                .contains("<identity>sip:alice@127.0.0.1</identity>"),
            "{}",
            notify.text
        );
        assert_eq!(notify.header("Event"), Some("dialog"));
        assert_eq!(
            notify.header("Contact"),
            Some(format!("<sip:127.0.0.1:{};transport=udp>", server.port).as_str())
        );
    }
}

#[test]
fn published_note_reaches_a_presence_watcher() {
    let server = Kamailio::start(USERS);
    sipp::publish(
        server.port,
        "alice",
        "alice-pw",
        &away_with_note("alice", "Back at 3"),
    )
    .expect("PUBLISH answered 200");

    for tcp in [false, true] {
        let watcher =
            sipp::subscribe_over(server.port, ("carol", "carol-pw"), "alice", "presence", tcp);
        assert_eq!(watcher.answer(WAIT), Ok(200), "tcp: {tcp}");
        let notify = watcher
            .wait_body_containing("<dm:note>Back at 3</dm:note>", WAIT)
            .unwrap_or_else(|e| panic!("tcp: {tcp}: {e}\n{}", server.log_tail()));
        assert!(notify.body().contains("<rpid:away/>"), "{}", notify.text);
        assert_eq!(notify.header("Content-Type"), Some("application/pidf+xml"));
        let state = notify.header("Subscription-State").unwrap_or("");
        assert!(state.starts_with("active"), "{}", notify.text);
        let transport = if tcp {
            "transport=TCP"
        } else {
            "transport=UDP"
        };
        let request_line = notify.text.lines().next().unwrap_or("");
        assert!(request_line.contains(transport), "{}", notify.text);
        // refreshes go to the Contact: it must name the same transport
        let contact = notify.header("Contact").unwrap_or("").to_ascii_lowercase();
        assert!(
            contact.contains(&transport.to_ascii_lowercase()),
            "{}",
            notify.text
        );
    }
}

#[test]
fn a_thousand_users_start_fast_and_the_last_one_can_publish() {
    let started = Instant::now();
    let server = Kamailio::start_numbered(1000, "secret");
    let took = started.elapsed();
    eprintln!("kamailio with 1000 users ready after {took:?}");
    assert!(
        took < Duration::from_secs(15),
        "startup with 1000 users took {took:?}"
    );
    let body = away_with_note("user1000", "Here");
    sipp::publish(server.port, "user1000", "secret", &body)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log_tail()));
    let watcher = sipp::subscribe(server.port, ("user0001", "secret"), "user1000", "presence");
    let notify = watcher.wait_body_containing("<dm:note>Here</dm:note>", WAIT);
    notify.unwrap_or_else(|e| panic!("{e}\n{}", server.log_tail()));
}

#[test]
fn server_answers_not_found_bad_event_and_forbidden() {
    let server = Kamailio::start(USERS);
    let unknown_user = sipp::subscribe(server.port, ("carol", "carol-pw"), "nobody", "presence");
    let unknown_event =
        sipp::subscribe(server.port, ("carol", "carol-pw"), "alice", "no-such-event");
    assert_eq!(unknown_user.answer(WAIT), Ok(404));
    assert_eq!(unknown_event.answer(WAIT), Ok(489));

    // carol's From with alice's credentials
    let impostor = Watcher403::new(server.port);
    assert_eq!(impostor.answer(), Ok(403));

    let bad_password = sipp::publish(server.port, "alice", "wrong", &away_with_note("alice", "x"));
    assert!(bad_password.is_err(), "a wrong password must not publish");
}

/// A SUBSCRIBE from carol authenticated as alice.
struct Watcher403(Sipp);

impl Watcher403 {
    fn new(port: u16) -> Self {
        Watcher403(Sipp::spawn(
            port,
            &Run {
                scenario: "subscribe.xml",
                user: "carol",
                auth: Some(("alice", "alice-pw")),
                keys: &[
                    ("target", "bob"),
                    ("event", "presence"),
                    ("accept", "application/pidf+xml"),
                    ("expires", "60"),
                ],
                extra: &[],
                local_port: support::kamailio::free_port(),
                lifetime: WAIT,
            },
        ))
    }

    fn answer(&self) -> Result<u16, String> {
        let mut status = None;
        support::proc::wait_until(WAIT, || {
            status = self
                .0
                .received_statuses("SUBSCRIBE")
                .into_iter()
                .find(|&s| s != 401);
            status.is_some()
        });
        status.ok_or_else(|| self.0.report())
    }
}

#[test]
fn restart_comes_back_on_the_same_port_without_state() {
    let mut server = Kamailio::start(USERS);
    let port = server.port;
    let first_pid = server.pid();
    sipp::publish(
        server.port,
        "bob",
        "bob-pw",
        &away_with_note("bob", "Lunch"),
    )
    .expect("first PUBLISH");

    let started = Instant::now();
    server.restart();
    eprintln!("restart took {:?}", started.elapsed());
    assert_eq!(server.port, port);
    assert_ne!(server.pid(), first_pid);

    // publications lived in memory: a new watcher sees no note ...
    let watcher = sipp::subscribe(server.port, ("carol", "carol-pw"), "bob", "presence");
    assert_eq!(watcher.answer(WAIT), Ok(200));
    let first = watcher
        .wait_for(WAIT, |n| !n.is_empty())
        .expect("initial NOTIFY");
    assert!(
        !first[0].body().contains("Lunch"),
        "state survived a restart: {}",
        first[0].text
    );
    // ... and the restarted server takes new ones
    sipp::publish(server.port, "bob", "bob-pw", &away_with_note("bob", "Back"))
        .expect("PUBLISH after restart");
    watcher
        .wait_body_containing("<dm:note>Back</dm:note>", WAIT)
        .expect("NOTIFY after restart");
}
