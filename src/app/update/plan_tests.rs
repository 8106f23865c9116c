//! The receptionist's key plan and views (issue 13): F3, `is:` filters,
//! F6, the quit question, the help that closes without moving, groups,
//! missed calls, call durations, the clock.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::grid_list::Row;
use crate::app::sample;
use crate::app::{Cmd, Focus, Model, Msg, Settings, update};
use crate::body::{DialogDoc, DialogEntry, DialogState, Direction};
use crate::presence::{ContactId, Presence};
use crate::sip::events::EngineEvent;

use super::tests::office_with;

fn office() -> (Model, Instant) {
    office_with(Settings {
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
            ("Site B".into(), vec!["Eve Evans".into()]),
        ],
        ..Settings::default()
    })
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn with(m: &mut Model, c: char, mods: KeyModifiers) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(KeyCode::Char(c), mods)))
}

fn typ(m: &mut Model, text: &str) {
    for c in text.chars() {
        key(m, KeyCode::Char(c));
    }
}

fn names(m: &Model) -> Vec<String> {
    m.list
        .cells
        .iter()
        .map(|c| m.store.info(c.id).name.clone())
        .collect()
}

fn headers(m: &Model) -> Vec<String> {
    m.list
        .rows
        .iter()
        .filter_map(|r| match r {
            Row::Header { title, .. } => Some(title.clone()),
            Row::Cells { .. } => None,
        })
        .collect()
}

fn selected_name(m: &Model) -> String {
    m.selected()
        .map(|id| m.store.info(id).name.clone())
        .unwrap_or_default()
}

/// Grace Green (Sales) becomes available with an idle phone.
fn grace_available(m: &mut Model, at: Instant) {
    let doc = crate::body::PresenceDoc {
        entity: None,
        basic: Some(crate::body::Basic::Open),
        presence: Presence::Available,
        availability: None,
        note: None,
        until: None,
        activities: Vec::new(),
        forwarding: None,
        rule: "test",
    };
    update(
        m,
        Msg::Engine(EngineEvent::Presence {
            contact: ContactId(6),
            doc,
            at,
        }),
    );
    dialog(m, 6, None, at);
}

/// Dialog document versions only grow.
static NEXT_VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(100);

fn dialog(m: &mut Model, c: u32, state: Option<DialogState>, at: Instant) {
    let doc = DialogDoc {
        version: NEXT_VERSION.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        full: true,
        entity: None,
        dialogs: state
            .map(|state| DialogEntry {
                id: "x".into(),
                state,
                direction: Some(Direction::Recipient),
                remote_identity: Some("sip:0891234202@pbx.example.com".into()),
                remote_display: None,
            })
            .into_iter()
            .collect(),
    };
    update(
        m,
        Msg::Engine(EngineEvent::Dialog {
            contact: ContactId(c),
            doc: Some(doc),
            at,
        }),
    );
}

#[test]
fn someone_in_sales_who_is_free_is_one_filter_away() {
    let (mut m, base) = office();
    grace_available(&mut m, base + Duration::from_secs(400));
    typ(&mut m, "dept:sales is:available");
    assert_eq!(names(&m), ["Grace Green"]);
    key(&mut m, KeyCode::Esc);
    // The same with F3: two keystrokes after the department's name.
    typ(&mut m, "sales");
    assert!(names(&m).len() > 1);
    key(&mut m, KeyCode::F(3));
    assert_eq!(names(&m), ["Grace Green"]);
    assert_eq!(headers(&m), ["Sales"], "the department heading stays");
    // F3 again: everyone in Sales again.
    key(&mut m, KeyCode::F(3));
    assert!(names(&m).len() > 1);
    // F3 without a search: the grid keeps only who is available now.
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::F(3));
    let shown = names(&m);
    assert!(shown.contains(&"Grace Green".to_string()), "{shown:?}");
    assert!(
        !shown.contains(&"Heidi Hoffmann".to_string()),
        "ringing is not free"
    );
    assert!(
        !shown.contains(&"Bob Brown".to_string()),
        "busy is not free"
    );
    // Someone who becomes busy leaves the list at once.
    dialog(
        &mut m,
        6,
        Some(DialogState::Confirmed),
        base + Duration::from_secs(401),
    );
    assert!(!names(&m).contains(&"Grace Green".to_string()));
}

#[test]
fn every_state_filter_keeps_its_state() {
    let (mut m, _) = office();
    let check = |m: &mut Model, q: &str, want: &[&str]| {
        key(m, KeyCode::Esc);
        typ(m, q);
        let mut got = names(m);
        got.sort();
        got.dedup();
        assert_eq!(got, want, "{q}");
    };
    check(&mut m, "is:ringing", &["Heidi Hoffmann", "Lena Lund"]);
    check(&mut m, "is:busy", &["Bob Brown", "Chloé Dubois"]);
    check(
        &mut m,
        "is:away",
        &["Dmitri Ivanov", "Eve Evans", "Lena Lund"],
    );
    check(
        &mut m,
        "is:offline",
        &["Frank Fischer", "Grace Green", "Ivan Illich"],
    );
    check(&mut m, "is:missed", &[]);
}

#[test]
fn search_results_keep_their_department_headings() {
    let (mut m, _) = office();
    typ(&mut m, "e");
    let h = headers(&m);
    assert!(h.len() > 2, "{h:?}");
    assert!(h.contains(&"Sales".to_string()) && h.contains(&"Reception".to_string()));
    let best = m.search.hits()[0].id;
    assert_eq!(m.selected(), Some(best), "the best hit is still selected");
}

#[test]
fn f6_cycles_through_ringing_phones_and_opens_the_caller() {
    let (mut m, _) = office();
    key(&mut m, KeyCode::F(6));
    let first = selected_name(&m);
    assert!(m.details_open && m.focus == Focus::Grid);
    key(&mut m, KeyCode::F(6));
    let second = selected_name(&m);
    let mut both = vec![first.clone(), second];
    both.sort();
    assert_eq!(both, ["Heidi Hoffmann", "Lena Lund"]);
    key(&mut m, KeyCode::F(6));
    assert_eq!(selected_name(&m), first, "cycles");
    // A search that hides the ringing phones: F6 still finds one.
    key(&mut m, KeyCode::Esc);
    typ(&mut m, "bob");
    key(&mut m, KeyCode::F(6));
    assert!(["Heidi Hoffmann", "Lena Lund"].contains(&selected_name(&m).as_str()));
    assert!(!m.search.is_active());
    // Nothing rings: said, nothing moves.
    let (mut quiet, base) = office();
    dialog(&mut quiet, 7, None, base + Duration::from_secs(400));
    dialog(&mut quiet, 11, None, base + Duration::from_secs(400));
    let before = quiet.cursor;
    key(&mut quiet, KeyCode::F(6));
    assert_eq!(quiet.cursor, before);
    assert_eq!(quiet.message.as_deref(), Some("No phone is ringing"));
}

#[test]
fn an_arrow_that_closes_the_help_does_not_move_the_selection() {
    let (mut m, _) = office();
    let before = m.cursor;
    key(&mut m, KeyCode::F(1));
    key(&mut m, KeyCode::Down);
    assert!(!m.help_open);
    assert_eq!(m.cursor, before);
    key(&mut m, KeyCode::F(1));
    key(&mut m, KeyCode::Right);
    assert_eq!(m.cursor, before);
    key(&mut m, KeyCode::Down);
    assert_ne!(m.cursor, before, "with the help closed the arrow moves");
}

#[test]
fn groups_switch_by_ctrl_or_alt_digit_and_keep_their_own_selection() {
    let (mut m, _) = office();
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Down);
    let everyone_sel = selected_name(&m);
    with(&mut m, '3', KeyModifiers::CONTROL);
    assert_eq!(headers(&m), ["Management assistants"]);
    assert_eq!(names(&m), ["Bob Brown", "Karl Klein", "Mo Müller"]);
    key(&mut m, KeyCode::Right);
    assert_eq!(selected_name(&m), "Karl Klein");
    with(&mut m, '2', KeyModifiers::ALT);
    assert_eq!(names(&m), ["Alice Andersen", "Heidi Hoffmann"]);
    with(&mut m, '1', KeyModifiers::ALT);
    assert_eq!(
        selected_name(&m),
        everyone_sel,
        "everyone kept its selection"
    );
    with(&mut m, '3', KeyModifiers::ALT);
    assert_eq!(selected_name(&m), "Karl Klein", "the group kept its own");
    with(&mut m, '9', KeyModifiers::ALT);
    assert!(
        m.message
            .as_deref()
            .is_some_and(|t| t.starts_with("No view 9"))
    );
    // The picker: F9, Down, Enter.
    key(&mut m, KeyCode::F(9));
    assert_eq!(m.views.picker, Some(2));
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Enter);
    assert_eq!(names(&m), ["Eve Evans"]);
    assert_eq!(m.views.picker, None);
    // A digit in the picker.
    key(&mut m, KeyCode::F(9));
    key(&mut m, KeyCode::Char('1'));
    assert_eq!(m.views.current, 0);
    assert!(!m.search.is_active(), "the digit chose, it was not typed");
}

#[test]
fn a_missed_call_is_marked_until_looked_at_and_is_missed_finds_it() {
    let (mut m, _) = office();
    update(&mut m, Msg::MissedCall(ContactId(9)));
    assert_eq!(m.missed_calls.get(&ContactId(9)), Some(&1));
    typ(&mut m, "is:missed");
    assert_eq!(names(&m), ["Judith Jones-Featherstonehaugh"]);
    key(&mut m, KeyCode::Enter);
    assert!(m.missed_calls.is_empty(), "looked at: the mark goes");
}

#[test]
fn a_call_lasts_from_when_the_console_saw_it_start() {
    let (mut m, base) = office();
    // Bob was already in a call when the console got his first state.
    let bob = m.calls.started[&ContactId(1)];
    assert!(!bob.exact);
    // Alice's phone was idle; her call starts while we watch.
    let start = base + Duration::from_secs(400);
    dialog(&mut m, 0, Some(DialogState::Confirmed), start);
    let alice = m.calls.started[&ContactId(0)];
    assert!(alice.exact && alice.at == start);
    let label = |s, at| crate::app::calls::duration_label(s, at, false);
    assert_eq!(label(alice, start + Duration::from_secs(125)), "2m");
    assert_eq!(label(bob, bob.at + Duration::from_secs(3720)), "≈1h02");
    dialog(&mut m, 0, None, start + Duration::from_secs(200));
    assert!(!m.calls.started.contains_key(&ContactId(0)));
}

#[test]
fn the_clock_comes_in_a_message() {
    let (mut m, base) = office();
    assert!(m.clock.is_none());
    let wall: jiff::Zoned = "2026-12-05T13:05:00+01:00[Europe/Berlin]".parse().unwrap();
    update(
        &mut m,
        Msg::Clock {
            wall: wall.clone(),
            at: base + Duration::from_secs(400),
        },
    );
    assert_eq!(m.clock, Some(wall));
    assert!(m.dirty);
}

#[test]
fn shift_f4_opens_the_note_history_and_f6_no_longer_does() {
    let (mut m, _) = office_with(Settings {
        notes_operator: Some("Ann".into()),
        ..Settings::default()
    });
    let cmds = update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::F(4), KeyModifiers::SHIFT)),
    );
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadNoteHistory { .. }]),
        "{cmds:?}"
    );
    key(&mut m, KeyCode::Esc);
    let cmds = key(&mut m, KeyCode::F(6));
    assert!(cmds.is_empty(), "F6 is the next ringing phone: {cmds:?}");
    assert!(["Heidi Hoffmann", "Lena Lund"].contains(&selected_name(&m).as_str()));
}

#[test]
fn a_directory_reload_finds_group_members_that_arrive_later() {
    let (mut m, _) = office_with(Settings {
        groups: vec![("Site B".into(), vec!["Zed Zimmer".into(), "301".into()])],
        ..Settings::default()
    });
    assert_eq!(m.views.groups[0].members.len(), 1);
    assert!(
        m.message
            .as_deref()
            .is_some_and(|t| t.contains("Site B (1 of 2)")),
        "{:?}",
        m.message
    );
    let mut entries: Vec<crate::directory::Entry> = sample::office()
        .into_iter()
        .map(crate::directory::Entry::from)
        .collect();
    entries.push(crate::directory::Entry::from(
        crate::presence::ContactInfo {
            name: "Zed Zimmer".into(),
            uri: "sip:zed@example.com".into(),
            extension: Some("777".into()),
            department: None,
        },
    ));
    update(
        &mut m,
        Msg::Directory(crate::directory::Loaded {
            entries,
            problems: Vec::new(),
        }),
    );
    with(&mut m, '3', KeyModifiers::ALT);
    assert_eq!(names(&m), ["Eve Evans", "Zed Zimmer"]);
}
