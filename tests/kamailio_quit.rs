//! Quitting against a real Kamailio: a NOTIFY that arrives while the
//! console quits is answered 481, and Kamailio's presence module then
//! removes the subscription from its watchers (RFC 6665 4.1.3, 4.2.2) —
//! without any un-SUBSCRIBE. The engine runs sans-IO over a real UDP
//! socket here, so the test can lose its un-SUBSCRIBE on purpose: the
//! retransmission that follows (Timer E) is answered 481 by Kamailio,
//! which no longer knows the subscription. Had the 481 not removed it,
//! that answer would be 200.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use support::kamailio::Kamailio;
use support::sipp;
use switchboard::presence::ContactId;
use switchboard::sip::engine::{Engine, EngineConfig, Transport};

const USERS: &[(&str, &str)] = &[("attendant", "secret"), ("alice", "alicepw")];
const WAIT: Duration = Duration::from_secs(10);
const AWAY_PIDF: &str = r#"<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:alice@127.0.0.1"><tuple id="t-alice"><status><basic>open</basic></status></tuple><dm:person id="p-alice"><rpid:activities><rpid:away/></rpid:activities><dm:note>Back in 5 minutes</dm:note></dm:person></presence>"#;

/// One message as the test sees it: its first line and its CSeq.
#[derive(Debug, Clone)]
struct Seen {
    first: String,
    cseq: String,
}

fn seen(bytes: &[u8]) -> Seen {
    let text = String::from_utf8_lossy(bytes);
    let first = text.lines().next().unwrap_or("").to_string();
    let cseq = text
        .lines()
        .find_map(|l| l.strip_prefix("CSeq: "))
        .unwrap_or("")
        .to_string();
    Seen { first, cseq }
}

/// The engine, its socket, and what went in and out.
struct Console {
    engine: Engine,
    socket: UdpSocket,
    server: SocketAddr,
    out: Vec<Seen>,
    inn: Vec<Seen>,
    /// Lose the next SUBSCRIBE we send (the un-SUBSCRIBE).
    lose_next_subscribe: bool,
}

impl Console {
    fn start(kam: &Kamailio) -> Console {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
        let server: SocketAddr = kam.address().parse().unwrap();
        let local = socket.local_addr().unwrap();
        let mut cfg = EngineConfig::new(
            "sip:attendant@127.0.0.1",
            &kam.address(),
            local,
            Transport::Udp,
        );
        cfg.password = Some("secret".into());
        cfg.dialog = false;
        // Retransmissions late enough that the lost un-SUBSCRIBE reaches
        // Kamailio only after the NOTIFY was answered.
        cfg.timers.t1 = Duration::from_secs(3);
        cfg.timers.t2 = Duration::from_secs(4);
        let contacts = [(ContactId(0), kam.aor("alice"))];
        let engine = Engine::new(cfg, &contacts, Instant::now());
        Console {
            engine,
            socket,
            server,
            out: Vec::new(),
            inn: Vec::new(),
            lose_next_subscribe: false,
        }
    }

    /// Send, receive and run timers until `done` or `wait` passes.
    fn run_until(&mut self, wait: Duration, done: impl Fn(&Console) -> bool) -> bool {
        let end = Instant::now() + wait;
        let mut buf = vec![0u8; 65_536];
        loop {
            while let Some(t) = self.engine.poll_transmit() {
                let s = seen(&t.bytes);
                let lose = self.lose_next_subscribe && s.first.starts_with("SUBSCRIBE ");
                if lose {
                    self.lose_next_subscribe = false;
                } else {
                    let to = t.to.unwrap_or(self.server);
                    self.socket.send_to(&t.bytes, to).expect("send");
                }
                self.out.push(s);
            }
            while self.engine.poll_event().is_some() {}
            if done(self) {
                return true;
            }
            let now = Instant::now();
            if now >= end {
                return false;
            }
            let next = self.engine.poll_timeout().unwrap_or(end).min(end);
            let wait = next
                .saturating_duration_since(now)
                .clamp(Duration::from_millis(1), Duration::from_millis(50));
            self.socket.set_read_timeout(Some(wait)).unwrap();
            if let Ok((n, from)) = self.socket.recv_from(&mut buf) {
                let bytes = &buf[..n];
                self.inn.push(seen(bytes));
                self.engine
                    .handle_datagram(Instant::now(), Some(from), bytes);
            }
            self.engine.handle_timeout(Instant::now());
        }
    }
}

/// Answers `status` we sent to a NOTIFY.
fn notify_answers(c: &Console, status: &str) -> usize {
    c.out
        .iter()
        .filter(|s| {
            s.first.starts_with(&format!("SIP/2.0 {status} ")) && s.cseq.ends_with("NOTIFY")
        })
        .count()
}

#[test]
fn a_notify_answered_481_while_quitting_ends_the_subscription_in_kamailio() {
    let kam = Kamailio::start(USERS);
    let mut c = Console::start(&kam);
    assert!(
        c.run_until(WAIT, |c| notify_answers(c, "200") >= 1),
        "the presence subscription to alice is up: {:?}\n{}",
        c.inn,
        kam.log_tail()
    );

    c.engine.shutdown(Instant::now());
    c.lose_next_subscribe = true;
    c.run_until(Duration::from_millis(100), |c| !c.lose_next_subscribe);
    assert!(
        !c.lose_next_subscribe,
        "an un-SUBSCRIBE was sent (and lost)"
    );

    // Alice publishes: Kamailio NOTIFYs the subscription we are ending.
    sipp::publish(kam.port, "alice", "alicepw", AWAY_PIDF).expect("PUBLISH accepted");
    assert!(
        c.run_until(WAIT, |c| notify_answers(c, "481") >= 1),
        "the NOTIFY while quitting is answered 481: {:?}",
        c.out
    );

    // The lost un-SUBSCRIBE is sent again (Timer E): Kamailio no longer
    // knows the subscription.
    let before = c.inn.len();
    let final_answer = |c: &Console| {
        c.inn[before..]
            .iter()
            .find(|s| {
                s.cseq.ends_with("SUBSCRIBE")
                    && s.first.starts_with("SIP/2.0 ")
                    && !s.first.starts_with("SIP/2.0 1")
            })
            .cloned()
    };
    assert!(
        c.run_until(WAIT, |c| final_answer(c).is_some()),
        "an answer to the un-SUBSCRIBE: {:?}",
        c.inn
    );
    let last = final_answer(&c).unwrap();
    assert!(
        last.first.starts_with("SIP/2.0 481"),
        "Kamailio removed the subscription on our 481: {last:?}\n{}",
        kam.log_tail()
    );
    assert!(
        c.run_until(WAIT, |c| c.engine.is_shut_down()),
        "quitting ends"
    );
}
