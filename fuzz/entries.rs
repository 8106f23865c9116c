//! The entry functions every fuzz target calls, shared with the corpus
//! replay test (`tests/fuzz_corpus.rs` includes this file), so the test
//! command feeds the corpus to exactly what was fuzzed.
//!
//! Each function takes arbitrary bytes and must return without panicking.
//! Beyond "no panic" each checks what the console relies on: every text a
//! body parser lets out is harmless (no control or bidi character, see
//! `switchboard::text`), a URI is the same as itself, and a message we
//! parsed comes back unchanged through our own wire form.

use switchboard::body::{BodyError, dialog_info, list, multipart, notify, pidf, rlmi};
use switchboard::presence::EventKind;
use switchboard::sip::codec::{self, Message, StreamItem, StreamReader};
use switchboard::sip::headers::{
    NameAddr, SipUri, content_type_is, parse_cseq, parse_etag, parse_event, parse_expires,
    parse_retry_after, parse_subscription_state, via_branch,
};
use switchboard::text::is_hostile;

/// A fuzz target's entry: arbitrary bytes in, no panic.
pub type Entry = fn(&[u8]);

/// The fuzz targets by name (`fuzz/fuzz_targets/<name>.rs`,
/// `fuzz/corpus/<name>/`).
pub const TARGETS: [(&str, Entry); 4] = [
    ("sip_codec", sip_codec),
    ("pidf", pidf_body),
    ("dialog_info", dialog_info_body),
    ("rlmi_multipart", rlmi_multipart),
];

fn assert_harmless(what: &str, s: &str) {
    assert!(
        !s.chars().any(is_hostile),
        "{what} not made harmless: {s:?}"
    );
}

/// A note may keep its line breaks and tabs (`text::multiline`), nothing
/// else a terminal obeys.
fn assert_harmless_text(what: &str, s: &str) {
    let hostile = |c: char| is_hostile(c) && c != '\n' && c != '\t';
    assert!(!s.chars().any(hostile), "{what} not made harmless: {s:?}");
}

/// The SIP codec: one datagram, the same bytes as a TCP stream in two
/// reads, and every header value we parse ourselves.
pub fn sip_codec(data: &[u8]) {
    if let Ok(msg) = codec::parse(data) {
        headers(&msg);
        round_trip(data, &msg);
    }
    let _ = codec::parse_head(data);
    let _ = codec::frame(data);
    stream(data);
}

fn headers(msg: &Message) {
    for (name, value) in msg.headers().iter() {
        match name {
            "From" | "To" | "Contact" => {
                if let Ok(na) = NameAddr::parse(value) {
                    let _ = na.tag();
                    uri(&na.uri);
                }
            }
            "CSeq" => drop(parse_cseq(value)),
            "Via" => drop(via_branch(value)),
            "Event" => drop(parse_event(value).map(|e| e.kind())),
            "Subscription-State" => drop(parse_subscription_state(value)),
            "Expires" => drop(parse_expires(value)),
            "Retry-After" => drop(parse_retry_after(value)),
            "SIP-ETag" => drop(parse_etag(value)),
            "Content-Type" => drop(content_type_is(value, "application/pidf+xml")),
            _ => {}
        }
    }
    if let Message::Request(r) = msg {
        uri(&r.uri);
    }
}

fn uri(s: &str) {
    if let Ok(u) = SipUri::parse(s) {
        assert!(u.same_as(&u), "a URI is not the same as itself: {s:?}");
        assert_eq!(u.key(), u.key());
        let _ = (u.aor(), u.host_port(), u.user_unescaped());
    }
    let _ = SipUri::parse_loose(s);
}

/// What we parsed, written by us and parsed again, is the same message
/// (Content-Length aside: we always write it, from the body).
fn round_trip(data: &[u8], msg: &Message) {
    // A large header section written in long form (`i:` → `Call-ID: `,
    // LF → CRLF) may grow over the header limit; the property is for
    // ordinary sizes.
    if data.len() > 16 * 1024 {
        return;
    }
    let wire = msg.to_bytes();
    let again = codec::parse(&wire)
        .unwrap_or_else(|e| panic!("our own wire form does not parse: {e}\n{wire:?}"));
    assert_eq!(without_length(&again), without_length(msg), "{wire:?}");
}

fn without_length(msg: &Message) -> Message {
    let mut msg = msg.clone();
    match &mut msg {
        Message::Request(r) => r.headers.remove("Content-Length"),
        Message::Response(r) => r.headers.remove("Content-Length"),
    }
    msg
}

fn stream(data: &[u8]) {
    let cut = data
        .first()
        .map_or(0, |b| usize::from(*b) % (data.len() + 1));
    let (first, second) = data.split_at(cut);
    let mut reader = StreamReader::new();
    for chunk in [first, second] {
        reader.push(chunk);
        // Each item consumes at least one byte: bounded by the input.
        for _ in 0..=data.len() {
            match reader.next_item() {
                Ok(Some(StreamItem::Message(m))) => drop(codec::parse(&m)),
                Ok(Some(StreamItem::Oversized { head, .. })) => drop(codec::parse_head(&head)),
                Ok(Some(StreamItem::Keepalive(_))) => {}
                Ok(None) | Err(_) => break,
            }
        }
    }
}

/// A PIDF document, read alone and as a NOTIFY body.
pub fn pidf_body(data: &[u8]) {
    if let Ok(doc) = pidf::parse(data) {
        presence_doc(&doc);
    }
    notified(notify::read(
        EventKind::Presence,
        "application/pidf+xml",
        data,
        true,
    ));
}

fn presence_doc(doc: &switchboard::body::PresenceDoc) {
    for s in [&doc.entity, &doc.until].into_iter().flatten() {
        assert_harmless("PIDF text", s);
    }
    if let Some(note) = &doc.note {
        assert_harmless_text("PIDF note", note);
    }
    for a in &doc.activities {
        assert_harmless("activity", a);
    }
    if let Some(switchboard::body::Forwarding::Redirected { target: Some(t) }) = &doc.forwarding {
        assert_harmless("forwarding target", t);
    }
}

fn dialog_doc(doc: &switchboard::body::DialogDoc) {
    if let Some(e) = &doc.entity {
        assert_harmless("entity", e);
    }
    for d in &doc.dialogs {
        assert_harmless("dialog id", &d.id);
        for s in [&d.remote_identity, &d.remote_display]
            .into_iter()
            .flatten()
        {
            assert_harmless("remote party", s);
        }
    }
}

fn notified(result: Result<notify::Notified, BodyError>) {
    match result {
        Ok(notify::Notified::Presence(doc)) => presence_doc(&doc),
        Ok(notify::Notified::Dialog(Some(doc))) => dialog_doc(&doc),
        Ok(_) => {}
        Err(e) => assert_harmless("reason", &notify::unreadable_reason(EventKind::Dialog, &e)),
    }
}

/// A dialog-info document, read alone and as a NOTIFY body.
pub fn dialog_info_body(data: &[u8]) {
    if let Ok(doc) = dialog_info::parse(data) {
        dialog_doc(&doc);
    }
    notified(notify::read(
        EventKind::Dialog,
        "application/dialog-info+xml",
        data,
        true,
    ));
}

/// A resource list NOTIFY body. The input is `<Content-Type>\n<body>`,
/// for the presence package; prefixed with `d`, for the dialog package.
pub fn rlmi_multipart(data: &[u8]) {
    let (event, data) = match data.strip_prefix(b"d") {
        Some(rest) => (EventKind::Dialog, rest),
        None => (EventKind::Presence, data),
    };
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (head, body) = data.split_at(split);
    let body = body.get(1..).unwrap_or_default();
    let content_type = String::from_utf8_lossy(head);
    if let Ok(notice) = list::read(event, &content_type, body) {
        assert_harmless("list URI", &notice.uri);
        for m in &notice.members {
            assert_harmless("member URI", &m.uri);
            if let Some(n) = &m.name {
                assert_harmless("member name", n);
            }
            if let Some(doc) = &m.doc {
                notified(doc.clone());
            }
        }
    }
    if let Some(related) = multipart::related(&content_type)
        && let Ok(parts) = multipart::split(body, &related.boundary)
    {
        for part in parts {
            let _ = rlmi::parse(part.body);
        }
    }
    if let Ok(doc) = rlmi::parse(body) {
        assert_harmless("list URI", &doc.uri);
        for r in &doc.resources {
            assert_harmless("resource URI", &r.uri);
        }
    }
}
