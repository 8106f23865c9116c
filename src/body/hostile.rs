//! Hostile documents through the real parsers: nothing a remote party
//! writes into a PIDF or dialog-info body leaves `body` as a control or
//! bidi character, and nothing leaves it unbounded.

use super::{Forwarding, dialog_info, pidf};
use crate::presence::Availability;
use crate::text::{MAX_LINE_CHARS, MAX_TEXT_CHARS, is_hostile};

/// Legal in XML 1.0, obeyed by terminals: C1 CSI and OSC (with its C1
/// string terminator), a right-to-left override, an isolate pair, DEL.
const PAYLOAD: &str =
    "Eve\u{9b}31m\u{9d}8;;http://evil\u{9c}\u{202e}gnp.exe\u{2066}x\u{2069}\u{7f}!";
/// What is left of it.
const CLEAN: &str = "Eve31m8;;http://evilgnp.exex!";

fn assert_harmless(what: &str, s: &str) {
    assert!(!s.chars().any(is_hostile), "{what}: {s:?}");
}

fn hostile_pidf(note: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:sb="urn:x-switchboard:params:xml:ns:line" entity="sip:{p}@x">
<tuple id="t"><status><basic>open</basic></status></tuple>
<dm:person id="p">
<rpid:activities><rpid:other>{p}</rpid:other></rpid:activities>
<dm:note>{note}</dm:note>
<sb:availability custom="{p}"/>
<sb:forwarding target="sip:{p}@x">on</sb:forwarding>
</dm:person>
</presence>"#,
        p = PAYLOAD
    )
}

fn hostile_dialog(display: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="2" state="full" entity="sip:{p}@x">
  <dialog id="d{p}" direction="recipient">
    <state>early</state>
    <remote>
      <identity display="{display}">sip:{p}@x</identity>
      <target uri="sip:{p}@x:5071"/>
    </remote>
  </dialog>
  <dialog id="t{p}" direction="initiator">
    <state>confirmed</state>
    <remote><target uri="sip:{p}@y"/></remote>
  </dialog>
</dialog-info>"#,
        p = PAYLOAD
    )
}

#[test]
fn a_hostile_pidf_comes_out_harmless() {
    let note = format!("line one\r\n{PAYLOAD}\tend");
    let doc = pidf::parse(hostile_pidf(&note).as_bytes()).unwrap();
    assert_eq!(
        doc.note.as_deref(),
        Some(format!("line one\n{CLEAN}\tend").as_str()),
        "a note keeps its lines and tabs, loses the rest"
    );
    assert_eq!(
        doc.entity.as_deref(),
        Some(format!("sip:{CLEAN}@x").as_str())
    );
    assert_eq!(doc.availability, Some(Availability::Custom(CLEAN.into())));
    assert_eq!(
        doc.forwarding,
        Some(Forwarding::Redirected {
            target: Some(format!("sip:{CLEAN}@x"))
        })
    );
    assert_eq!(doc.activities, [CLEAN]);
}

#[test]
fn a_hostile_dialog_info_comes_out_harmless() {
    let doc = dialog_info::parse(hostile_dialog(PAYLOAD).as_bytes()).unwrap();
    assert_harmless("entity", doc.entity.as_deref().unwrap());
    assert_eq!(doc.dialogs.len(), 2);
    for d in &doc.dialogs {
        assert_harmless("id", &d.id);
        assert_harmless("identity", d.remote_identity.as_deref().unwrap());
    }
    let ringing = &doc.dialogs[0];
    assert_eq!(ringing.remote_display.as_deref(), Some(CLEAN));
    assert_eq!(
        ringing.remote_identity.as_deref(),
        Some(format!("sip:{CLEAN}@x").as_str())
    );
    assert_eq!(
        doc.dialogs[1].remote_identity.as_deref(),
        Some(format!("sip:{CLEAN}@y").as_str()),
        "a target URI standing in for the identity"
    );
}

#[test]
fn a_display_name_of_nothing_but_controls_is_no_display_name() {
    let doc = dialog_info::parse(hostile_dialog("\u{9b}\u{202e}\u{7f}").as_bytes()).unwrap();
    assert_eq!(doc.dialogs[0].remote_display, None);
}

#[test]
fn giant_texts_are_capped() {
    let big = "x".repeat(200_000);
    let doc = pidf::parse(hostile_pidf(&big).as_bytes()).unwrap();
    assert_eq!(doc.note.unwrap().chars().count(), MAX_TEXT_CHARS);
    let doc = dialog_info::parse(hostile_dialog(&big).as_bytes()).unwrap();
    let display = doc.dialogs[0].remote_display.as_deref().unwrap();
    assert_eq!(display.chars().count(), MAX_LINE_CHARS);
    assert!(display.ends_with('…'));
}

#[test]
fn c0_controls_xml_cannot_carry_make_the_body_unreadable_not_shown() {
    // ESC, BEL and NUL are not XML 1.0 characters, raw or as references:
    // the document is refused (and so never shown), never a panic.
    for bad in ["\u{1b}]0;pwned\u{7}", "&#27;[31m", "&#x0;", "\u{0}"] {
        assert!(
            pidf::parse(hostile_pidf(bad).as_bytes()).is_err(),
            "{bad:?}"
        );
        assert!(
            dialog_info::parse(hostile_dialog(bad).as_bytes()).is_err(),
            "{bad:?}"
        );
    }
}
