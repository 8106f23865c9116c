//! The F7 view: opening asks the driver, keys navigate, filter, sort,
//! search, resubscribe and start a test subscription.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::sample::office_diagnostics;
use super::*;
use crate::app::{Model, Msg, Settings, sample, update};
use crate::sip::events::EngineEvent;

fn office() -> (Model, Instant) {
    let base = Instant::now();
    let mut m = Model::new(sample::office(), Settings::default());
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    for ev in sample::office_events(base) {
        update(&mut m, Msg::Engine(ev));
    }
    let now = m.now.unwrap_or(base);
    (m, now)
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(m: &mut Model, c: char) -> Vec<Cmd> {
    update(
        m,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn typ(m: &mut Model, text: &str) {
    for c in text.chars() {
        key(m, KeyCode::Char(c));
    }
}

/// The office with F7 open and the sample report delivered.
fn opened() -> (Model, Instant) {
    let (mut m, now) = office();
    assert_eq!(
        key(&mut m, KeyCode::F(7)),
        vec![Cmd::Diagnose],
        "asks at once"
    );
    update(
        &mut m,
        Msg::Engine(EngineEvent::Diagnostics(Box::new(office_diagnostics(now)))),
    );
    (m, now)
}

fn shown(m: &Model) -> Vec<(String, &'static str, &'static str)> {
    rows(m)
        .iter()
        .map(|r| {
            let s = &m.diag.reports[r.server].subscriptions[r.index];
            (row_name(m, s), s.event.as_str(), s.state.label())
        })
        .collect()
}

#[test]
fn f7_opens_the_view_and_asks_again_every_second_while_open() {
    let (mut m, now) = opened();
    assert!(m.diag.open);
    assert_eq!(m.diag.reports.len(), 1);
    assert_eq!(m.diag.deadline(), Some(now + POLL));
    assert!(
        m.next_deadline().is_some_and(|d| d <= now + POLL),
        "the loop wakes for it"
    );
    let cmds = update(&mut m, Msg::Tick(now + POLL));
    assert!(cmds.contains(&Cmd::Diagnose), "{cmds:?}");
    assert!(
        !update(&mut m, Msg::Tick(now + POLL + Duration::from_millis(100)))
            .contains(&Cmd::Diagnose)
    );
    key(&mut m, KeyCode::F(7));
    assert!(!m.diag.open, "F7 closes it again");
    assert!(
        !update(&mut m, Msg::Tick(now + POLL * 5)).contains(&Cmd::Diagnose),
        "closed: no polling"
    );
    key(&mut m, KeyCode::F(7));
    key(&mut m, KeyCode::Esc);
    assert!(!m.diag.open, "Esc closes it");
}

#[test]
fn rows_are_sorted_by_contact_and_the_filter_cycles_through_states() {
    let (mut m, _) = opened();
    let all = shown(&m);
    assert_eq!(all.len(), 28, "14 contacts × 2 packages");
    assert_eq!(all[0], ("Alice Andersen".into(), "dialog", "active"));
    key(&mut m, KeyCode::Right); // not requested: none in the sample
    assert!(shown(&m).is_empty());
    key(&mut m, KeyCode::Right); // requesting
    assert_eq!(
        shown(&m),
        [
            ("Night Line".into(), "dialog", "requesting"),
            ("Night Line".into(), "presence", "requesting")
        ]
    );
    for _ in 0..3 {
        key(&mut m, KeyCode::Right); // active, pending, not found
    }
    assert_eq!(
        shown(&m),
        [("Dmitri Ivanov".into(), "presence", "not found")]
    );
    key(&mut m, KeyCode::Left);
    key(&mut m, KeyCode::Left);
    key(&mut m, KeyCode::Left);
    key(&mut m, KeyCode::Left);
    key(&mut m, KeyCode::Left);
    assert_eq!(shown(&m).len(), 28, "back to all");
    key(&mut m, KeyCode::Left);
    assert_eq!(
        shown(&m),
        [(
            "Judith Jones-Featherstonehaugh".into(),
            "presence",
            "terminated"
        )],
        "Left from all wraps to the last state"
    );
}

#[test]
fn ctrl_o_sorts_by_state_worst_first_then_by_last_code() {
    let (mut m, _) = opened();
    ctrl(&mut m, 'o');
    assert_eq!(m.diag.sort, SortKey::State);
    let by_state = shown(&m);
    assert_eq!(by_state[0], ("Heidi Hoffmann".into(), "dialog", "error"));
    assert_eq!(by_state[1].2, "terminated");
    assert_eq!(by_state.last().unwrap().2, "active");
    ctrl(&mut m, 'o');
    ctrl(&mut m, 'o');
    assert_eq!(m.diag.sort, SortKey::Code);
    assert_eq!(
        shown(&m)[0],
        ("Heidi Hoffmann".into(), "dialog", "error"),
        "503 first"
    );
}

#[test]
fn typing_searches_like_the_grid_every_word_must_match() {
    let (mut m, _) = opened();
    typ(&mut m, "frank");
    assert_eq!(shown(&m).len(), 2);
    typ(&mut m, " dialog");
    assert_eq!(
        shown(&m),
        [("Frank Fischer".into(), "dialog", "access denied")]
    );
    key(&mut m, KeyCode::Backspace);
    assert_eq!(m.diag.query, "frank dialo");
    for _ in 0..11 {
        key(&mut m, KeyCode::Backspace);
    }
    typ(&mut m, "denied");
    assert_eq!(shown(&m).len(), 2, "the state is searchable too");
}

#[test]
fn enter_resubscribes_the_selected_contact_and_ctrl_a_the_whole_server() {
    let (mut m, _) = opened();
    typ(&mut m, "dmitri");
    key(&mut m, KeyCode::Down);
    let cmds = key(&mut m, KeyCode::Enter);
    assert_eq!(
        cmds,
        [Cmd::ResubscribeContacts(vec![ContactId(3)]), Cmd::Diagnose]
    );
    assert!(m.message.as_deref().unwrap().contains("Dmitri Ivanov"));
    assert_eq!(
        ctrl(&mut m, 'a'),
        [Cmd::ResubscribeServer(0), Cmd::Diagnose]
    );
}

#[test]
fn ctrl_t_asks_for_a_uri_and_starts_a_test_subscription() {
    let (mut m, _) = opened();
    ctrl(&mut m, 't');
    typ(&mut m, "not a uri");
    assert!(key(&mut m, KeyCode::Enter).is_empty(), "refused");
    assert!(m.message.as_deref().unwrap().contains("Not a SIP URI"));
    for _ in 0..9 {
        key(&mut m, KeyCode::Backspace);
    }
    typ(&mut m, "sip:lena@example.com");
    key(&mut m, KeyCode::Tab);
    let cmds = key(&mut m, KeyCode::Enter);
    assert_eq!(
        cmds,
        [
            Cmd::TestSubscribe {
                uri: "sip:lena@example.com".into(),
                event: EventKind::Dialog
            },
            Cmd::Diagnose
        ]
    );
    assert_eq!(m.diag.tab, Tab::Test);
    assert!(m.diag.input.is_none());
}

#[test]
fn the_trace_tab_selects_messages_and_follows_the_newest_at_the_end() {
    let (mut m, _) = opened();
    key(&mut m, KeyCode::Tab);
    assert_eq!(m.diag.tab, Tab::Trace);
    assert_eq!(m.diag.trace_cursor, None);
    key(&mut m, KeyCode::Up);
    assert_eq!(m.diag.trace_cursor, Some(3));
    key(&mut m, KeyCode::Home);
    assert_eq!(m.diag.trace_cursor, Some(0));
    key(&mut m, KeyCode::End);
    assert_eq!(m.diag.trace_cursor, None, "following again");
}

#[test]
fn the_quit_key_still_quits_from_the_view() {
    let (mut m, _) = opened();
    let cmds = ctrl(&mut m, 'q');
    assert!(cmds.contains(&Cmd::Quit), "{cmds:?}");
}
