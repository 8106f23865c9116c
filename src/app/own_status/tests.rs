//! The picker and the idle timer through `update`, on a fake clock.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::{Msg, Settings, sample, update};
use crate::presence::Availability;

fn console(read_only: bool, now: Instant) -> Model {
    let mut m = Model::new(
        sample::office(),
        Settings {
            read_only,
            ..Settings::default()
        },
    );
    let lunch = Profile {
        name: "Lunch".into(),
        state: Chosen::Away,
        availability: Some(Availability::Break),
        note: Some("At lunch".into()),
        duration: Some(Duration::from_secs(45 * 60)),
    };
    m.own = OwnStatusState::new(vec![lunch], Duration::from_secs(300), now);
    m
}

fn press(m: &mut Model, code: KeyCode, at: Instant) -> Vec<Cmd> {
    let mut cmds = update(m, Msg::Activity(at));
    cmds.extend(update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))));
    cmds
}

fn typ(m: &mut Model, text: &str, at: Instant) {
    for c in text.chars() {
        press(m, KeyCode::Char(c), at);
    }
}

#[test]
fn f5_then_fields_then_a_letter_sets_the_status() {
    let t0 = Instant::now();
    let mut m = console(false, t0);
    assert!(press(&mut m, KeyCode::F(5), t0).is_empty());
    assert!(m.own.picker.is_some(), "F5 opens the picker");
    press(&mut m, KeyCode::Tab, t0);
    typ(&mut m, "Customer call", t0);
    press(&mut m, KeyCode::Tab, t0);
    press(&mut m, KeyCode::Tab, t0);
    typ(&mut m, "14:30", t0);
    press(&mut m, KeyCode::Enter, t0);
    assert!(
        m.search.query().is_empty(),
        "letters typed into the picker, not the search"
    );
    let cmds = press(&mut m, KeyCode::Char('b'), t0);
    assert_eq!(
        cmds,
        vec![Cmd::SetStatus(StatusChoice {
            state: Chosen::Busy,
            availability: None,
            note: Some("Customer call".into()),
            until: Some("14:30".into()),
            profile: None,
        })]
    );
    assert!(m.own.picker.is_none(), "choosing closes the picker");
    update(
        &mut m,
        Msg::OwnStatus(Ok("Busy · Customer call · until 14:30".into())),
    );
    assert_eq!(
        m.own.line.as_deref(),
        Some("Busy · Customer call · until 14:30")
    );
}

#[test]
fn a_profile_digit_sets_the_profile_and_esc_closes() {
    let t0 = Instant::now();
    let mut m = console(false, t0);
    press(&mut m, KeyCode::F(5), t0);
    press(&mut m, KeyCode::Esc, t0);
    assert!(m.own.picker.is_none());
    press(&mut m, KeyCode::F(5), t0);
    match press(&mut m, KeyCode::Char('1'), t0).as_slice() {
        [Cmd::SetStatus(c)] => {
            assert_eq!(c.state, Chosen::Away);
            assert_eq!(c.note.as_deref(), Some("At lunch"));
            assert_eq!(c.availability.as_deref(), Some("break"));
            assert_eq!(c.until.as_deref(), Some("2700s"));
            assert_eq!(c.profile.as_deref(), Some("Lunch"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_picker_is_unavailable_read_only() {
    let t0 = Instant::now();
    let mut m = console(true, t0);
    press(&mut m, KeyCode::F(5), t0);
    assert!(m.own.picker.is_none());
    assert!(
        m.message
            .as_deref()
            .is_some_and(|s| s.contains("Read-only"))
    );
}

#[test]
fn idle_gives_inactive_and_the_next_key_ends_it() {
    let t0 = Instant::now();
    let mut m = console(false, t0);
    assert_eq!(m.next_deadline(), Some(t0 + Duration::from_secs(300)));
    assert!(update(&mut m, Msg::Tick(t0 + Duration::from_secs(200))).is_empty());
    press(&mut m, KeyCode::Down, t0 + Duration::from_secs(250));
    assert!(
        update(&mut m, Msg::Tick(t0 + Duration::from_secs(300))).is_empty(),
        "a key at 250 s moved the deadline"
    );
    let idle_at = t0 + Duration::from_secs(550);
    assert_eq!(m.next_deadline(), Some(idle_at));
    assert_eq!(
        update(&mut m, Msg::Tick(idle_at)),
        vec![Cmd::StatusIdle(true)]
    );
    assert!(
        update(&mut m, Msg::Tick(idle_at + Duration::from_secs(60))).is_empty(),
        "once"
    );
    assert_eq!(m.own.deadline(), None, "no idle timer while idle");
    let cmds = press(&mut m, KeyCode::Down, idle_at + Duration::from_secs(61));
    assert_eq!(
        cmds,
        vec![Cmd::StatusIdle(false)],
        "the next key ends Inactive"
    );
}
