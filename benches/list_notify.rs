//! One resource list NOTIFY (RFC 4662) carrying 500 PIDF parts, the size
//! of Kamailio's partial NOTIFYs: split, RLMI and every PIDF parsed, and
//! applied to the store, through the real engine path (the 200 included).
//! Also the body parse alone, and a 10,000-member full state.
//!
//! cargo bench --bench list_notify
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use switchboard::body::list;
use switchboard::presence::EventKind;
use switchboard::sip::codec::{Message, Method, Request, parse, response_to};
use switchboard::sip::engine::{Engine, EngineConfig, Transport};
use switchboard::store::{ContactId, ContactInfo, Store};

const MEMBERS: usize = 1_000;
const PARTS: usize = 500;
const LIST: &str = "sip:attendant-list@127.0.0.1";
const BOUNDARY: &str = "bnd-7e3f";

fn server() -> SocketAddr {
    "127.0.0.1:5060".parse().unwrap()
}

fn member(i: usize) -> String {
    format!("sip:user{i:05}@127.0.0.1")
}

fn pidf(entity: &str, i: usize) -> String {
    let (act, note) = if i.is_multiple_of(2) {
        ("away", "Back in 5 minutes")
    } else {
        ("on-the-phone", "On the phone")
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="{entity}">
<tuple id="t1"><status><basic>open</basic></status><contact>{entity}</contact><note>{note}</note></tuple>
<dm:person id="p1"><rpid:activities><rpid:{act}/></rpid:activities><dm:note>{note}</dm:note></dm:person>
</presence>"#
    )
}

/// A list body: `members` listed, the first `with_docs` of them with a PIDF part.
fn list_body(version: u64, full: bool, members: &[usize], with_docs: usize) -> String {
    let mut rlmi = format!(
        r#"<?xml version="1.0"?><list xmlns="urn:ietf:params:xml:ns:rlmi" uri="{LIST}" version="{version}" fullState="{full}">"#
    );
    let mut parts = String::new();
    for (k, &i) in members.iter().enumerate() {
        let uri = member(i);
        if k < with_docs {
            let cid = format!("{version}.{i}@x");
            rlmi.push_str(&format!(
                r#"<resource uri="{uri}"><instance id="i{i}" state="active" cid="{cid}"/></resource>"#
            ));
            parts.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <{cid}>\r\nContent-Type: application/pidf+xml\r\n\r\n{}\r\n",
                pidf(&uri, i + version as usize)
            ));
        } else {
            rlmi.push_str(&format!(r#"<resource uri="{uri}"/>"#));
        }
    }
    rlmi.push_str("</list>");
    format!(
        "--{BOUNDARY}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root@x>\r\nContent-Type: application/rlmi+xml;charset=\"UTF-8\"\r\n\r\n{rlmi}\r\n{parts}--{BOUNDARY}--\r\n"
    )
}

fn content_type() -> String {
    format!(
        "multipart/related;type=\"application/rlmi+xml\";start=\"<root@x>\";boundary=\"{BOUNDARY}\""
    )
}

fn notify(sub: &Request, cseq: u64, body: &str) -> Vec<u8> {
    let mut n = Request::new(Method::Notify, "sip:attendant@127.0.0.1:40000");
    n.headers.push(
        "Via",
        format!("SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKl{cseq}"),
    );
    n.headers.push("To", sub.headers.get("From").unwrap_or(""));
    n.headers.push("From", format!("<{LIST}>;tag=rls"));
    n.headers
        .push("Call-ID", sub.headers.get("Call-ID").unwrap_or(""));
    n.headers.push("CSeq", format!("{cseq} NOTIFY"));
    n.headers.push("Event", "presence");
    n.headers.push("Contact", "<sip:rls@127.0.0.1:5060>");
    n.headers.push("Subscription-State", "active;expires=3000");
    n.headers.push("Require", "eventlist");
    n.headers.push("Content-Type", content_type());
    n.body = body.as_bytes().to_vec();
    n.to_bytes()
}

/// An engine holding a presence list of `MEMBERS` (its full state applied)
/// and the list SUBSCRIBE.
fn listening() -> (Engine, Store, Request) {
    let contacts: Vec<ContactInfo> = (0..MEMBERS)
        .map(|i| ContactInfo::named(format!("User {i:05}"), member(i)))
        .collect();
    let targets: Vec<(ContactId, String)> = contacts
        .iter()
        .enumerate()
        .map(|(i, c)| (ContactId(i as u32), c.uri.clone()))
        .collect();
    let mut cfg = EngineConfig::new(
        "sip:attendant@127.0.0.1",
        "127.0.0.1:5060",
        "127.0.0.1:40000".parse().unwrap(),
        Transport::Tcp,
    );
    cfg.dialog = false;
    cfg.list = Some(LIST.into());
    let now = Instant::now();
    let mut engine = Engine::new(cfg, &targets, now);
    let mut store = Store::new(contacts);
    let mut list_sub = None;
    for _ in 0..4 {
        let sent: Vec<Message> = std::iter::from_fn(|| engine.poll_transmit())
            .map(|t| parse(&t.bytes).expect("parseable"))
            .collect();
        for m in sent {
            if let Message::Request(r) = m {
                let mut resp = response_to(&r, 200, "OK", Some("rls"));
                resp.headers.push("Expires", "3600");
                engine.handle_datagram(now, Some(server()), &resp.to_bytes());
                if r.method == Method::Subscribe {
                    list_sub = Some(r);
                }
            }
        }
    }
    let sub = list_sub.expect("the list SUBSCRIBE");
    let all: Vec<usize> = (0..MEMBERS).collect();
    let full = notify(&sub, 1, &list_body(1, true, &all, MEMBERS));
    engine.handle_datagram(now, Some(server()), &full);
    while engine.poll_transmit().is_some() {}
    while let Some(ev) = engine.poll_event() {
        store.apply_event(&ev);
    }
    (engine, store, sub)
}

fn bench(c: &mut Criterion) {
    let (_, _, sub) = listening();
    let changed: Vec<usize> = (0..PARTS).map(|k| (k * 7) % MEMBERS).collect();
    let body = list_body(2, false, &changed, PARTS);
    let partial = notify(&sub, 2, &body);
    eprintln!(
        "a partial NOTIFY of {PARTS} PIDF parts: {} bytes",
        partial.len()
    );

    let mut group = c.benchmark_group("list_notify");
    group.sample_size(30);
    group.bench_function("parse_500_pidf_parts", |b| {
        let ct = content_type();
        b.iter(|| {
            black_box(
                list::read(EventKind::Presence, &ct, body.as_bytes()).map(|l| l.members.len()),
            )
        })
    });
    group.bench_function("parse_and_apply_500_pidf_parts", |b| {
        b.iter_batched(
            listening,
            |(mut engine, mut store, _)| {
                let now = Instant::now();
                engine.handle_datagram(now, Some(server()), &partial);
                let mut changed = 0;
                let ok = std::iter::from_fn(|| engine.poll_transmit())
                    .any(|t| t.bytes.starts_with(b"SIP/2.0 200"));
                while let Some(ev) = engine.poll_event() {
                    changed += usize::from(store.apply_event(&ev).is_some());
                }
                assert!(
                    ok && changed >= PARTS / 2,
                    "answered 200 and applied ({changed})"
                );
                black_box(changed)
            },
            BatchSize::PerIteration,
        )
    });
    let everyone: Vec<usize> = (0..10_000).collect();
    let full = list_body(1, true, &everyone, 10_000);
    eprintln!(
        "a full state of 10,000 members with PIDF: {} bytes",
        full.len()
    );
    group.bench_function("parse_full_state_10000_members", |b| {
        let ct = content_type();
        b.iter(|| {
            black_box(
                list::read(EventKind::Presence, &ct, full.as_bytes()).map(|l| l.members.len()),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
