//! Line truth on screen: the caller in a ringing cell at 80x24, a line
//! ringing too long marked suspect (on the model's own clock: `Tick`s with
//! chosen instants) and re-synced once, and `show_peers = false` hiding
//! callers from the grid and the panel.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

#[path = "support/ui.rs"]
mod ui;

use ui::{key, screen as text};

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use switchboard::app::line::LineSettings;
use switchboard::app::{Cmd, Model, Msg, Settings, sample, update};
use switchboard::presence::{ContactId, EventKind};

fn office(size: (u16, u16), line: LineSettings) -> (Model, Instant) {
    let settings = Settings {
        mono: true,
        favourites: sample::office_favourites(),
        line,
        ..Settings::default()
    };
    let mut m = Model::new(sample::office(), settings);
    update(
        &mut m,
        Msg::Resize {
            width: size.0,
            height: size.1,
        },
    );
    let base = Instant::now();
    for ev in sample::office_events(base) {
        update(&mut m, Msg::Engine(ev));
    }
    (m, base)
}

/// Heidi Hoffmann (id 7) and Lena Lund (id 11) ring in the showcase
/// office from `base + 330 s`.
const HEIDI: ContactId = ContactId(7);
const LENA: ContactId = ContactId(11);

#[test]
fn the_caller_replaces_the_extension_of_a_ringing_cell_at_80x24() {
    let (m, _) = office((80, 24), LineSettings::default());
    let t = text(&m);
    let heidi = t
        .lines()
        .find(|l| l.contains("Heidi") && !l.contains("Alice"))
        .expect("Heidi's row");
    assert!(heidi.contains("Paul Prospect"), "{t}");
    assert!(
        !heidi.contains("304"),
        "the caller in place of the extension: {t}"
    );
    insta::assert_snapshot!(t);
}

#[test]
fn a_line_ringing_too_long_is_marked_suspect_and_resynced_once() {
    let (mut m, base) = office((80, 24), LineSettings::default());
    let resyncs = |cmds: &[Cmd]| -> Vec<ContactId> {
        cmds.iter()
            .filter_map(|c| match c {
                Cmd::Resync {
                    contact,
                    event: EventKind::Dialog,
                } => Some(*contact),
                _ => None,
            })
            .collect()
    };
    // Two minutes of ringing: nothing yet.
    let cmds = update(&mut m, Msg::Tick(base + Duration::from_secs(330 + 120)));
    assert!(resyncs(&cmds).is_empty());
    assert!(!m.store.shown(HEIDI).suspect);
    // Past three minutes: both ringing lines, once each.
    let at = base + Duration::from_secs(330 + 12 * 60);
    let mut got = resyncs(&update(&mut m, Msg::Tick(at)));
    got.sort();
    assert_eq!(got, [HEIDI, LENA]);
    assert!(resyncs(&update(&mut m, Msg::Tick(at + Duration::from_secs(1)))).is_empty());
    assert!(m.store.shown(HEIDI).suspect);
    let t = text(&m);
    assert!(t.contains("!Paul"), "the suspect mark: {t}");
    // The panel says why.
    key(&mut m, KeyCode::Right);
    key(&mut m, KeyCode::Enter);
    m.size = (160, 48);
    update(
        &mut m,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    let t = text(&m);
    assert!(t.contains("ringing for 12 min"), "{t}");
    assert!(t.contains("may have been missed"), "{t}");
}

#[test]
fn show_peers_false_hides_callers_from_grid_and_panel() {
    let hide = LineSettings {
        hide_peers: true,
        ..LineSettings::default()
    };
    let (mut m, _) = office((160, 48), hide);
    key(&mut m, KeyCode::Right);
    key(&mut m, KeyCode::Enter);
    let t = text(&m);
    assert!(t.contains("Ringing"), "{t}");
    for who in [
        "Paul Prospect",
        "Quentin Quick",
        "Carol Customer",
        "prospect",
    ] {
        assert!(!t.contains(who), "{who} shown: {t}");
    }
    assert!(t.contains("304"), "the extension stays: {t}");
}

#[test]
fn a_contact_with_two_lines_rings_on_the_second_and_blinks() {
    use switchboard::body::{DialogDoc, DialogEntry, DialogState, Direction};
    use switchboard::presence::{LineState, SubscriptionStatus};
    use switchboard::sip::events::EngineEvent;
    let (mut m, base) = office((160, 48), LineSettings::default());
    let alice = ContactId(0);
    m.store
        .set_lines(alice, vec!["sip:4711@example.com".into()]);
    let at = base + Duration::from_secs(400);
    let second = |event: EngineEvent| EngineEvent::Line {
        contact: alice,
        line: 1,
        event: Box::new(event),
    };
    update(
        &mut m,
        Msg::Engine(second(EngineEvent::Subscription {
            contact: alice,
            event: EventKind::Dialog,
            status: SubscriptionStatus::Active,
            at,
        })),
    );
    let ringing = DialogDoc {
        version: 1,
        full: true,
        entity: None,
        dialogs: vec![DialogEntry {
            id: "d".into(),
            state: DialogState::Early,
            direction: Some(Direction::Recipient),
            remote_identity: Some("sip:+4989123@example.net".into()),
            remote_display: Some("Rita Ring".into()),
        }],
    };
    update(
        &mut m,
        Msg::Engine(second(EngineEvent::Dialog {
            contact: alice,
            doc: Some(ringing),
            at,
        })),
    );
    assert_eq!(m.store.shown(alice).line, LineState::Ringing);
    assert!(
        m.ringing.contains(&alice) && m.blink.next.is_some(),
        "it blinks"
    );
    key(&mut m, KeyCode::Enter);
    let t = text(&m);
    assert!(t.contains("Rita Ring"), "the caller: {t}");
    assert!(t.contains("line 1") && t.contains("line 2"), "{t}");
    assert!(t.contains("sip:4711@example.com"), "{t}");
}
