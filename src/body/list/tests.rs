//! List NOTIFY bodies: Kamailio's real ones (tests/fixtures/kamailio/rls-*)
//! and the RFC 4662 nested-list example.

use super::*;
use crate::body::xml::test_support::sip_body;
use crate::presence::Presence;

const FULL_50: &[u8] =
    include_bytes!("../../../tests/fixtures/kamailio/rls-notify-full-state-50.sip");
const PARTIAL_1: &[u8] =
    include_bytes!("../../../tests/fixtures/kamailio/rls-notify-partial-1-member.sip");
const PARTIAL_3: &[u8] =
    include_bytes!("../../../tests/fixtures/kamailio/rls-notify-partial-3-members.sip");
const RFC_NESTED: &[u8] = include_bytes!("../../../tests/fixtures/rfc/rfc4662-nested.txt");

/// The Content-Type header of a captured message.
fn content_type(message: &[u8]) -> String {
    let text = String::from_utf8_lossy(message);
    text.lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn read_fixture(message: &[u8]) -> ListNotify {
    read(
        EventKind::Presence,
        &content_type(message),
        sip_body(message),
    )
    .unwrap()
}

fn presence_of(m: &Member) -> Option<Presence> {
    match &m.doc {
        Some(Ok(Notified::Presence(d))) => Some(d.presence),
        _ => None,
    }
}

#[test]
fn kamailio_full_state_lists_every_member_without_state_yet() {
    let list = read_fixture(FULL_50);
    assert_eq!(list.uri, "sip:attendant-list@127.0.0.1");
    assert_eq!((list.version, list.full_state), (1, true));
    assert_eq!(list.members.len(), 50);
    assert_eq!(list.members[0].uri, "sip:alice@127.0.0.1");
    assert!(
        list.members
            .iter()
            .all(|m| m.state == MemberState::NoInstance && m.doc.is_none()),
        "members without instance are unknown, not offline"
    );
}

#[test]
fn kamailio_partial_notifies_carry_each_members_pidf_by_cid() {
    let one = read_fixture(PARTIAL_1);
    assert_eq!((one.version, one.full_state), (3, false));
    assert_eq!(one.members.len(), 1);
    assert_eq!(one.members[0].uri, "sip:bob@127.0.0.1");
    assert_eq!(one.members[0].state, MemberState::Active);
    assert_eq!(presence_of(&one.members[0]), Some(Presence::Busy));

    let three = read_fixture(PARTIAL_3);
    assert_eq!((three.version, three.full_state), (2, false));
    let uris: Vec<_> = three.members.iter().map(|m| m.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            "sip:carol@127.0.0.1",
            "sip:dave@127.0.0.1",
            "sip:alice@127.0.0.1"
        ]
    );
    assert_eq!(presence_of(&three.members[0]), Some(Presence::Away));
    assert!(three.members.iter().all(|m| presence_of(m).is_some()));
}

#[test]
fn the_rfc_4662_nested_list_is_flattened_with_names_and_states() {
    let ct = "multipart/related;type=\"application/rlmi+xml\";start=\"<nXYxAE@pres.example.com>\";boundary=\"50UBfW7LSCVLtggUPe5z\"";
    let list = read(EventKind::Presence, ct, RFC_NESTED).unwrap();
    assert_eq!(list.uri, "sip:adam-friends@pres.example.com");
    let got: Vec<_> = list
        .members
        .iter()
        .map(|m| (m.uri.as_str(), m.name.as_deref(), m.state.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "sip:bob@example.com",
                Some("Bob Smith"),
                MemberState::Active
            ),
            (
                "sip:dave@example.com",
                Some("Dave Jones"),
                MemberState::Active
            ),
            (
                "sip:ed@example.net",
                Some("Ed at NET"),
                MemberState::NoInstance
            ),
            (
                "sip:ann@example.org",
                Some("Ann Jones"),
                MemberState::Pending
            ),
            (
                "sip:beth@example.org",
                Some("Beth Cooper"),
                MemberState::Terminated(Some("rejected".into()))
            ),
            (
                "sip:steve@example.org",
                Some("Steve Gold"),
                MemberState::Active
            ),
        ]
    );
    assert_eq!(presence_of(&list.members[0]), Some(Presence::Available));
    assert_eq!(presence_of(&list.members[1]), Some(Presence::Offline));
    assert_eq!(presence_of(&list.members[5]), Some(Presence::Available));
    assert!(list.members[3].doc.is_none(), "pending without a part");
}

#[test]
fn a_broken_member_part_is_unreadable_and_the_rest_still_reads() {
    let body = "--b\r\nContent-ID: <r>\r\nContent-Type: application/rlmi+xml\r\n\r\n<list xmlns=\"urn:ietf:params:xml:ns:rlmi\" uri=\"sip:l@x\" version=\"7\" fullState=\"false\"><resource uri=\"sip:a@x\"><instance id=\"1\" state=\"active\" cid=\"a\"/></resource><resource uri=\"sip:b@x\"><name>B\u{202e}ob</name><instance id=\"2\" state=\"active\" cid=\"b\"/></resource></list>\r\n--b\r\nContent-ID: <a>\r\nContent-Type: application/pidf+xml\r\n\r\n<presence\r\n--b\r\nContent-ID: <b>\r\nContent-Type: application/pidf+xml\r\n\r\n<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:b@x\"><tuple id=\"t\"><status><basic>open</basic></status></tuple></presence>\r\n--b--\r\n";
    let list = read(
        EventKind::Presence,
        "multipart/related;boundary=b",
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(list.version, 7);
    assert!(matches!(list.members[0].doc, Some(Err(_))));
    assert_eq!(presence_of(&list.members[1]), Some(Presence::Available));
    assert_eq!(
        list.members[1].name.as_deref(),
        Some("Bob"),
        "made harmless"
    );
}

#[test]
fn not_a_list_or_too_big_is_a_clear_error() {
    assert!(matches!(
        read(EventKind::Presence, "application/pidf+xml", b"<presence/>"),
        Err(BodyError::ContentType { .. })
    ));
    let big = vec![b'x'; MAX_LIST_BODY + 1];
    assert!(matches!(
        read(EventKind::Presence, "multipart/related;boundary=b", &big),
        Err(BodyError::TooLarge(_))
    ));
    let no_version = b"--b\r\n\r\n<list xmlns=\"urn:ietf:params:xml:ns:rlmi\" uri=\"sip:l@x\" fullState=\"true\"/>\r\n--b--";
    assert!(matches!(
        read(
            EventKind::Presence,
            "multipart/related;boundary=b",
            no_version
        ),
        Err(BodyError::Invalid { .. })
    ));
}

#[test]
fn a_part_named_by_two_members_is_read_for_the_first_only() {
    // Kamailio's one-member NOTIFY with a second resource naming bob's cid:
    // bob's document is read once, the second member's is unreadable (a
    // body whose members all name one big part must not cost members ×
    // part).
    let body = String::from_utf8_lossy(sip_body(PARTIAL_1)).replace(
        "</resource></list>",
        "</resource><resource uri=\"sip:eve@127.0.0.1\"><instance id=\"x\" state=\"active\" \
         cid=\"1795301614.sip:bob@127.0.0.1.1853043962\"/></resource></list>",
    );
    let list = read(
        EventKind::Presence,
        &content_type(PARTIAL_1),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(list.members.len(), 2);
    assert_eq!(presence_of(&list.members[0]), Some(Presence::Busy));
    assert!(
        matches!(
            &list.members[1].doc,
            Some(Err(BodyError::Invalid {
                what: "list part",
                ..
            }))
        ),
        "{:?}",
        list.members[1].doc
    );
}
