//! The SIP trace's cost per message: mask the credentials and the
//! password, make the text harmless, read the summary, keep it in a ring
//! of 500 (what the driver does for every message in and out). Compared
//! with NOTIFY ingest (benches/notify_ingest.rs, about 20 µs per NOTIFY),
//! it must stay a small fraction.
//!
//! cargo bench --bench trace
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use switchboard::sip::trace::{Direction, Trace};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/kamailio/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const SUBSCRIBE: &str = "SUBSCRIBE sip:alice@127.0.0.1 SIP/2.0\r\n\
    Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK1;rport\r\n\
    From: <sip:attendant@127.0.0.1>;tag=abc\r\nTo: <sip:alice@127.0.0.1>\r\n\
    Call-ID: 1234@switchboard\r\nCSeq: 2 SUBSCRIBE\r\nEvent: presence\r\n\
    Authorization: Digest username=\"attendant\", realm=\"127.0.0.1\", nonce=\"abcdef0123456789\", uri=\"sip:alice@127.0.0.1\", response=\"0123456789abcdef0123456789abcdef\", qop=auth, nc=00000001, cnonce=\"c0ffee\"\r\n\
    Expires: 600\r\nContent-Length: 0\r\n\r\n";

fn bench(c: &mut Criterion) {
    let notify = fixture("presence-notify-pidf-update.sip");
    let mut g = c.benchmark_group("trace");
    g.throughput(Throughput::Elements(1));
    let now = Instant::now();
    let mut ring = Trace::new(500, vec!["secret".into()]);
    g.bench_function("record NOTIFY (pidf)", |b| {
        b.iter(|| black_box(ring.record(now, Direction::In, None, black_box(&notify))))
    });
    g.bench_function("record SUBSCRIBE with Authorization", |b| {
        b.iter(|| {
            black_box(ring.record(now, Direction::Out, None, black_box(SUBSCRIBE.as_bytes())))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
