use std::time::Duration;

use super::*;
use crate::body::Direction;
use crate::body::xml::test_support::sip_body;
use crate::body::{DialogState, Forwarding, dialog_info, pidf};
use crate::presence::{Freshness, Presence, Source};

macro_rules! fixture {
    ($name:literal) => {
        sip_body(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/kamailio/",
            $name
        )))
    };
}

fn contact(name: &str, uri: &str) -> ContactInfo {
    ContactInfo {
        name: name.into(),
        uri: uri.into(),
        extension: None,
        department: None,
    }
}

fn store() -> (Store, ContactId, Instant) {
    let s = Store::new(vec![
        contact("Alice", "sip:alice@127.0.0.1"),
        contact("Bob", "sip:bob@127.0.0.1"),
    ]);
    (s, ContactId(1), Instant::now())
}

fn dialog_fixture(body: &[u8]) -> Option<DialogDoc> {
    (!body.is_empty()).then(|| dialog_info::parse(body).unwrap())
}

fn presence(p: Presence, fwd: Option<Forwarding>) -> PresenceDoc {
    pidf::parse(pidf::build("sip:bob@127.0.0.1", p, None, None, fwd.as_ref()).as_bytes()).unwrap()
}

fn dialogs_doc(version: u64, full: bool, d: &[(&str, DialogState)]) -> Option<DialogDoc> {
    let entries: Vec<DialogEntry> = d
        .iter()
        .map(|(id, state)| DialogEntry {
            id: id.to_string(),
            state: *state,
            direction: Some(Direction::Recipient),
            remote_identity: Some(format!("sip:{id}@127.0.0.1")),
            remote_display: None,
        })
        .collect();
    Some(DialogDoc {
        version,
        full,
        entity: None,
        dialogs: entries,
    })
}

#[test]
fn kamailio_call_on_bobs_line() {
    let (mut s, bob, t0) = store();
    // Only the dialog subscription: a package that is not requested (it
    // may be switched off) never hides the other one's status.
    assert!(s.set_subscription(bob, EventKind::Dialog, SubscriptionStatus::Active, t0));
    assert_eq!(s.shown(bob).subscription, SubscriptionStatus::Active);
    // The idle line's first NOTIFY has no body: Ready.
    let nobody = fixture!("dialog-notify-callee-initial-nobody.sip");
    assert!(s.apply_dialog(bob, dialog_fixture(nobody), t0));
    assert_eq!(s.shown(bob).line, LineState::Ready);

    let t1 = t0 + Duration::from_secs(1);
    assert!(s.apply_dialog(
        bob,
        dialog_fixture(fixture!("dialog-notify-callee-early.sip")),
        t1
    ));
    let shown = s.shown(bob);
    assert_eq!(shown.line, LineState::Ringing);
    assert_eq!(
        (shown.source, shown.rule),
        (Source::Dialog, rules::RULE_RINGING)
    );
    let peer = shown.peer.as_ref().unwrap();
    assert_eq!(peer.identity.as_deref(), Some("sip:alice@127.0.0.1"));
    assert_eq!(peer.direction, Some(Direction::Recipient));
    assert_eq!((shown.since, shown.last_notify), (Some(t1), Some(t1)));

    let t2 = t1 + Duration::from_secs(5);
    assert!(s.apply_dialog(
        bob,
        dialog_fixture(fixture!("dialog-notify-callee-confirmed.sip")),
        t2
    ));
    assert_eq!(s.shown(bob).line, LineState::Active);
    assert_eq!(s.shown(bob).since, Some(t2));

    let t3 = t2 + Duration::from_secs(60);
    assert!(s.apply_dialog(
        bob,
        dialog_fixture(fixture!("dialog-notify-callee-terminated.sip")),
        t3
    ));
    assert_eq!(s.shown(bob).line, LineState::Ready);
    assert_eq!(s.shown(bob).peer, None);
    assert!(s.dialogs(bob).is_empty());
    // A late duplicate of the early NOTIFY (version 2 < 4) changes nothing.
    assert!(!s.apply_dialog(
        bob,
        dialog_fixture(fixture!("dialog-notify-callee-early.sip")),
        t3
    ));
    assert_eq!(s.shown(bob).line, LineState::Ready);
}

#[test]
fn kamailio_caller_trying_is_active_not_ringing() {
    let (mut s, _, t0) = store();
    let alice = s.find("sip:alice@127.0.0.1").unwrap();
    assert!(s.apply_dialog(
        alice,
        dialog_fixture(fixture!("dialog-notify-caller-Trying.sip")),
        t0
    ));
    assert_eq!(s.shown(alice).line, LineState::Active);
    assert_eq!(
        s.shown(alice)
            .peer
            .as_ref()
            .and_then(|p| p.identity.as_deref()),
        Some("sip:bob@127.0.0.1")
    );
}

#[test]
fn kamailio_presence_busy_then_away() {
    let (mut s, _, t0) = store();
    // NOTIFYs reach a contact by their dialog; the From of this capture
    // carries :5060, which RFC 3261 19.1.4 does not equate with no port.
    let alice = s.find("<sip:alice@127.0.0.1>;tag=x").unwrap();
    let doc = pidf::parse(fixture!("presence-notify-pidf-initial.sip")).unwrap();
    assert!(s.apply_presence(alice, doc, t0));
    let shown = s.shown(alice);
    assert_eq!(
        (shown.presence, shown.note.as_deref()),
        (Presence::Busy, Some("On the phone"))
    );
    assert_eq!(
        (shown.source, shown.rule),
        (Source::Presence, "rpid activity on-the-phone")
    );
    assert_eq!(shown.freshness, Freshness::Fresh);
    let t1 = t0 + Duration::from_secs(30);
    let doc = pidf::parse(fixture!("presence-notify-pidf-update.sip")).unwrap();
    assert!(s.apply_presence(alice, doc.clone(), t1));
    assert_eq!(s.shown(alice).presence, Presence::Away);
    assert_eq!(s.shown(alice).note.as_deref(), Some("Back in 5 minutes"));
    assert_eq!(s.shown(alice).since, Some(t1));
    // The same document again (a refresh NOTIFY) is no change.
    let t2 = t1 + Duration::from_secs(30);
    assert!(!s.apply_presence(alice, doc, t2));
    assert_eq!(s.shown(alice).since, Some(t1));
    assert_eq!(s.shown(alice).last_notify, Some(t2));
}

#[test]
fn partial_state_merges_and_full_state_replaces() {
    let (mut s, bob, t0) = store();
    assert!(s.apply_dialog(
        bob,
        dialogs_doc(1, true, &[("a", DialogState::Confirmed)]),
        t0
    ));
    assert_eq!(s.shown(bob).line, LineState::Active);
    // A second call rings in (partial): call waiting shows ringing.
    assert!(s.apply_dialog(bob, dialogs_doc(2, false, &[("b", DialogState::Early)]), t0));
    assert_eq!(s.shown(bob).line, LineState::Ringing);
    assert_eq!(s.dialogs(bob).len(), 2);
    // The first call ends (partial): the waiting call still rings.
    assert!(!s.apply_dialog(
        bob,
        dialogs_doc(3, false, &[("a", DialogState::Terminated)]),
        t0
    ));
    assert_eq!(s.shown(bob).line, LineState::Ringing);
    assert_eq!(s.dialogs(bob).len(), 1);
    // Full state with nothing: Ready.
    assert!(s.apply_dialog(bob, dialogs_doc(4, true, &[]), t0));
    assert_eq!(s.shown(bob).line, LineState::Ready);
}

#[test]
fn stale_versions_are_ignored_until_a_new_subscription() {
    let (mut s, bob, t0) = store();
    assert!(s.apply_dialog(
        bob,
        dialogs_doc(7, true, &[("a", DialogState::Confirmed)]),
        t0
    ));
    assert!(!s.apply_dialog(bob, dialogs_doc(6, true, &[]), t0), "older");
    assert!(
        !s.apply_dialog(bob, dialogs_doc(7, true, &[]), t0),
        "duplicate"
    );
    assert_eq!(s.shown(bob).line, LineState::Active);
    // Re-subscribing restarts numbering: version 0 is accepted.
    s.set_subscription(bob, EventKind::Dialog, SubscriptionStatus::Requesting, t0);
    assert!(s.apply_dialog(bob, dialogs_doc(0, true, &[]), t0));
    assert_eq!(s.shown(bob).line, LineState::Ready);
}

#[test]
fn active_call_shows_busy_then_the_own_presence_returns() {
    let (mut s, bob, t0) = store();
    s.apply_presence(bob, presence(Presence::Available, None), t0);
    s.apply_dialog(bob, None, t0);
    assert_eq!(s.shown(bob).presence, Presence::Available);
    assert!(s.apply_dialog(
        bob,
        dialogs_doc(1, true, &[("a", DialogState::Confirmed)]),
        t0
    ));
    assert_eq!(s.shown(bob).presence, Presence::Busy);
    assert_eq!(s.shown(bob).rule, "on the phone (active call)");
    assert!(s.apply_dialog(
        bob,
        dialogs_doc(2, true, &[("a", DialogState::Terminated)]),
        t0
    ));
    assert_eq!(s.shown(bob).presence, Presence::Available);
    assert_eq!(s.shown(bob).source, Source::Presence);
}

#[test]
fn dnd_beats_forwarded_on_the_line() {
    let (mut s, bob, t0) = store();
    s.apply_dialog(bob, None, t0);
    let fwd = Some(Forwarding::Redirected {
        target: Some("sip:vm@127.0.0.1".into()),
    });
    s.apply_presence(bob, presence(Presence::Available, fwd.clone()), t0);
    assert_eq!(s.shown(bob).line, LineState::Redirected);
    assert!(s.apply_presence(bob, presence(Presence::Dnd, fwd), t0));
    assert_eq!(
        (s.shown(bob).presence, s.shown(bob).line),
        (Presence::Dnd, LineState::Protected)
    );
}

#[test]
fn stale_marking_and_unstaling_on_the_next_notify() {
    let (mut s, bob, t0) = store();
    s.set_subscription(bob, EventKind::Presence, SubscriptionStatus::Active, t0);
    s.apply_presence(bob, presence(Presence::Busy, None), t0);
    assert_eq!(s.shown(bob).freshness, Freshness::Fresh);
    let t1 = t0 + Duration::from_secs(120);
    assert!(s.mark_stale(bob, EventKind::Presence, t1));
    let shown = s.shown(bob);
    assert_eq!(
        (shown.freshness, shown.presence),
        (Freshness::Stale, Presence::Busy),
        "kept, greyed"
    );
    assert_eq!(shown.since, Some(t0), "staleness does not restart the age");
    assert!(!s.mark_stale(bob, EventKind::Presence, t1), "already stale");
    // Marking a dialog subscription stale that never delivered: no change.
    assert!(!s.mark_stale(bob, EventKind::Dialog, t1));
    let t2 = t1 + Duration::from_secs(1);
    assert!(s.apply_presence(bob, presence(Presence::Busy, None), t2));
    assert_eq!(s.shown(bob).freshness, Freshness::Fresh);
}

#[test]
fn not_found_shows_unknown_with_the_reason() {
    let (mut s, bob, t0) = store();
    assert!(s.set_subscription(bob, EventKind::Presence, SubscriptionStatus::Requesting, t0));
    assert_eq!(s.shown(bob).subscription, SubscriptionStatus::Requesting);
    assert!(s.set_subscription(bob, EventKind::Presence, SubscriptionStatus::NotFound, t0));
    let shown = s.shown(bob);
    assert_eq!(
        (shown.presence, shown.source),
        (Presence::Unknown, Source::Subscription)
    );
    assert_eq!(shown.rule, "presence subscription: not found");
    assert_eq!(shown.subscription, SubscriptionStatus::NotFound);
    s.set_subscription(
        bob,
        EventKind::Dialog,
        SubscriptionStatus::Error("503".into()),
        t0,
    );
    assert_eq!(
        s.shown(bob).line,
        LineState::Unknown,
        "a failed dialog subscription is no faulty phone"
    );
    assert_eq!(
        s.shown(bob).subscription,
        SubscriptionStatus::NotFound,
        "the worse of the two"
    );
}

#[test]
fn true_only_on_real_change() {
    let (mut s, bob, t0) = store();
    assert!(!s.set_subscription(
        bob,
        EventKind::Presence,
        SubscriptionStatus::NotRequested,
        t0
    ));
    assert!(
        s.set_subscription(bob, EventKind::Dialog, SubscriptionStatus::Active, t0),
        "not requested never hides a real status"
    );
    assert!(
        !s.set_subscription(bob, EventKind::Presence, SubscriptionStatus::Active, t0),
        "active beside active: nothing visible changes"
    );
    assert_eq!(s.shown(bob).subscription, SubscriptionStatus::Active);
    assert!(!s.set_subscription(bob, EventKind::Presence, SubscriptionStatus::Active, t0));
    assert!(s.apply_dialog(bob, None, t0));
    assert!(!s.apply_dialog(bob, None, t0), "idle again is no change");
    assert!(s.apply_presence(bob, presence(Presence::Away, None), t0));
    assert!(!s.apply_presence(bob, presence(Presence::Away, None), t0));
    // Unknown ids are refused without a panic.
    let nobody = ContactId(99);
    assert!(!s.apply_presence(nobody, presence(Presence::Away, None), t0));
    assert!(!s.mark_stale(nobody, EventKind::Dialog, t0));
    assert_eq!(s.shown(nobody), &Shown::default());
    assert_eq!(s.info(nobody).uri, "");
}

#[test]
fn find_compares_by_rfc_3261_host_case_and_other_params_ignored_port_not() {
    let (s, bob, _) = store();
    assert_eq!(s.find("sip:bob@127.0.0.1"), Some(bob));
    assert_eq!(s.find("SIP:bob@127.0.0.1;lr"), Some(bob));
    assert_eq!(s.find("\"Bob\" <sip:bob@127.0.0.1>;tag=1"), Some(bob));
    assert_eq!(
        s.find("sip:bob@127.0.0.1:5060"),
        None,
        "a port is not its absence"
    );
    assert_eq!(s.find("sip:bob@127.0.0.1;transport=udp"), None);
    assert_eq!(s.find("sip:carol@127.0.0.1"), None);
    assert_eq!(s.find("sip:Bob@127.0.0.1"), None);
    assert_eq!(s.len(), 2);
    assert_eq!(s.ids().collect::<Vec<_>>(), [ContactId(0), ContactId(1)]);
    assert_eq!(s.info(bob).name, "Bob");
}

/// Contacts the configuration accepts as different (RFC 3261 19.1.4: a URI
/// without a port is not the one with `:5060`) keep their own entries.
#[test]
fn uris_with_and_without_the_default_port_live_side_by_side() {
    let s = Store::new(vec![
        contact("Plain", "sip:a@example.test"),
        contact("Ported", "sip:a@example.test:5060"),
        contact("Tcp", "sip:a@example.test;transport=tcp"),
    ]);
    assert_eq!(s.find("sip:a@EXAMPLE.test"), Some(ContactId(0)));
    assert_eq!(s.find("sip:a@example.test:5060"), Some(ContactId(1)));
    assert_eq!(
        s.find("sip:a@example.test;transport=TCP"),
        Some(ContactId(2))
    );
    let names: Vec<&str> = s.ids().map(|id| s.info(id).name.as_str()).collect();
    assert_eq!(names, ["Plain", "Ported", "Tcp"]);
}

/// The store keeps one `Contact` per directory entry all day: each byte
/// here is 10 kB of resident memory with 10,000 contacts. A new field
/// must earn its place (rare ones go behind a pointer, like `Reasons`).
#[test]
fn a_contact_stays_within_its_memory_budget() {
    let size = std::mem::size_of::<super::Contact>();
    assert!(size <= 688, "Contact grew to {size} bytes (budget 688)");
    // What is shown: the peer, forwarded-to and unreadable reason (rare)
    // are boxed.
    let shown = std::mem::size_of::<super::Shown>();
    assert!(shown <= 224, "Shown grew to {shown} bytes (budget 224)");
}
