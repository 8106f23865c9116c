use super::*;
use crate::body::xml::test_support::sip_body;

macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}

#[test]
fn kamailio_callee_early_is_recipient_with_remote_alice() {
    let doc = parse(sip_body(fixture!(
        "kamailio/dialog-notify-callee-early.sip"
    )))
    .unwrap();
    assert_eq!((doc.version, doc.full), (2, true));
    assert_eq!(doc.entity.as_deref(), Some("sip:bob@127.0.0.1"));
    let [d] = doc.dialogs.as_slice() else {
        panic!("one dialog expected: {doc:?}")
    };
    assert_eq!(d.id, "padi-6b0220e1-4c6d-1");
    assert_eq!(d.state, DialogState::Early);
    assert_eq!(d.direction, Some(Direction::Recipient));
    assert_eq!(d.remote_identity.as_deref(), Some("sip:alice@127.0.0.1"));
    assert_eq!(d.remote_display, None);
}

#[test]
fn kamailio_confirmed_terminated_and_trying() {
    let doc = parse(sip_body(fixture!(
        "kamailio/dialog-notify-callee-confirmed.sip"
    )))
    .unwrap();
    assert_eq!(doc.version, 3);
    assert_eq!(doc.dialogs[0].state, DialogState::Confirmed);
    let doc = parse(sip_body(fixture!(
        "kamailio/dialog-notify-callee-terminated.sip"
    )))
    .unwrap();
    assert_eq!(doc.version, 4);
    assert_eq!(doc.dialogs[0].state, DialogState::Terminated);
    // pua_dialoginfo writes `Trying` with a capital T.
    let doc = parse(sip_body(fixture!(
        "kamailio/dialog-notify-caller-Trying.sip"
    )))
    .unwrap();
    assert_eq!(doc.dialogs[0].state, DialogState::Trying);
    assert_eq!(doc.dialogs[0].direction, Some(Direction::Initiator));
    assert_eq!(
        doc.dialogs[0].remote_identity.as_deref(),
        Some("sip:bob@127.0.0.1")
    );
    // The idle line's first NOTIFY has no body at all.
    assert!(sip_body(fixture!("kamailio/dialog-notify-callee-initial-nobody.sip")).is_empty());
}

#[test]
fn rfc4235_examples() {
    let doc = parse(fixture!("rfc/rfc4235-trying.xml")).unwrap();
    assert_eq!((doc.version, doc.full), (0, true));
    assert_eq!(doc.dialogs[0].state, DialogState::Trying);
    assert_eq!(doc.dialogs[0].remote_identity, None);

    let doc = parse(fixture!("rfc/rfc4235-confirmed.xml")).unwrap();
    let d = &doc.dialogs[0];
    assert_eq!(d.state, DialogState::Confirmed);
    assert_eq!(d.remote_identity.as_deref(), Some("sip:bob@example.org"));
    assert_eq!(d.remote_display.as_deref(), Some("Bob"));

    let doc = parse(fixture!("rfc/rfc4235-partial-terminated.xml")).unwrap();
    assert!(!doc.full);
    assert_eq!(doc.dialogs.len(), 2);
    assert_eq!(doc.dialogs[0].state, DialogState::Terminated);
    assert_eq!(doc.dialogs[1].state, DialogState::Early);
    assert_eq!(doc.dialogs[1].remote_display.as_deref(), Some("Carol & Co"));
}

#[test]
fn remote_target_stands_in_for_a_missing_identity() {
    let doc = parse(
        b"<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"7\" state=\"full\">\
          <dialog id=\"a\" direction=\"recipient\"><state>early</state>\
          <remote><target uri=\"sip:200@pbx\"/></remote></dialog></dialog-info>",
    )
    .unwrap();
    assert_eq!(
        doc.dialogs[0].remote_identity.as_deref(),
        Some("sip:200@pbx")
    );
}

#[test]
fn build_round_trips() {
    let dialogs = vec![
        DialogEntry {
            id: "d1".into(),
            state: DialogState::Early,
            direction: Some(Direction::Recipient),
            remote_identity: Some("sip:alice@x".into()),
            remote_display: Some("Alice \"Al\" <&>".into()),
        },
        DialogEntry {
            id: "d<2>".into(),
            state: DialogState::Confirmed,
            direction: Some(Direction::Initiator),
            remote_identity: Some("sip:bob@x".into()),
            remote_display: None,
        },
        DialogEntry {
            id: "d3".into(),
            state: DialogState::Proceeding,
            direction: None,
            remote_identity: None,
            remote_display: None,
        },
    ];
    for full in [true, false] {
        let xml = build("sip:me@x", u64::MAX, full, &dialogs);
        let doc = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        assert_eq!(
            doc,
            DialogDoc {
                version: u64::MAX,
                full,
                entity: Some("sip:me@x".into()),
                dialogs: dialogs.clone()
            }
        );
    }
    let empty = parse(build("sip:me@x", 1, true, &[]).as_bytes()).unwrap();
    assert!(empty.dialogs.is_empty());
}

#[test]
fn hostile_and_broken_bodies_are_errors() {
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaa\">\
        <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><dialog-info>&b;</dialog-info>";
    assert_eq!(parse(laughs.as_bytes()), Err(BodyError::Dtd("dialog-info")));
    let big = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(parse(&big), Err(BodyError::TooLarge(2 * 1024 * 1024)));
    assert_eq!(
        parse(b"<dialog-info>\xC3\x28</dialog-info>"),
        Err(BodyError::NotUtf8)
    );
    assert!(matches!(
        parse(b"<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/>"),
        Err(BodyError::WrongRoot {
            expected: "dialog-info",
            ..
        })
    ));
    assert!(matches!(parse(b"<<<>>>"), Err(BodyError::Xml(_))));

    let ns = "xmlns=\"urn:ietf:params:xml:ns:dialog-info\"";
    let cases = [
        (
            format!("<dialog-info {ns} state=\"full\"/>"),
            "dialog-info version (required attribute missing)",
        ),
        (
            format!("<dialog-info {ns} version=\"-1\" state=\"full\"/>"),
            "dialog-info version",
        ),
        (
            format!("<dialog-info {ns} version=\"1\"/>"),
            "dialog-info state (full|partial)",
        ),
        (
            format!(
                "<dialog-info {ns} version=\"1\" state=\"full\"><dialog id=\"a\"><state>ringing</state></dialog></dialog-info>"
            ),
            "dialog state",
        ),
        (
            format!(
                "<dialog-info {ns} version=\"1\" state=\"full\"><dialog><state>early</state></dialog></dialog-info>"
            ),
            "dialog id (required attribute missing)",
        ),
        (
            format!(
                "<dialog-info {ns} version=\"1\" state=\"full\"><dialog id=\"a\" direction=\"up\"><state>early</state></dialog></dialog-info>"
            ),
            "dialog direction (initiator|recipient)",
        ),
    ];
    for (body, what) in cases {
        match parse(body.as_bytes()) {
            Err(BodyError::Invalid { what: w, .. }) => assert_eq!(w, what, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
}
