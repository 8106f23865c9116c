//! The SIP torture messages of RFC 4475 and the IPv6 ones of RFC 5118,
//! through our codec and header parsers: every valid message is read (its
//! key fields asserted), every invalid one is refused with a specific
//! reason, and none panics. Where we read an invalid message on purpose,
//! the case says why (RFC 4475 itself allows most of these: "an element
//! may be liberal in what it accepts").
//!
//! The fixtures are the RFCs' own bit-exact archives (`tests/fixtures/
//! rfc4475/README.md` says where they come from). Every case names its RFC
//! section. Each message is also fed to the fuzz entry function (the same
//! header parsers and the write-and-read-again check) by the corpus replay
//! test, because the files are seeds of the `sip_codec` corpus too.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::path::PathBuf;

use switchboard::sip::codec::{self, CodecError, Message, Method};
use switchboard::sip::headers::{NameAddr, SipUri, parse_cseq, via_branch};

/// What the RFC says a message is, and what we do with it.
enum Expect {
    /// Valid: it parses, and the function asserts its key fields.
    Valid(fn(&Message)),
    /// Invalid, refused by the codec with this error.
    Codec(fn(&CodecError) -> bool),
    /// Invalid, read by the codec; the parser of this header (or `URI`:
    /// every URI of From/To/Contact) refuses it, with this reason.
    Header(&'static str, &'static str),
    /// Invalid by the RFC, read by us on purpose: why.
    Liberal(&'static str),
    /// Well-formed; the RFC asks for an answer above the parser (416,
    /// 420, 415...): what ours is.
    Semantic(&'static str),
}
use Expect::*;

fn fixture(dir: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
        .join(format!("{name}.dat"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn request(m: &Message) -> &codec::Request {
    match m {
        Message::Request(r) => r,
        Message::Response(r) => panic!("expected a request, got {}", r.status),
    }
}

fn response(m: &Message) -> &codec::Response {
    match m {
        Message::Response(r) => r,
        Message::Request(r) => panic!("expected a response, got {}", r.method),
    }
}

fn header<'a>(m: &'a Message, name: &str) -> &'a str {
    m.headers().get(name).unwrap_or_else(|| panic!("no {name}"))
}

fn from_tag(m: &Message) -> String {
    let from = NameAddr::parse(header(m, "From")).expect("From");
    from.tag().unwrap_or_default().to_string()
}

fn cseq(m: &Message) -> (u32, Method) {
    let c = parse_cseq(header(m, "CSeq")).expect("CSeq");
    (c.seq, c.method)
}

fn ruri(m: &Message) -> SipUri {
    SipUri::parse(&request(m).uri).expect("Request-URI")
}

/// The first error of `name`'s parser over every value of that header.
fn header_error(m: &Message, name: &str) -> Option<String> {
    let names = match name {
        "URI" => vec!["From", "To", "Contact"],
        n => vec![n],
    };
    let mut errors = Vec::new();
    for n in names {
        for value in m.headers().get_all(n) {
            let result = match (name, n) {
                ("URI", _) => NameAddr::parse(value)
                    .map_err(|e| e.to_string())
                    .and_then(|na| SipUri::parse(&na.uri).map_err(|e| e.to_string()))
                    .map(drop),
                (_, "From" | "To" | "Contact") => {
                    NameAddr::parse(value).map(drop).map_err(|e| e.to_string())
                }
                (_, "CSeq") => parse_cseq(value).map(drop).map_err(|e| e.to_string()),
                other => panic!("no parser named for {other:?}"),
            };
            errors.extend(result.err());
        }
    }
    errors.into_iter().next()
}

fn check(dir: &str, name: &str, expect: &Expect) {
    let data = fixture(dir, name);
    let parsed = codec::parse(&data);
    let context = format!("{dir}/{name}");
    match (expect, &parsed) {
        (Valid(fields), Ok(m)) => fields(m),
        (Codec(is), Err(e)) => assert!(is(e), "{context}: refused, but for {e:?}"),
        (Header(h, reason), Ok(m)) => {
            let error = header_error(m, h)
                .unwrap_or_else(|| panic!("{context}: {h} was read, expected {reason:?}"));
            assert!(error.contains(reason), "{context}: {h}: {error}");
        }
        (Liberal(why) | Semantic(why), Ok(_)) => assert!(!why.is_empty()),
        (_, Err(e)) => panic!("{context}: expected it read, refused: {e}"),
        (Codec(_), Ok(_)) => panic!("{context}: expected a codec error, parsed"),
    }
}

/// RFC 4475, section 3: (archive name, what it is).
const RFC4475: &[(&str, Expect)] = &[
    // 3.1.1 Valid messages.
    (
        "wsinv",
        Valid(|m| {
            // 3.1.1.1: folding, LWS around colons, mixed header forms.
            assert_eq!(request(m).method, Method::Invite);
            assert_eq!(ruri(m).host, "chair-dnrc.example.com");
            assert_eq!(from_tag(m), "98asjd8");
            let from = NameAddr::parse(header(m, "From")).unwrap();
            assert_eq!(from.display.as_deref(), Some(r#"J Rosenberg \""#));
            assert_eq!(cseq(m), (9, Method::Invite));
            assert_eq!(header(m, "Call-ID"), "wsinv.ndaksdj@192.0.2.1");
            assert_eq!(via_branch(header(m, "Via")).as_deref(), Some("390skdjuw"));
            assert_eq!(m.headers().get_all("Via").count(), 2);
            assert_eq!(header(m, "Subject"), "", "an empty subject");
            assert_eq!(
                header(m, "NewFangledHeader"),
                "newfangled value continued newfangled value"
            );
            assert_eq!(header(m, "UnknownHeaderWithUnusualValue"), ";;,,;;,;");
            assert_eq!(m.body().len(), 150);
        }),
    ),
    (
        "intmeth",
        Valid(|m| {
            // 3.1.1.2: every token character in method, URI, tags, header names.
            let r = request(m);
            let method = "!interesting-Method0123456789_*+`.%indeed'~";
            assert_eq!(r.method, Method::Other(method.into()));
            assert_eq!(cseq(m), (139122385, Method::Other(method.into())));
            assert_eq!(ruri(m).host, "example.com");
            assert_eq!(from_tag(m), "_token~1'+`*%!-.");
            assert_eq!(
                header(m, "Call-ID"),
                r#"intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{"#
            );
            assert_eq!(header(m, "extensionHeader-!.%*+_`'~"), "\u{FEFF}大停電");
            // The display name carries BEL, NUL and DEL (quoted-pair): read as
            // they are here; made harmless where shown (`crate::text`).
            let to = NameAddr::parse(header(m, "To")).unwrap();
            assert_eq!(to.display.as_deref(), Some("BEL:\u{7} NUL:\0 DEL:\u{7f}"));
        }),
    ),
    (
        "esc01",
        Valid(|m| {
            // 3.1.1.3: escapes in URIs; `%75se%72` is `user`.
            let to = SipUri::parse(&NameAddr::parse(header(m, "To")).unwrap().uri).unwrap();
            let plain = SipUri::parse("sip:user@example.com").unwrap();
            assert!(to.same_as(&plain), "{to:?}");
            assert_eq!(ruri(m).user.as_deref(), Some("sips%3Auser%40example.com"));
            assert_eq!(ruri(m).host, "example.net");
            assert_eq!(header(m, "Call-ID"), "esc01.239409asdfakjkn23onasd0-3234");
            assert_eq!(header(m, "Content-Type"), "application/sdp");
        }),
    ),
    (
        "escnull",
        Valid(|m| {
            // 3.1.1.4: %00 in a user part; two Contacts.
            assert_eq!(request(m).method, Method::Register);
            assert_eq!(m.headers().get_all("Contact").count(), 2);
            let to = SipUri::parse(&NameAddr::parse(header(m, "To")).unwrap().uri).unwrap();
            assert_eq!(to.user_unescaped().as_deref(), Some("null-\0-null"));
        }),
    ),
    (
        "esc02",
        Valid(|m| {
            // 3.1.1.5: `RE%47IST%45R` is not REGISTER (methods are not
            // unescaped), `C%6Fntact` is not Contact.
            assert_eq!(request(m).method, Method::Other("RE%47IST%45R".into()));
            assert_eq!(m.headers().get_all("Contact").count(), 2);
            assert_eq!(header(m, "C%6Fntact"), "<sip:alias2@host2.example.com>");
            let to = NameAddr::parse(header(m, "To")).unwrap();
            assert_eq!(to.display.as_deref(), Some("%Z%45"));
        }),
    ),
    (
        "lwsdisp",
        Valid(|m| {
            // 3.1.1.6: no LWS between display name and `<`.
            let from = NameAddr::parse(header(m, "From")).unwrap();
            assert_eq!(from.display.as_deref(), Some("caller"));
            assert_eq!(from.tag(), Some("323"));
        }),
    ),
    (
        "longreq",
        Valid(|m| {
            // 3.1.1.7: long values everywhere, 34 Vias.
            assert_eq!(m.headers().get_all("Via").count(), 34);
            assert_eq!(from_tag(m).len(), 155);
            assert_eq!(cseq(m), (3882340, Method::Invite));
            assert_eq!(m.body().len(), 150);
        }),
    ),
    (
        "dblreq",
        Valid(|m| {
            // 3.1.1.8: a datagram with two requests: the first is read, the
            // rest is past its Content-Length and ignored.
            assert_eq!(request(m).method, Method::Register);
            assert_eq!(
                header(m, "Call-ID"),
                "dblreq.0ha0isndaksdj99sdfafnl3lk233412"
            );
            assert!(m.body().is_empty());
        }),
    ),
    (
        "semiuri",
        Valid(|m| {
            // 3.1.1.9: `;` in the user part.
            assert_eq!(ruri(m).user.as_deref(), Some("user;par=u%40example.net"));
            assert_eq!(ruri(m).host, "example.com");
            assert_eq!(
                header(m, "Accept"),
                "application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, \
             message/sip, message/sipfrag"
            );
        }),
    ),
    (
        "transports",
        Valid(|m| {
            // 3.1.1.10: Vias of every transport, one unknown.
            let branches: Vec<_> = m.headers().get_all("Via").filter_map(via_branch).collect();
            assert_eq!(branches.len(), 5);
            assert_eq!(header(m, "Call-ID"), "transports.kijh4akdnaqjkwendsasfdj");
        }),
    ),
    (
        "mpart01",
        Valid(|m| {
            // 3.1.1.11: a multipart body with binary parts, kept as bytes.
            assert_eq!(request(m).method, Method::Message);
            assert_eq!(m.body().len(), 553);
            assert!(header(m, "Content-Type").starts_with("multipart/mixed"));
        }),
    ),
    (
        "unreason",
        Valid(|m| {
            // 3.1.1.12: a UTF-8 reason phrase.
            let r = response(m);
            assert_eq!(r.status, 200);
            assert!(
                r.reason.ends_with("но сто девяносто девять - простое"),
                "{}",
                r.reason
            );
        }),
    ),
    (
        "noreason",
        Valid(|m| {
            // 3.1.1.13: no reason phrase at all.
            let r = response(m);
            assert_eq!((r.status, r.reason.as_str()), (100, ""));
        }),
    ),
    // 3.1.2 Invalid messages.
    ("badinv01", Header("Contact", "empty parameter")),
    (
        "clerr",
        Codec(|e| matches!(e, CodecError::TruncatedBody { expected: 9999, .. })),
    ),
    (
        "ncl",
        Codec(|e| matches!(e, CodecError::BadContentLength { value } if value == "-999")),
    ),
    ("scalar02", Header("CSeq", "sequence number out of range")),
    ("scalarlg", Header("CSeq", "sequence number out of range")),
    ("quotbal", Header("To", "missing or bad URI")),
    (
        "ltgtruri",
        Codec(
            |e| matches!(e, CodecError::BadRequestUri { reason, .. } if reason.contains("absolute URI")),
        ),
    ),
    (
        "lwsruri",
        Codec(|e| matches!(e, CodecError::BadStartLine { .. })),
    ),
    (
        "lwsstart",
        Liberal(
            "3.1.2.9: several SP between the request line's parts. The RFC allows \
         ignoring them; we split the line at whitespace",
        ),
    ),
    (
        "trws",
        Liberal("3.1.2.10: SP after SIP/2.0. The RFC allows ignoring it; we do"),
    ),
    (
        "escruri",
        Codec(
            |e| matches!(e, CodecError::BadRequestUri { reason, .. } if reason.contains("no headers")),
        ),
    ),
    (
        "baddate",
        Liberal(
            "3.1.2.12: a Date in EST. We never read Date; the RFC says an element \
         that does not use it should not reject for it",
        ),
    ),
    ("regbadct", Header("Contact", "must be in <>")),
    (
        "badaspec",
        Liberal(
            "3.1.2.14: spaces inside <...> around the URI. The RFC allows ignoring \
         them; we trim the URI",
        ),
    ),
    (
        "baddn",
        Liberal(
            "3.1.2.15: an unquoted display name with a comma. The RFC allows \
         inferring the quotes; we only show display names, made harmless",
        ),
    ),
    (
        "badvers",
        Codec(|e| matches!(e, CodecError::BadVersion { version } if version == "SIP/7.0")),
    ),
    (
        "mismatch01",
        Codec(
            |e| matches!(e, CodecError::CSeqMethodMismatch { method, .. } if method == "OPTIONS"),
        ),
    ),
    (
        "mismatch02",
        Codec(
            |e| matches!(e, CodecError::CSeqMethodMismatch { method, .. } if method == "NEWMETHOD"),
        ),
    ),
    (
        "bigcode",
        Codec(|e| matches!(e, CodecError::BadStatusCode { code } if code == "4294967301")),
    ),
    // 3.2 Transaction layer.
    (
        "badbranch",
        Valid(|m| {
            // 3.2.1: a branch of the magic cookie alone is still a branch.
            assert_eq!(via_branch(header(m, "Via")).as_deref(), Some("z9hG4bK"));
        }),
    ),
    // 3.3 Application layer.
    (
        "insuf",
        Codec(|e| matches!(e, CodecError::MissingHeader { name: "From" })),
    ),
    (
        "unkscm",
        Semantic(
            "3.3.2: a Request-URI of an unknown scheme: read (416 is the answer); \
         SipUri refuses it, asserted below",
        ),
    ),
    ("novelsc", Semantic("3.3.3: as unkscm, `soap.beep:`")),
    ("unksm2", Header("URI", "scheme is not sip or sips")),
    (
        "bext01",
        Semantic(
            "3.3.5: Require of an unknown extension (420). We take only NOTIFY and \
         answer it; Require is not read",
        ),
    ),
    (
        "invut",
        Semantic(
            "3.3.6: an unknown Content-Type (415). A NOTIFY body of a type that is \
         not its package's is an unreadable document, asserted below",
        ),
    ),
    (
        "regaut01",
        Valid(|m| {
            // 3.3.7: an unknown authorization scheme: read, ignored.
            assert!(header(m, "Authorization").starts_with("NoOneKnowsThisScheme"));
        }),
    ),
    (
        "multi01",
        Codec(|e| matches!(e, CodecError::RepeatedHeader { .. })),
    ),
    (
        "mcl01",
        Codec(|e| matches!(e, CodecError::ConflictingContentLength { .. })),
    ),
    (
        "bcast",
        Valid(|m| {
            // 3.3.10: a 200 whose Via names a broadcast address: read; we never
            // send to a Via.
            assert_eq!(response(m).status, 200);
            assert_eq!(m.headers().get_all("Via").count(), 2);
        }),
    ),
    (
        "zeromf",
        Valid(|m| assert_eq!(header(m, "Max-Forwards"), "0")),
    ),
    (
        "cparam01",
        Valid(|m| {
            // 3.3.12: without <>, `;unknownparam` belongs to the header.
            let contact = NameAddr::parse(header(m, "Contact")).unwrap();
            assert_eq!(contact.param("unknownparam"), Some(""));
            assert!(SipUri::parse(&contact.uri).unwrap().params.is_empty());
        }),
    ),
    (
        "cparam02",
        Valid(|m| {
            // 3.3.13: inside <>, it belongs to the URI.
            let contact = NameAddr::parse(header(m, "Contact")).unwrap();
            assert_eq!(contact.param("unknownparam"), None);
            let uri = SipUri::parse(&contact.uri).unwrap();
            assert_eq!(uri.param("unknownparam"), Some(""));
        }),
    ),
    (
        "regescrt",
        Valid(|m| {
            // 3.3.14: an escaped header in a Contact URI in <...>.
            let contact = NameAddr::parse(header(m, "Contact")).unwrap();
            let uri = SipUri::parse(&contact.uri).unwrap();
            assert_eq!(uri.headers.len(), 1);
        }),
    ),
    (
        "sdp01",
        Semantic("3.3.15: an Accept we cannot meet (406): not a parser matter"),
    ),
    // 3.4 Backward compatibility.
    (
        "inv2543",
        Valid(|m| {
            // An RFC 2543 request: no branch, no Content-Length.
            assert_eq!(via_branch(header(m, "Via")), None);
            assert_eq!(m.body().len(), 105);
        }),
    ),
];

/// RFC 5118, section 4 (the archive's files with CRLF line ends and the
/// closing blank line, as RFC 3261 sends them).
const RFC5118: &[(&str, Expect)] = &[
    (
        "ipv6-good",
        Valid(|m| assert_eq!(ruri(m).host, "[2001:db8::10]")),
    ),
    (
        "ipv6-bad",
        Codec(
            |e| matches!(e, CodecError::BadRequestUri { reason, .. } if reason == "bad port number"),
        ),
    ),
    (
        "port-ambiguous",
        Valid(|m| {
            // 4.3: `[2001:db8::10:5070]` is an address, not address and port.
            assert_eq!(
                (ruri(m).host.as_str(), ruri(m).port),
                ("[2001:db8::10:5070]", None)
            );
        }),
    ),
    (
        "port-unambiguous",
        Valid(|m| {
            assert_eq!(
                (ruri(m).host.as_str(), ruri(m).port),
                ("[2001:db8::10]", Some(5070))
            );
        }),
    ),
    (
        "via-received-param-with-delim",
        Valid(|m| {
            assert_eq!(
                via_branch(header(m, "Via")).as_deref(),
                Some("z9hG4bKas3-111")
            );
        }),
    ),
    (
        "via-received-param-no-delim",
        Valid(|m| {
            assert_eq!(via_branch(header(m, "Via")).as_deref(), Some("z9hG4bKas3"));
        }),
    ),
    (
        "ipv6-in-sdp",
        Valid(|m| {
            assert_eq!(m.body().len(), 241);
            let contact = NameAddr::parse(header(m, "Contact")).unwrap();
            assert_eq!(SipUri::parse(&contact.uri).unwrap().host, "[2001:db8::20]");
        }),
    ),
    (
        "mult-ip-in-header",
        Valid(|m| {
            let branches: Vec<_> = m.headers().get_all("Via").filter_map(via_branch).collect();
            assert_eq!(
                branches,
                [
                    "z9hG4bKas3-111",
                    "z9hG4bKjhja8781hjuaij65144",
                    "z9hG4bK451jj"
                ]
            );
        }),
    ),
    ("mult-ip-in-sdp", Valid(|m| assert_eq!(m.body().len(), 181))),
    (
        "ipv4-mapped-ipv6",
        Valid(|m| {
            let contact = NameAddr::parse(header(m, "Contact")).unwrap();
            assert_eq!(
                SipUri::parse(&contact.uri).unwrap().host,
                "[::ffff:192.0.2.2]"
            );
            assert_eq!(m.body().len(), 236);
        }),
    ),
    // 4.10: RFC 3261's grammar let `:::` through; RFC 5954 (which updates
    // RFC 3261) corrected it, and we follow RFC 5954 and RFC 4291.
    (
        "ipv6-bug-abnf-3-colons",
        Codec(
            |e| matches!(e, CodecError::BadRequestUri { reason, .. } if reason == "bad IPv6 reference"),
        ),
    ),
    (
        "ipv6-correct-abnf-2-colons",
        Valid(|m| {
            assert_eq!(ruri(m).host, "[2001:db8::192.0.2.1]");
            let to = NameAddr::parse(header(m, "To")).unwrap();
            assert!(SipUri::parse(&to.uri).unwrap().same_as(&ruri(m)));
        }),
    ),
];

fn every_file(dir: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut names: Vec<String> = std::fs::read_dir(path)
        .expect("the fixture folder")
        .filter_map(|e| {
            let name = e
                .expect("a fixture")
                .file_name()
                .to_string_lossy()
                .into_owned();
            name.strip_suffix(".dat").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

fn covers_every_file(dir: &str, cases: &[(&str, Expect)], count: usize) {
    let mut named: Vec<String> = cases.iter().map(|(n, _)| n.to_string()).collect();
    named.sort();
    assert_eq!(named, every_file(dir), "one case per {dir} message");
    assert_eq!(named.len(), count, "the RFC's message count");
}

#[test]
fn every_rfc_4475_torture_message_is_read_or_refused_as_the_rfc_says() {
    covers_every_file("rfc4475", RFC4475, 49);
    for (name, expect) in RFC4475 {
        check("rfc4475", name, expect);
    }
}

#[test]
fn every_rfc_5118_ipv6_message_is_read_or_refused_as_the_rfc_says() {
    covers_every_file("rfc5118", RFC5118, 12);
    for (name, expect) in RFC5118 {
        check("rfc5118", name, expect);
    }
}

#[test]
fn request_uris_of_unknown_schemes_are_read_and_then_refused_as_sip_uris() {
    for (name, uri) in [
        ("unkscm", "nobodyKnowsThisScheme:totallyopaquecontent"),
        ("novelsc", "soap.beep://192.0.2.103:3002"),
    ] {
        let m = codec::parse(&fixture("rfc4475", name)).unwrap();
        assert_eq!(request(&m).uri, uri);
        let e = SipUri::parse(uri).unwrap_err().to_string();
        assert!(e.contains("scheme is not sip or sips"), "{name}: {e}");
    }
}

#[test]
fn a_body_of_an_unknown_type_is_an_unreadable_document_not_a_state() {
    use switchboard::body::{BodyError, notify};
    use switchboard::presence::EventKind;
    let m = codec::parse(&fixture("rfc4475", "invut")).unwrap();
    let content_type = header(&m, "Content-Type");
    assert_eq!(content_type, "application/unknownformat");
    for event in EventKind::ALL {
        let read = notify::read(event, content_type, m.body(), true);
        assert!(
            matches!(read, Err(BodyError::ContentType { .. })),
            "{event:?}: {read:?}"
        );
    }
}

#[test]
fn the_torture_messages_are_also_refused_over_a_stream_only_with_a_reason() {
    use switchboard::sip::codec::{StreamItem, StreamReader};
    // On TCP the same bytes are framed by Content-Length: each file is
    // either a whole message, or waits for more bytes (clerr's 9999), or
    // is a framing error with its reason (ncl's negative length), never a
    // panic and never more than one message from one file.
    for dir in ["rfc4475", "rfc5118"] {
        for name in every_file(dir) {
            let mut reader = StreamReader::new();
            reader.push(&fixture(dir, &name));
            let first = reader.next_item();
            match (name.as_str(), first) {
                ("ncl", Err(e)) => assert!(matches!(e, CodecError::BadContentLength { .. })),
                ("clerr", Ok(None)) => {}
                ("mcl01", Err(e)) => {
                    assert!(matches!(e, CodecError::ConflictingContentLength { .. }))
                }
                // No Content-Length: on a stream that is an error (RFC 3261 18.3).
                ("inv2543", Err(CodecError::MissingContentLength)) => {}
                (_, Ok(Some(StreamItem::Message(bytes)))) => {
                    // What the framing cut is what the datagram parse reads.
                    let whole = codec::parse(&fixture(dir, &name)).map(|m| m.body().to_vec());
                    let framed = codec::parse(&bytes).map(|m| m.body().to_vec());
                    assert_eq!(whole.is_ok(), framed.is_ok(), "{dir}/{name}");
                }
                (_, other) => panic!("{dir}/{name}: {other:?}"),
            }
        }
    }
}
