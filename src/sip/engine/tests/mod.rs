//! Engine tests: a fake clock and a scripted server, no sockets, no sleeps.
//! This file is the harness; the tests are grouped by topic below.

mod auth;
mod diagnostics;
mod directory;
mod health;
mod line;
mod list;
mod list_lifecycle;
mod notify;
mod quit;
mod rules;
mod startup;
mod unreadable;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::presence::SubscriptionStatus;
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

/// A connected harness over UDP with only presence subscriptions (one per
/// contact), the shape most rule tests need.
fn presence_only(contacts: usize) -> Harness {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, contacts);
    h.connect();
    h
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
