use super::*;
use std::path::PathBuf;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kamailio")
}

fn request(msg: Message) -> Request {
    match msg {
        Message::Request(r) => r,
        Message::Response(r) => panic!("expected a request, got {} {}", r.status, r.reason),
    }
}

fn response(msg: Message) -> Response {
    match msg {
        Message::Response(r) => r,
        Message::Request(r) => panic!("expected a response, got {}", r.method),
    }
}

const MINIMAL_HEADERS: &str = "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n\
From: <sip:alice@example.test>;tag=a1\r\n\
To: <sip:bob@example.test>\r\n\
Call-ID: c1@example.test\r\n\
CSeq: 1 SUBSCRIBE\r\n";

/// (file, Call-ID, Event, Subscription-State) of every Kamailio capture.
const FIXTURES: &[(&str, &str, &str, &str)] = &[
    (
        "dialog-notify-callee-confirmed.sip",
        "1-19622@127.0.0.1",
        "dialog",
        "active;expires=114",
    ),
    (
        "dialog-notify-callee-early.sip",
        "1-19622@127.0.0.1",
        "dialog",
        "active;expires=118",
    ),
    (
        "dialog-notify-callee-initial-nobody.sip",
        "1-19622@127.0.0.1",
        "dialog",
        "active;expires=120",
    ),
    (
        "dialog-notify-callee-terminated.sip",
        "1-19622@127.0.0.1",
        "dialog",
        "active;expires=111",
    ),
    (
        "dialog-notify-caller-Trying.sip",
        "1-27883@127.0.0.1",
        "dialog",
        "active;expires=118",
    ),
    (
        "presence-notify-pidf-initial.sip",
        "1-27507@127.0.0.1",
        "presence",
        "active;expires=120",
    ),
    (
        "presence-notify-pidf-update.sip",
        "1-27507@127.0.0.1",
        "presence",
        "active;expires=118",
    ),
    (
        "presence-notify-terminated.sip",
        "1-27507@127.0.0.1",
        "presence",
        "terminated;reason=timeout",
    ),
    (
        "reg-notify-initial-nobody.sip",
        "1-3819@127.0.0.1",
        "reg",
        "active;expires=120",
    ),
    (
        "reg-notify-registered.sip",
        "1-3819@127.0.0.1",
        "reg",
        "active;expires=118",
    ),
    (
        "reg-notify-unregistered.sip",
        "1-3819@127.0.0.1",
        "reg",
        "active;expires=116",
    ),
    (
        "rls-notify-full-state-50.sip",
        "1-19603@127.0.0.1",
        "presence",
        "active;expires=300",
    ),
    (
        "rls-notify-partial-1-member.sip",
        "1-19603@127.0.0.1",
        "presence",
        "active;expires=296",
    ),
    (
        "rls-notify-partial-3-members.sip",
        "1-19603@127.0.0.1",
        "presence",
        "active;expires=300",
    ),
];

#[test]
fn every_kamailio_fixture_parses_with_its_headers_and_whole_body() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sip"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|f| f.0.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every fixture file is checked below");

    for (file, call_id, event, state) in FIXTURES {
        let bytes = std::fs::read(fixture_dir().join(file)).expect("read fixture");
        let req = request(parse(&bytes).unwrap_or_else(|e| panic!("{file}: {e}")));
        assert_eq!(req.method, Method::Notify, "{file}");
        assert_eq!(req.headers.get("Call-ID"), Some(*call_id), "{file}");
        assert_eq!(req.headers.get("i"), Some(*call_id), "{file}");
        assert_eq!(req.headers.get("Event"), Some(*event), "{file}");
        assert_eq!(
            req.headers.get("Subscription-State"),
            Some(*state),
            "{file}"
        );
        let length: usize = req.headers.get("Content-Length").unwrap().parse().unwrap();
        assert_eq!(req.body.len(), length, "{file}");
        // The body is the tail of the capture, byte for byte.
        assert!(bytes.ends_with(&req.body), "{file}");
        // And framing a TCP stream finds exactly the whole capture.
        assert_eq!(frame(&bytes), Ok(Some(bytes.len())), "{file}");
    }
}

#[test]
fn compact_header_names_are_normalised_to_long_names() {
    let raw = "NOTIFY sip:bob@127.0.0.1:5070 SIP/2.0\r\n\
v: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-2\r\n\
f: <sip:alice@example.test>;tag=x\r\n\
t: <sip:bob@example.test>;tag=y\r\n\
i: compact-1\r\n\
CSeq: 3 NOTIFY\r\n\
m: <sip:alice@127.0.0.1:5060>\r\n\
o: presence\r\n\
u: presence, dialog\r\n\
k: eventlist\r\n\
c: application/pidf+xml\r\n\
e: gzip\r\n\
s: hello\r\n\
x: 1800\r\n\
r: <sip:carol@example.test>\r\n\
b: <sip:dave@example.test>\r\n\
j: *;audio\r\n\
y: sig\r\n\
l: 2\r\n\r\nhi";
    let req = request(parse(raw.as_bytes()).unwrap());
    let names: Vec<&str> = req.headers.iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "Via",
            "From",
            "To",
            "Call-ID",
            "CSeq",
            "Contact",
            "Event",
            "Allow-Events",
            "Supported",
            "Content-Type",
            "Content-Encoding",
            "Subject",
            "Session-Expires",
            "Refer-To",
            "Referred-By",
            "Reject-Contact",
            "Identity",
            "Content-Length"
        ]
    );
    assert_eq!(req.headers.get("Call-ID"), Some("compact-1"));
    assert_eq!(req.headers.get("o"), Some("presence"));
    assert_eq!(req.headers.get("event"), Some("presence"));
    assert_eq!(req.body, b"hi");
    // Written back with long names.
    let text = String::from_utf8(req.to_bytes()).unwrap();
    assert!(text.contains("\r\nCall-ID: compact-1\r\n"), "{text}");
    assert!(text.contains("\r\nEvent: presence\r\n"), "{text}");
}

#[test]
fn a_user_part_with_a_dot_is_kept() {
    let raw = format!(
        "SUBSCRIBE sip:first.last@example.test SIP/2.0\r\n{MINIMAL_HEADERS}Content-Length: 0\r\n\r\n"
    );
    let req = request(parse(raw.as_bytes()).unwrap());
    assert_eq!(req.uri, "sip:first.last@example.test");
    assert_eq!(req.method, Method::Subscribe);
}

#[test]
fn a_202_accepted_response_parses_with_its_reason() {
    let raw = format!(
        "SIP/2.0 202 Accepted\r\n{MINIMAL_HEADERS}Expires: 3600\r\nContent-Length: 0\r\n\r\n"
    );
    let resp = response(parse(raw.as_bytes()).unwrap());
    assert_eq!(resp.status, 202);
    assert_eq!(resp.reason, "Accepted");
    assert_eq!(resp.headers.get("expires"), Some("3600"));
    // Without a reason phrase too.
    let raw = format!("SIP/2.0 200\r\n{MINIMAL_HEADERS}\r\n");
    let resp = response(parse(raw.as_bytes()).unwrap());
    assert_eq!((resp.status, resp.reason.as_str()), (200, ""));
}

#[test]
fn folded_header_values_are_unfolded() {
    let raw = format!(
        "SIP/2.0 200 OK\r\n{MINIMAL_HEADERS}Subject: first\r\n   second\r\n\tthird\r\n\r\n"
    );
    let resp = response(parse(raw.as_bytes()).unwrap());
    assert_eq!(resp.headers.get("Subject"), Some("first second third"));
}

#[test]
fn a_body_shorter_than_content_length_is_an_error() {
    let raw =
        format!("SUBSCRIBE sip:b@x SIP/2.0\r\n{MINIMAL_HEADERS}Content-Length: 10\r\n\r\nabc");
    assert_eq!(
        parse(raw.as_bytes()),
        Err(CodecError::TruncatedBody {
            expected: 10,
            got: 3
        })
    );
    let msg = CodecError::TruncatedBody {
        expected: 10,
        got: 3,
    }
    .to_string();
    assert!(msg.contains("10") && msg.contains('3'), "{msg}");
}

#[test]
fn a_body_longer_than_content_length_is_cut_to_it() {
    let raw =
        format!("SUBSCRIBE sip:b@x SIP/2.0\r\n{MINIMAL_HEADERS}Content-Length: 3\r\n\r\nabcdef");
    assert_eq!(parse(raw.as_bytes()).unwrap().body(), b"abc");
}

#[test]
fn without_content_length_a_datagram_body_runs_to_its_end() {
    let raw = format!("SUBSCRIBE sip:b@x SIP/2.0\r\n{MINIMAL_HEADERS}\r\nabcdef");
    assert_eq!(parse(raw.as_bytes()).unwrap().body(), b"abcdef");
}

#[test]
fn garbage_and_broken_messages_are_specific_errors() {
    assert_eq!(parse(b""), Err(CodecError::NoStartLine));
    assert_eq!(parse(b"\r\n\r\n"), Err(CodecError::NoStartLine));
    assert!(matches!(
        parse(b"\x00\xff\xfe garbage\r\n\r\n"),
        Err(CodecError::BadStartLine { .. })
    ));
    assert_eq!(parse(b"hello world"), Err(CodecError::MissingSeparator));
    let with = |start: &str, extra: &str| format!("{start}\r\n{MINIMAL_HEADERS}{extra}\r\n");
    assert_eq!(
        parse(with("SIP/2.0 2x0 OK", "").as_bytes()),
        Err(CodecError::BadStatusCode { code: "2x0".into() })
    );
    assert_eq!(
        parse(with("SIP/2.0 99 Low", "").as_bytes()),
        Err(CodecError::BadStatusCode { code: "99".into() })
    );
    assert_eq!(
        parse(with("SIP/3.0 200 OK", "").as_bytes()),
        Err(CodecError::BadVersion {
            version: "SIP/3.0".into()
        })
    );
    assert!(matches!(
        parse(with("NOTIFY sip:b@x", "").as_bytes()),
        Err(CodecError::BadStartLine { .. })
    ));
    assert_eq!(
        parse(with("SIP/2.0 200 OK", "no colon here\r\n").as_bytes()),
        Err(CodecError::BadHeaderLine {
            line_no: 7,
            line: "no colon here".into()
        })
    );
    assert_eq!(
        parse(with("SIP/2.0 200 OK", "Content-Length: ten\r\n").as_bytes()),
        Err(CodecError::BadContentLength {
            value: "ten".into()
        })
    );
    let mut raw = with("SIP/2.0 200 OK", "").into_bytes();
    raw.splice(20..20, b"X-Bad: \xff\r\n".iter().copied());
    assert!(matches!(parse(&raw), Err(CodecError::HeaderNotUtf8 { .. })));
    // Missing mandatory headers, each named.
    for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
        let headers: String = MINIMAL_HEADERS
            .split_inclusive("\r\n")
            .filter(|l| !l.starts_with(&format!("{name}:")))
            .collect();
        let raw = format!("SIP/2.0 200 OK\r\n{headers}\r\n");
        assert_eq!(
            parse(raw.as_bytes()),
            Err(CodecError::MissingHeader { name })
        );
    }
}

#[test]
fn an_oversized_header_section_is_refused() {
    let big = "X-Filler: ".to_string() + &"a".repeat(70 * 1024) + "\r\n";
    let raw = format!("SIP/2.0 200 OK\r\n{MINIMAL_HEADERS}{big}\r\n");
    assert!(matches!(
        parse(raw.as_bytes()),
        Err(CodecError::HeaderSectionTooLarge { .. })
    ));
    assert!(matches!(
        frame(raw.as_bytes()),
        Err(CodecError::HeaderSectionTooLarge { .. })
    ));
    // Still incomplete and over the limit: refused without waiting for more.
    assert!(matches!(
        frame(&raw.as_bytes()[..MAX_HEADER_SECTION + 100]),
        Err(CodecError::HeaderSectionTooLarge { .. })
    ));
}

#[test]
fn tcp_framing_splits_two_messages_back_to_back() {
    let one =
        format!("SUBSCRIBE sip:b@x SIP/2.0\r\n{MINIMAL_HEADERS}Content-Length: 5\r\n\r\nfirst");
    let two = format!("SIP/2.0 200 OK\r\n{MINIMAL_HEADERS}l: 0\r\n\r\n");
    let stream = [one.as_bytes(), two.as_bytes()].concat();
    let n = frame(&stream).unwrap().unwrap();
    assert_eq!(n, one.len());
    assert_eq!(parse(&stream[..n]).unwrap().body(), b"first");
    let rest = &stream[n..];
    assert_eq!(frame(rest), Ok(Some(two.len())));
    assert_eq!(response(parse(rest).unwrap()).status, 200);
}

#[test]
fn tcp_framing_waits_for_a_partial_message() {
    let one =
        format!("SUBSCRIBE sip:b@x SIP/2.0\r\n{MINIMAL_HEADERS}Content-Length: 5\r\n\r\nfirst");
    for cut in [0, 1, 10, one.len() - 10, one.len() - 1] {
        assert_eq!(frame(&one.as_bytes()[..cut]), Ok(None), "cut at {cut}");
    }
    assert_eq!(frame(one.as_bytes()), Ok(Some(one.len())));
}

#[test]
fn tcp_framing_reports_keepalives_and_stream_errors() {
    let msg = format!("SIP/2.0 200 OK\r\n{MINIMAL_HEADERS}Content-Length: 0\r\n\r\n");
    let stream = ["\r\n\r\n".as_bytes(), msg.as_bytes()].concat();
    assert_eq!(skip_keepalive(&stream), 4);
    assert_eq!(frame(&stream), Ok(Some(4)));
    assert_eq!(next_frame(&stream), Ok(Some(Frame::Keepalive(4))));
    assert_eq!(
        next_frame(&stream[4..]),
        Ok(Some(Frame::Message(msg.len())))
    );
    assert_eq!(skip_keepalive(&stream[4..]), 0);

    let no_length = format!("SIP/2.0 200 OK\r\n{MINIMAL_HEADERS}\r\n");
    assert_eq!(
        frame(no_length.as_bytes()),
        Err(CodecError::MissingContentLength)
    );
    let huge = format!("SIP/2.0 200 OK\r\n{MINIMAL_HEADERS}Content-Length: 20000000\r\n\r\n");
    assert_eq!(
        frame(huge.as_bytes()),
        Err(CodecError::ContentLengthTooLarge { length: 20_000_000 })
    );
    let twice = format!("SIP/2.0 200 OK\r\n{MINIMAL_HEADERS}Content-Length: 1\r\nl: 2\r\n\r\nab");
    assert_eq!(
        frame(twice.as_bytes()),
        Err(CodecError::ConflictingContentLength {
            first: 1,
            second: 2
        })
    );
}

#[test]
fn to_bytes_then_parse_round_trips() {
    let mut req = Request::new(Method::Subscribe, "sip:first.last@example.test");
    req.headers
        .push("Via", "SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bK-9");
    req.headers
        .push("From", "\"Alice\" <sip:alice@example.test>;tag=1");
    req.headers.push("To", "<sip:first.last@example.test>");
    req.headers.push("Call-ID", "rt-1");
    req.headers.push("CSeq", "7 SUBSCRIBE");
    req.headers.push("Event", "presence");
    req.headers.push("Content-Length", "999"); // ignored: written from the body
    req.body = b"<x/>".to_vec();
    let bytes = req.to_bytes();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with("SUBSCRIBE sip:first.last@example.test SIP/2.0\r\n"));
    assert!(text.contains("Content-Length: 4\r\n\r\n<x/>"), "{text}");
    assert!(!text.contains("999"));
    let back = request(parse(&bytes).unwrap());
    assert_eq!(back.method, req.method);
    assert_eq!(back.uri, req.uri);
    assert_eq!(back.body, req.body);
    assert_eq!(back.headers.get("From"), req.headers.get("From"));
    assert_eq!(back.headers.get("Content-Length"), Some("4"));

    let mut resp = Response::new(202, "Accepted");
    resp.headers = back.headers.clone();
    let again = response(parse(&resp.to_bytes()).unwrap());
    assert_eq!((again.status, again.reason.as_str()), (202, "Accepted"));
    assert_eq!(again.headers.get("Call-ID"), Some("rt-1"));
    assert!(again.body.is_empty());
}

#[test]
fn response_to_copies_the_dialog_headers_and_adds_a_to_tag() {
    let raw = "NOTIFY sip:bob@127.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-a\r\n\
Via: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK-b\r\n\
From: <sip:alice@example.test>;tag=f\r\n\
To: <sip:bob@example.test>\r\n\
Call-ID: rt-2\r\nCSeq: 4 NOTIFY\r\nEvent: presence\r\nContent-Length: 0\r\n\r\n";
    let req = request(parse(raw.as_bytes()).unwrap());
    let resp = response_to(&req, 200, "OK", Some("t1"));
    let vias: Vec<&str> = resp.headers.get_all("Via").collect();
    assert_eq!(
        vias,
        [
            "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-a",
            "SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK-b"
        ]
    );
    assert_eq!(
        resp.headers.get("To"),
        Some("<sip:bob@example.test>;tag=t1")
    );
    assert_eq!(resp.headers.get("CSeq"), Some("4 NOTIFY"));
    assert_eq!(resp.headers.get("Event"), None);
    // A To that already has a tag keeps it.
    let mut tagged = req.clone();
    tagged.headers.set("To", "<sip:bob@example.test>;tag=old");
    let resp = response_to(&tagged, 481, "Call/Transaction Does Not Exist", Some("new"));
    assert_eq!(
        resp.headers.get("To"),
        Some("<sip:bob@example.test>;tag=old")
    );
    assert!(
        resp.to_bytes()
            .starts_with(b"SIP/2.0 481 Call/Transaction Does Not Exist\r\n")
    );
}

#[test]
fn headers_get_set_remove_ignore_case_and_compact_forms() {
    let mut h = Headers::new();
    h.push("via", "a");
    h.push("X-Custom", "1");
    h.push("v", "b");
    assert_eq!(h.get("VIA"), Some("a"));
    assert_eq!(h.get_all("Via").collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(h.get("x-custom"), Some("1"));
    h.set("Via", "c");
    assert_eq!(
        h.iter().collect::<Vec<_>>(),
        [("Via", "c"), ("X-Custom", "1")]
    );
    h.set("Expires", "60");
    assert_eq!(h.get("expires"), Some("60"));
    h.remove("v");
    assert_eq!(h.get("Via"), None);
    assert_eq!(h.len(), 2);
}

#[test]
fn methods_parse_case_sensitively_and_keep_unknown_names() {
    assert_eq!(Method::parse("NOTIFY"), Method::Notify);
    assert_eq!(Method::parse("PRACK").as_str(), "PRACK");
    assert_eq!(Method::parse("notify"), Method::Other("notify".into()));
    assert_eq!(Method::parse("FOO").as_str(), "FOO");
}
