//! The health of a contact's other lines feeds what the contact shows
//! (domain.md rule 6, "stale is worse than unknown"): a second line whose
//! subscription went stale, failed or sent an unreadable body makes the
//! contact not current, as the first line's would; a refused one shows its
//! refusal and leaves the contact's other line shown. On a fake clock.

use std::time::Duration;

use super::*;
use crate::body::Direction;
use crate::presence::Freshness;
use crate::sip::events::EngineEvent as E;

const SECOND: &str = "sip:4711@pbx";

/// Bob with a second line, every subscription up and read (nobody on
/// either line): ready, fresh, active.
fn bob_with_two_lines() -> (Store, ContactId, Instant) {
    let bob = ContactInfo {
        name: "Bob".into(),
        uri: "sip:bob@127.0.0.1".into(),
        extension: Some("1002".into()),
        department: None,
    };
    let mut s = Store::new(vec![bob]);
    let (bob, t0) = (ContactId(0), Instant::now());
    s.set_lines(bob, vec![SECOND.into()]);
    for event in [EventKind::Presence, EventKind::Dialog] {
        s.set_subscription(bob, event, SubscriptionStatus::Active, t0);
    }
    second(&mut s, dialog_status(SubscriptionStatus::Active, t0));
    s.apply_dialog(bob, None, t0);
    second(&mut s, empty_dialog(t0));
    let shown = s.shown(bob);
    assert_eq!(
        (shown.line, shown.freshness, &shown.subscription),
        (
            LineState::Ready,
            Freshness::Fresh,
            &SubscriptionStatus::Active
        ),
        "both lines read"
    );
    (s, bob, t0)
}

/// An event of Bob's second line; the contact whose shown state changed.
fn second(s: &mut Store, event: E) -> Option<ContactId> {
    s.apply_event(&E::Line {
        contact: ContactId(0),
        line: 1,
        event: Box::new(event),
    })
}

fn dialog_status(status: SubscriptionStatus, at: Instant) -> E {
    E::Subscription {
        contact: ContactId(0),
        event: EventKind::Dialog,
        status,
        at,
    }
}

fn empty_dialog(at: Instant) -> E {
    E::Dialog {
        contact: ContactId(0),
        doc: None,
        at,
    }
}

/// Both lines read and the person's presence too.
fn fresh() -> (Store, ContactId, Instant) {
    let (mut s, bob, t0) = bob_with_two_lines();
    let doc = crate::body::pidf::parse(
        br#"<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.1"><tuple id="t"><status><basic>open</basic></status></tuple></presence>"#,
    )
    .expect("a PIDF");
    s.apply_presence(bob, doc, t0);
    assert_eq!(s.shown(bob).freshness, Freshness::Fresh);
    (s, bob, t0)
}

#[test]
fn a_stale_second_line_makes_the_contact_stale_until_it_is_read_again() {
    let (mut s, bob, t0) = fresh();
    let t1 = t0 + Duration::from_secs(3600);
    assert_eq!(
        second(
            &mut s,
            E::Stale {
                contact: bob,
                event: EventKind::Dialog,
                at: t1,
            }
        ),
        Some(bob),
        "a stale second line is a change of the contact"
    );
    let shown = s.shown(bob);
    assert_eq!(shown.freshness, Freshness::Stale, "never a confident ready");
    assert_eq!(shown.line, LineState::Ready, "the last state read, greyed");
    // A fresh NOTIFY on the second line: current again.
    let t2 = t1 + Duration::from_secs(5);
    second(&mut s, dialog_status(SubscriptionStatus::Active, t2));
    assert_eq!(second(&mut s, empty_dialog(t2)), Some(bob));
    assert_eq!(s.shown(bob).freshness, Freshness::Fresh);
}

#[test]
fn a_failing_second_line_shows_in_the_contacts_subscription_and_reason() {
    let (mut s, bob, t0) = fresh();
    let t1 = t0 + Duration::from_secs(30);
    let failed = SubscriptionStatus::Error("503 Service Unavailable".into());
    assert_eq!(second(&mut s, dialog_status(failed.clone(), t1)), Some(bob));
    let shown = s.shown(bob);
    assert_eq!(shown.subscription, failed, "the contact's subscription");
    assert_eq!(shown.reason(), Some("503 Service Unavailable"));
    assert_eq!(shown.freshness, Freshness::Stale);
    // The second line alone is failing: its own state is what was read,
    // the first line is untouched.
    let lines = s.lines(bob);
    assert_eq!(lines[0].state, LineState::Ready);
    // Back up: everything current again.
    let t2 = t1 + Duration::from_secs(30);
    second(&mut s, dialog_status(SubscriptionStatus::Active, t2));
    second(&mut s, empty_dialog(t2));
    let shown = s.shown(bob);
    assert_eq!(
        (&shown.subscription, shown.freshness, shown.reason()),
        (&SubscriptionStatus::Active, Freshness::Fresh, None)
    );
}

#[test]
fn an_unreadable_body_on_the_second_line_is_the_contacts_reason() {
    let (mut s, bob, t0) = fresh();
    let why = "unreadable dialog document: not well-formed XML at line 1";
    let t1 = t0 + Duration::from_secs(10);
    assert_eq!(
        second(
            &mut s,
            E::Unreadable {
                contact: bob,
                event: EventKind::Dialog,
                reason: why.into(),
                at: t1,
            }
        ),
        Some(bob)
    );
    let shown = s.shown(bob);
    assert_eq!(shown.reason(), Some(why));
    assert_eq!(shown.freshness, Freshness::Stale);
    assert_eq!(shown.line, LineState::Ready, "the last state read is kept");
}

#[test]
fn a_refused_second_line_is_unknown_and_the_contact_says_so() {
    let (mut s, bob, t0) = fresh();
    let t1 = t0 + Duration::from_secs(10);
    second(&mut s, dialog_status(SubscriptionStatus::NotFound, t1));
    let shown = s.shown(bob);
    assert_eq!(shown.subscription, SubscriptionStatus::NotFound);
    // What the refused line said is no longer shown: that line is
    // unknown, the first one still ready (and current).
    let lines = s.lines(bob);
    assert_eq!(
        lines.iter().map(|l| l.state).collect::<Vec<_>>(),
        [LineState::Ready, LineState::Unknown]
    );
    assert_eq!(lines[1].rule, "dialog subscription: not found");
    assert_eq!(shown.line, LineState::Ready);
}

#[test]
fn the_snapshot_waits_for_the_second_lines_answer() {
    let bob = ContactInfo {
        name: "Bob".into(),
        uri: "sip:bob@127.0.0.1".into(),
        extension: None,
        department: None,
    };
    let mut s = Store::new(vec![bob]);
    let (bob, t0) = (ContactId(0), Instant::now());
    s.set_lines(bob, vec![SECOND.into()]);
    for event in [EventKind::Presence, EventKind::Dialog] {
        s.set_subscription(bob, event, SubscriptionStatus::Active, t0);
    }
    second(&mut s, dialog_status(SubscriptionStatus::Requesting, t0));
    assert!(
        !s.shown(bob).subscription.is_answered(),
        "the second line has not answered yet: {:?}",
        s.shown(bob).subscription
    );
    second(&mut s, dialog_status(SubscriptionStatus::Active, t0));
    assert!(s.shown(bob).subscription.is_answered());
}

#[test]
fn one_of_two_lines_changing_is_a_change_even_when_the_cell_stays() {
    let (mut s, bob, t0) = fresh();
    // The first line is ringing; the second's call does not change the cell.
    let ringing = |v| {
        Some(DialogDoc {
            version: v,
            full: true,
            entity: None,
            dialogs: vec![DialogEntry {
                id: "d1".into(),
                state: crate::body::DialogState::Early,
                direction: Some(Direction::Recipient),
                remote_identity: Some("sip:carol@pbx".into()),
                remote_display: None,
            }],
        })
    };
    assert!(s.apply_dialog(bob, ringing(1), t0));
    assert_eq!(s.shown(bob).line, LineState::Ringing);
    let t1 = t0 + Duration::from_secs(1);
    assert_eq!(
        second(
            &mut s,
            E::Dialog {
                contact: bob,
                doc: ringing(1),
                at: t1,
            }
        ),
        Some(bob),
        "watch prints it, the panel redraws it"
    );
    assert_eq!(
        s.lines(bob).iter().map(|l| l.state).collect::<Vec<_>>(),
        [LineState::Ringing, LineState::Ringing]
    );
}
