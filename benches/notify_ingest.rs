//! NOTIFY ingest: SIP parse + body parse + store update, through the real
//! engine path (subscription lookup, Subscription-State, the 200 OK and the
//! retransmission cache included). Target: 50,000 NOTIFYs/s on one core.
//!
//! The `+journal` variants add the journal as the console runs it: before
//! each event the contact's state (and ringing dialogs) is kept, after it
//! every change becomes journal entries (`app::journal::changes`, missed
//! calls), sent to the real notes thread, which writes them to an SQLite
//! file in batches. Every NOTIFY changes the state here, so `+journal`
//! sends the sink every change (tens of thousands a second, on a thread
//! that competes with the ingest for the cores); `+journal@1k` pays the
//! same hook on every NOTIFY but sends the sink at most 1,000 changes a
//! second (the issue's load: a real office changes far less often than
//! this bench), the rest are built and dropped.
//!
//! cargo bench --bench notify_ingest
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Instant;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use switchboard::app::journal::{Snapshot, changes};
use switchboard::notes::NotesTarget;
use switchboard::notes::journal;
use switchboard::runtime::notes::NotesHandle;
use switchboard::sip::codec::{Message, Method, Request, parse, response_to};
use switchboard::sip::engine::{Engine, EngineConfig, Transport};
use switchboard::sip::events::EngineEvent;
use switchboard::store::{ContactId, ContactInfo, Store};

const CONTACTS: usize = 1_000;
const BATCH: usize = 10_000;

fn server() -> SocketAddr {
    "127.0.0.1:5060".parse().unwrap()
}

/// An engine with every subscription of `CONTACTS` contacts established,
/// and the SUBSCRIBEs it sent (for building in-dialog NOTIFYs).
fn established() -> (Engine, Store, Vec<Request>) {
    let contacts: Vec<ContactInfo> = (0..CONTACTS)
        .map(|i| ContactInfo {
            name: format!("User {i:04}"),
            uri: format!("sip:user{i:04}@127.0.0.1"),
            extension: Some(format!("{}", 1000 + i)),
            department: Some("Sales".into()),
        })
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
        Transport::Udp,
    );
    cfg.window = 1024;
    let now = Instant::now();
    let mut engine = Engine::new(cfg, &targets, now);
    let mut store = Store::new(contacts);
    let mut subs = Vec::new();
    loop {
        let mut sent = Vec::new();
        while let Some(t) = engine.poll_transmit() {
            sent.push(parse(&t.bytes).expect("parseable"));
        }
        if sent.is_empty() {
            break;
        }
        for m in sent {
            if let Message::Request(r) = m {
                let mut resp = response_to(&r, 200, "OK", Some("srv"));
                resp.headers.push("Expires", "3600");
                resp.headers.push("Contact", "<sip:127.0.0.1:5060>");
                engine.handle_datagram(now, Some(server()), &resp.to_bytes());
                if r.method == Method::Subscribe {
                    subs.push(r);
                }
            }
        }
    }
    while let Some(ev) = engine.poll_event() {
        store.apply_event(&ev);
    }
    assert_eq!(subs.len(), 2 * CONTACTS, "every subscription established");
    (engine, store, subs)
}

fn notify(sub: &Request, seq: usize, ctype: &str, body: &str) -> Vec<u8> {
    let mut n = Request::new(Method::Notify, "sip:attendant@127.0.0.1:40000");
    n.headers.push(
        "Via",
        format!(
            "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK{seq}x{}",
            sub.headers.get("Call-ID").unwrap_or("")
        ),
    );
    n.headers.push("To", sub.headers.get("From").unwrap_or(""));
    n.headers.push("From", format!("<{}>;tag=srv", sub.uri));
    n.headers
        .push("Call-ID", sub.headers.get("Call-ID").unwrap_or(""));
    n.headers.push("CSeq", format!("{} NOTIFY", seq + 2));
    n.headers.push("Max-Forwards", "70");
    n.headers
        .push("Event", sub.headers.get("Event").unwrap_or(""));
    n.headers.push("Contact", "<sip:127.0.0.1:5060>");
    n.headers.push("Subscription-State", "active;expires=3000");
    n.headers.push("Content-Type", ctype);
    n.body = body.as_bytes().to_vec();
    n.to_bytes()
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

fn dialog_info(entity: &str, version: usize, i: usize) -> String {
    let state = ["early", "confirmed", "terminated"][i % 3];
    format!(
        r#"<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="{version}" state="full" entity="{entity}">
  <dialog id="d1" call-id="c1@127.0.0.1" direction="recipient">
    <state>{state}</state>
    <remote><identity display="Alice">sip:alice@127.0.0.1</identity><target uri="sip:alice@127.0.0.1:5071"/></remote>
    <local><identity>{entity}</identity><target uri="{entity}"/></local>
  </dialog>
</dialog-info>"#
    )
}

/// `BATCH` NOTIFYs of one package, round-robin over the contacts, with
/// increasing CSeq (and dialog-info version) per subscription.
fn notifies(subs: &[Request], event: &str) -> Vec<Vec<u8>> {
    let mine: Vec<&Request> = subs
        .iter()
        .filter(|r| r.headers.get("Event") == Some(event))
        .collect();
    (0..BATCH)
        .map(|k| {
            let sub = mine[k % mine.len()];
            let round = k / mine.len();
            if event == "presence" {
                notify(sub, k, "application/pidf+xml", &pidf(&sub.uri, k))
            } else {
                notify(
                    sub,
                    k,
                    "application/dialog-info+xml",
                    &dialog_info(&sub.uri, round + 1, k),
                )
            }
        })
        .collect()
}

fn ingest(engine: &mut Engine, store: &mut Store, batch: &[Vec<u8>]) -> usize {
    let now = Instant::now();
    let mut changed = 0;
    for bytes in batch {
        engine.handle_datagram(now, Some(server()), bytes);
        while engine.poll_transmit().is_some() {}
        while let Some(ev) = engine.poll_event() {
            changed += usize::from(store.apply_event(&ev).is_some());
        }
    }
    changed
}

/// `ingest` with the journal hook of the console (`app::journal`).
fn ingest_journalled(
    engine: &mut Engine,
    store: &mut Store,
    batch: &[Vec<u8>],
    sink: &NotesHandle,
    keys: &[String],
    per_second: Option<f64>,
) -> usize {
    let now = Instant::now();
    let at_ms = switchboard::runtime::notes::now_ms();
    let mut changed = 0;
    let mut sent = 0usize;
    for bytes in batch {
        engine.handle_datagram(now, Some(server()), bytes);
        while engine.poll_transmit().is_some() {}
        while let Some(ev) = engine.poll_event() {
            let before = match &ev {
                EngineEvent::Presence { contact, .. } => Some(Snapshot::of(store, *contact, false)),
                EngineEvent::Dialog { contact, .. } => Some(Snapshot::of(store, *contact, true)),
                _ => None,
            };
            let Some(id) = store.apply_event(&ev) else {
                continue;
            };
            changed += 1;
            let Some(before) = before else { continue };
            let key = &keys[id.0 as usize];
            let mut entries = changes(key, &before, store.shown(id), at_ms);
            if !before.ringing.is_empty() {
                for mut m in journal::missed_calls(&before.ringing, store.dialogs(id)) {
                    m.contact.clone_from(key);
                    m.at_ms = at_ms;
                    entries.push(m.made_harmless());
                }
            }
            let allowed =
                per_second.is_none_or(|rate| sent as f64 <= now.elapsed().as_secs_f64() * rate);
            if !entries.is_empty() && allowed {
                sent += entries.len();
                sink.journal(entries);
            }
        }
    }
    changed
}

fn bench(c: &mut Criterion) {
    let (_, _, subs) = established();
    let dir = std::env::temp_dir().join(format!("sb-ingest-journal-{}", std::process::id()));
    let (back, _reports) = tokio::sync::mpsc::unbounded_channel();
    let sink = NotesHandle::start(NotesTarget::Sqlite(dir.join("notes.sqlite")), back);
    let keys: Vec<String> = (0..CONTACTS)
        .map(|i| format!("sip:user{i:04}@127.0.0.1"))
        .collect();
    for event in ["presence", "dialog"] {
        let batch = notifies(&subs, event);
        // Check once that the batch really goes the whole way: every
        // NOTIFY is answered 200 and changes what is shown.
        {
            let (mut engine, mut store, _) = established_with_same_dialogs(&subs);
            let now = Instant::now();
            let mut ok = 0;
            for bytes in &batch {
                engine.handle_datagram(now, Some(server()), bytes);
                while let Some(t) = engine.poll_transmit() {
                    ok += usize::from(t.bytes.starts_with(b"SIP/2.0 200"));
                }
                while let Some(ev) = engine.poll_event() {
                    store.apply_event(&ev);
                }
            }
            assert_eq!(ok, BATCH, "{event}: every NOTIFY answered 200");
        }
        let mut group = c.benchmark_group("notify_ingest");
        group.throughput(Throughput::Elements(BATCH as u64));
        group.sample_size(20);
        group.bench_function(event, |b| {
            b.iter_batched(
                || {
                    let (engine, store, _) = established_with_same_dialogs(&subs);
                    (engine, store)
                },
                |(mut engine, mut store)| black_box(ingest(&mut engine, &mut store, &batch)),
                BatchSize::PerIteration,
            )
        });
        for (name, rate) in [("+journal", None), ("+journal@1k", Some(1000.0))] {
            group.bench_function(format!("{event}{name}"), |b| {
                b.iter_batched(
                    || {
                        let (engine, store, _) = established_with_same_dialogs(&subs);
                        (engine, store)
                    },
                    |(mut engine, mut store)| {
                        black_box(ingest_journalled(
                            &mut engine,
                            &mut store,
                            &batch,
                            &sink,
                            &keys,
                            rate,
                        ))
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        group.finish();
    }
    sink.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `established()` is deterministic (same seed, same tags and Call-IDs), so
/// a fresh engine matches the NOTIFYs built from the first one's SUBSCRIBEs.
fn established_with_same_dialogs(subs: &[Request]) -> (Engine, Store, Vec<Request>) {
    let (e, s, again) = established();
    debug_assert_eq!(
        again.first().and_then(|r| r.headers.get("Call-ID")),
        subs.first().and_then(|r| r.headers.get("Call-ID"))
    );
    (e, s, again)
}

criterion_group!(benches, bench);
criterion_main!(benches);
