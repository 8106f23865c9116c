//! Engine tests: a fake clock and a scripted server, no sockets, no sleeps.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::sip::codec::{Message, Method, Request, Response, parse, response_to};
use crate::sip::headers::{NameAddr, parse_cseq};

const SERVER: &str = "127.0.0.1:5060";

fn local() -> SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

struct Harness {
    now: Instant,
    engine: Engine,
    events: Vec<EngineEvent>,
    /// Messages the engine sent that the test has not looked at yet.
    outbox: Vec<Message>,
    /// The server answers keepalive OPTIONS by itself (after `connect`).
    alive: bool,
}

fn contacts(n: usize) -> Vec<(ContactId, String)> {
    (0..n)
        .map(|i| (ContactId(i as u32), format!("sip:user{i:04}@127.0.0.1")))
        .collect()
}

fn config(transport: Transport) -> EngineConfig {
    let mut cfg = EngineConfig::new("sip:attendant@127.0.0.1", SERVER, local(), transport);
    cfg.password = Some("secret".into());
    cfg.seed = 42;
    cfg
}

impl Harness {
    fn new(cfg: EngineConfig, n: usize) -> Self {
        let now = Instant::now();
        let engine = Engine::new(cfg, &contacts(n), now);
        let mut h = Harness {
            now,
            engine,
            events: Vec::new(),
            outbox: Vec::new(),
            alive: false,
        };
        h.drain_events();
        h
    }

    fn drain_events(&mut self) {
        while let Some(ev) = self.engine.poll_event() {
            self.events.push(ev);
        }
    }

    /// Everything the engine wants to send now, parsed.
    fn sent(&mut self) -> Vec<Message> {
        self.collect();
        std::mem::take(&mut self.outbox)
    }

    /// Move the engine's transmits to the outbox; a live server answers
    /// keepalive OPTIONS at once.
    fn collect(&mut self) {
        loop {
            let mut answered = false;
            while let Some(t) = self.engine.poll_transmit() {
                let msg = parse(&t.bytes).expect("the engine sends parseable SIP");
                match &msg {
                    Message::Request(r) if self.alive && r.method == Method::Options => {
                        let ok = reply(r, 200, &[]).to_bytes();
                        self.engine
                            .handle_datagram(self.now, Some(SERVER.parse().unwrap()), &ok);
                        answered = true;
                    }
                    _ => self.outbox.push(msg),
                }
            }
            if !answered {
                break;
            }
        }
        self.drain_events();
    }

    /// The responses the engine sent (to NOTIFYs).
    fn responses(&mut self) -> Vec<Response> {
        let (resp, rest): (Vec<Message>, Vec<Message>) = self
            .sent()
            .into_iter()
            .partition(|m| matches!(m, Message::Response(_)));
        self.outbox = rest;
        resp.into_iter()
            .filter_map(|m| match m {
                Message::Response(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    fn requests(&mut self, method: Method) -> Vec<Request> {
        let (mine, rest): (Vec<Message>, Vec<Message>) = self
            .sent()
            .into_iter()
            .partition(|m| matches!(m, Message::Request(r) if r.method == method));
        self.outbox = rest;
        mine.into_iter()
            .filter_map(|m| match m {
                Message::Request(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    fn deliver(&mut self, msg: Vec<u8>) {
        self.engine
            .handle_datagram(self.now, Some(SERVER.parse().unwrap()), &msg);
        self.drain_events();
    }

    fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        while let Some(at) = self.engine.poll_timeout() {
            if at > end {
                break;
            }
            self.now = self.now.max(at);
            self.engine.handle_timeout(self.now);
            self.collect();
        }
        self.now = end;
        self.engine.handle_timeout(self.now);
        self.collect();
    }

    /// Answer the start-up OPTIONS probe.
    fn connect(&mut self) {
        let opts = self.requests(Method::Options);
        assert_eq!(opts.len(), 1, "a single start-up probe");
        self.deliver(reply(&opts[0], 200, &[]).to_bytes());
        self.alive = true;
    }

    fn statuses(&self, contact: u32) -> Vec<SubscriptionStatus> {
        self.statuses_of(contact, None)
    }

    fn statuses_of(&self, contact: u32, event: Option<EventKind>) -> Vec<SubscriptionStatus> {
        self.events
            .iter()
            .filter_map(|e| match e {
                EngineEvent::Subscription {
                    contact: c,
                    status,
                    event: ev,
                    ..
                } if c.0 == contact && event.is_none_or(|x| x == *ev) => Some(status.clone()),
                _ => None,
            })
            .collect()
    }

    fn stale_count(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, EngineEvent::Stale { .. }))
            .count()
    }
}

/// Distinct transactions among `reqs` (retransmissions share a branch).
fn distinct(reqs: &[Request]) -> usize {
    let mut branches: Vec<&str> = reqs.iter().filter_map(|r| r.headers.get("Via")).collect();
    branches.sort();
    branches.dedup();
    branches.len()
}

/// A response to `req` with a To tag and extra headers.
fn reply(req: &Request, status: u16, extra: &[(&str, &str)]) -> Response {
    let mut r = response_to(req, status, reason(status), Some("srvtag"));
    for (k, v) in extra {
        r.headers.push(k, *v);
    }
    r
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        423 => "Interval Too Brief",
        481 => "Call/Transaction Does Not Exist",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// The NOTIFY a server sends in the dialog of `sub` (a SUBSCRIBE we sent).
fn notify(sub: &Request, cseq: u32, state: &str, body: Option<(&str, &str)>) -> Vec<u8> {
    let from = sub.headers.get("From").unwrap();
    let event = sub.headers.get("Event").unwrap();
    let mut n = Request::new(Method::Notify, "sip:attendant@127.0.0.1:40000");
    let call_id = sub.headers.get("Call-ID").unwrap();
    let branch: String = call_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    n.headers.push(
        "Via",
        format!("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKn{cseq}x{branch}"),
    );
    n.headers.push(
        "From",
        format!(
            "<{}>;tag=srvtag",
            NameAddr::parse(sub.headers.get("To").unwrap()).unwrap().uri
        ),
    );
    n.headers.push("To", from);
    n.headers
        .push("Call-ID", sub.headers.get("Call-ID").unwrap());
    n.headers.push("CSeq", format!("{cseq} NOTIFY"));
    n.headers.push("Event", event);
    n.headers.push("Contact", "<sip:127.0.0.1:5060>");
    n.headers.push("Subscription-State", state);
    if let Some((ctype, text)) = body {
        n.headers.push("Content-Type", ctype);
        n.body = text.as_bytes().to_vec();
    }
    n.to_bytes()
}

const PIDF_AWAY: &str = r#"<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:user0000@127.0.0.1"><tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:away/></rpid:activities><dm:note>Back in 5 minutes</dm:note></dm:person></presence>"#;

/// Connect, and accept every SUBSCRIBE with 200 + an active NOTIFY.
fn establish_all(h: &mut Harness) -> Vec<Request> {
    let mut done = Vec::new();
    for _ in 0..10_000 {
        let subs = h.requests(Method::Subscribe);
        if subs.is_empty() {
            break;
        }
        for s in subs {
            h.deliver(
                reply(
                    &s,
                    200,
                    &[("Expires", "600"), ("Contact", "<sip:127.0.0.1:5060>")],
                )
                .to_bytes(),
            );
            h.deliver(notify(&s, 1, "active;expires=600", None));
            done.push(s);
        }
    }
    done
}

#[test]
fn nothing_is_subscribed_before_the_server_answers_the_probe() {
    let mut h = Harness::new(config(Transport::Udp), 3);
    let first = h.sent();
    assert_eq!(first.len(), 1);
    assert!(matches!(&first[0], Message::Request(r) if r.method == Method::Options));
    assert!(h.events.iter().any(|e| matches!(
        e,
        EngineEvent::Connection {
            state: ConnectionState::Connecting,
            ..
        }
    )));
    h.advance(Duration::from_millis(400));
    assert!(h.requests(Method::Subscribe).is_empty());
}

#[test]
fn one_presence_and_one_dialog_subscription_per_contact_with_accept_headers() {
    let mut h = Harness::new(config(Transport::Udp), 2);
    h.connect();
    let subs = establish_all(&mut h);
    assert_eq!(subs.len(), 4);
    let mut seen: Vec<(String, String, String)> = subs
        .iter()
        .map(|r| {
            (
                r.uri.clone(),
                r.headers.get("Event").unwrap().to_string(),
                r.headers.get("Accept").unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen[0],
        (
            "sip:user0000@127.0.0.1".into(),
            "dialog".into(),
            "application/dialog-info+xml".into()
        )
    );
    assert_eq!(
        seen[1],
        (
            "sip:user0000@127.0.0.1".into(),
            "presence".into(),
            "application/pidf+xml".into()
        )
    );
    assert!(h.statuses(0).ends_with(&[SubscriptionStatus::Active]));
}

#[test]
fn a_package_can_be_switched_off() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 3);
    h.connect();
    let subs = establish_all(&mut h);
    assert_eq!(subs.len(), 3);
    assert!(
        subs.iter()
            .all(|r| r.headers.get("Event") == Some("presence"))
    );
}

#[test]
fn the_window_bounds_outstanding_subscribes_and_refills_at_once() {
    let mut cfg = config(Transport::Udp);
    cfg.window = 8;
    let mut h = Harness::new(cfg, 50);
    h.connect();
    let probe = h.requests(Method::Subscribe);
    assert_eq!(
        probe.len(),
        1,
        "one probe SUBSCRIBE before the window opens"
    );
    h.deliver(reply(&probe[0], 200, &[("Expires", "600")]).to_bytes());
    let burst = h.requests(Method::Subscribe);
    assert_eq!(burst.len(), 8, "then exactly the window");
    h.deliver(reply(&burst[0], 200, &[("Expires", "600")]).to_bytes());
    let next = h.requests(Method::Subscribe);
    assert!(
        !next.is_empty() && next.len() <= 2,
        "one answer frees one slot (the window may grow by one)"
    );
    assert!(h.engine.window_usage().0 <= 9);
}

#[test]
fn digest_challenge_is_answered_once_and_reused_with_increasing_nonce_count() {
    let mut h = Harness::new(config(Transport::Udp), 3);
    h.connect();
    let first = h.requests(Method::Subscribe);
    assert_eq!(first.len(), 1);
    assert!(first[0].headers.get("Authorization").is_none());
    let challenge = r#"Digest realm="127.0.0.1", nonce="abc123", qop="auth", algorithm=MD5"#;
    h.deliver(reply(&first[0], 401, &[("WWW-Authenticate", challenge)]).to_bytes());
    let again = h.requests(Method::Subscribe);
    assert_eq!(again.len(), 1);
    let auth = again[0]
        .headers
        .get("Authorization")
        .expect("credentials after a 401");
    assert!(
        auth.contains("nonce=\"abc123\"") && auth.contains("nc=00000001"),
        "{auth}"
    );
    assert_eq!(
        again[0].headers.get("Call-ID"),
        first[0].headers.get("Call-ID"),
        "same dialog"
    );
    assert_eq!(
        parse_cseq(again[0].headers.get("CSeq").unwrap())
            .unwrap()
            .seq,
        2,
        "next CSeq"
    );
    h.deliver(reply(&again[0], 200, &[("Expires", "600")]).to_bytes());
    let rest = h.requests(Method::Subscribe);
    assert_eq!(rest.len(), 5, "the window opens for the 5 others");
    let mut ncs: Vec<String> = rest
        .iter()
        .map(|r| {
            let a = r
                .headers
                .get("Authorization")
                .expect("reused credentials, no extra 401 round trip");
            a.split("nc=").nth(1).unwrap()[..8].to_string()
        })
        .collect();
    ncs.sort();
    assert_eq!(
        ncs,
        ["00000002", "00000003", "00000004", "00000005", "00000006"]
    );
}

#[test]
fn sha256_challenges_are_answered() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let first = h.requests(Method::Subscribe);
    let challenge = r#"Digest realm="x", nonce="n1", qop="auth,auth-int", algorithm=SHA-256"#;
    h.deliver(reply(&first[0], 401, &[("WWW-Authenticate", challenge)]).to_bytes());
    let again = h.requests(Method::Subscribe);
    let auth = again[0].headers.get("Authorization").unwrap();
    assert!(
        auth.contains("algorithm=SHA-256") && auth.contains("qop=auth"),
        "{auth}"
    );
}

#[test]
fn wrong_password_is_reported_as_auth_failure_not_retried_in_a_loop() {
    let mut h = Harness::new(config(Transport::Udp), 2);
    h.connect();
    let first = h.requests(Method::Subscribe);
    h.deliver(
        reply(
            &first[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n1", qop="auth""#,
            )],
        )
        .to_bytes(),
    );
    let again = h.requests(Method::Subscribe);
    h.deliver(
        reply(
            &again[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n2", qop="auth""#,
            )],
        )
        .to_bytes(),
    );
    assert!(
        h.events.iter().any(|e| matches!(e, EngineEvent::Connection { state: ConnectionState::AuthFailed(why), .. } if why.contains("attendant"))),
        "{:?}",
        h.events
    );
    assert!(
        h.requests(Method::Subscribe).len() <= 1,
        "no storm of retries"
    );
    assert!(
        matches!(h.statuses(0).last(), Some(SubscriptionStatus::Error(e)) if e.contains("rejected"))
    );
}

#[test]
fn a_stale_nonce_falls_back_to_the_new_challenge() {
    let mut h = Harness::new(config(Transport::Udp), 2);
    h.connect();
    let first = h.requests(Method::Subscribe);
    h.deliver(
        reply(
            &first[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n1", qop="auth""#,
            )],
        )
        .to_bytes(),
    );
    let again = h.requests(Method::Subscribe);
    h.deliver(reply(&again[0], 200, &[("Expires", "600")]).to_bytes());
    let reuse = h.requests(Method::Subscribe);
    assert!(!reuse.is_empty());
    // The server now finds n1 stale.
    h.deliver(
        reply(
            &reuse[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n2", qop="auth", stale=true"#,
            )],
        )
        .to_bytes(),
    );
    let retried = h.requests(Method::Subscribe);
    assert!(retried.iter().any(|r| {
        r.headers
            .get("Authorization")
            .unwrap()
            .contains("nonce=\"n2\"")
    }));
    assert!(!h.events.iter().any(|e| matches!(
        e,
        EngineEvent::Connection {
            state: ConnectionState::AuthFailed(_),
            ..
        }
    )));
}

#[test]
fn udp_retransmits_with_timer_e_and_tcp_does_not() {
    for (transport, expected) in [(Transport::Udp, 4usize), (Transport::Tcp, 0)] {
        let mut h = Harness::new(config(transport), 1);
        h.connect();
        assert_eq!(h.requests(Method::Subscribe).len(), 1);
        // 0.5 + 1 + 2 + 4 = 7.5 s: four retransmissions over UDP.
        h.advance(Duration::from_millis(7_600));
        assert_eq!(
            h.requests(Method::Subscribe).len(),
            expected,
            "{transport:?}"
        );
    }
}

#[test]
fn every_notify_is_answered_and_a_retransmission_gets_the_same_answer() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).into_iter().next().unwrap();
    h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
    let n = notify(
        &s,
        1,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    );
    h.deliver(n.clone());
    let first: Vec<Vec<u8>> = std::iter::from_fn(|| h.engine.poll_transmit())
        .map(|t| t.bytes)
        .collect();
    let presences = |h: &Harness| {
        h.events
            .iter()
            .filter(|e| matches!(e, EngineEvent::Presence { .. }))
            .count()
    };
    assert_eq!(presences(&h), 1);
    h.deliver(n);
    let second: Vec<Vec<u8>> = std::iter::from_fn(|| h.engine.poll_transmit())
        .map(|t| t.bytes)
        .collect();
    assert_eq!(
        first
            .iter()
            .filter(|b| b.starts_with(b"SIP/2.0 200"))
            .count(),
        1
    );
    assert_eq!(
        first.last(),
        second.last(),
        "identical answer to the retransmission"
    );
    assert_eq!(presences(&h), 1, "a retransmission is not a second update");
}

#[test]
fn a_notify_before_the_2xx_is_accepted() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).into_iter().next().unwrap();
    h.deliver(notify(
        &s,
        1,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    let out = h.responses();
    assert_eq!(out[0].status, 200);
    assert!(h.events.iter().any(|e| matches!(e, EngineEvent::Presence { doc, .. } if doc.presence == crate::presence::Presence::Away)));
    h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
    let event = if s.headers.get("Event") == Some("presence") {
        EventKind::Presence
    } else {
        EventKind::Dialog
    };
    assert_eq!(
        h.statuses_of(0, Some(event)).last(),
        Some(&SubscriptionStatus::Active)
    );
}

#[test]
fn unknown_event_gets_489_and_unknown_dialog_481() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).into_iter().next().unwrap();
    let mut bad_event = String::from_utf8(notify(&s, 1, "active", None)).unwrap();
    bad_event = bad_event
        .replace("Event: presence", "Event: message-summary")
        .replace("Event: dialog", "Event: message-summary");
    h.deliver(bad_event.into_bytes());
    let out = h.responses();
    assert_eq!(out[0].status, 489, "{out:?}");
    let unknown = String::from_utf8(notify(&s, 2, "active", None))
        .unwrap()
        .replace(s.headers.get("Call-ID").unwrap(), "nobody@x");
    h.deliver(unknown.into_bytes());
    let out = h.responses();
    assert_eq!(out[0].status, 481);
}

#[test]
fn a_bad_body_is_answered_and_shown_as_an_error_with_the_reason() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).into_iter().next().unwrap();
    h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
    h.deliver(notify(
        &s,
        1,
        "active;expires=600",
        Some(("application/pidf+xml", "<<<not xml")),
    ));
    let out = h.responses();
    assert_eq!(out[0].status, 200);
    assert!(
        matches!(h.statuses(0).last(), Some(SubscriptionStatus::Error(e)) if e.contains("body")),
        "{:?}",
        h.statuses(0)
    );
}

#[test]
fn terminated_deactivated_and_timeout_resubscribe_at_once_with_a_new_dialog() {
    for reason in ["deactivated", "timeout"] {
        let mut cfg = config(Transport::Udp);
        cfg.dialog = false;
        let mut h = Harness::new(cfg, 1);
        h.connect();
        let s = establish_all(&mut h).pop().unwrap();
        h.deliver(notify(&s, 2, &format!("terminated;reason={reason}"), None));
        let again = h.requests(Method::Subscribe);
        assert_eq!(again.len(), 1, "{reason}: subscribe again at once");
        assert_ne!(again[0].headers.get("Call-ID"), s.headers.get("Call-ID"));
        assert!(
            again[0].headers.get("To").unwrap().find("tag=").is_none(),
            "a new dialog"
        );
    }
}

#[test]
fn terminated_probation_waits_for_retry_after() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = establish_all(&mut h).pop().unwrap();
    h.deliver(notify(
        &s,
        2,
        "terminated;reason=probation;retry-after=20",
        None,
    ));
    h.advance(Duration::from_secs(19));
    assert!(h.requests(Method::Subscribe).is_empty());
    h.advance(Duration::from_secs(3));
    assert_eq!(distinct(&h.requests(Method::Subscribe)), 1);
}

#[test]
fn a_line_ended_on_probation_is_reported_unavailable_and_retried() {
    let mut cfg = config(Transport::Udp);
    cfg.presence = false;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = establish_all(&mut h).pop().unwrap();
    h.deliver(notify(
        &s,
        2,
        "terminated;reason=probation;retry-after=10",
        None,
    ));
    assert!(
        h.statuses(0).last().is_some_and(|st| st.is_unavailable()),
        "{:?}",
        h.statuses(0)
    );
    h.advance(Duration::from_secs(12));
    let again = h.requests(Method::Subscribe);
    h.deliver(reply(&again[0], 480, &[("Retry-After", "20")]).to_bytes());
    assert!(h.statuses(0).last().is_some_and(|st| st.is_unavailable()));
    h.advance(Duration::from_secs(19));
    assert_eq!(
        distinct(&h.requests(Method::Subscribe)),
        0,
        "Retry-After of the 480 honoured"
    );
    h.advance(Duration::from_secs(3));
    assert_eq!(distinct(&h.requests(Method::Subscribe)), 1);
}

#[test]
fn rejected_and_noresource_stop_and_say_why() {
    for (reason, status) in [
        ("rejected", SubscriptionStatus::AccessDenied),
        ("noresource", SubscriptionStatus::NotFound),
    ] {
        let mut cfg = config(Transport::Udp);
        cfg.dialog = false;
        let mut h = Harness::new(cfg, 1);
        h.connect();
        let s = establish_all(&mut h).pop().unwrap();
        h.deliver(notify(&s, 2, &format!("terminated;reason={reason}"), None));
        assert_eq!(h.statuses(0).last(), Some(&status));
        h.advance(Duration::from_secs(3600));
        assert!(
            h.requests(Method::Subscribe).is_empty(),
            "{reason}: stopped for good"
        );
    }
}

#[test]
fn forbidden_and_not_found_answers_show_on_the_contact() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 2);
    h.connect();
    let s0 = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s0, 404, &[]).to_bytes());
    let s1 = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s1, 403, &[]).to_bytes());
    let by_contact = |h: &Harness, c| h.statuses(c).last().cloned();
    let mut got = vec![by_contact(&h, 0), by_contact(&h, 1)];
    got.sort_by_key(|s| s.as_ref().map(|s| s.severity()));
    assert_eq!(
        got,
        vec![
            Some(SubscriptionStatus::NotFound),
            Some(SubscriptionStatus::AccessDenied)
        ]
    );
    h.advance(Duration::from_secs(3600));
    assert!(h.requests(Method::Subscribe).is_empty());
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s, 423, &[("Min-Expires", "1800")]).to_bytes());
    let again = h.requests(Method::Subscribe);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].headers.get("Expires"), Some("1800"));
}

#[test]
fn refreshes_come_well_before_expiry_spread_out_and_481_starts_over() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 100);
    h.connect();
    establish_all(&mut h);
    let t0 = h.now;
    let mut refresh_times = Vec::new();
    for _ in 0..600 {
        h.advance(Duration::from_secs(1));
        let reqs = h.requests(Method::Subscribe);
        for _ in 0..distinct(&reqs) {
            refresh_times.push(h.now - t0);
        }
        for r in reqs {
            assert!(
                r.headers.get("To").unwrap().contains("tag=srvtag"),
                "a refresh is in-dialog"
            );
            assert_eq!(
                r.uri, "sip:127.0.0.1:5060",
                "refreshes go to the remote target"
            );
            h.deliver(reply(&r, 200, &[("Expires", "600")]).to_bytes());
        }
    }
    assert_eq!(
        refresh_times.len(),
        100,
        "each refreshed once in the first 600 s"
    );
    let first = *refresh_times.iter().min().unwrap();
    let last = *refresh_times.iter().max().unwrap();
    assert!(
        last < Duration::from_secs(570),
        "well before expiry: {last:?}"
    );
    assert!(
        last - first > Duration::from_secs(60),
        "spread out: {first:?}..{last:?}"
    );
    assert_eq!(h.stale_count(), 0);
    // The server forgets one: 481 -> stale, then a fresh subscription.
    let mut r = Vec::new();
    for _ in 0..600 {
        h.advance(Duration::from_secs(1));
        r = h.requests(Method::Subscribe);
        if !r.is_empty() {
            break;
        }
    }
    assert!(!r.is_empty());
    h.deliver(reply(&r[0], 481, &[]).to_bytes());
    assert_eq!(
        h.stale_count(),
        1,
        "what it told us (nothing published) is no longer backed"
    );
    let again = h.requests(Method::Subscribe);
    assert!(
        again
            .iter()
            .any(|a| a.headers.get("To").unwrap().find("tag=").is_none())
    );
}

#[test]
fn server_errors_back_off_exponentially_capped_and_never_give_up() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let mut gaps = Vec::new();
    let mut last = h.now;
    for _ in 0..12 {
        let mut s = h.requests(Method::Subscribe);
        let mut waited = Duration::ZERO;
        while s.is_empty() {
            h.advance(Duration::from_secs(1));
            waited += Duration::from_secs(1);
            assert!(
                waited < Duration::from_secs(400),
                "never gives up, never waits beyond the cap"
            );
            s = h.requests(Method::Subscribe);
        }
        gaps.push(h.now - last);
        last = h.now;
        h.deliver(reply(&s[0], 503, &[]).to_bytes());
    }
    assert!(gaps[4] > gaps[1], "grows: {gaps:?}");
    assert!(
        gaps.iter().all(|g| *g <= Duration::from_secs(301)),
        "capped at 5 minutes: {gaps:?}"
    );
    assert!(
        matches!(h.statuses(0).last(), Some(SubscriptionStatus::Error(e)) if e.contains("503"))
    );
}

#[test]
fn retry_after_on_503_is_honoured() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s, 503, &[("Retry-After", "40")]).to_bytes());
    h.advance(Duration::from_secs(39));
    assert!(h.requests(Method::Subscribe).is_empty());
    h.advance(Duration::from_secs(3));
    assert_eq!(distinct(&h.requests(Method::Subscribe)), 1);
}

#[test]
fn an_unanswered_keepalive_marks_everything_stale_at_once_and_recovery_resubscribes() {
    let mut cfg = config(Transport::Udp);
    cfg.keepalive = Duration::from_secs(10);
    let mut h = Harness::new(cfg, 5);
    h.connect();
    let subs = establish_all(&mut h);
    for s in &subs {
        h.deliver(notify(
            s,
            2,
            "active;expires=600",
            Some(("application/pidf+xml", PIDF_AWAY)),
        ));
    }
    h.sent();
    // The server dies: the next keepalive goes unanswered.
    h.alive = false;
    h.advance(Duration::from_secs(10));
    let probe = h.requests(Method::Options);
    assert_eq!(probe.len(), 1);
    h.advance(Duration::from_secs(6));
    assert!(h.events.iter().any(|e| matches!(
        e,
        EngineEvent::Connection {
            state: ConnectionState::Unreachable(_),
            ..
        }
    )));
    assert_eq!(
        h.stale_count(),
        10,
        "every state of every contact goes stale at once"
    );
    // It comes back: the next probe is answered, everything is subscribed again.
    let mut answered = false;
    for _ in 0..40 {
        h.advance(Duration::from_secs(1));
        for o in h.requests(Method::Options) {
            h.deliver(reply(&o, 200, &[]).to_bytes());
            answered = true;
        }
        if answered {
            break;
        }
    }
    assert!(answered);
    let again = establish_all(&mut h);
    assert_eq!(
        again.len(),
        10,
        "all 5 contacts x 2 packages subscribed again"
    );
    let lost = h
        .events
        .iter()
        .rposition(|e| {
            matches!(
                e,
                EngineEvent::Connection {
                    state: ConnectionState::Unreachable(_),
                    ..
                }
            )
        })
        .unwrap();
    assert!(h.events[lost..].iter().any(|e| matches!(
        e,
        EngineEvent::Connection {
            state: ConnectionState::Connected,
            ..
        }
    )));
}

#[test]
fn a_closed_tcp_connection_marks_stale_at_once_and_reconnect_resubscribes() {
    let mut h = Harness::new(config(Transport::Tcp), 3);
    h.connect();
    let subs = establish_all(&mut h);
    for s in &subs {
        h.deliver(notify(
            s,
            2,
            "active;expires=600",
            Some(("application/pidf+xml", PIDF_AWAY)),
        ));
    }
    h.sent();
    h.engine.transport_lost(h.now, "connection reset");
    h.drain_events();
    assert_eq!(h.stale_count(), 6, "presence and line state of 3 contacts");
    assert!(
        h.statuses(0)
            .last()
            .is_some_and(|s| matches!(s, SubscriptionStatus::Error(_)))
    );
    h.advance(Duration::from_secs(30));
    assert!(h.sent().is_empty(), "nothing is sent without a connection");
    h.engine.transport_connected(h.now);
    assert_eq!(establish_all(&mut h).len(), 6);
}

#[test]
fn an_expired_subscription_goes_stale() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    cfg.keepalive = Duration::ZERO;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = establish_all(&mut h).pop().unwrap();
    h.deliver(notify(
        &s,
        2,
        "active;expires=60",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    // Refreshes go unanswered (but the transport says nothing).
    h.advance(Duration::from_secs(61));
    assert_eq!(h.stale_count(), 1);
}

#[test]
fn shutdown_unsubscribes_every_established_dialog() {
    let mut h = Harness::new(config(Transport::Udp), 3);
    h.connect();
    establish_all(&mut h);
    h.engine.shutdown(h.now);
    let bye = h.requests(Method::Subscribe);
    assert_eq!(bye.len(), 6);
    assert!(bye.iter().all(|r| r.headers.get("Expires") == Some("0")));
    assert!(!h.engine.is_shut_down());
    for r in &bye {
        h.deliver(reply(r, 200, &[("Expires", "0")]).to_bytes());
    }
    assert!(h.engine.is_shut_down());
}

#[test]
fn an_accepted_subscribe_without_a_notify_fails_after_timer_n_and_retries() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
    h.advance(Duration::from_secs(31));
    assert_eq!(
        h.statuses(0).last(),
        Some(&SubscriptionStatus::Requesting),
        "still waiting within 64*T1"
    );
    h.advance(Duration::from_secs(2));
    assert!(
        matches!(h.statuses(0).last(), Some(SubscriptionStatus::Error(e)) if e.contains("no NOTIFY")),
        "{:?}",
        h.statuses(0)
    );
    h.advance(Duration::from_secs(5));
    let again = h.requests(Method::Subscribe);
    assert!(
        again
            .iter()
            .any(|r| !r.headers.get("To").unwrap().contains("tag=")),
        "a fresh subscription"
    );
}

#[test]
fn a_reused_branch_in_a_new_dialog_is_a_new_notify_not_a_retransmission() {
    // After a restart Kamailio's branch counter starts over: the first
    // NOTIFY of a new subscription may carry the branch of an old one.
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 2);
    h.connect();
    let subs = establish_all(&mut h);
    let presences = |h: &Harness| {
        h.events
            .iter()
            .filter(|e| matches!(e, EngineEvent::Presence { .. }))
            .count()
    };
    let before = presences(&h);
    let a = String::from_utf8(notify(
        &subs[0],
        7,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ))
    .unwrap();
    let b = String::from_utf8(notify(
        &subs[1],
        7,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ))
    .unwrap();
    let branch = |m: &str| {
        m.lines()
            .find(|l| l.starts_with("Via:"))
            .unwrap()
            .to_string()
    };
    let b = b.replace(&branch(&b), &branch(&a));
    h.deliver(a.into_bytes());
    h.deliver(b.into_bytes());
    assert_eq!(presences(&h) - before, 2, "both NOTIFYs applied");
}

#[test]
fn shutdown_paces_the_unsubscribes_through_the_window() {
    let mut cfg = config(Transport::Udp);
    cfg.window = 8;
    let mut h = Harness::new(cfg, 50);
    h.connect();
    assert_eq!(establish_all(&mut h).len(), 100);
    h.engine.shutdown(h.now);
    let mut ended = 0;
    loop {
        let batch = h.requests(Method::Subscribe);
        if batch.is_empty() {
            break;
        }
        assert!(
            batch.len() <= 9,
            "never more than the window in flight: {}",
            batch.len()
        );
        for r in &batch {
            assert_eq!(r.headers.get("Expires"), Some("0"));
            h.deliver(reply(r, 200, &[("Expires", "0")]).to_bytes());
            ended += 1;
        }
    }
    assert_eq!(ended, 100, "every subscription ended");
    assert!(h.engine.is_shut_down());
}
