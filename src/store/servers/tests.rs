//! Several servers in the store: preferred wins while current, a lost
//! server turns only its own states stale.

use std::time::{Duration, Instant};

use super::*;
use crate::body::{PresenceDoc, pidf};
use crate::presence::{ContactInfo, EventKind, Freshness, LineState, Presence, SubscriptionStatus};
use crate::sip::events::EngineEvent;

const ALICE: ContactId = ContactId(0);

fn doc(p: Presence) -> PresenceDoc {
    pidf::parse(pidf::build("sip:alice@x.test", p, None, None, None).as_bytes()).unwrap()
}

/// Two servers, "presence" (0) and "pbx" (1), `preferred` one of them.
fn two_servers(preferred: Option<ServerId>) -> Store {
    let mut s = Store::new(vec![ContactInfo {
        name: "Alice".into(),
        uri: "sip:alice@x.test".into(),
        extension: None,
        department: None,
    }]);
    s.set_servers(&[(0, "presence".into()), (1, "pbx".into())], preferred);
    s
}

fn says(s: &mut Store, server: ServerId, p: Presence, at: Instant) {
    let events = [
        EngineEvent::Subscription {
            contact: ALICE,
            event: EventKind::Presence,
            status: SubscriptionStatus::Active,
            at,
        },
        EngineEvent::Presence {
            contact: ALICE,
            doc: doc(p),
            at,
        },
    ];
    for ev in &events {
        s.apply_server_event(server, ev);
    }
}

fn stale(s: &mut Store, server: ServerId, at: Instant) -> Option<ContactId> {
    let ev = EngineEvent::Stale {
        contact: ALICE,
        event: EventKind::Presence,
        at,
    };
    s.apply_server_event(server, &ev)
}

#[test]
fn the_preferred_server_wins_a_conflict_and_is_named() {
    let t = Instant::now();
    let mut s = two_servers(Some(1));
    says(&mut s, 0, Presence::Away, t);
    assert_eq!(s.shown(ALICE).presence, Presence::Away);
    assert_eq!(s.shown_server(ALICE), Some("presence"));
    says(&mut s, 1, Presence::Busy, t + Duration::from_secs(1));
    assert_eq!(s.shown(ALICE).presence, Presence::Busy);
    assert_eq!(s.shown_server(ALICE), Some("pbx"));
    // A later change on the other server does not override it.
    says(&mut s, 0, Presence::Available, t + Duration::from_secs(2));
    assert_eq!(s.shown(ALICE).presence, Presence::Busy);
}

#[test]
fn nothing_published_on_the_preferred_server_is_no_conflict() {
    let t = Instant::now();
    let mut s = two_servers(Some(1));
    says(&mut s, 0, Presence::Away, t);
    let empty = crate::body::notify::read(EventKind::Presence, "", b"", true).unwrap();
    let crate::body::notify::Notified::Presence(doc) = empty else {
        panic!("an empty active NOTIFY reads as nothing published");
    };
    for ev in [
        EngineEvent::Subscription {
            contact: ALICE,
            event: EventKind::Presence,
            status: SubscriptionStatus::Active,
            at: t,
        },
        EngineEvent::Presence {
            contact: ALICE,
            doc,
            at: t,
        },
    ] {
        s.apply_server_event(1, &ev);
    }
    assert_eq!(s.shown(ALICE).presence, Presence::Away);
    assert_eq!(s.shown_server(ALICE), Some("presence"));
}

#[test]
fn a_state_known_only_to_a_lost_server_stays_shown_stale_not_nothing_published() {
    let t = Instant::now();
    let mut s = two_servers(Some(1));
    says(&mut s, 1, Presence::Away, t);
    let empty = crate::body::notify::read(EventKind::Presence, "", b"", true).unwrap();
    let crate::body::notify::Notified::Presence(doc) = empty else {
        panic!("an empty active NOTIFY reads as nothing published");
    };
    let ev = EngineEvent::Presence {
        contact: ALICE,
        doc,
        at: t,
    };
    s.apply_server_event(0, &ev);
    assert_eq!(s.shown(ALICE).presence, Presence::Away);
    stale(&mut s, 1, t);
    let shown = s.shown(ALICE);
    assert_eq!(
        (shown.presence, shown.freshness),
        (Presence::Away, Freshness::Stale)
    );
    assert_eq!(s.shown_server(ALICE), Some("pbx"));
}

#[test]
fn without_a_preferred_server_the_first_configured_wins() {
    let t = Instant::now();
    let mut s = two_servers(None);
    says(&mut s, 1, Presence::Busy, t);
    says(&mut s, 0, Presence::Away, t);
    assert_eq!(s.shown(ALICE).presence, Presence::Away);
    assert_eq!(s.shown_server(ALICE), Some("presence"));
}

#[test]
fn a_lost_preferred_server_shows_the_others_current_state_not_its_stale_one() {
    let t = Instant::now();
    let mut s = two_servers(Some(1));
    says(&mut s, 0, Presence::Away, t);
    says(&mut s, 1, Presence::Busy, t);
    assert_eq!(stale(&mut s, 1, t), Some(ALICE));
    let shown = s.shown(ALICE);
    assert_eq!(shown.presence, Presence::Away);
    assert_eq!(shown.freshness, Freshness::Fresh);
    assert_eq!(s.shown_server(ALICE), Some("presence"));
    // Back: the preferred one wins again.
    says(&mut s, 1, Presence::Busy, t);
    assert_eq!(s.shown(ALICE).presence, Presence::Busy);
}

#[test]
fn the_other_server_lost_leaves_the_preferred_ones_state_current() {
    let t = Instant::now();
    let mut s = two_servers(Some(1));
    says(&mut s, 0, Presence::Away, t);
    says(&mut s, 1, Presence::Busy, t);
    stale(&mut s, 0, t);
    let shown = s.shown(ALICE);
    assert_eq!(
        (shown.presence, shown.freshness),
        (Presence::Busy, Freshness::Fresh)
    );
}

#[test]
fn both_lost_shows_the_preferred_ones_last_state_stale() {
    let t = Instant::now();
    let mut s = two_servers(Some(1));
    says(&mut s, 0, Presence::Away, t);
    says(&mut s, 1, Presence::Busy, t);
    stale(&mut s, 0, t);
    stale(&mut s, 1, t);
    let shown = s.shown(ALICE);
    assert_eq!(
        (shown.presence, shown.freshness),
        (Presence::Busy, Freshness::Stale)
    );
    assert_eq!(s.shown_server(ALICE), Some("pbx"));
}

#[test]
fn presence_and_line_may_come_from_different_servers() {
    let t = Instant::now();
    let mut s = two_servers(None);
    says(&mut s, 0, Presence::Away, t);
    for ev in [
        EngineEvent::Subscription {
            contact: ALICE,
            event: EventKind::Dialog,
            status: SubscriptionStatus::Active,
            at: t,
        },
        EngineEvent::Dialog {
            contact: ALICE,
            doc: None,
            at: t,
        },
    ] {
        s.apply_server_event(1, &ev);
    }
    let shown = s.shown(ALICE);
    assert_eq!(
        (shown.presence, shown.line),
        (Presence::Away, LineState::Ready)
    );
    assert_eq!(
        s.package_server(ALICE, EventKind::Presence),
        Some("presence")
    );
    assert_eq!(s.package_server(ALICE, EventKind::Dialog), Some("pbx"));
}

#[test]
fn a_restarted_server_turns_stale_until_its_new_engine_answers() {
    let t = Instant::now();
    let mut s = two_servers(Some(1));
    says(&mut s, 1, Presence::Busy, t);
    assert_eq!(s.mark_server_stale(1, t), [ALICE]);
    assert_eq!(s.shown(ALICE).freshness, Freshness::Stale);
    assert!(s.mark_server_stale(0, t).is_empty(), "nothing from it");
    says(&mut s, 1, Presence::Busy, t);
    assert_eq!(s.shown(ALICE).freshness, Freshness::Fresh);
}

#[test]
fn a_removed_server_takes_its_state_with_it() {
    let t = Instant::now();
    let mut s = two_servers(Some(1));
    says(&mut s, 0, Presence::Away, t);
    says(&mut s, 1, Presence::Busy, t);
    let changed = s.set_servers(&[(0, "presence".into())], None);
    assert_eq!(changed, [ALICE]);
    assert_eq!(s.shown(ALICE).presence, Presence::Away);
    assert_eq!(s.server_name(1), None);
}

#[test]
fn each_line_of_a_contact_is_listed_from_the_server_of_line_state() {
    use crate::body::{DialogDoc, DialogEntry, DialogState, Direction};
    let t = Instant::now();
    let mut s = two_servers(None);
    s.set_lines(ALICE, vec!["sip:4711@x.test".into()]);
    says(&mut s, 0, Presence::Available, t);
    // The PBX (server 1) watches both lines; the presence server none.
    let ringing = DialogDoc {
        version: 1,
        full: true,
        entity: None,
        dialogs: vec![DialogEntry {
            id: "d1".into(),
            state: DialogState::Early,
            direction: Some(Direction::Recipient),
            remote_identity: Some("sip:carol@x.test".into()),
            remote_display: None,
        }],
    };
    for (line, doc) in [(0, None), (1, Some(ringing))] {
        let events = [
            EngineEvent::Subscription {
                contact: ALICE,
                event: EventKind::Dialog,
                status: SubscriptionStatus::Active,
                at: t,
            },
            EngineEvent::Dialog {
                contact: ALICE,
                doc,
                at: t,
            },
        ];
        for ev in events {
            let ev = if line == 0 {
                ev
            } else {
                EngineEvent::Line {
                    contact: ALICE,
                    line,
                    event: Box::new(ev),
                }
            };
            s.apply_server_event(1, &ev);
        }
    }
    assert_eq!(s.shown(ALICE).line, LineState::Ringing);
    assert_eq!(
        s.lines(ALICE)
            .iter()
            .map(|l| (l.uri.as_str(), l.state))
            .collect::<Vec<_>>(),
        [
            ("sip:alice@x.test", LineState::Ready),
            ("sip:4711@x.test", LineState::Ringing)
        ],
        "the panel and watch list what the cell shows"
    );
}
