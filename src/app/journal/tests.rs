//! The journal through `update`: what is journalled, missed calls counted
//! once, F8 asks for the timeline and shows it, live changes join it.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::notes::NotesEvent;
use crate::app::{Msg, Settings, update};
use crate::body::{DialogDoc, DialogState, Direction, PresenceDoc};
use crate::presence::ContactInfo;

/// 2026-12-05 09:00 UTC.
const NINE: i64 = 1_796_461_200_000;
const TODAY: i64 = 1_796_428_800_000;

fn bob() -> ContactInfo {
    ContactInfo {
        name: "Bob Brown".into(),
        uri: "sip:bob@example.test".into(),
        extension: Some("202".into()),
        department: None,
    }
}

fn console(notes: bool) -> (Model, Instant) {
    let mut m = Model::new(
        vec![bob()],
        Settings {
            notes_operator: notes.then(|| "Ann".into()),
            ..Settings::default()
        },
    );
    let base = Instant::now();
    update(
        &mut m,
        Msg::Clock {
            wall: jiff::Timestamp::from_millisecond(NINE)
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::UTC),
            at: base,
        },
    );
    (m, base)
}

fn ring(m: &mut Model, version: u64, state: DialogState, at: Instant) -> Vec<Cmd> {
    let doc = DialogDoc {
        version,
        full: true,
        entity: None,
        dialogs: vec![DialogEntry {
            id: "call-1".into(),
            state,
            direction: Some(Direction::Recipient),
            remote_identity: Some("sip:+49891234@pbx.example.test".into()),
            remote_display: Some("Carol".into()),
        }],
    };
    update(
        m,
        Msg::Engine(EngineEvent::Dialog {
            contact: ContactId(0),
            doc: Some(doc),
            at,
        }),
    )
}

fn hang_up(m: &mut Model, version: u64, at: Instant) -> Vec<Cmd> {
    ring(m, version, DialogState::Terminated, at)
}

fn journalled(cmds: &[Cmd]) -> Vec<Entry> {
    cmds.iter()
        .flat_map(|c| match c {
            Cmd::Journal(e) => e.clone(),
            _ => Vec::new(),
        })
        .collect()
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

#[test]
fn a_call_never_answered_is_journalled_and_counted_as_missed_once() {
    let (mut m, base) = console(true);
    let at = |s: u64| base + Duration::from_secs(s);
    let rang = journalled(&ring(&mut m, 1, DialogState::Early, at(60)));
    assert_eq!(rang.len(), 1, "{rang:?}");
    assert_eq!(
        (
            rang[0].kind,
            rang[0].value.as_str(),
            rang[0].source.as_str()
        ),
        (Kind::Line, "ringing", "dialog")
    );
    assert_eq!(rang[0].at_ms, NINE + 60_000, "the event's own time");
    assert_eq!(rang[0].peer.as_deref(), Some("Carol"));
    assert_eq!(rang[0].contact, "sip:bob@example.test");

    let ended = journalled(&hang_up(&mut m, 2, at(75)));
    let missed: Vec<&Entry> = ended.iter().filter(|e| e.kind == Kind::Missed).collect();
    assert_eq!(missed.len(), 1, "{ended:?}");
    assert_eq!(missed[0].peer.as_deref(), Some("Carol"));
    assert_eq!(missed[0].reference.as_deref(), Some("call-1"));
    assert!(
        ended
            .iter()
            .any(|e| e.kind == Kind::Line && e.value == "ready")
    );

    let id = ContactId(0);
    assert_eq!(m.missed_log.since(id, TODAY), 1);
    assert_eq!(m.missed_log.count_since(TODAY), 1);
    assert_eq!(m.missed_log.contacts_since(TODAY), vec![id]);
    assert_eq!(m.missed_log.since(id, NINE + 80_000), 0, "not since later");
    // The same call read back from the journal (another console wrote it)
    // is not counted again.
    update(
        &mut m,
        Msg::Notes(NotesEvent::Missed {
            entries: missed.into_iter().cloned().collect(),
        }),
    );
    assert_eq!(m.missed_log.since(id, TODAY), 1);
}

#[test]
fn an_answered_call_is_not_missed() {
    let (mut m, base) = console(true);
    let at = |s: u64| base + Duration::from_secs(s);
    ring(&mut m, 1, DialogState::Early, at(1));
    ring(&mut m, 2, DialogState::Confirmed, at(5));
    let ended = journalled(&hang_up(&mut m, 3, at(65)));
    assert!(ended.iter().all(|e| e.kind != Kind::Missed), "{ended:?}");
    assert_eq!(m.missed_log.count_since(0), 0);
}

#[test]
fn presence_changes_are_journalled_with_source_and_rule() {
    let (mut m, base) = console(true);
    let doc = PresenceDoc {
        entity: None,
        basic: Some(crate::body::Basic::Open),
        presence: Presence::Busy,
        availability: None,
        note: None,
        until: None,
        activities: Vec::new(),
        forwarding: None,
        rule: "rpid activity busy",
    };
    let cmds = update(
        &mut m,
        Msg::Engine(EngineEvent::Presence {
            contact: ContactId(0),
            doc,
            at: base,
        }),
    );
    let e = journalled(&cmds);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].kind, e[0].value.as_str(), e[0].source.as_str()),
        (Kind::Presence, "busy", "presence")
    );
    assert!(!e[0].rule.is_empty());
}

#[test]
fn without_a_notes_database_nothing_is_written_but_missed_calls_count() {
    let (mut m, base) = console(false);
    ring(&mut m, 1, DialogState::Early, base);
    let cmds = hang_up(&mut m, 2, base + Duration::from_secs(3));
    assert!(journalled(&cmds).is_empty());
    assert_eq!(m.missed_log.count_since(TODAY), 1);
}

#[test]
fn f8_asks_for_the_timeline_shows_it_and_live_changes_join_it() {
    let (mut m, base) = console(true);
    let cmds = key(&mut m, KeyCode::F(8));
    assert_eq!(
        cmds,
        vec![Cmd::LoadJournal {
            contact: "sip:bob@example.test".into(),
            since_ms: TODAY,
        }]
    );
    let view = m.journal.overlay.clone().expect("the overlay is open");
    assert_eq!(view.entries, None, "reading");
    let mut busy = Entry::change(
        "sip:bob@example.test",
        Kind::Presence,
        "busy",
        "presence",
        "r",
    );
    busy.at_ms = NINE - 3_600_000;
    update(
        &mut m,
        Msg::Notes(NotesEvent::Journal {
            contact: "sip:bob@example.test".into(),
            since_ms: TODAY,
            entries: vec![busy],
        }),
    );
    assert_eq!(
        m.journal
            .overlay
            .as_ref()
            .and_then(|v| v.entries.as_ref())
            .map(Vec::len),
        Some(1)
    );
    ring(&mut m, 1, DialogState::Early, base + Duration::from_secs(1));
    let entries = m
        .journal
        .overlay
        .as_ref()
        .and_then(|v| v.entries.clone())
        .unwrap();
    assert_eq!(entries.len(), 2, "the ringing joined the open timeline");
    let cmds = key(&mut m, KeyCode::Char('x'));
    assert!(cmds.is_empty());
    assert!(m.journal.overlay.is_none(), "any key closes it");
    assert_eq!(m.search.query(), "", "the key did not type into the search");
}

#[test]
fn the_details_panel_asks_for_the_selected_contacts_day_once() {
    let (mut m, _) = console(true);
    let cmds = key(&mut m, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![Cmd::LoadJournal {
            contact: "sip:bob@example.test".into(),
            since_ms: TODAY,
        }]
    );
    assert!(
        key(&mut m, KeyCode::Down).is_empty(),
        "same contact: not again"
    );
    key(&mut m, KeyCode::Esc);
    assert!(m.journal.panel.is_none(), "closed with the panel");
}
