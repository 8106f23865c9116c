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

fn parse_str(s: &str) -> PresenceDoc {
    parse(s.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{s}"))
}

/// A PIDF with the usual namespaces around `inner`.
fn pidf(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" \
         xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" \
         xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"sip:a@x\">{inner}</presence>"
    )
}

const OPEN: &str = "<tuple id=\"t\"><status><basic>open</basic></status></tuple>";

#[test]
fn kamailio_initial_is_busy_on_the_phone() {
    let doc = parse(sip_body(fixture!(
        "kamailio/presence-notify-pidf-initial.sip"
    )))
    .unwrap();
    assert_eq!(doc.presence, Presence::Busy);
    assert_eq!(doc.note.as_deref(), Some("On the phone"));
    assert_eq!(doc.activities, ["on-the-phone"]);
    assert_eq!(doc.basic, Some(Basic::Open));
    assert_eq!(doc.entity.as_deref(), Some("sip:alice@127.0.0.1"));
    assert_eq!(doc.rule, "rpid activity on-the-phone");
    assert_eq!(doc.forwarding, None);
}

#[test]
fn kamailio_update_is_away_with_note() {
    let doc = parse(sip_body(fixture!(
        "kamailio/presence-notify-pidf-update.sip"
    )))
    .unwrap();
    assert_eq!(doc.presence, Presence::Away);
    assert_eq!(doc.note.as_deref(), Some("Back in 5 minutes"));
    assert_eq!(doc.rule, "rpid activity away");
    assert_eq!(doc.availability, None);
}

#[test]
fn rfc3863_example_reads_im_busy_and_first_tuple_note() {
    let doc = parse(fixture!("rfc/rfc3863-example.xml")).unwrap();
    assert_eq!(doc.presence, Presence::Busy);
    assert_eq!(doc.rule, "pidf im status busy");
    assert_eq!(doc.note.as_deref(), Some("Don't Disturb Please!"));
    assert_eq!(doc.entity.as_deref(), Some("pres:someone@example.com"));

    let doc = parse(fixture!("rfc/rfc3863-minimal.xml")).unwrap();
    assert_eq!(doc.presence, Presence::Available);
    assert_eq!(doc.rule, "basic open, no activity");
    assert_eq!(doc.note, None);
}

#[test]
fn rfc4480_example_is_away_with_person_note() {
    let doc = parse(fixture!("rfc/rfc4480-example.xml")).unwrap();
    // The away activity beats the idle device; the activity note and the
    // mood's <rpid:other> are not activities.
    assert_eq!(doc.presence, Presence::Away);
    assert_eq!(doc.activities, ["away"]);
    assert_eq!(doc.note.as_deref(), Some("Scoring 120"));
}

#[test]
fn basic_alone_maps_to_offline_and_available() {
    let closed = parse_str(&pidf(
        "<tuple id=\"t\"><status><basic>closed</basic></status><note>Gone home</note></tuple>",
    ));
    assert_eq!(
        (closed.presence, closed.rule),
        (Presence::Offline, "basic closed")
    );
    assert_eq!(closed.note.as_deref(), Some("Gone home"));
    let open = parse_str(&pidf(OPEN));
    assert_eq!(
        (open.presence, open.rule),
        (Presence::Available, "basic open, no activity")
    );
    let nothing = parse_str(&pidf("<tuple id=\"t\"><status/></tuple>"));
    assert_eq!(nothing.presence, Presence::Unknown);
}

#[test]
fn activities_map_with_availability_markers() {
    let cases = [
        ("meeting", Presence::Busy, None),
        ("appointment", Presence::Busy, None),
        ("busy", Presence::Busy, None),
        ("meal", Presence::Away, Some(Availability::Break)),
        ("travel", Presence::Away, Some(Availability::BusinessTrip)),
        ("vacation", Presence::Away, Some(Availability::Vacation)),
        ("holiday", Presence::Away, Some(Availability::Vacation)),
        ("permanent-absence", Presence::Away, None),
        ("steering", Presence::Away, None),
        ("unknown", Presence::Available, None),
    ];
    for (activity, presence, availability) in cases {
        let doc = parse_str(&pidf(&format!(
            "{OPEN}<dm:person id=\"p\"><rpid:activities><rpid:{activity}/></rpid:activities></dm:person>"
        )));
        assert_eq!(
            (doc.presence, &doc.availability),
            (presence, &availability),
            "{activity}"
        );
        assert_eq!(doc.activities, [activity]);
    }
}

#[test]
fn idle_user_input_without_activity_is_inactive() {
    let doc = parse_str(&pidf(&format!(
        "{OPEN}<dm:person id=\"p\"><rpid:user-input>idle</rpid:user-input></dm:person>"
    )));
    assert_eq!(
        (doc.presence, doc.rule),
        (Presence::Inactive, "rpid user-input idle")
    );
    let active = parse_str(&pidf(&format!(
        "{OPEN}<dm:person id=\"p\"><rpid:user-input>active</rpid:user-input></dm:person>"
    )));
    assert_eq!(active.presence, Presence::Available);
}

#[test]
fn several_signals_dnd_beats_busy_beats_away() {
    let doc = parse_str(&pidf(&format!(
        "{OPEN}<dm:person id=\"p\"><rpid:activities><rpid:away/><rpid:on-the-phone/>\
         <rpid:other>Do Not Disturb</rpid:other></rpid:activities></dm:person>"
    )));
    assert_eq!(doc.presence, Presence::Dnd);
    assert_eq!(doc.rule, "rpid other: do not disturb");
    assert_eq!(doc.activities, ["away", "on-the-phone", "Do Not Disturb"]);
    let doc = parse_str(&pidf(&format!(
        "{OPEN}<dm:person id=\"p\"><rpid:activities><rpid:away/><rpid:busy/></rpid:activities></dm:person>"
    )));
    assert_eq!(doc.presence, Presence::Busy);
    let doc = parse_str(&pidf(&format!(
        "{OPEN}<dm:person id=\"p\"><rpid:activities><rpid:DND/></rpid:activities></dm:person>"
    )));
    assert_eq!(doc.presence, Presence::Dnd);
}

#[test]
fn asterisk_eyebeam_dialect() {
    // res_pjsip_pidf_eyebeam_body_supplement: activity as text, basic
    // closed while in use, presence-level note.
    let body = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n\
        <presence entity=\"sip:6001@pbx\" xmlns=\"urn:ietf:params:xml:ns:pidf\" \
        xmlns:pp=\"urn:ietf:params:xml:ns:pidf:person\" \
        xmlns:es=\"urn:ietf:params:xml:ns:pidf:rpid:status:rpid-status\" \
        xmlns:ep=\"urn:ietf:params:xml:ns:pidf:rpid:rpid-person\">\n\
        <note>On the phone</note>\n\
        <tuple id=\"6001\"><status><basic>closed</basic></status>\
        <contact priority=\"1\">sip:6001@pbx</contact></tuple>\n\
        <pp:person><status><ep:activities>ep:on-the-phone</ep:activities></status></pp:person>\n\
        </presence>";
    let doc = parse_str(body);
    assert_eq!(doc.presence, Presence::Busy);
    assert_eq!(doc.activities, ["on-the-phone"]);
    assert_eq!(doc.note.as_deref(), Some("On the phone"));
    // Without the supplement only the note tells the line is in use.
    let plain = body.replace("<ep:activities>ep:on-the-phone</ep:activities>", "");
    let doc = parse_str(&plain);
    assert_eq!(doc.presence, Presence::Busy);
    let ready = plain
        .replace("On the phone", "Ready")
        .replace("closed", "open");
    assert_eq!(parse_str(&ready).presence, Presence::Available);
    let unavailable = plain.replace("On the phone", "Unavailable");
    assert_eq!(parse_str(&unavailable).presence, Presence::Offline);
}

#[test]
fn old_rpid_draft_activity_elements() {
    let doc = parse_str(
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" \
         xmlns:es=\"urn:ietf:params:xml:ns:pidf:status:rpid-status\" entity=\"sip:a@x\">\
         <tuple id=\"t\"><status><basic>open</basic>\
         <es:activities><es:activity>on-the-phone</es:activity></es:activities>\
         </status></tuple></presence>",
    );
    assert_eq!(doc.presence, Presence::Busy);
    assert_eq!(doc.activities, ["on-the-phone"]);
}

#[test]
fn asterisk_digium_presence_types() {
    for (kind, presence) in [
        ("xa", Presence::Away),
        ("away", Presence::Away),
        ("dnd", Presence::Dnd),
        ("chat", Presence::Available),
    ] {
        let doc = parse_str(&format!(
            "<presence entity=\"sip:200@pbx\" xmlns=\"urn:ietf:params:xml:ns:pidf\">\
             <note>Ready</note>{OPEN}<tuple id=\"digium-presence\"><status>\
             <digium_presence type=\"{kind}\" subtype=\"\">gone fishing</digium_presence>\
             </status></tuple></presence>"
        ));
        assert_eq!(doc.presence, presence, "{kind}");
        assert_eq!(doc.note.as_deref(), Some("Ready"));
    }
}

#[test]
fn freeswitch_dialect_with_latin1_declaration() {
    let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?> \n\
        <presence xmlns='urn:ietf:params:xml:ns:pidf' \n\
        xmlns:dm='urn:ietf:params:xml:ns:pidf:data-model' \n\
        xmlns:rpid='urn:ietf:params:xml:ns:pidf:rpid' \n\
        xmlns:c='urn:ietf:params:xml:ns:pidf:cipid' entity='sip:1000@fs'>\n\
         <tuple id='t6a5ed77e'>\n  <status>\r\n   <basic>open</basic>\n  </status>\n </tuple>\n\
         <dm:person id='p06360c4a'>\n  <rpid:activities>\r\n   <rpid:on-the-phone/>\n  </rpid:activities>\n\
          <dm:note>Am Telefon \xFC</dm:note>\n </dm:person>\n</presence>";
    let doc = parse(body).unwrap();
    assert_eq!(doc.presence, Presence::Busy);
    assert_eq!(doc.note.as_deref(), Some("Am Telefon ü"));
}

#[test]
fn linphone_other_text_dnd() {
    let doc = parse_str(&pidf(&format!(
        "{OPEN}<dm:person id=\"sip:bob@example.org\"><rpid:activities>\
         <rpid:other>Do not disturb</rpid:other></rpid:activities>\
         <dm:note>In the lab</dm:note></dm:person>"
    )));
    assert_eq!(doc.presence, Presence::Dnd);
    assert_eq!(doc.note.as_deref(), Some("In the lab"));
}

#[test]
fn forwarding_extension() {
    let ns = "xmlns:sb=\"urn:x-switchboard:params:xml:ns:line\"";
    let doc = parse_str(&pidf(&format!(
        "{OPEN}<dm:person id=\"p\" {ns}><sb:forwarding target=\"sip:vm@x\">on</sb:forwarding></dm:person>"
    )));
    assert_eq!(
        doc.forwarding,
        Some(Forwarding::Redirected {
            target: Some("sip:vm@x".into())
        })
    );
    let doc = parse_str(&pidf(&format!(
        "{OPEN}<dm:person id=\"p\" {ns}><sb:forwarding target=\"sip:vm@x\">off</sb:forwarding>\
         <sb:protection>on</sb:protection></dm:person>"
    )));
    assert_eq!(doc.forwarding, Some(Forwarding::Protected));
    let bad = pidf(&format!("{OPEN}<sb:protection {ns}>maybe</sb:protection>"));
    assert!(matches!(
        parse(bad.as_bytes()),
        Err(BodyError::Invalid { .. })
    ));
}

#[test]
fn build_round_trips_every_presence() {
    let availabilities = [
        None,
        Some(Availability::Break),
        Some(Availability::BusinessTrip),
        Some(Availability::HomeOffice),
        Some(Availability::Vacation),
        Some(Availability::Custom("Gone <fishing> & \"back\"".into())),
    ];
    let forwardings = [
        None,
        Some(Forwarding::Protected),
        Some(Forwarding::Redirected { target: None }),
        Some(Forwarding::Redirected {
            target: Some("sip:voicemail@x;user=phone".into()),
        }),
    ];
    for presence in Presence::ALL {
        for availability in &availabilities {
            for forwarding in &forwardings {
                for note in [None, Some("Back at 3 <pm> & \"later\"")] {
                    let xml = build(
                        "sip:me@x",
                        presence,
                        note,
                        availability.as_ref(),
                        forwarding.as_ref(),
                    );
                    let doc = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
                    let got = (
                        doc.presence,
                        &doc.availability,
                        doc.note.as_deref(),
                        &doc.forwarding,
                    );
                    assert_eq!(got, (presence, availability, note, forwarding), "{xml}");
                    assert_eq!(doc.entity.as_deref(), Some("sip:me@x"));
                }
            }
        }
    }
}

#[test]
fn hostile_and_broken_bodies_are_errors() {
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
        <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\
        <presence xmlns=\"urn:ietf:params:xml:ns:pidf\">&lol2;</presence>";
    assert_eq!(parse(laughs.as_bytes()), Err(BodyError::Dtd("PIDF")));
    let external = "<!DOCTYPE presence SYSTEM \"file:///etc/passwd\"><presence/>";
    assert_eq!(parse(external.as_bytes()), Err(BodyError::Dtd("PIDF")));

    let mut big = pidf(OPEN).into_bytes();
    big.resize(2 * 1024 * 1024, b' ');
    assert_eq!(parse(&big), Err(BodyError::TooLarge(2 * 1024 * 1024)));

    assert_eq!(
        parse(b"<presence>\xFF\xFE</presence>"),
        Err(BodyError::NotUtf8)
    );
    assert!(matches!(
        parse(b"<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\"/>"),
        Err(BodyError::WrongRoot {
            expected: "presence",
            ..
        })
    ));
    assert!(matches!(
        parse(b"<presence xmlns=\"urn:example:other\"/>"),
        Err(BodyError::WrongRoot { .. })
    ));
    for garbage in [
        &b""[..],
        b"not xml at all",
        b"<presence><tuple></presence>",
        b"\x00\x01",
    ] {
        assert!(
            matches!(parse(garbage), Err(BodyError::Xml(_))),
            "{garbage:?}"
        );
    }
    let bad_basic = pidf("<tuple id=\"t\"><status><basic>maybe</basic></status></tuple>");
    assert_eq!(
        parse(bad_basic.as_bytes()),
        Err(BodyError::Invalid {
            what: "PIDF <basic> (open|closed)",
            value: "maybe".into()
        })
    );
}
