//! A directory reload under a running console: contacts come and go, the
//! others keep their state, the selection stays where it was.

use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::{Cmd, Model, Msg, Settings, sample, update};
use crate::directory::{Entry, Loaded, Problem};
use crate::presence::{ContactId, ContactInfo, Presence};

fn office() -> Model {
    let mut m = Model::new(
        sample::office(),
        Settings {
            favourites: sample::office_favourites(),
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
    for ev in sample::office_events(Instant::now()) {
        update(&mut m, Msg::Engine(ev));
    }
    m
}

/// The office as entries, `keep` filtering, plus `more`.
fn reload(m: &mut Model, keep: impl Fn(&ContactInfo) -> bool, more: Vec<Entry>) -> Vec<Cmd> {
    let mut entries: Vec<Entry> = sample::office()
        .into_iter()
        .filter(|c| keep(c))
        .map(Entry::from)
        .collect();
    entries.extend(more);
    update(
        m,
        Msg::Directory(Loaded {
            entries,
            problems: Vec::new(),
        }),
    )
}

fn id_of(m: &Model, name: &str) -> ContactId {
    m.store
        .ids()
        .find(|id| m.store.info(*id).name == name)
        .unwrap_or_else(|| panic!("{name} is in the directory"))
}

fn grid_names(m: &Model) -> Vec<String> {
    m.list
        .cells
        .iter()
        .map(|c| m.store.info(c.id).name.clone())
        .collect()
}

fn newcomer() -> Entry {
    Entry {
        info: ContactInfo {
            name: "Zoe Zimmer".into(),
            uri: "sip:zoe@example.com".into(),
            extension: Some("501".into()),
            department: Some("Sales".into()),
        },
        extra: vec![("Room".into(), "Attic 7".into())],
    }
}

#[test]
fn a_reload_adds_and_removes_contacts_and_keeps_state_and_selection() {
    let mut m = office();
    let grace = id_of(&m, "Grace Green");
    while m.selected() != Some(grace) {
        update(
            &mut m,
            Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)),
        );
    }
    let shown_before: Vec<_> = m.store.ids().map(|id| m.store.shown(id).clone()).collect();
    let counts_before = m.counts;
    let cmds = reload(&mut m, |c| c.name != "Eve Evans", vec![newcomer()]);
    let eve = ContactId(4);
    let zoe = id_of(&m, "Zoe Zimmer");
    assert_eq!(
        cmds,
        [Cmd::Resubscribe {
            subscribe: vec![(zoe, "sip:zoe@example.com".into())],
            unsubscribe: vec![eve],
        }]
    );
    assert_eq!(m.selected(), Some(grace), "the selection stays on Grace");
    let names = grid_names(&m);
    assert!(names.contains(&"Zoe Zimmer".to_string()));
    assert!(
        !names.contains(&"Eve Evans".to_string()),
        "Eve left the grid"
    );
    for (i, before) in shown_before.iter().enumerate() {
        let id = ContactId(i as u32);
        if id != eve {
            assert_eq!(
                m.store.shown(id),
                before,
                "{} kept its state",
                m.store.info(id).name
            );
        }
    }
    assert_eq!(m.store.shown(zoe).presence, Presence::Unknown);
    assert_eq!(m.search.len(), sample::office().len(), "one left, one came");
    let lost = usize::from(
        crate::app::model::SubClass::of(&shown_before[4]) != crate::app::model::SubClass::None,
    );
    let total = |c: crate::app::model::SubCounts| c.active + c.pending + c.failed + c.unreadable;
    assert_eq!(
        total(m.counts),
        total(counts_before) - lost,
        "Eve left the counts"
    );
}

#[test]
fn extra_columns_are_searchable_and_removed_contacts_are_not() {
    let mut m = office();
    reload(&mut m, |c| c.name != "Eve Evans", vec![newcomer()]);
    for c in "attic".chars() {
        update(
            &mut m,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    assert_eq!(grid_names(&m), ["Zoe Zimmer"], "found by an extra column");
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    for c in "eve".chars() {
        update(
            &mut m,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    assert!(!grid_names(&m).contains(&"Eve Evans".to_string()));
}

#[test]
fn a_removed_selection_leaves_the_cursor_where_it_was() {
    let mut m = office();
    let eve = id_of(&m, "Eve Evans");
    while m.selected() != Some(eve) {
        update(
            &mut m,
            Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)),
        );
    }
    let cursor = m.cursor;
    reload(&mut m, |c| c.name != "Eve Evans", Vec::new());
    assert_eq!(m.cursor, cursor);
    assert_ne!(m.selected(), Some(eve));
}

#[test]
fn problems_reach_the_message_line_and_an_edit_only_redraws() {
    let mut m = office();
    let mut edited: Vec<Entry> = sample::office().into_iter().map(Entry::from).collect();
    edited[0].info.name = "Alice Andersen-Berg".into();
    let cmds = update(
        &mut m,
        Msg::Directory(Loaded {
            entries: edited,
            problems: vec![
                Problem {
                    path: PathBuf::from("staff.csv"),
                    line: Some(5),
                    message: "no SIP URI; row skipped".into(),
                },
                Problem {
                    path: PathBuf::from("staff.csv"),
                    line: Some(9),
                    message: "x".into(),
                },
            ],
        }),
    );
    assert!(cmds.is_empty(), "an edited name subscribes nothing");
    assert_eq!(m.store.info(ContactId(0)).name, "Alice Andersen-Berg");
    assert_eq!(
        m.message.as_deref(),
        Some("Directory: staff.csv:5: no SIP URI; row skipped (and 1 more, see the log)")
    );
}
