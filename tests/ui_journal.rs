//! The journal on an 80x24 screen: a missed call counted in the status bar
//! and in the details panel, the day's timeline in the panel and behind F8.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

#[path = "support/ui.rs"]
mod ui;

use ui::{key, screen_cells as text};

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use switchboard::app::notes::NotesEvent;
use switchboard::app::{Cmd, Model, Msg, Settings, sample, update};
use switchboard::body::{DialogDoc, DialogEntry, DialogState, Direction};
use switchboard::notes::journal::{Entry, Kind};
use switchboard::presence::ContactId;
use switchboard::sip::events::EngineEvent;

/// 2026-12-05 11:30 UTC; the day began at `TODAY`.
const NOW: i64 = 1_796_470_200_000;
const TODAY: i64 = 1_796_428_800_000;
const H: i64 = 3_600_000;
const M: i64 = 60_000;

fn console(ascii: bool) -> (Model, Instant) {
    let mut m = Model::new(
        sample::office(),
        Settings {
            ascii,
            notes_operator: Some("ann".into()),
            ..Settings::default()
        },
    );
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    let base = Instant::now();
    update(
        &mut m,
        Msg::Clock {
            wall: jiff::Timestamp::from_millisecond(NOW)
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::UTC),
            at: base,
        },
    );
    (m, base)
}

/// Alice (the first contact) rings from Carol's number and the caller
/// hangs up before anyone answers.
fn missed_call(m: &mut Model, at: Instant) {
    let doc = |version, state| DialogDoc {
        version,
        full: true,
        entity: None,
        dialogs: vec![DialogEntry {
            id: "call-7".into(),
            state,
            direction: Some(Direction::Recipient),
            remote_identity: Some("sip:+49891234@pbx.example.test".into()),
            remote_display: None,
        }],
    };
    for (v, state, s) in [(1, DialogState::Early, 0), (2, DialogState::Terminated, 20)] {
        update(
            m,
            Msg::Engine(EngineEvent::Dialog {
                contact: ContactId(0),
                doc: Some(doc(v, state)),
                at: at + Duration::from_secs(s),
            }),
        );
    }
}

fn day() -> Vec<Entry> {
    let e = |kind, value: &str, at_ms| {
        let mut e = Entry::change("sip:alice@example.com", kind, value, "presence", "r");
        e.at_ms = at_ms;
        e
    };
    let mut missed = e(Kind::Missed, "missed", TODAY + 10 * H + 3 * M);
    missed.peer = Some("+49 89 1234".into());
    missed.reference = Some("call-1".into());
    vec![
        e(Kind::Presence, "available", TODAY + 8 * H),
        e(Kind::Presence, "busy", TODAY + 9 * H + 12 * M),
        e(Kind::Presence, "available", TODAY + 9 * H + 40 * M),
        missed,
        e(Kind::Presence, "away", TODAY + 11 * H),
    ]
}

#[test]
fn a_missed_call_is_counted_in_the_status_bar_and_the_panel() {
    let (mut m, base) = console(false);
    missed_call(&mut m, base);
    let cmds = key(&mut m, KeyCode::Enter);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::LoadJournal { .. })),
        "the panel asks for the day: {cmds:?}"
    );
    update(
        &mut m,
        Msg::Notes(NotesEvent::Journal {
            contact: "sip:alice@example.com".into(),
            since_ms: TODAY,
            entries: day(),
        }),
    );
    let screen = text(&m);
    assert!(screen.contains("1 missed"), "{screen}");
    assert!(screen.contains("Missed"), "{screen}");
    assert!(
        screen.contains("+49891234"),
        "the caller's number: {screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn f8_shows_the_day_as_a_timeline_at_80x24() {
    let (mut m, _) = console(false);
    key(&mut m, KeyCode::F(8));
    assert!(text(&m).contains("reading…"));
    update(
        &mut m,
        Msg::Notes(NotesEvent::Journal {
            contact: "sip:alice@example.com".into(),
            since_ms: TODAY,
            entries: day(),
        }),
    );
    let screen = text(&m);
    for line in [
        "busy 09:12–09:40",
        "missed 10:03 from +49 89 1234",
        "away since 11:00",
    ] {
        assert!(screen.contains(line), "{line}:\n{screen}");
    }
    insta::assert_snapshot!(screen);
    key(&mut m, KeyCode::Esc);
    assert!(!text(&m).contains("Today: Alice"), "closed");
}

/// The directory's own names may hold any letter; what the journal draws
/// is ASCII.
#[test]
fn f8_in_ascii_draws_ascii_marks() {
    let (mut m, _) = console(true);
    key(&mut m, KeyCode::F(8));
    update(
        &mut m,
        Msg::Notes(NotesEvent::Journal {
            contact: "sip:alice@example.com".into(),
            since_ms: TODAY,
            entries: day(),
        }),
    );
    let screen = text(&m);
    let ours: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("Today:") || l.contains("since") || l.contains("any key"))
        .collect();
    assert_eq!(ours.len(), 3, "{screen}");
    for l in ours {
        let inner = l.trim_matches(|c: char| c != '|' && c != '+');
        assert!(inner.is_ascii(), "{l:?}\n{screen}");
    }
    assert!(screen.contains("busy 09:12-09:40"), "{screen}");
}
