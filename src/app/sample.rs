//! Sample directories and engine events for tests, snapshots and benchmarks:
//! a small office where every presence and line state occurs, and large
//! generated directories.

use std::time::{Duration, Instant};

use crate::body::{Basic, DialogDoc, DialogEntry, DialogState, Direction, Forwarding, PresenceDoc};
use crate::presence::{Availability, EventKind, Presence, SubscriptionStatus};
use crate::presence::{ContactId, ContactInfo};
use crate::sip::events::{ConnectionState, EngineEvent};

fn contact(name: &str, ext: &str, dept: Option<&str>) -> ContactInfo {
    let user: String = name
        .split_whitespace()
        .next()
        .unwrap_or("x")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    ContactInfo {
        name: name.into(),
        uri: format!("sip:{user}@example.com"),
        extension: (!ext.is_empty()).then(|| ext.into()),
        department: dept.map(Into::into),
    }
}

/// The showcase office: every presence, every line state, availability
/// markers, a long name, a stale and an unknown contact.
pub fn office() -> Vec<ContactInfo> {
    let r = Some("Reception");
    let s = Some("Sales");
    let t = Some("Support");
    vec![
        contact("Alice Andersen", "201", r),
        contact("Bob Brown", "202", r),
        contact("Chloé Dubois", "203", r),
        contact("Dmitri Ivanov", "204", r),
        contact("Eve Evans", "301", s),
        contact("Frank Fischer", "302", s),
        contact("Grace Green", "303", s),
        contact("Heidi Hoffmann", "304", s),
        contact("Ivan Illich", "305", s),
        contact("Judith Jones-Featherstonehaugh", "401", t),
        contact("Karl Klein", "402", t),
        contact("Lena Lund", "403", t),
        contact("Mo Müller", "404", t),
        contact("Night Line", "999", None),
    ]
}

/// Favourite URIs of the showcase office.
pub fn office_favourites() -> Vec<String> {
    vec![
        "sip:alice@example.com".into(),
        "sip:heidi@example.com".into(),
    ]
}

fn pidf(presence: Presence, availability: Option<Availability>, note: Option<&str>) -> PresenceDoc {
    PresenceDoc {
        entity: None,
        basic: Some(if presence == Presence::Offline {
            Basic::Closed
        } else {
            Basic::Open
        }),
        presence,
        availability,
        note: note.map(Into::into),
        until: None,
        activities: Vec::new(),
        forwarding: None,
        rule: "sample",
    }
}

fn dialog(version: u64, state: Option<(DialogState, Direction, &str)>) -> DialogDoc {
    DialogDoc {
        version,
        full: true,
        entity: None,
        dialogs: state
            .map(|(state, dir, who)| DialogEntry {
                id: format!("d{version}"),
                state,
                direction: Some(dir),
                remote_identity: Some(format!(
                    "sip:{}@example.net",
                    who.to_lowercase().replace(' ', ".")
                )),
                remote_display: Some(who.into()),
            })
            .into_iter()
            .collect(),
    }
}

/// The showcase office's events from `base` on; the last one is at
/// `base + 6 min`. Karl Klein's state goes stale 5 minutes before that.
pub fn office_events(base: Instant) -> Vec<EngineEvent> {
    use EngineEvent as E;
    use Presence as P;
    let at = |s: u64| base + Duration::from_secs(s);
    let mut ev = vec![E::Connection {
        state: ConnectionState::Connected,
        at: at(0),
    }];
    let sub = |c: u32, event, status, t| E::Subscription {
        contact: ContactId(c),
        event,
        status,
        at: at(t),
    };
    for c in 0..14 {
        for kind in [EventKind::Presence, EventKind::Dialog] {
            let status = match (c, kind) {
                (6, _) => SubscriptionStatus::Requesting,
                (8, EventKind::Presence) => SubscriptionStatus::NotFound,
                (8, EventKind::Dialog) => {
                    SubscriptionStatus::Error("503 Service Unavailable".into())
                }
                (5, EventKind::Presence) => SubscriptionStatus::Pending,
                _ => SubscriptionStatus::Active,
            };
            ev.push(sub(c, kind, status, 1));
        }
    }
    let pres = |c: u32, doc: PresenceDoc, t| E::Presence {
        contact: ContactId(c),
        doc,
        at: at(t),
    };
    let dlg = |c: u32, doc: DialogDoc, t| E::Dialog {
        contact: ContactId(c),
        doc: Some(doc),
        at: at(t),
    };
    let mut redirected = pidf(P::Inactive, None, None);
    redirected.forwarding = Some(Forwarding::Redirected {
        target: Some("sip:voicemail@example.com".into()),
    });
    ev.extend([
        pres(0, pidf(P::Available, None, None), 2),
        pres(1, pidf(P::Busy, None, Some("Quarterly review")), 2),
        pres(2, pidf(P::Dnd, None, None), 2),
        pres(
            3,
            pidf(
                P::Away,
                Some(Availability::Break),
                Some("Lunch until 13:30"),
            ),
            2,
        ),
        pres(4, redirected, 2),
        pres(5, pidf(P::Offline, None, None), 2),
        pres(7, pidf(P::Available, None, None), 2),
        pres(
            9,
            pidf(
                P::Available,
                Some(Availability::HomeOffice),
                Some("Back at 3"),
            ),
            2,
        ),
        pres(10, pidf(P::Available, None, None), 2),
        pres(11, pidf(P::Away, Some(Availability::Vacation), None), 2),
        pres(
            12,
            pidf(
                P::Available,
                Some(Availability::Custom("Lunch with a client".into())),
                None,
            ),
            2,
        ),
        pres(
            13,
            pidf(P::Available, Some(Availability::BusinessTrip), None),
            2,
        ),
    ]);
    for c in [0, 2, 3, 4, 5, 9, 10, 12, 13] {
        ev.push(dlg(c, dialog(1, None), 3));
    }
    ev.extend([
        dlg(
            1,
            dialog(
                2,
                Some((
                    DialogState::Confirmed,
                    Direction::Initiator,
                    "Carol Customer",
                )),
            ),
            4,
        ),
        dlg(
            7,
            dialog(
                2,
                Some((DialogState::Early, Direction::Recipient, "Paul Prospect")),
            ),
            // Ringing for half a minute (much longer would be suspect).
            330,
        ),
        dlg(
            11,
            dialog(
                2,
                Some((DialogState::Early, Direction::Recipient, "Quentin Quick")),
            ),
            330,
        ),
        E::Stale {
            contact: ContactId(10),
            event: EventKind::Presence,
            at: at(60),
        },
        E::Stale {
            contact: ContactId(10),
            event: EventKind::Dialog,
            at: at(60),
        },
        E::Connection {
            state: ConnectionState::Connected,
            at: at(360),
        },
    ]);
    ev
}

/// A generated directory of `n` contacts in 40 departments (deterministic).
pub fn directory(n: usize) -> Vec<ContactInfo> {
    const FIRST: [&str; 16] = [
        "Anna", "Bernd", "Carla", "David", "Emma", "Felix", "Greta", "Hannes", "Ines", "Jonas",
        "Katrin", "Lukas", "Maria", "Niklas", "Olga", "Paul",
    ];
    const LAST: [&str; 12] = [
        "Schmidt",
        "Meyer",
        "Weber",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Koch",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
    ];
    (0..n)
        .map(|i| ContactInfo {
            name: format!("{} {} {}", FIRST[i % 16], LAST[(i / 16) % 12], i),
            uri: format!("sip:u{i}@example.com"),
            extension: Some(format!("{}", 1000 + i)),
            department: Some(format!("Department {:02}", i % 40)),
        })
        .collect()
}

/// Events giving each of the first `n` contacts of [`directory`] a presence
/// (cycling through every state), and ringing lines on every `ring_every`th.
pub fn directory_events(n: usize, ring_every: usize, at: Instant) -> Vec<EngineEvent> {
    let mut ev = Vec::with_capacity(n * 3);
    for i in 0..n {
        let contact = ContactId(i as u32);
        for event in [EventKind::Presence, EventKind::Dialog] {
            ev.push(EngineEvent::Subscription {
                contact,
                event,
                status: SubscriptionStatus::Active,
                at,
            });
        }
        let p = Presence::ALL[i % 6];
        ev.push(EngineEvent::Presence {
            contact,
            doc: pidf(p, None, None),
            at,
        });
        let ringing = ring_every > 0 && i % ring_every == 0;
        let d = if ringing {
            Some((DialogState::Early, Direction::Recipient, "Caller"))
        } else {
            None
        };
        ev.push(EngineEvent::Dialog {
            contact,
            doc: Some(dialog(1, d)),
            at,
        });
    }
    ev
}
