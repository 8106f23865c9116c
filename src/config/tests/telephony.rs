//! `[telephony]`, `[ui] show_peers` and a contact's `lines`.

use super::*;

#[test]
fn telephony_defaults_and_values() {
    let c = parse_with_account(&[]);
    assert_eq!(c.telephony, crate::config::Telephony::default());
    assert!(c.telephony.registration_on(false) && !c.telephony.registration_on(true));
    assert!(!c.ui.hide_peers);
    let c = parse_with_account(&[
        "[telephony]",
        "voicemail = 8000",
        "voicemail_indicator = true",
        "ringing_suspect_after = \"90s\"",
        "registration = false",
        "[ui]",
        "show_peers = false",
    ]);
    assert_eq!(c.telephony.voicemail.as_deref(), Some("8000"));
    assert!(c.telephony.voicemail_indicator);
    assert_eq!(c.telephony.ringing_suspect_after, Duration::from_secs(90));
    assert!(!c.telephony.registration_on(false));
    assert!(c.ui.hide_peers);
}

#[test]
fn a_bad_ringing_time_names_its_line_and_key() {
    let msg = error_with_account(
        &["[telephony]", "ringing_suspect_after = \"soon\""],
        4,
        "telephony.ringing_suspect_after",
    );
    assert!(msg.contains("not a duration"), "{msg}");
}

#[test]
fn contact_lines_are_checked_uris_and_the_own_uri_is_left_out() {
    let c = parse_with_account(&[
        "[[contact]]",
        "name = \"Bob\"",
        "uri = \"sip:1001@pbx.example.test\"",
        "lines = [\"sip:1001@PBX.example.test\", \"sip:4711@pbx.example.test\"]",
    ]);
    assert_eq!(
        c.contact_lines,
        [(
            "sip:1001@pbx.example.test".to_string(),
            vec!["sip:4711@pbx.example.test".to_string()]
        )]
    );
    let msg = error_with_account(
        &[
            "[[contact]]",
            "name = \"Bob\"",
            "uri = \"sip:1001@pbx.example.test\"",
            "lines = [\"4711\"]",
        ],
        6,
        "contact[1].lines[1]",
    );
    assert!(msg.contains("sip:"), "{msg}");
}
