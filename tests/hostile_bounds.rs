//! Hostile bodies are refused (or read) within bounded memory and time:
//! entity expansion, external entities, DTDs, deep nesting, multi-MB
//! bodies, also inside multipart parts and RLMI, and SIP messages whose
//! header section or body is too large.
//!
//! Memory: a counting global allocator (this test crate's own) records the
//! peak of live heap bytes while one case runs; each case asserts a bound
//! in terms of its input size (e.g. "at most 2 × the body + 1 MiB": the
//! input is never expanded, whatever it says).
//!
//! Time: never a fixed tiny number. Each case is timed against a baseline
//! measured in the same run on the same machine: reading a legitimate
//! document of the same size through the same function. Refusing a
//! hostile document must cost no more than a generous multiple of that
//! (the machine is shared and the build unoptimised; what the bound
//! catches is an expansion or a quadratic walk, which are orders of
//! magnitude, not a factor of two).
//!
//! One `#[test]` runs every case in turn, so no other test's allocations
//! share the counter.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use switchboard::body::{self, BodyError, dialog_info, list, pidf, rlmi};
use switchboard::presence::EventKind;
use switchboard::sip::codec::{self, CodecError, StreamItem, StreamReader};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed straight to the system allocator; the
// counters are plain atomics and never touch the memory itself.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` requires.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr`/`layout` came from this allocator, as required.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What one run of a case cost.
struct Cost {
    peak: usize,
    time: Duration,
}

/// Runs `f` once, returning its result, the peak of heap bytes it added
/// over what was live when it started, and its wall time.
fn measure<T>(f: impl FnOnce() -> T) -> (T, Cost) {
    let start = LIVE.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let t0 = Instant::now();
    let out = f();
    let time = t0.elapsed();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(start);
    (out, Cost { peak, time })
}

/// The best of three runs of `f` (the least disturbed by other work).
fn baseline<T>(f: impl Fn() -> T) -> Duration {
    (0..3).map(|_| measure(&f).1.time).min().unwrap_or_default()
}

const MIB: usize = 1024 * 1024;

/// The time bound: 20 × the baseline, plus 200 ms for the scheduler.
fn time_limit(base: Duration) -> Duration {
    base * 20 + Duration::from_millis(200)
}

fn check(what: &str, cost: &Cost, max_bytes: usize, base: Duration) {
    println!(
        "{what}: peak {} KiB (limit {} KiB), {:?} (baseline {:?})",
        cost.peak / 1024,
        max_bytes / 1024,
        cost.time,
        base
    );
    assert!(
        cost.peak <= max_bytes,
        "{what}: {} bytes at peak, limit {max_bytes}",
        cost.peak
    );
    assert!(
        cost.time <= time_limit(base),
        "{what}: took {:?}, limit {:?} (baseline {base:?})",
        cost.time,
        time_limit(base)
    );
}

const PIDF_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:eve@example.test">
<tuple id="t"><status><basic>open</basic></status>"#;

/// A legitimate PIDF of about `size` bytes (a long note).
fn pidf_of(size: usize) -> Vec<u8> {
    let note = "x".repeat(size.saturating_sub(PIDF_HEAD.len() + 32));
    format!("{PIDF_HEAD}<note>{note}</note></tuple></presence>").into_bytes()
}

/// "Billion laughs": ten entities of ten references each, ~3 GB if expanded.
fn billion_laughs(root: &str) -> Vec<u8> {
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">");
    for i in 1..10 {
        let refs = format!("&lol{};", i - 1).repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{i} \"{refs}\">"));
    }
    format!("<?xml version=\"1.0\"?><!DOCTYPE {root} [{dtd}]><{root}>&lol9;</{root}>").into_bytes()
}

fn external_entity(root: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\"?><!DOCTYPE {root} [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><{root}>&xxe;</{root}>"
    )
    .into_bytes()
}

/// `<a><a>...` nested `depth` deep inside a `root` element.
fn nested(root: &str, ns: &str, depth: usize) -> Vec<u8> {
    let mut s = format!("<{root} xmlns=\"{ns}\" uri=\"sip:l@x\" version=\"1\" fullState=\"true\">");
    s.push_str(&"<a>".repeat(depth));
    s.push_str(&"</a>".repeat(depth));
    s.push_str(&format!("</{root}>"));
    s.into_bytes()
}

fn is_dtd(r: &Result<impl std::fmt::Debug, BodyError>) -> bool {
    matches!(r, Err(BodyError::Dtd(_)))
}

fn documents() {
    let hostile_size = billion_laughs("presence").len();
    let small = pidf_of(hostile_size.max(1024));
    let base = baseline(|| pidf::parse(&small).map(drop));
    for (root, read) in [
        (
            "presence",
            (|b| pidf::parse(b).map(drop)) as fn(&[u8]) -> Result<(), BodyError>,
        ),
        ("dialog-info", |b| dialog_info::parse(b).map(drop)),
        ("list", |b| rlmi::parse(b).map(drop)),
    ] {
        for (what, doc) in [
            ("entity expansion", billion_laughs(root)),
            ("external entity", external_entity(root)),
            (
                "DTD",
                format!("<!DOCTYPE {root} SYSTEM \"http://evil.example/x.dtd\"><{root}/>")
                    .into_bytes(),
            ),
        ] {
            let (result, cost) = measure(|| read(&doc));
            assert!(is_dtd(&result), "{root} {what}: {result:?}");
            check(&format!("{root}: {what}"), &cost, 64 * 1024, base);
        }
        // An entity reference without a DTD is an unknown entity.
        let doc = format!("<{root}>&xxe;</{root}>");
        let (result, cost) = measure(|| read(doc.as_bytes()));
        assert!(
            matches!(result, Err(BodyError::Xml(_))),
            "{root}: {result:?}"
        );
        check(
            &format!("{root}: undeclared entity"),
            &cost,
            64 * 1024,
            base,
        );
    }
}

fn deep_nesting() {
    // Within the size cap: 1 MiB of nesting for the single documents,
    // 8 MiB for RLMI (its own cap).
    for (root, ns, cap, read) in [
        (
            "presence",
            "urn:ietf:params:xml:ns:pidf",
            body::MAX_BODY,
            (|b| pidf::parse(b).map(drop)) as fn(&[u8]) -> Result<(), BodyError>,
        ),
        (
            "dialog-info",
            "urn:ietf:params:xml:ns:dialog-info",
            body::MAX_BODY,
            |b| dialog_info::parse(b).map(drop),
        ),
        (
            "list",
            "urn:ietf:params:xml:ns:rlmi",
            body::MAX_LIST_BODY,
            |b| rlmi::parse(b).map(drop),
        ),
    ] {
        let doc = nested(root, ns, (cap - 200) / 7);
        assert!(doc.len() <= cap);
        let legit = pidf_of(doc.len().min(body::MAX_BODY));
        let base = baseline(|| pidf::parse(&legit).map(drop))
            .mul_f64(doc.len() as f64 / legit.len() as f64);
        let (result, cost) = measure(|| read(&doc));
        if root == "list" {
            // RLMI's node limit is higher (10,000 members): the nesting is
            // read (no recursion, no stack to overflow) and holds no member.
            assert_eq!(result, Ok(()), "{root}");
        } else {
            assert_eq!(
                result,
                Err(BodyError::Xml("nodes limit reached".into())),
                "{root}"
            );
        }
        check(
            &format!("{root}: {} KiB of nesting", doc.len() / 1024),
            &cost,
            40 * doc.len() + MIB,
            base,
        );
    }
}

fn oversized_documents() {
    let big = vec![b'x'; body::MAX_BODY + 1];
    let base = baseline(|| pidf::parse(&pidf_of(1024)).map(drop));
    for (what, result) in [
        ("PIDF", measure(|| pidf::parse(&big).map(drop))),
        (
            "dialog-info",
            measure(|| dialog_info::parse(&big).map(drop)),
        ),
    ] {
        let (result, cost) = result;
        assert_eq!(
            result,
            Err(BodyError::TooLarge(body::MAX_BODY + 1)),
            "{what}"
        );
        check(&format!("{what} over 1 MiB"), &cost, 64 * 1024, base);
    }
    let huge = vec![b'x'; body::MAX_LIST_BODY + 1];
    let (result, cost) = measure(|| list::read(EventKind::Presence, CT, &huge).map(drop));
    assert!(matches!(result, Err(BodyError::TooLarge(_))), "{result:?}");
    check("list NOTIFY over 8 MiB", &cost, 64 * 1024, base);
}

const CT: &str =
    "multipart/related;type=\"application/rlmi+xml\";start=\"<root>\";boundary=\"b0undary\"";

/// A list NOTIFY body: the RLMI root, then `(cid, content type, body)`.
fn list_body(resources: &str, parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut out = format!(
        "--b0undary\r\nContent-ID: <root>\r\nContent-Type: application/rlmi+xml\r\n\r\n\
         <list xmlns=\"urn:ietf:params:xml:ns:rlmi\" uri=\"sip:l@x\" version=\"1\" fullState=\"true\">{resources}</list>\r\n"
    )
    .into_bytes();
    for (cid, ct, body) in parts {
        out.extend_from_slice(
            format!("--b0undary\r\nContent-ID: <{cid}>\r\nContent-Type: {ct}\r\n\r\n").as_bytes(),
        );
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--b0undary--\r\n");
    out
}

fn resource(i: usize, cid: &str) -> String {
    format!(
        "<resource uri=\"sip:m{i}@x\"><instance id=\"i{i}\" state=\"active\" cid=\"{cid}\"/></resource>"
    )
}

/// Reading a legitimate list NOTIFY (one member, a ~1 MiB PIDF part),
/// scaled to `len` bytes.
fn list_time_for(len: usize) -> Duration {
    let part = pidf_of(body::MAX_BODY - 1024);
    let legit = list_body(&resource(0, "ok"), &[("ok", "application/pidf+xml", &part)]);
    baseline(|| list::read(EventKind::Presence, CT, &legit).map(drop))
        .mul_f64(len as f64 / legit.len() as f64)
}

fn inside_lists() {
    let pidf = "application/pidf+xml";
    // A part over the single-document cap, and hostile parts, inside a
    // list: that member is unreadable, the list is read.
    let big = pidf_of(body::MAX_BODY + 1);
    let laughs = billion_laughs("presence");
    let deep = nested(
        "presence",
        "urn:ietf:params:xml:ns:pidf",
        (body::MAX_BODY - 200) / 7,
    );
    let resources = [
        resource(0, "big"),
        resource(1, "laughs"),
        resource(2, "deep"),
    ]
    .concat();
    let body = list_body(
        &resources,
        &[
            ("big", pidf, &big),
            ("laughs", pidf, &laughs),
            ("deep", pidf, &deep),
        ],
    );
    let base = list_time_for(body.len());
    let (result, cost) = measure(|| list::read(EventKind::Presence, CT, &body));
    let notice = result.expect("the list is read");
    let errors: Vec<_> = notice.members.iter().map(|m| m.doc.clone()).collect();
    assert!(
        matches!(errors[0], Some(Err(BodyError::TooLarge(_)))),
        "{:?}",
        errors[0]
    );
    assert!(
        matches!(errors[1], Some(Err(BodyError::Dtd(_)))),
        "{:?}",
        errors[1]
    );
    assert!(matches!(errors[2], Some(Err(_))), "{:?}", errors[2]);
    // A 1 MiB nesting costs ~22 × its size before the node limit stops it.
    check("list with hostile parts", &cost, 32 * body.len(), base);

    // Every member pointing at the same 1 MiB part: each part is read for
    // one member only, so the work is bounded by the body, not by
    // members × part.
    let members = 2_000;
    let resources: String = (0..members).map(|i| resource(i, "shared")).collect();
    let shared = pidf_of(body::MAX_BODY - 1024);
    let body = list_body(&resources, &[("shared", pidf, &shared)]);
    let base = list_time_for(body.len());
    let (result, cost) = measure(|| list::read(EventKind::Presence, CT, &body));
    let notice = result.expect("the list is read");
    assert_eq!(notice.members.len(), members);
    let read = notice
        .members
        .iter()
        .filter(|m| matches!(m.doc, Some(Ok(_))))
        .count();
    assert_eq!(read, 1, "one member's document read from the shared part");
    check(
        "2000 members sharing one 1 MiB part",
        &cost,
        8 * body.len() + 4 * MIB,
        base,
    );
}

fn sip_messages() {
    let head = "NOTIFY sip:a@x SIP/2.0\r\nVia: SIP/2.0/TCP x;branch=z9hG4bK1\r\nFrom: <sip:b@x>;tag=1\r\n\
                To: <sip:a@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\n";
    // The baselines: a message with 60 ordinary headers (time per byte of
    // header section) and one with a 64 KiB body.
    let headers: String = (0..60).map(|i| format!("X-{i}: v\r\n")).collect();
    let ordinary = format!("{head}{headers}Content-Length: 0\r\n\r\n");
    let ordinary_time = baseline(|| codec::parse(ordinary.as_bytes()).map(drop));
    let for_size = |len: usize| ordinary_time.mul_f64(len as f64 / ordinary.len() as f64);
    let legit = format!("{head}Content-Length: 65536\r\n\r\n{}", "b".repeat(65536));
    let legit_time = baseline(|| codec::parse(legit.as_bytes()).map(drop));

    // 6,000 tiny headers (60 KiB): linear in time, a small multiple of its
    // size in memory.
    let many: String = (0..6_000).map(|i| format!("X-{i}: v\r\n")).collect();
    let msg = format!("{head}{many}Content-Length: 0\r\n\r\n");
    let (result, cost) = measure(|| codec::parse(msg.as_bytes()).map(drop));
    assert!(result.is_ok(), "{result:?}");
    check("6000 headers", &cost, 20 * msg.len(), for_size(msg.len()));

    // A header section over the limit.
    let long = format!("{head}X: {}\r\n\r\n", "y".repeat(codec::MAX_HEADER_SECTION));
    let (result, cost) = measure(|| codec::parse(long.as_bytes()).map(drop));
    assert!(
        matches!(result, Err(CodecError::HeaderSectionTooLarge { .. })),
        "{result:?}"
    );
    check(
        "header section over 64 KiB",
        &cost,
        64 * 1024,
        for_size(long.len()),
    );

    // 100 MB announced and sent on a stream: the header section comes out
    // to be answered, the body is thrown away as it arrives, never kept.
    let announced = 100 * 1000 * 1000;
    let mut reader = StreamReader::new();
    let chunk = vec![b'z'; 64 * 1024];
    let ((), cost) = measure(|| {
        reader.push(format!("{head}Content-Length: {announced}\r\n\r\n").as_bytes());
        let first = reader.next_item();
        assert!(
            matches!(first, Ok(Some(StreamItem::Oversized { length, .. })) if length == announced),
            "{first:?}"
        );
        for _ in 0..announced / chunk.len() + 1 {
            reader.push(&chunk);
            assert!(!matches!(
                reader.next_item(),
                Ok(Some(StreamItem::Message(_)))
            ));
        }
    });
    // Discarding 100 MB costs what reading one 64 KiB message does.
    check("100 MB body on a stream", &cost, 2 * MIB, legit_time);
}

#[test]
fn hostile_bodies_are_refused_within_bounded_memory_and_time() {
    documents();
    deep_nesting();
    oversized_documents();
    inside_lists();
    sip_messages();
}
