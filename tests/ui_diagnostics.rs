//! Snapshots of the F7 diagnostics view over ratatui's `TestBackend`: the
//! showcase office's report at 80x24 and 160x48 (subscriptions, trace and
//! test subscription tabs), and mono/ASCII checks.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

#[path = "support/ui.rs"]
mod ui;

use ui::{draw, key, text};

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use switchboard::app::diagnostics::sample::office_diagnostics;
use switchboard::app::{Model, Msg, Settings, sample, update};
use switchboard::sip::events::EngineEvent;

fn office(mono: bool, ascii: bool, size: (u16, u16)) -> Model {
    let settings = Settings {
        mono,
        ascii,
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
    for ev in sample::office_events(Instant::now()) {
        update(&mut m, Msg::Engine(ev));
    }
    key(&mut m, KeyCode::F(7));
    let now = m.now.expect("the office's events set the clock");
    update(
        &mut m,
        Msg::Engine(EngineEvent::Diagnostics(Box::new(office_diagnostics(now)))),
    );
    m
}

#[test]
fn subscriptions_80x24() {
    let m = office(false, false, (80, 24));
    let t = text(&draw(&m));
    assert!(
        t.contains("Server pbx.example.com:5060: up and running for 3 min"),
        "{t}"
    );
    insta::assert_snapshot!(t);
}

#[test]
fn subscriptions_sorted_by_state_160x48() {
    let mut m = office(false, false, (160, 48));
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL)),
    );
    let t = text(&draw(&m));
    insta::assert_snapshot!(t);
}

#[test]
fn filtered_to_errors_80x24() {
    let mut m = office(false, false, (80, 24));
    for _ in 0..7 {
        key(&mut m, KeyCode::Right);
    }
    let t = text(&draw(&m));
    assert!(t.contains("State: error"), "{t}");
    assert!(t.contains("(503 Service Unavailable)"), "the reason: {t}");
    insta::assert_snapshot!(t);
}

#[test]
fn trace_tab_160x48_masks_credentials() {
    let mut m = office(false, false, (160, 48));
    key(&mut m, KeyCode::Tab);
    key(&mut m, KeyCode::Up);
    key(&mut m, KeyCode::Up);
    let t = text(&draw(&m));
    assert!(t.contains("Authorization: Digest ***"), "{t}");
    assert!(!t.contains("0123abcd"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn test_subscription_tab_80x24() {
    let mut m = office(false, false, (80, 24));
    key(&mut m, KeyCode::Tab);
    key(&mut m, KeyCode::Tab);
    let t = text(&draw(&m));
    assert!(t.contains("Parsed: presence: available"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn mono_and_ascii_draw_no_colour_and_only_ascii() {
    let m = office(true, true, (80, 24));
    let buf = draw(&m);
    assert!(
        buf.content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "no colour in mono"
    );
    let t = text(&buf);
    // Everything but the people's own names (Chloé, Müller) is ASCII.
    assert!(t.chars().all(|c| c.is_ascii() || "éü".contains(c)), "{t}");
    assert!(
        t.contains("> "),
        "the selection is marked without colour: {t}"
    );
}

#[test]
fn tiny_terminals_draw_without_panicking() {
    for size in [(20, 4), (10, 2), (80, 5), (200, 3)] {
        let m = office(false, false, size);
        let _ = draw(&m);
    }
}
