//! What a NOTIFY body means for the event package it arrived on.
//!
//! The engine hands over the package, the Content-Type, the body and whether
//! the subscription is active; this module decides what the body says. Two
//! decisions live here rather than in the engine because they are about
//! meaning, not transport:
//!
//! - an empty body on an *active* presence subscription means "nothing
//!   published": the person is not online (Kamailio sends exactly that for a
//!   presentity without a PUBLISH); on a pending or terminated one it says
//!   nothing at all;
//! - an empty dialog body on an active subscription means "no dialogs": the
//!   line is idle (Kamailio's first dialog NOTIFY).
//!
//! The same rule for both packages: an empty body on a pending or
//! terminated subscription says nothing.
//!
//! A body of the wrong type or document for the package (a PIDF on
//! `Event: dialog`, a dialog-info with an unknown root namespace) is an
//! error like a body that is not XML: the caller keeps the last state it
//! read and shows it as not current, with [`unreadable_reason`].

use super::message_summary::{self, MessageSummary};
use super::reginfo::{self, RegDoc};
use super::{BodyError, DialogDoc, PresenceDoc, dialog_info, pidf};
use crate::presence::{EventKind, Presence};
use crate::text::harmless_line;

/// What one NOTIFY body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notified {
    /// A PIDF document, or the "nothing published" reading of an empty body.
    Presence(PresenceDoc),
    /// A dialog-info document; `None`: no body, no dialogs (line idle).
    Dialog(Option<DialogDoc>),
    /// A reginfo document; `None`: an empty body on an active
    /// subscription, i.e. nobody registered (Kamailio's first NOTIFY).
    Reg(Option<RegDoc>),
    /// A message-summary body.
    MessageSummary(MessageSummary),
    /// No information (an empty body while pending or terminated).
    Nothing,
}

/// The rule shown for a contact whose presence server has nothing for it.
pub const RULE_NOTHING_PUBLISHED: &str = "nothing published (empty NOTIFY)";

/// Reads a NOTIFY body for `event`. `active`: the NOTIFY's
/// Subscription-State is `active`.
pub fn read(
    event: EventKind,
    content_type: &str,
    body: &[u8],
    active: bool,
) -> Result<Notified, BodyError> {
    if body.is_empty() {
        return Ok(match event {
            EventKind::Presence if active => Notified::Presence(nothing_published()),
            EventKind::Dialog if active => Notified::Dialog(None),
            EventKind::Reg if active => Notified::Reg(None),
            EventKind::Presence
            | EventKind::Dialog
            | EventKind::Reg
            | EventKind::MessageSummary => Notified::Nothing,
        });
    }
    let expected = event.accept();
    if !content_type.trim().is_empty() && !mime_is(content_type, expected) {
        return Err(BodyError::ContentType {
            expected,
            found: harmless_line(content_type),
        });
    }
    match event {
        EventKind::Presence => pidf::parse(body).map(Notified::Presence),
        EventKind::Dialog => dialog_info::parse(body).map(|d| Notified::Dialog(Some(d))),
        EventKind::Reg => reginfo::parse(body).map(|d| Notified::Reg(Some(d))),
        EventKind::MessageSummary => message_summary::parse(body).map(Notified::MessageSummary),
    }
}

/// The reason shown (details panel, `watch`'s `reason`) for a body that
/// could not be read: `unreadable dialog document: …`, made harmless (the
/// error may quote what the server sent).
pub fn unreadable_reason(event: EventKind, error: &BodyError) -> String {
    harmless_line(&format!("unreadable {} document: {error}", event.as_str()))
}

/// What an active presence subscription without a document means.
pub fn nothing_published() -> PresenceDoc {
    PresenceDoc {
        entity: None,
        basic: None,
        presence: Presence::Offline,
        availability: None,
        note: None,
        until: None,
        activities: Vec::new(),
        forwarding: None,
        rule: RULE_NOTHING_PUBLISHED,
    }
}

/// `type/subtype` of a Content-Type value, parameters and blanks ignored.
fn mime_is(value: &str, mime: &str) -> bool {
    let base = value.split(';').next().unwrap_or_default();
    // Compared char by char, blanks skipped (no copy of the value).
    let mut base = base.chars().filter(|c| !c.is_whitespace());
    let mut mime = mime.chars();
    loop {
        match (base.next(), mime.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b) => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIDF: &str = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@x\"><tuple id=\"t\"><status><basic>open</basic></status></tuple></presence>";
    const DIALOG: &str = "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\" entity=\"sip:a@x\"/>";

    #[test]
    fn an_empty_body_means_what_its_package_and_state_say() {
        let offline = read(EventKind::Presence, "", b"", true).unwrap();
        assert!(
            matches!(offline, Notified::Presence(d) if d.presence == Presence::Offline && d.rule == RULE_NOTHING_PUBLISHED)
        );
        assert_eq!(
            read(EventKind::Presence, "", b"", false),
            Ok(Notified::Nothing)
        );
        assert_eq!(
            read(EventKind::Dialog, "", b"", true),
            Ok(Notified::Dialog(None))
        );
        assert_eq!(
            read(EventKind::Dialog, "", b"", false),
            Ok(Notified::Nothing)
        );
    }

    #[test]
    fn the_wrong_document_for_the_package_is_an_error() {
        let pidf_on_dialog = read(EventKind::Dialog, "", PIDF.as_bytes(), true);
        assert!(matches!(pidf_on_dialog, Err(BodyError::WrongRoot { .. })));
        let typed = read(
            EventKind::Dialog,
            "application/pidf+xml",
            PIDF.as_bytes(),
            true,
        );
        assert!(matches!(typed, Err(BodyError::ContentType { .. })));
        let dialog_on_presence = read(EventKind::Presence, "", DIALOG.as_bytes(), true);
        assert!(matches!(
            dialog_on_presence,
            Err(BodyError::WrongRoot { .. })
        ));
        let ok = read(
            EventKind::Dialog,
            "Application/Dialog-Info+XML; charset=utf-8",
            DIALOG.as_bytes(),
            true,
        );
        assert!(matches!(ok, Ok(Notified::Dialog(Some(_)))));
    }

    #[test]
    fn the_reason_names_the_package_and_carries_no_control_character() {
        let err = read(EventKind::Dialog, "text/x\u{9b}31m\u{202e}", b"<x/>", true).unwrap_err();
        let why = unreadable_reason(EventKind::Dialog, &err);
        assert!(why.starts_with("unreadable dialog document: "), "{why}");
        assert!(!why.chars().any(crate::text::is_hostile), "{why:?}");
    }
}
