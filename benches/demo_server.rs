//! The demo presence server: how fast it is.
//!
//! Criterion, on the sans-IO core (no sockets):
//! - `demo/subscribe_20000`: 20,000 SUBSCRIBEs (10,000 users, presence and
//!   dialog) handled: each answered 200 with its initial NOTIFY built.
//! - `demo/notify_2000_changes`: with those 20,000 subscriptions
//!   established, 2,000 changes of the rate-mode simulation applied, their
//!   NOTIFYs built, and the subscriber's 200s (parsed and built here too)
//!   handled.
//! - `demo/spawn_10000`: `demo::spawn` with 10,000 contacts, until it
//!   listens.
//!
//! Then, outside criterion, over real loopback UDP: a console-like client
//! subscribes 10,000 presence + 10,000 dialog on a spawned
//! `--contacts 10000 --rate N` demo, answers every NOTIFY, and counts how
//! many arrive per second.
//!
//! Figures on the shared 2-core development machine (bench profile):
//! subscribe_20000 302 ms (66k SUBSCRIBE/s), notify_2000_changes 28 ms
//! (71k NOTIFYs/s including the 200s), spawn_10000 40 ms; loopback: 20,000
//! subscriptions established in 1.5-3 s, then 2,000 / 5,000 / 20,000
//! NOTIFYs/s received and answered at `--rate` 2,000 / 5,000 / 20,000.
//!
//! Run: `scripts/demo-bench.sh` (or `cargo bench --bench demo_server` once
//! Cargo.toml has a `[[bench]] name = "demo_server" harness = false`).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]
// Without that entry cargo builds this file as a libtest bench, where `main`
// is not used.
#![cfg_attr(test, allow(dead_code))]

use std::hint::black_box;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use switchboard::demo::server::{Peer, Server, ServerConfig, Transport};
use switchboard::demo::sim::Simulation;
use switchboard::demo::{DemoOptions, directory, spawn};
use switchboard::sip::codec::{Message, Method, Request, parse, response_to};

const USERS: usize = 10_000;
const CLIENT: &str = "127.0.0.1:40000";

fn subscribe_bytes(user: &str, event: &str, n: usize, client: SocketAddr) -> Vec<u8> {
    let mut r = Request::new(Method::Subscribe, format!("sip:{user}@127.0.0.1"));
    let h = &mut r.headers;
    h.push("Via", format!("SIP/2.0/UDP {client};branch=z9hG4bK-b{n}"));
    h.push("Max-Forwards", "70");
    h.push("From", format!("<sip:reception@127.0.0.1>;tag=f{n}"));
    h.push("To", format!("<sip:{user}@127.0.0.1>"));
    h.push("Call-ID", format!("bench-{n}"));
    h.push("CSeq", "1 SUBSCRIBE");
    h.push("Contact", format!("<sip:reception@{client}>"));
    h.push("Event", event);
    h.push("Expires", "3600");
    r.to_bytes()
}

/// 20,000 SUBSCRIBEs: presence and dialog for every user.
fn all_subscribes(people: &[directory::Person], client: SocketAddr) -> Vec<Vec<u8>> {
    people
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            [
                subscribe_bytes(&p.user, "presence", 2 * i, client),
                subscribe_bytes(&p.user, "dialog", 2 * i + 1, client),
            ]
        })
        .collect()
}

fn new_server(people: &[directory::Person], now: Instant) -> Server {
    let cfg = ServerConfig::new("127.0.0.1", "127.0.0.1:5070".parse().unwrap());
    Server::new(cfg, people.iter().map(|p| p.user.clone()), now)
}

/// Answers every NOTIFY the server sent with a 200; returns how many.
fn answer_all(server: &mut Server, now: Instant, peer: Peer) -> usize {
    let mut n = 0;
    let mut answers = Vec::new();
    while let Some(t) = server.poll_transmit() {
        if let Ok(Message::Request(req)) = parse(&t.bytes) {
            answers.push(response_to(&req, 200, "OK", None).to_bytes());
            n += 1;
        }
    }
    for a in answers {
        server
            .handle(now, peer, &a)
            .expect("a 200 the server reads");
    }
    n
}

fn sans_io(c: &mut Criterion) {
    let people = directory::load(USERS).unwrap();
    let client: SocketAddr = CLIENT.parse().unwrap();
    let peer = Peer {
        transport: Transport::Udp,
        addr: client,
    };
    let requests = all_subscribes(&people, client);
    let mut g = c.benchmark_group("demo");
    g.sample_size(10);
    g.throughput(Throughput::Elements(requests.len() as u64));
    g.bench_function("subscribe_20000", |b| {
        b.iter_batched(
            || new_server(&people, Instant::now()),
            |mut server| {
                let now = Instant::now();
                for r in &requests {
                    server.handle(now, peer, r).unwrap();
                }
                let mut sent = 0;
                while let Some(t) = server.poll_transmit() {
                    sent += t.bytes.len();
                }
                black_box(sent);
                server
            },
            BatchSize::PerIteration,
        )
    });

    // 20,000 established subscriptions, then changes at a fake rate.
    let t0 = Instant::now();
    let mut server = new_server(&people, t0);
    for r in &requests {
        server.handle(t0, peer, r).unwrap();
    }
    answer_all(&mut server, t0, peer);
    assert_eq!(server.subscription_count(), 20_000);
    let mut sim = Simulation::new(people.clone(), "127.0.0.1", 7, 1.0, Some(1000.0));
    let mut sim_ms = 0u64;
    let mut now = t0;
    const CHANGES: u64 = 2_000;
    g.throughput(Throughput::Elements(CHANGES));
    g.bench_function("notify_2000_changes", |b| {
        b.iter_custom(|iters| {
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let mut notifies = 0;
                // 1000 changes per simulated second: 2 s per iteration.
                for _ in 0..(CHANGES / 10) {
                    sim_ms += 10;
                    now += Duration::from_millis(10);
                    sim.run_until(sim_ms);
                    while let Some(change) = sim.poll_change() {
                        server.apply(now, change);
                    }
                    server.handle_timeout(now);
                    notifies += answer_all(&mut server, now, peer);
                }
                took += start.elapsed();
                black_box(notifies);
            }
            took
        })
    });

    let rt = tokio::runtime::Runtime::new().unwrap();
    g.throughput(Throughput::Elements(1));
    g.bench_function("spawn_10000", |b| {
        b.iter_custom(|iters| {
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let handle = rt
                    .block_on(spawn(DemoOptions {
                        contacts: USERS,
                        ..DemoOptions::default()
                    }))
                    .unwrap();
                took += start.elapsed();
                rt.block_on(handle.shutdown());
            }
            took
        })
    });
    g.finish();
}

criterion_group!(benches, sans_io);

/// Over loopback UDP: subscribe everything, then count NOTIFYs per second
/// for `seconds` with the demo changing `rate` states per second.
fn loopback(rate: f64, seconds: u64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let handle = rt
        .block_on(spawn(DemoOptions {
            contacts: USERS,
            rate: Some(rate),
            ..DemoOptions::default()
        }))
        .unwrap();
    let up = started.elapsed();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let client = sock.local_addr().unwrap();
    let users: Vec<String> = handle
        .contacts
        .iter()
        .map(|c| {
            c.uri
                .trim_start_matches("sip:")
                .split('@')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let requests: Vec<Vec<u8>> = users
        .iter()
        .enumerate()
        .flat_map(|(i, u)| {
            [
                subscribe_bytes(u, "presence", 2 * i, client),
                subscribe_bytes(u, "dialog", 2 * i + 1, client),
            ]
        })
        .collect();
    let mut buf = vec![0u8; 65_536];
    // Sent-at per SUBSCRIBE (None once answered 200): unanswered ones are
    // sent again after a second, as a real client's Timer E would.
    let mut pending: Vec<Option<Instant>> = vec![None; requests.len()];
    let (mut next, mut ok, mut notifies) = (0usize, 0usize, 0u64);
    let subscribing = Instant::now();
    let mut handle_one = |sock: &UdpSocket,
                          pending: &mut Vec<Option<Instant>>,
                          ok: &mut usize,
                          notifies: &mut u64| {
        let Ok((n, from)) = sock.recv_from(&mut buf) else {
            return;
        };
        match parse(&buf[..n]) {
            Ok(Message::Response(r)) => {
                let index = r
                    .headers
                    .get("Call-ID")
                    .and_then(|c| c.strip_prefix("bench-"))
                    .and_then(|i| i.parse::<usize>().ok());
                if let Some(slot) = index.and_then(|i| pending.get_mut(i))
                    && r.status == 200
                    && slot.take().is_some()
                {
                    *ok += 1;
                }
            }
            Ok(Message::Request(req)) => {
                *notifies += 1;
                let _ = sock.send_to(&response_to(&req, 200, "OK", None).to_bytes(), from);
            }
            Err(_) => {}
        }
    };
    let mut last_sweep = Instant::now();
    while ok < requests.len() && subscribing.elapsed() < Duration::from_secs(120) {
        let in_flight = next - ok;
        for _ in in_flight..256 {
            if next == requests.len() {
                break;
            }
            sock.send_to(&requests[next], handle.addr).unwrap();
            pending[next] = Some(Instant::now());
            next += 1;
        }
        handle_one(&sock, &mut pending, &mut ok, &mut notifies);
        if last_sweep.elapsed() > Duration::from_millis(500) {
            last_sweep = Instant::now();
            for (i, p) in pending[..next].iter_mut().enumerate() {
                if p.is_some_and(|at| at.elapsed() > Duration::from_secs(1)) {
                    sock.send_to(&requests[i], handle.addr).unwrap();
                    *p = Some(Instant::now());
                }
            }
        }
    }
    let subscribed = subscribing.elapsed();
    let before = notifies;
    let measuring = Instant::now();
    while measuring.elapsed() < Duration::from_secs(seconds) {
        handle_one(&sock, &mut pending, &mut ok, &mut notifies);
    }
    let per_sec = (notifies - before) as f64 / measuring.elapsed().as_secs_f64();
    println!(
        "demo/loopback rate {rate:>6.0}/s: up in {:.0} ms, {ok} subscriptions in {:.2} s, \
         {per_sec:.0} NOTIFYs/s received and answered over {seconds} s",
        up.as_secs_f64() * 1000.0,
        subscribed.as_secs_f64(),
    );
    rt.block_on(handle.shutdown());
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter
        .as_deref()
        .is_none_or(|f| "demo/loopback".contains(f))
    {
        // `cargo bench` passes --bench; under `cargo test --all-targets`
        // one short run only proves the path works.
        if std::env::args().any(|a| a == "--bench") {
            for rate in [2_000.0, 5_000.0, 20_000.0] {
                loopback(rate, 10);
            }
        } else {
            loopback(2_000.0, 1);
        }
    }
}
