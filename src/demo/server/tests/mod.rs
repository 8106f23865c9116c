//! The sans-IO server against a scripted client on a fake clock.

mod auth;
mod engine;
mod list;
mod publish;
mod subscribe;
mod transactions;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::body::{DialogState, Direction};
use crate::presence::{Availability, Presence};
use crate::sip::codec::{Message, Request, Response, parse};

pub(super) const SERVER: &str = "127.0.0.1:5070";
pub(super) const CLIENT: &str = "127.0.0.1:5099";

pub(super) fn client() -> Peer {
    Peer {
        transport: Transport::Udp,
        addr: CLIENT.parse().unwrap(),
    }
}

pub(super) fn tcp_client() -> Peer {
    Peer {
        transport: Transport::Tcp,
        addr: "127.0.0.1:40000".parse().unwrap(),
    }
}

/// A server for alice, bob and carol (plus `credentials`' user).
pub(super) fn server(credentials: Option<(&str, &str)>) -> (Server, Instant) {
    let t0 = Instant::now();
    let local: SocketAddr = SERVER.parse().unwrap();
    let mut cfg = ServerConfig::new("127.0.0.1", local);
    cfg.credentials = credentials.map(|(u, p)| (u.to_string(), p.to_string()));
    let users = ["alice", "bob", "carol"].map(String::from);
    let mut s = Server::new(cfg, users, t0);
    for u in 0..3 {
        s.set_presence(t0, u, crate::demo::state::PresenceState::available());
    }
    (s, t0)
}

/// A scripted subscriber: builds requests, reads what the server sends.
pub(super) struct Sub {
    pub user: &'static str,
    pub event: &'static str,
    pub call_id: String,
    pub from_tag: String,
    pub to_tag: Option<String>,
    pub cseq: u32,
    pub peer: Peer,
    pub branch: u32,
}

impl Sub {
    pub fn new(user: &'static str, event: &'static str) -> Self {
        Sub {
            user,
            event,
            call_id: format!("{user}-{event}-call"),
            from_tag: "watcher1".into(),
            to_tag: None,
            cseq: 0,
            peer: client(),
            branch: 0,
        }
    }

    /// A SUBSCRIBE (in-dialog once `to_tag` is known), as a Request.
    pub fn request(&mut self, expires: u32) -> Request {
        self.cseq += 1;
        self.branch += 1;
        let t = self.peer.transport.as_str();
        let mut r = Request::new(Method::Subscribe, format!("sip:{}@127.0.0.1", self.user));
        let h = &mut r.headers;
        h.push(
            "Via",
            format!(
                "SIP/2.0/{t} {CLIENT};branch=z9hG4bK{}-{}",
                self.call_id, self.branch
            ),
        );
        h.push("Max-Forwards", "70");
        h.push(
            "From",
            format!("<sip:reception@127.0.0.1>;tag={}", self.from_tag),
        );
        match &self.to_tag {
            Some(tag) => h.push("To", format!("<sip:{}@127.0.0.1>;tag={tag}", self.user)),
            None => h.push("To", format!("<sip:{}@127.0.0.1>", self.user)),
        }
        h.push("Call-ID", self.call_id.clone());
        h.push("CSeq", format!("{} SUBSCRIBE", self.cseq));
        h.push("Contact", format!("<sip:reception@{CLIENT}>"));
        h.push("Event", self.event);
        h.push("Expires", expires.to_string());
        r
    }

    pub fn subscribe(&mut self, s: &mut Server, now: Instant, expires: u32) -> Vec<Message> {
        let req = self.request(expires);
        send(s, now, self.peer, &req.to_bytes())
    }
}

/// Feeds bytes to the server; returns everything it sends, parsed.
pub(super) fn send(s: &mut Server, now: Instant, from: Peer, bytes: &[u8]) -> Vec<Message> {
    s.handle(now, from, bytes).expect("the server reads it");
    drain(s)
}

pub(super) fn drain(s: &mut Server) -> Vec<Message> {
    std::iter::from_fn(|| s.poll_transmit())
        .map(|t| parse(&t.bytes).expect("the server sends valid SIP"))
        .collect()
}

pub(super) fn response(m: &Message) -> &Response {
    match m {
        Message::Response(r) => r,
        Message::Request(r) => panic!("expected a response, got {} {}", r.method, r.uri),
    }
}

pub(super) fn request(m: &Message) -> &Request {
    match m {
        Message::Request(r) => r,
        Message::Response(r) => panic!("expected a request, got {} {}", r.status, r.reason),
    }
}

/// The 200 a subscriber sends back to a NOTIFY.
pub(super) fn ok_to(notify: &Request) -> Vec<u8> {
    crate::sip::codec::response_to(notify, 200, "OK", None).to_bytes()
}

pub(super) fn status(m: &Message) -> u16 {
    response(m).status
}

pub(super) fn substate(notify: &Request) -> &str {
    notify.headers.get("Subscription-State").unwrap_or_default()
}

/// Runs the server's timers up to `until`, in 10 ms steps.
pub(super) fn advance(s: &mut Server, from: Instant, until: Instant) -> Vec<Message> {
    let mut out = Vec::new();
    let mut now = from;
    while now < until {
        now = (now + Duration::from_millis(10)).min(until);
        if s.poll_timeout().is_some_and(|t| t <= now) {
            s.handle_timeout(now);
        }
        out.extend(drain(s));
    }
    out
}

/// Subscribes and answers the initial NOTIFY; returns it.
pub(super) fn established(s: &mut Server, now: Instant, sub: &mut Sub, expires: u32) -> Request {
    let msgs = sub.subscribe(s, now, expires);
    assert_eq!(msgs.len(), 2, "200 and the initial NOTIFY: {msgs:?}");
    assert_eq!(status(&msgs[0]), 200);
    let to = crate::sip::headers::NameAddr::parse(response(&msgs[0]).headers.get("To").unwrap())
        .unwrap();
    sub.to_tag = to.tag().map(str::to_string);
    let notify = request(&msgs[1]).clone();
    assert!(send(s, now, sub.peer, &ok_to(&notify)).is_empty());
    notify
}

pub(super) fn pidf(notify: &Request) -> crate::body::PresenceDoc {
    crate::body::pidf::parse(&notify.body).expect("a PIDF body")
}

pub(super) fn dialog_doc(notify: &Request) -> crate::body::DialogDoc {
    crate::body::dialog_info::parse(&notify.body).expect("a dialog-info body")
}

pub(super) fn ringing_from(id: &str, remote: &str, state: DialogState) -> crate::body::DialogEntry {
    crate::body::DialogEntry {
        id: id.into(),
        state,
        direction: Some(Direction::Recipient),
        remote_identity: Some(remote.into()),
        remote_display: Some("Meyer & Söhne".into()),
    }
}

pub(super) fn busy_in_meeting() -> crate::demo::state::PresenceState {
    crate::demo::state::PresenceState {
        presence: Presence::Busy,
        note: Some("In a meeting until 10:30".into()),
        availability: None,
        forwarding: None,
    }
}

pub(super) fn lunch() -> crate::demo::state::PresenceState {
    crate::demo::state::PresenceState {
        presence: Presence::Away,
        note: Some("Lunch".into()),
        availability: Some(Availability::Break),
        forwarding: None,
    }
}
