//! Snapshots of issue 13's console at 80x24 and 160x48: each filter (the
//! `is:` states, F3, a department), groups and their picker, the clock
//! with relative "until" times, a caller named from the directory, and the
//! 80x24 status bar that never cuts the search, the connection or the
//! clock.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

#[path = "support/ui.rs"]
mod ui;

use ui::{draw, key, text, typ};

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::app::{Model, Msg, Settings, sample, update};
use switchboard::body::{Basic, DialogDoc, DialogEntry, DialogState, Direction, PresenceDoc};
use switchboard::presence::{ContactId, Presence};
use switchboard::sip::events::EngineEvent;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn office(size: (u16, u16)) -> (Model, Instant) {
    let settings = Settings {
        favourites: sample::office_favourites(),
        groups: vec![
            (
                "Management assistants".into(),
                vec![
                    "Karl Klein".into(),
                    "sip:bob@example.com".into(),
                    "404".into(),
                ],
            ),
            ("Site B".into(), vec!["Eve Evans".into(), "301".into()]),
        ],
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

fn clock(m: &mut Model, base: Instant, wall: &str) {
    update(
        m,
        Msg::Clock {
            wall: wall.parse().unwrap(),
            at: base + Duration::from_secs(400),
        },
    );
}

#[test]
fn each_filter_at_80x24_and_160x48() {
    let filters: [(&str, &str); 8] = [
        ("is_available", "is:available"),
        ("is_busy", "is:busy"),
        ("is_away", "is:away"),
        ("is_ringing", "is:ringing"),
        ("is_offline", "is:offline"),
        ("is_missed", "is:missed"),
        ("dept_sales", "dept:sales"),
        ("f3_available_only", ""),
    ];
    for size in SIZES {
        for (name, query) in filters {
            let (mut m, _) = office(size);
            update(&mut m, Msg::MissedCall(ContactId(9)));
            if query.is_empty() {
                key(&mut m, KeyCode::F(3));
            } else {
                typ(&mut m, query);
            }
            let t = text(&draw(&m));
            if !query.is_empty() {
                assert!(t.contains(&format!("search: {query}")), "{t}");
            }
            insta::assert_snapshot!(format!("filter_{name}_{}x{}", size.0, size.1), t);
        }
    }
}

#[test]
fn the_sales_search_keeps_its_headings_and_marks_a_note_only_match() {
    for size in SIZES {
        let (mut m, base) = office(size);
        // Karl (Support) has "sales" only in his status note.
        let doc = PresenceDoc {
            entity: None,
            basic: Some(Basic::Open),
            presence: Presence::Available,
            availability: None,
            note: Some("Covering for sales today".into()),
            until: None,
            activities: Vec::new(),
            forwarding: None,
            rule: "test",
        };
        update(
            &mut m,
            Msg::Engine(EngineEvent::Presence {
                contact: ContactId(10),
                doc,
                at: base + Duration::from_secs(400),
            }),
        );
        typ(&mut m, "sales");
        let t = text(&draw(&m));
        assert!(
            t.contains("── Sales (5)") && t.contains("── Support (1)"),
            "{t}"
        );
        assert!(
            t.contains("¶Karl Klein"),
            "the note-only match is marked: {t}"
        );
        insta::assert_snapshot!(format!("search_sales_{}x{}", size.0, size.1), t);
    }
}

#[test]
fn groups_and_the_picker() {
    for size in SIZES {
        let (mut m, _) = office(size);
        update(
            &mut m,
            Msg::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::ALT)),
        );
        let t = text(&draw(&m));
        assert!(t.contains("Management assistants (3)"), "{t}");
        assert!(
            t.contains("★ Management assistants"),
            "the view in the status bar: {t}"
        );
        insta::assert_snapshot!(format!("group_{}x{}", size.0, size.1), t);
        key(&mut m, KeyCode::F(9));
        let t = text(&draw(&m));
        for row in [
            "1 Everyone (14)",
            "2 Favourites (2)",
            "3 Management assistants (3) *",
            "4 Site B (2)",
        ] {
            assert!(t.contains(row), "{row}: {t}");
        }
        insta::assert_snapshot!(format!("group_picker_{}x{}", size.0, size.1), t);
    }
}

#[test]
fn the_clock_and_relative_untils() {
    for size in SIZES {
        let (mut m, base) = office(size);
        clock(&mut m, base, "2026-12-05T13:00:00+01:00[Europe/Berlin]");
        // Dmitri is away until 13:25 (UTC 12:25).
        let doc = PresenceDoc {
            entity: None,
            basic: Some(Basic::Open),
            presence: Presence::Away,
            availability: None,
            note: Some("Lunch".into()),
            until: Some("2026-12-05T12:25:00Z".into()),
            activities: Vec::new(),
            forwarding: None,
            rule: "test",
        };
        update(
            &mut m,
            Msg::Engine(EngineEvent::Presence {
                contact: ContactId(3),
                doc,
                at: base + Duration::from_secs(400),
            }),
        );
        typ(&mut m, "dmitri");
        key(&mut m, KeyCode::Enter);
        let t = text(&draw(&m));
        assert!(t.contains("│ 13:00"), "the clock: {t}");
        // At 80x24 the panel is narrow: the value wraps under its column.
        let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("13:25, in 25"), "the until, relative: {t}");
        assert!(flat.contains("min"), "{t}");
        insta::assert_snapshot!(format!("clock_until_{}x{}", size.0, size.1), t);
    }
}

#[test]
fn a_caller_in_the_directory_is_named_on_the_cell_and_in_the_details() {
    for size in SIZES {
        let (mut m, base) = office(size);
        // Bob (ext 202) calls Lena: the PBX gives his number.
        let doc = DialogDoc {
            version: 50,
            full: true,
            entity: None,
            dialogs: vec![DialogEntry {
                id: "in".into(),
                state: DialogState::Early,
                direction: Some(Direction::Recipient),
                remote_identity: Some("sip:202@pbx.example.com".into()),
                remote_display: None,
            }],
        };
        update(
            &mut m,
            Msg::Engine(EngineEvent::Dialog {
                contact: ContactId(11),
                doc: Some(doc),
                at: base + Duration::from_secs(400),
            }),
        );
        key(&mut m, KeyCode::F(6));
        key(&mut m, KeyCode::F(6));
        let t = text(&draw(&m));
        assert!(t.contains("←Bob Brown"), "the cell: {t}");
        assert!(t.contains("Caller       Bob Brown"), "the details: {t}");
        insta::assert_snapshot!(format!("caller_by_name_{}x{}", size.0, size.1), t);
    }
}

#[test]
fn at_80x24_the_search_the_connection_and_the_clock_are_never_cut() {
    let (mut m, base) = office((80, 24));
    clock(&mut m, base, "2026-12-05T09:41:00+01:00[Europe/Berlin]");
    update(&mut m, Msg::MissedCall(ContactId(9)));
    key(&mut m, KeyCode::F(3));
    typ(&mut m, "dept:support is:available");
    let t = text(&draw(&m));
    let status = t.lines().nth(22).unwrap_or_default();
    for part in ["● connected", "search: dept:support is:available", "09:41"] {
        assert!(status.contains(part), "{part:?} in {status:?}");
    }
    insta::assert_snapshot!(t);
}

#[test]
fn a_search_longer_than_the_status_bar_keeps_its_end_and_the_clock() {
    let (mut m, base) = office((80, 24));
    clock(&mut m, base, "2026-12-05T09:41:00+01:00[Europe/Berlin]");
    typ(
        &mut m,
        "dept:support note:covering for the whole team today is:available",
    );
    let t = text(&draw(&m));
    let status = t.lines().nth(22).unwrap_or_default();
    assert!(status.contains("● connected"), "{status}");
    assert!(
        status.contains("today is:available"),
        "the end typed: {status}"
    );
    assert!(status.ends_with("09:41"), "the clock: {status}");
}
