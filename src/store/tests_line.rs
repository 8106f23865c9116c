//! Line truth in the store: registration (Kamailio's reginfo captures),
//! the forwarding target, stuck ringing on a fake clock, message waiting.

use std::time::Duration;

use super::*;
use crate::body::Direction;
use crate::body::message_summary::MessageSummary;
use crate::body::xml::test_support::sip_body;
use crate::body::{DialogState, Forwarding, pidf, reginfo};
use crate::presence::{Presence, Source};

fn reg(name: &str) -> Option<reginfo::RegDoc> {
    let bytes = match name {
        "registered" => {
            include_bytes!("../../tests/fixtures/kamailio/reg-notify-registered.sip").as_slice()
        }
        "unregistered" => {
            include_bytes!("../../tests/fixtures/kamailio/reg-notify-unregistered.sip").as_slice()
        }
        _ => {
            include_bytes!("../../tests/fixtures/kamailio/reg-notify-initial-nobody.sip").as_slice()
        }
    };
    let body = sip_body(bytes);
    (!body.is_empty()).then(|| reginfo::parse(body).unwrap())
}

fn store() -> (Store, ContactId, Instant) {
    let bob = ContactInfo {
        name: "Bob".into(),
        uri: "sip:bob@127.0.0.1".into(),
        extension: Some("1002".into()),
        department: None,
    };
    (Store::new(vec![bob]), ContactId(0), Instant::now())
}

fn ringing(version: u64) -> Option<DialogDoc> {
    Some(DialogDoc {
        version,
        full: true,
        entity: None,
        dialogs: vec![DialogEntry {
            id: "d1".into(),
            state: DialogState::Early,
            direction: Some(Direction::Recipient),
            remote_identity: Some("sip:+498912345@pbx".into()),
            remote_display: Some("Carol Customer".into()),
        }],
    })
}

#[test]
fn registered_unregistered_registered_with_the_right_since() {
    let (mut s, bob, t0) = store();
    s.set_subscription(bob, EventKind::Reg, SubscriptionStatus::Active, t0);
    // Kamailio's first NOTIFY has no body: nobody registered.
    assert!(s.apply_registration(bob, reg("nobody"), t0));
    assert_eq!(s.shown(bob).line, LineState::Faulty);
    let t1 = t0 + Duration::from_secs(60);
    assert!(s.apply_registration(bob, reg("registered"), t1));
    assert_eq!(
        (s.shown(bob).line, s.shown(bob).source),
        (LineState::Ready, Source::Registration)
    );
    // The same version="0" again: applied, not dropped as a repeat.
    let t2 = t1 + Duration::from_secs(600);
    assert!(s.apply_registration(bob, reg("unregistered"), t2));
    let shown = s.shown(bob);
    assert_eq!(
        (shown.line, shown.rule, shown.line_since),
        (LineState::Faulty, rules::RULE_NOT_REGISTERED, Some(t2))
    );
    // A repeat of the same statement changes nothing, not even the since.
    assert!(!s.apply_registration(bob, reg("unregistered"), t2 + Duration::from_secs(5)));
    assert_eq!(s.shown(bob).line_since, Some(t2));
    let t3 = t2 + Duration::from_secs(30);
    assert!(s.apply_registration(bob, reg("registered"), t3));
    assert_eq!(
        (s.shown(bob).line, s.shown(bob).line_since),
        (LineState::Ready, Some(t3))
    );
}

#[test]
fn no_registration_information_is_never_faulty() {
    let (mut s, bob, t0) = store();
    s.set_subscription(bob, EventKind::Dialog, SubscriptionStatus::Active, t0);
    s.apply_dialog(bob, None, t0);
    s.set_subscription(bob, EventKind::Reg, SubscriptionStatus::Active, t0);
    s.apply_registration(bob, reg("unregistered"), t0);
    assert_eq!(s.shown(bob).line, LineState::Faulty);
    // The server refuses the package (489): no registration information.
    let e489 = SubscriptionStatus::Error("the server does not support event reg".into());
    s.set_subscription(bob, EventKind::Reg, e489, t0);
    let shown = s.shown(bob);
    assert_eq!(shown.line, LineState::Ready, "the dialog package says idle");
    assert_eq!(
        shown.subscription,
        SubscriptionStatus::Active,
        "a missing reg package does not make the contact's monitoring look broken"
    );
}

#[test]
fn forwarding_target_voicemail_pilot_own_mailbox_or_number() {
    let (mut s, bob, t0) = store();
    s.set_voicemail_pilot(Some("8000".into()));
    let fwd = |target: &str| {
        pidf::parse(
            pidf::build(
                "sip:bob@127.0.0.1",
                Presence::Busy,
                None,
                None,
                Some(&Forwarding::Redirected {
                    target: Some(target.into()),
                }),
            )
            .as_bytes(),
        )
        .unwrap()
    };
    s.apply_presence(bob, fwd("sip:8000@pbx"), t0);
    assert_eq!(s.shown(bob).line, LineState::Redirected);
    assert_eq!(s.shown(bob).forwarded_to.as_deref(), Some("voicemail"));
    s.apply_presence(bob, fwd("sip:1002@pbx"), t0);
    assert_eq!(
        s.shown(bob).forwarded_to.as_deref(),
        Some("voicemail"),
        "the person's own mailbox"
    );
    assert!(s.apply_presence(bob, fwd("tel:0171 234567"), t0));
    assert_eq!(s.shown(bob).forwarded_to.as_deref(), Some("0171 234567"));
    assert_eq!(
        forward_target_label("<sip:0171234567@pbx;user=phone>", Some("8000"), None),
        "0171234567"
    );
}

#[test]
fn stuck_ringing_is_marked_suspect_once_on_a_fake_clock() {
    let (mut s, bob, t0) = store();
    let after = Duration::from_secs(180);
    s.set_subscription(bob, EventKind::Dialog, SubscriptionStatus::Active, t0);
    s.apply_dialog(bob, ringing(1), t0);
    assert_eq!(s.next_stuck_check(after), Some(t0 + after));
    assert_eq!(
        s.stuck_check_of(bob, after),
        Some(t0 + after),
        "one contact's"
    );
    assert!(
        s.mark_stuck_ringing(t0 + Duration::from_secs(179), after)
            .is_empty()
    );
    let t12 = t0 + Duration::from_secs(12 * 60);
    assert_eq!(s.mark_stuck_ringing(t12, after), vec![bob]);
    assert!(s.shown(bob).suspect);
    assert_eq!(
        s.shown(bob).suspect_why(t12).as_deref(),
        Some("ringing for 12 min \u{2014} the hang-up may have been missed")
    );
    assert!(s.mark_stuck_ringing(t12, after).is_empty(), "only once");
    assert_eq!(s.next_stuck_check(after), None);
    assert_eq!(s.stuck_check_of(bob, after), None, "already suspect");
    // The re-synced subscription says the line is idle: no longer suspect.
    s.set_subscription(bob, EventKind::Dialog, SubscriptionStatus::Requesting, t12);
    assert!(s.apply_dialog(bob, None, t12));
    assert!(!s.shown(bob).suspect);
    assert_eq!(s.shown(bob).line, LineState::Ready);
}

#[test]
fn message_waiting_count_while_the_subscription_holds() {
    let (mut s, bob, t0) = store();
    s.set_subscription(
        bob,
        EventKind::MessageSummary,
        SubscriptionStatus::Active,
        t0,
    );
    let three = MessageSummary {
        waiting: true,
        new: 3,
        old: 1,
    };
    assert!(s.apply_messages(bob, three, t0));
    assert_eq!(s.shown(bob).messages, Some(3));
    assert!(!s.apply_messages(bob, three, t0));
    s.mark_stale(bob, EventKind::MessageSummary, t0);
    assert_eq!(
        s.shown(bob).messages,
        None,
        "a lost subscription shows no count"
    );
}

fn line_event(
    line: u16,
    event: crate::sip::events::EngineEvent,
) -> crate::sip::events::EngineEvent {
    crate::sip::events::EngineEvent::Line {
        contact: ContactId(0),
        line,
        event: Box::new(event),
    }
}

#[test]
fn a_contact_with_two_lines_rings_on_the_second_and_is_faulty_only_when_both_are() {
    use crate::sip::events::EngineEvent as E;
    let (mut s, bob, t0) = store();
    s.set_lines(bob, vec!["sip:4711@pbx".into()]);
    for (line, event) in [
        (0, EventKind::Dialog),
        (0, EventKind::Reg),
        (1, EventKind::Dialog),
        (1, EventKind::Reg),
    ] {
        let ev = E::Subscription {
            contact: bob,
            event,
            status: SubscriptionStatus::Active,
            at: t0,
        };
        s.apply_event(&if line == 0 { ev } else { line_event(1, ev) });
    }
    s.apply_dialog(bob, None, t0);
    s.apply_event(&line_event(
        1,
        E::Dialog {
            contact: bob,
            doc: None,
            at: t0,
        },
    ));
    assert_eq!(s.shown(bob).line, LineState::Ready);
    // The second line rings: the contact rings, with its caller.
    let t1 = t0 + Duration::from_secs(1);
    assert_eq!(
        s.apply_event(&line_event(
            1,
            E::Dialog {
                contact: bob,
                doc: ringing(1),
                at: t1
            }
        )),
        Some(bob)
    );
    let shown = s.shown(bob);
    assert_eq!(shown.line, LineState::Ringing);
    assert_eq!(
        shown.peer.as_deref().and_then(Peer::label).as_deref(),
        Some("Carol Customer")
    );
    let lines = s.lines(bob);
    assert_eq!(
        lines
            .iter()
            .map(|l| (l.uri.as_str(), l.state))
            .collect::<Vec<_>>(),
        [
            ("sip:bob@127.0.0.1", LineState::Ready),
            ("sip:4711@pbx", LineState::Ringing)
        ]
    );
    s.apply_event(&line_event(
        1,
        E::Dialog {
            contact: bob,
            doc: None,
            at: t1,
        },
    ));
    // One line not registered: the other is still reachable.
    s.apply_registration(bob, reg("unregistered"), t1);
    assert_eq!(s.shown(bob).line, LineState::Ready);
    assert_eq!(s.lines(bob)[0].state, LineState::Faulty);
    // Both: faulty.
    let t2 = t1 + Duration::from_secs(1);
    s.apply_event(&line_event(
        1,
        E::Registration {
            contact: bob,
            line: 1,
            doc: reg("unregistered"),
            at: t2,
        },
    ));
    assert_eq!(
        (s.shown(bob).line, s.shown(bob).line_rule),
        (LineState::Faulty, rules::RULE_NOT_REGISTERED)
    );
}
