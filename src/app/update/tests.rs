//! `update` sequences: what the operator does, what the grid then shows.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::model::BLINK_PERIOD;
use crate::app::sample;
use crate::app::{Cmd, Focus, Keymap, Model, Msg, Settings, update};
use crate::presence::ContactId;
use crate::presence::EventKind;
use crate::sip::events::EngineEvent;

/// The sample office at 80x24 with its events applied; also the key
/// plan tests' start.
pub(super) fn office_with(settings: Settings) -> (Model, Instant) {
    let base = Instant::now();
    let mut m = Model::new(sample::office(), settings);
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
    (m, base)
}

fn office() -> (Model, Instant) {
    office_with(Settings {
        favourites: sample::office_favourites(),
        favourites_path: Some("/data/favourites.toml".into()),
        ..Settings::default()
    })
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

fn names(m: &Model) -> Vec<String> {
    m.list
        .cells
        .iter()
        .map(|c| m.store.info(c.id).name.clone())
        .collect()
}

fn selected_name(m: &Model) -> String {
    m.selected()
        .map(|id| m.store.info(id).name.clone())
        .unwrap_or_default()
}

#[test]
fn groups_show_favourites_first_then_departments() {
    let (m, _) = office();
    let n = names(&m);
    assert_eq!(&n[..2], ["Alice Andersen", "Heidi Hoffmann"]);
    assert_eq!(n[2], "Alice Andersen"); // again under Reception
    assert_eq!(n.last().map(String::as_str), Some("Night Line")); // "Other" last
    assert_eq!(n.len(), 16);
}

#[test]
fn typing_narrows_best_first_and_esc_clears_keeping_the_selection() {
    let (mut m, _) = office();
    typ(&mut m, "k");
    let all_k = names(&m).len();
    typ(&mut m, "arl");
    assert!(m.search.is_active());
    assert!(names(&m).len() < all_k, "{:?}", names(&m));
    assert_eq!(names(&m)[0], "Karl Klein");
    assert_eq!(selected_name(&m), "Karl Klein");
    key(&mut m, KeyCode::Esc);
    assert!(!m.search.is_active());
    assert_eq!(names(&m).len(), 16);
    assert_eq!(
        selected_name(&m),
        "Karl Klein",
        "the grid keeps the found contact selected"
    );
}

#[test]
fn enter_on_a_single_match_selects_it_and_a_second_esc_closes_details() {
    let (mut m, _) = office();
    typ(&mut m, "heidi");
    assert_eq!(names(&m), ["Heidi Hoffmann"]);
    key(&mut m, KeyCode::Enter);
    assert!(m.details_open);
    assert_eq!(selected_name(&m), "Heidi Hoffmann");
    key(&mut m, KeyCode::Esc);
    assert!(
        !m.search.is_active() && m.details_open,
        "first Esc clears the search only"
    );
    assert_eq!(selected_name(&m), "Heidi Hoffmann");
    key(&mut m, KeyCode::Esc);
    assert!(!m.details_open && m.focus == Focus::Grid);
}

#[test]
fn backspace_widens_and_no_match_shows_nothing() {
    let (mut m, _) = office();
    typ(&mut m, "zzq");
    assert!(m.list.is_empty() && m.selected().is_none());
    key(&mut m, KeyCode::Enter);
    assert!(!m.details_open);
    for _ in 0..3 {
        key(&mut m, KeyCode::Backspace);
    }
    assert!(!m.search.is_active());
    assert_eq!(names(&m).len(), 16);
    typ(&mut m, "bob");
    ctrl(&mut m, 'u');
    assert!(!m.search.is_active());
}

#[test]
fn arrows_move_through_the_grid_and_page_keys_clamp() {
    let (mut m, _) = office();
    // 80 columns: 3 cells a row. Favourites row: Alice, Heidi.
    assert_eq!(m.list.cols, 3);
    key(&mut m, KeyCode::Right);
    assert_eq!(selected_name(&m), "Heidi Hoffmann");
    key(&mut m, KeyCode::Down); // column 1 of Reception's first row
    assert_eq!(selected_name(&m), "Bob Brown");
    key(&mut m, KeyCode::Down);
    assert_eq!(selected_name(&m), "Dmitri Ivanov"); // short row: its last cell
    key(&mut m, KeyCode::End);
    assert_eq!(selected_name(&m), "Night Line");
    key(&mut m, KeyCode::PageUp);
    key(&mut m, KeyCode::PageUp);
    assert_eq!(m.cursor, 0);
    key(&mut m, KeyCode::PageDown);
    assert_eq!(selected_name(&m), "Night Line");
    key(&mut m, KeyCode::Home);
    assert_eq!(m.cursor, 0);
    key(&mut m, KeyCode::Left);
    assert_eq!(m.cursor, 0);
}

#[test]
fn small_terminal_scrolls_to_keep_the_selection_visible() {
    let (mut m, _) = office();
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 8,
        },
    );
    key(&mut m, KeyCode::End);
    let height = usize::from(m.areas().grid.height);
    let row = m.list.cell_row[m.cursor];
    assert!(
        m.scroll <= row && row < m.scroll + height,
        "row {row} scroll {} h {height}",
        m.scroll
    );
    key(&mut m, KeyCode::Home);
    assert_eq!(m.scroll, 0);
}

#[test]
fn favourite_toggle_saves_and_read_only_refuses() {
    let (mut m, _) = office();
    key(&mut m, KeyCode::End); // Night Line
    let cmds = key(&mut m, KeyCode::F(2));
    let [
        Cmd::SaveFavourites {
            path,
            contents: text,
        },
    ] = cmds.as_slice()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(path.to_str(), Some("/data/favourites.toml"));
    assert!(text.contains("sip:night@example.com"), "{text}");
    assert_eq!(names(&m)[2], "Night Line", "favourites are sorted by name");
    assert_eq!(selected_name(&m), "Night Line");
    assert!(m.message.as_deref().is_some_and(|s| s.contains("added")));

    let (mut ro, _) = office_with(Settings {
        read_only: true,
        ..Settings::default()
    });
    assert!(key(&mut ro, KeyCode::F(2)).is_empty());
    assert!(
        ro.message
            .as_deref()
            .is_some_and(|s| s.contains("Read-only"))
    );
    assert!(ro.meta.iter().all(|c| !c.favourite));
    key(&mut ro, KeyCode::Down);
    assert_eq!(ro.message, None, "the message goes with the next key");
}

#[test]
fn keys_rebound_in_the_config_take_effect() {
    let keys = BTreeMap::from([
        ("toggle_favourite".to_string(), vec!["F3".to_string()]),
        ("quit".to_string(), vec!["Ctrl-X".to_string()]),
    ]);
    let keymap = Keymap::from_config(&keys).unwrap();
    let (mut m, _) = office_with(Settings {
        keymap,
        favourites_path: Some("f.toml".into()),
        ..Settings::default()
    });
    assert!(key(&mut m, KeyCode::F(2)).is_empty());
    assert!(!m.meta[0].favourite);
    assert!(matches!(
        key(&mut m, KeyCode::F(3)).as_slice(),
        [Cmd::SaveFavourites { .. }]
    ));
    assert!(key(&mut m, KeyCode::F(10)).is_empty());
    assert!(!m.confirm_quit, "F10 no longer quits");
    assert!(ctrl(&mut m, 'x').is_empty(), "the rebound key asks first");
    assert_eq!(key(&mut m, KeyCode::Enter), vec![Cmd::Quit]);
    assert!(m.quit);
}

#[test]
fn quit_keys_and_help() {
    let (mut m, _) = office();
    key(&mut m, KeyCode::F(1));
    assert!(m.help_open);
    key(&mut m, KeyCode::Esc);
    assert!(!m.help_open);
    key(&mut m, KeyCode::Char('?'));
    assert!(
        m.help_open && !m.search.is_active(),
        "? opens help, it is not typed"
    );
    typ(&mut m, "a");
    assert!(
        !m.help_open && m.search.query() == "a",
        "typing closes help and searches"
    );
    assert!(ctrl(&mut m, 'c').is_empty(), "Ctrl-C asks first");
    assert!(m.confirm_quit && !m.quit);
    assert_eq!(key(&mut m, KeyCode::Char('y')), vec![Cmd::Quit]);
    let (mut m, _) = office();
    assert!(key(&mut m, KeyCode::F(10)).is_empty(), "F10 asks first");
    assert!(
        m.message.as_deref().is_some_and(|t| t.starts_with("Quit")),
        "{:?}",
        m.message
    );
    assert!(key(&mut m, KeyCode::Char('n')).is_empty(), "n: stay");
    assert!(!m.quit && !m.confirm_quit && m.message.is_none());
    assert!(!m.search.is_active(), "the answer is not typed");
    key(&mut m, KeyCode::F(10));
    assert_eq!(key(&mut m, KeyCode::F(10)), vec![Cmd::Quit], "F10 twice");
    let (mut m, _) = office();
    assert_eq!(ctrl(&mut m, 'q'), vec![Cmd::Quit], "Ctrl-Q at once");
}

#[test]
fn tab_cycles_between_grid_and_details() {
    let (mut m, _) = office();
    key(&mut m, KeyCode::Tab);
    assert!(m.details_open && m.focus == Focus::Details);
    let before = m.cursor;
    key(&mut m, KeyCode::Down);
    assert_eq!(
        (m.cursor, m.panel_scroll),
        (before, 1),
        "the details scroll, the grid stays"
    );
    key(&mut m, KeyCode::Tab);
    assert_eq!(m.focus, Focus::Grid);
    key(&mut m, KeyCode::Down);
    assert_ne!(m.cursor, before);
}

fn answer(m: &mut Model, c: u32, at: Instant) {
    let doc = crate::body::DialogDoc {
        version: 9,
        full: true,
        entity: None,
        dialogs: Vec::new(),
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
fn ringing_arms_the_blink_timer_and_it_stops_when_nothing_rings() {
    let (mut m, base) = office();
    assert_eq!(m.ringing.len(), 2);
    assert!(m.blink.next.is_some(), "blinking while something rings");
    // The model's clock is past the first deadline: the next tick toggles
    // and restarts the cadence from now.
    let now = m.now.unwrap();
    m.dirty = false;
    update(&mut m, Msg::Tick(now));
    assert!(m.dirty && m.blink.phase);
    let next = m.blink.next.unwrap();
    assert_eq!(next, now + BLINK_PERIOD);
    update(&mut m, Msg::Tick(next));
    assert!(!m.blink.phase);
    assert_eq!(
        m.blink.next,
        Some(next + BLINK_PERIOD),
        "about twice a second"
    );
    // The calls are answered: nothing rings, the blink timer stops.
    answer(&mut m, 7, base + Duration::from_secs(400));
    assert!(m.blink.next.is_some(), "Lena still rings");
    answer(&mut m, 11, base + Duration::from_secs(400));
    assert!(m.ringing.is_empty());
    assert_eq!(m.blink.next, None);
    assert!(!m.blink.phase, "cells are drawn in their resting colours");
}

#[test]
fn an_idle_console_asks_for_no_timer() {
    let at = Instant::now();
    let mut m = Model::new(sample::directory(50), Settings::default());
    for ev in sample::directory_events(50, 0, at) {
        update(&mut m, Msg::Engine(ev));
    }
    assert_eq!(m.next_deadline(), None);
    let mut ringing = Model::new(sample::directory(50), Settings::default());
    for ev in sample::directory_events(50, 7, at) {
        update(&mut ringing, Msg::Engine(ev));
    }
    assert_eq!(ringing.next_deadline(), Some(at + BLINK_PERIOD));
}

#[test]
fn stale_contacts_get_an_age_that_ticks_by_the_minute() {
    let (mut m, base) = office();
    let karl = ContactId(10);
    assert!(m.aged.contains(&karl));
    // Karl's last NOTIFY was at base+3s; the model is at base+6min.
    let now = m.now.unwrap();
    assert_eq!(
        crate::app::model::age_label(now, m.aged_since(karl).unwrap()),
        "5m"
    );
    update(&mut m, Msg::Tick(now));
    let next = m.next_age_tick.expect("an age label to update");
    // Ivan is unknown since his subscriptions failed at base+1s: his "?5m"
    // becomes "?6m" first.
    assert_eq!(next, base + Duration::from_secs(361));
    assert_eq!(
        m.aged.iter().copied().collect::<Vec<_>>(),
        [ContactId(8), karl]
    );
    // Karl's subscriptions come back with a fresh NOTIFY: no more age.
    for event in [EventKind::Presence, EventKind::Dialog] {
        let status = crate::presence::SubscriptionStatus::Active;
        let at = base + Duration::from_secs(401);
        update(
            &mut m,
            Msg::Engine(EngineEvent::Subscription {
                contact: karl,
                event,
                status,
                at,
            }),
        );
    }
    answer(&mut m, 10, base + Duration::from_secs(402));
    let doc = crate::body::PresenceDoc {
        entity: None,
        basic: None,
        presence: crate::presence::Presence::Available,
        availability: None,
        note: None,
        until: None,
        activities: Vec::new(),
        forwarding: None,
        rule: "t",
    };
    let at = base + Duration::from_secs(402);
    update(
        &mut m,
        Msg::Engine(EngineEvent::Presence {
            contact: karl,
            doc,
            at,
        }),
    );
    assert!(!m.aged.contains(&karl), "{:?}", m.store.shown(karl));
}

#[test]
fn status_counts_follow_subscriptions() {
    let (m, _) = office();
    assert_eq!(m.counts.failed, 1, "Ivan: not found / error");
    assert_eq!(m.counts.pending, 2, "Frank pending, Grace requesting");
    assert_eq!(m.counts.active, 11);
}

#[test]
fn status_notes_are_searchable() {
    let (mut m, _) = office();
    typ(&mut m, "quarterly");
    assert_eq!(names(&m), ["Bob Brown"], "Bob's note: Quarterly review");
}

#[test]
fn search_results_far_down_the_list_are_highlighted_when_scrolled_to() {
    use crate::app::grid_list::Row;
    use crate::search::HIGHLIGHT_TOP;
    let mut m = Model::new(sample::directory(6000), Settings::default());
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    typ(&mut m, "a");
    let far = |m: &Model| m.selected_cell().and_then(|c| c.hit).unwrap_or(0);
    for _ in 0..1000 {
        if far(&m) > HIGHLIGHT_TOP + 200 {
            break;
        }
        key(&mut m, KeyCode::PageDown);
    }
    assert!(far(&m) > HIGHLIGHT_TOP + 200, "paged past the best hits");
    let height = usize::from(m.areas().grid.height);
    let mut checked = 0;
    for row in m.list.rows.iter().skip(m.scroll).take(height) {
        let Row::Cells { start, end } = row else {
            continue;
        };
        for cell in &m.list.cells[*start..*end] {
            let name: Vec<char> = m.store.info(cell.id).name.chars().collect();
            let hit = &m.search.hits()[cell.hit.unwrap()];
            if name.iter().any(|c| c.eq_ignore_ascii_case(&'a')) {
                assert_eq!(hit.name_indices.len(), 1, "{name:?}");
                let lit = name[hit.name_indices[0] as usize];
                assert!(lit.eq_ignore_ascii_case(&'a'), "{name:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "{checked} highlighted names on screen");
}

#[test]
fn a_drawn_frame_and_the_shutdown_notice_are_messages_like_any_other() {
    let (mut m, _) = office();
    assert!(m.dirty, "a new model wants a first frame");
    assert!(update(&mut m, Msg::Drawn).is_empty());
    assert!(!m.dirty, "nothing new to draw after the frame went out");
    assert!(update(&mut m, Msg::ShuttingDown).is_empty());
    assert_eq!(m.message.as_deref(), Some("Ending subscriptions…"));
    assert!(m.dirty, "the notice is drawn");
}
