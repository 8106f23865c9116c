//! Snapshots of the console over ratatui's `TestBackend`: the showcase
//! office (every presence and line state) at 80x24 and 160x48, in colour,
//! mono and ASCII. Colour snapshots encode each cell's foreground,
//! background and modifiers, so a wrong colour shows up as a diff.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

#[path = "support/ui.rs"]
mod ui;

use ui::{draw, key, text, typ};

use std::time::Instant;

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use switchboard::app::{Model, Msg, Settings, sample, update};
use switchboard::ui::theme::{ORANGE, YELLOW_GREEN};

fn office(mono: bool, ascii: bool, size: (u16, u16)) -> Model {
    let settings = Settings {
        mono,
        ascii,
        favourites: sample::office_favourites(),
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
    m
}

/// Every page of the open help, one after the other (PgDn between).
fn help_pages(m: &mut Model) -> String {
    let first = text(&draw(m));
    let mut all = first.clone();
    for _ in 0..5 {
        key(m, KeyCode::PageDown);
        let page = text(&draw(m));
        if page == first {
            break;
        }
        all.push_str(&page);
    }
    all
}

fn colour_code(c: Color) -> char {
    match c {
        Color::Reset => '.',
        Color::Black => 'k',
        Color::Red => 'r',
        Color::Green => 'g',
        Color::Yellow => 'y',
        Color::Blue => 'b',
        Color::Magenta => 'm',
        Color::Cyan => 'c',
        Color::Gray | Color::White => 'w',
        Color::DarkGray => 'd',
        c if c == ORANGE => 'o',
        c if c == YELLOW_GREEN => 'l',
        _ => '?',
    }
}

fn modifier_code(m: Modifier) -> char {
    let bits = [
        Modifier::BOLD,
        Modifier::DIM,
        Modifier::REVERSED,
        Modifier::UNDERLINED,
    ]
    .iter()
    .enumerate()
    .filter(|(_, f)| m.contains(**f))
    .fold(0u32, |acc, (i, _)| acc | (1 << i));
    if bits == 0 {
        '.'
    } else {
        char::from_digit(bits, 16).unwrap_or('?')
    }
}

fn map(buf: &Buffer, code: impl Fn(&ratatui::buffer::Cell) -> char) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| code(&buf[(x, y)])).collect();
        out.push_str(line.trim_end_matches('.'));
        out.push('\n');
    }
    out
}

/// Text, then per-cell foreground, background and modifier maps. Colours:
/// r red, o orange, g green, y yellow, l yellow-green, d dark grey, c cyan,
/// m magenta, k black. Modifiers (hex bits): 1 bold, 2 dim, 4 reversed,
/// 8 underlined.
fn styled(buf: &Buffer) -> String {
    format!(
        "{}--- fg\n{}--- bg\n{}--- modifiers\n{}",
        text(buf),
        map(buf, |c| colour_code(c.fg)),
        map(buf, |c| colour_code(c.bg)),
        map(buf, |c| modifier_code(c.modifier))
    )
}

fn no_colour_anywhere(buf: &Buffer) -> bool {
    buf.content
        .iter()
        .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
}

/// The position of the first cell whose row text contains `name`.
fn find(buf: &Buffer, name: &str) -> (u16, u16) {
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut xs = Vec::new();
        for x in 0..buf.area.width {
            for _ in buf[(x, y)].symbol().chars() {
                xs.push(x);
            }
            line.push_str(buf[(x, y)].symbol());
        }
        if let Some(i) = line.find(name) {
            let ci = line[..i].chars().count();
            return (xs[ci], y);
        }
    }
    panic!("{name} not on screen:\n{}", text(buf));
}

#[test]
fn colour_80x24() {
    let m = office(false, false, (80, 24));
    let buf = draw(&m);
    // The badge sits 3 columns before the name.
    let at = |name: &str| {
        let (x, y) = find(&buf, name);
        (&buf[(x - 3, y)], &buf[(x - 2, y)])
    };
    assert_eq!(at("Alice").0.fg, Color::Green);
    assert_eq!(at("Bob Brown").0.fg, Color::Red);
    assert_eq!(at("Dmitri").0.fg, Color::Yellow);
    assert_eq!(at("Eve Evans").0.fg, YELLOW_GREEN);
    assert_eq!(at("Frank").0.fg, Color::DarkGray);
    let (p, l) = at("Heidi");
    assert_eq!(
        (p.bg, l.bg, l.symbol()),
        (Color::Red, Color::Red, "☎"),
        "ringing: red badge"
    );
    let (p, _) = at("Karl");
    assert_eq!(p.fg, Color::DarkGray, "stale is never a confident colour");
    assert!(text(&buf).contains("?5m"), "stale state shows its age");
    insta::assert_snapshot!(styled(&buf));
}

#[test]
fn colour_160x48_with_details_of_a_ringing_line() {
    let mut m = office(false, false, (160, 48));
    key(&mut m, KeyCode::Right); // Heidi, in the favourites
    key(&mut m, KeyCode::Enter);
    let buf = draw(&m);
    let t = text(&buf);
    assert!(t.contains("Ringing, from Paul Prospect"), "the caller: {t}");
    assert!(
        t.contains("dialog · ringing: incoming call"),
        "the why: {t}"
    );
    insta::assert_snapshot!(styled(&buf));
}

#[test]
fn mono_80x24_has_no_colour_and_glyphs_carry_the_meaning() {
    let m = office(true, false, (80, 24));
    let buf = draw(&m);
    assert!(no_colour_anywhere(&buf));
    insta::assert_snapshot!(format!(
        "{}--- modifiers\n{}",
        text(&buf),
        map(&buf, |c| modifier_code(c.modifier))
    ));
}

#[test]
fn mono_160x48_with_details() {
    let mut m = office(true, false, (160, 48));
    typ(&mut m, "illich");
    key(&mut m, KeyCode::Enter);
    let buf = draw(&m);
    assert!(no_colour_anywhere(&buf));
    let t = text(&buf);
    // Ivan's subscriptions are refused and failing: monitoring, not his
    // phone, so his line is unknown with the reason, never faulty.
    assert!(t.contains("not found") && !t.contains("Faulty"), "{t}");
    assert!(t.contains("Availability —"), "the availability row: {t}");
    assert!(
        !t.contains("Attendant"),
        "no row that no data can fill: {t}"
    );
    insta::assert_snapshot!(text(&buf));
}

#[test]
fn ascii_80x24_is_pure_ascii() {
    let m = office(false, true, (80, 24));
    let buf = draw(&m);
    let t = text(&buf);
    // Only the names (Chloé, Müller) are not ASCII.
    assert!(t.chars().all(|c| c.is_ascii() || "éü".contains(c)), "{t}");
    insta::assert_snapshot!(styled(&buf));
}

#[test]
fn ascii_mono_160x48() {
    let mut m = office(true, true, (160, 48));
    key(&mut m, KeyCode::End);
    key(&mut m, KeyCode::Enter);
    let buf = draw(&m);
    assert!(no_colour_anywhere(&buf));
    assert!(text(&buf).chars().all(|c| c.is_ascii() || "éü".contains(c)));
    insta::assert_snapshot!(text(&buf));
}

#[test]
fn search_highlights_matched_characters_best_first() {
    let mut m = office(false, false, (80, 24));
    typ(&mut m, "kl");
    let buf = draw(&m);
    let (x, y) = find(&buf, "Klein");
    assert!(
        buf[(x, y)].modifier.contains(Modifier::UNDERLINED),
        "K of Klein matched"
    );
    assert!(
        buf[(x + 1, y)].modifier.contains(Modifier::UNDERLINED),
        "l of Klein matched"
    );
    assert!(text(&buf).contains("search: kl"));
    insta::assert_snapshot!(styled(&buf));
}

#[test]
fn help_overlay_is_generated_from_the_keymap() {
    let keys = std::collections::BTreeMap::from([(
        "toggle_favourite".to_string(),
        vec!["F9".to_string()],
    )]);
    let settings = Settings {
        keymap: switchboard::app::Keymap::from_config(&keys).unwrap(),
        ..Settings::default()
    };
    let mut m = Model::new(sample::office(), settings);
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    let before = text(&draw(&m));
    assert!(
        before.contains("F9 favourite"),
        "hints follow the keymap: {before}"
    );
    key(&mut m, KeyCode::F(1));
    let t = help_pages(&mut m);
    // Each action with its keys, its name in `[keys]` and what it does.
    assert!(
        t.lines()
            .any(|l| l.contains("F9") && l.contains("toggle_favourite Add/remove favourite")),
        "{t}"
    );
    assert!(t.contains("Name in [keys]"), "{t}");
    use switchboard::app::Action;
    // The notes keys (and the history, F8) are listed when the console
    // has a notes database.
    for action in Action::ALL
        .iter()
        .copied()
        .filter(|a| !matches!(a, Action::EditNote | Action::NoteHistory | Action::History))
    {
        assert!(t.contains(action.name()), "{} missing: {t}", action.name());
    }
    assert!(!t.contains("F2 "), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn demo_mark_and_read_only() {
    let settings = Settings {
        demo_hint: Some("Demo office on 127.0.0.1:5060 — write a config to use your server".into()),
        read_only: true,
        own_uri: Some("sip:alice@example.com".into()),
        ..Settings::default()
    };
    let mut m = Model::new(sample::office(), settings);
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
    key(&mut m, KeyCode::F(2));
    let t = text(&draw(&m));
    assert!(t.starts_with(" DEMO "), "{t}");
    assert!(
        t.contains("Read-only mode: favourites cannot be changed"),
        "{t}"
    );
    assert!(t.contains("me: ● Available"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn resize_reflows_the_grid() {
    let mut m = office(false, false, (80, 24));
    assert_eq!(m.list.cols, 3);
    update(
        &mut m,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    assert_eq!(m.list.cols, 8);
    let t = text(&draw(&m));
    assert!(
        t.lines()
            .any(|l| l.contains("Alice Andersen") && l.contains("Heidi")),
        "{t}"
    );
}

#[test]
fn blink_changes_only_the_ringing_cells() {
    let mut m = office(false, false, (160, 48));
    let a = draw(&m);
    let now = m.now.unwrap();
    update(&mut m, Msg::Tick(now));
    assert!(m.blink.phase);
    let b = draw(&m);
    let diff = a.diff(&b);
    // Heidi (twice: favourites and Sales) and Lena ring: 3 whole cells
    // (26 columns, the last one the gap between cells) turn orange.
    let cw = 160 / 6;
    assert_eq!(diff.len(), 3 * (cw - 1), "{diff:?}");
    let mut rows: Vec<u16> = diff.iter().map(|(_, y, _)| *y).collect();
    rows.dedup();
    for (x, y, cell) in &diff {
        assert_eq!(cell.bg, ORANGE, "({x},{y})");
    }
    // The presence shape stays: Heidi's ● and Lena's ▲ are still drawn.
    let badges: Vec<&str> = diff
        .iter()
        .filter(|(x, _, _)| usize::from(*x) % cw == 0)
        .map(|(_, _, c)| c.symbol())
        .collect();
    assert_eq!(badges, ["●", "●", "▲"], "{rows:?}");
    insta::assert_snapshot!(styled(&b));
}

#[test]
fn mono_blink_is_reverse_then_normal_and_unlike_the_selection() {
    let mut m = office(true, false, (80, 24));
    let a = draw(&m);
    let (hx, hy) = find(&a, "Heidi");
    let ring = a[(hx, hy)].modifier;
    assert!(
        ring.contains(Modifier::REVERSED | Modifier::BOLD),
        "{ring:?}"
    );
    let now = m.now.unwrap();
    update(&mut m, Msg::Tick(now));
    let b = draw(&m);
    let other = b[(hx, hy)].modifier;
    assert!(other.contains(Modifier::BOLD) && !other.contains(Modifier::REVERSED));
    assert!(no_colour_anywhere(&b));
    // The selection (Alice, first cell) reverses the name, not bold, and
    // not the badge: never mistaken for a ringing cell.
    let (ax, ay) = find(&b, "Alice");
    let sel = b[(ax, ay)].modifier;
    assert!(sel.contains(Modifier::REVERSED) && !sel.contains(Modifier::BOLD));
    assert!(!b[(ax - 3, ay)].modifier.contains(Modifier::REVERSED));
    insta::assert_snapshot!(format!(
        "{}\n{}",
        text(&a),
        map(&a, |c| modifier_code(c.modifier))
    ));
}

#[test]
fn tiny_and_odd_terminal_sizes_draw_without_panicking() {
    let mut m = office(false, false, (80, 24));
    for (w, h) in [
        (1, 1),
        (5, 2),
        (12, 3),
        (23, 4),
        (30, 6),
        (55, 10),
        (57, 12),
        (79, 5),
        (300, 100),
    ] {
        for (details, help) in [(false, false), (true, false), (true, true)] {
            update(
                &mut m,
                Msg::Resize {
                    width: w,
                    height: h,
                },
            );
            if details != m.details_open {
                key(
                    &mut m,
                    if details {
                        KeyCode::Enter
                    } else {
                        KeyCode::Esc
                    },
                );
            }
            if help != m.help_open {
                key(&mut m, KeyCode::F(1));
            }
            let buf = draw(&m);
            assert_eq!(buf.area.width, w);
        }
        key(&mut m, KeyCode::Esc);
        key(&mut m, KeyCode::Esc);
    }
}

fn contact(name: &str, ext: Option<&str>) -> switchboard::presence::ContactInfo {
    switchboard::presence::ContactInfo {
        name: name.into(),
        uri: format!("sip:{}@example.com", name.len()),
        extension: ext.map(Into::into),
        department: Some("Long names".into()),
    }
}

#[test]
fn names_take_every_column_the_extension_and_markers_do_not_need() {
    let contacts = vec![
        contact("Maximiliane Wolfgangine Oberhuber-Schmidt", None),
        contact("Maximiliane Wolfgangine Oberhuber-Schmidt", Some("2001")),
        contact(
            "Maximiliane Wolfgangine Oberhuber-Schmidt",
            Some("12345678"),
        ),
        contact("Max Mustermann", Some("2002")),
    ];
    let mut m = Model::new(contacts, Settings::default());
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    let t = text(&draw(&m));
    // 80 columns: three cells of 26 (25 drawn, one gap). Without an
    // extension the name runs to the cell's end; with one, to one space
    // before it; a long extension still leaves the name 10 columns.
    let rows: Vec<&str> = t.lines().skip(1).take(2).collect();
    assert_eq!(
        rows,
        [
            "?· Max Mustermann   2002  ?· Maximiliane Wolfgangi… ?· Maximiliane Wol… 2001",
            "?· Maximiliane… 12345678",
        ],
        "{t}"
    );
    insta::assert_snapshot!(t);
}

#[test]
fn an_own_uri_outside_the_directory_is_explained_in_the_help() {
    let settings = Settings {
        own_uri: Some("sip:reception@example.com".into()),
        ..Settings::default()
    };
    let mut m = Model::new(sample::office(), settings);
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    let t = text(&draw(&m));
    assert!(t.contains("me: not a [[contact]] (F1)"), "{t}");
    key(&mut m, KeyCode::F(1));
    let t = help_pages(&mut m);
    let both = t.clone();
    assert!(
        both.contains("me: sip:reception@example.com is not a [[contact]]:")
            && both.contains("add it to the config to see your own status."),
        "{both}"
    );
    assert!(
        t.contains("quit") && t.contains("?3m stale"),
        "keys and legend are in the help's pages at 80x24: {t}"
    );
    insta::assert_snapshot!(t);
    // With F7 the note's second line went to the help's second page.
    key(&mut m, KeyCode::PageDown);
    let page2 = text(&draw(&m));
    assert!(
        t.contains("add it to the config to see your own status.")
            || page2.contains("add it to the config to see your own status."),
        "{t}\n{page2}"
    );
}

#[test]
fn a_long_startup_warning_takes_both_status_rows_until_the_next_key() {
    let warning = "Warning: /home/anna/.config/switchboard/config.toml holds a password and \
                   is readable by others (mode 0644): chmod 600 \
                   /home/anna/.config/switchboard/config.toml, or use password_env";
    let settings = Settings {
        startup_message: Some(warning.into()),
        ..Settings::default()
    };
    let mut m = Model::new(sample::office(), settings);
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    let buf = draw(&m);
    let t = text(&buf);
    // Wrapped from the bottom up, over the status rows and one grid row.
    let status: Vec<&str> = t.lines().skip(19).collect();
    assert!(
        status.concat().contains("Warning: /home/anna/")
            && status.concat().contains("or use password_env"),
        "the advice is not cut off: {t}"
    );
    insta::assert_snapshot!(status.join("\n"));
    key(&mut m, KeyCode::Down);
    let t = text(&draw(&m));
    assert!(!t.contains("password") && t.contains("F1 help"), "{t}");
}

/// Several servers: the details say which server each part came from.
#[test]
fn the_details_name_the_server_of_presence_and_of_the_line() {
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
            width: 160,
            height: 48,
        },
    );
    m.store
        .set_servers(&[(0, "presence".into()), (1, "pbx".into())], Some(1));
    for ev in sample::office_events(Instant::now()) {
        use switchboard::presence::EventKind;
        use switchboard::sip::events::EngineEvent as E;
        let pbx = matches!(
            ev,
            E::Dialog { .. }
                | E::Subscription {
                    event: EventKind::Dialog,
                    ..
                }
        );
        update(&mut m, Msg::engine_from(u16::from(pbx), ev));
    }
    key(&mut m, KeyCode::Right); // Heidi, ringing
    key(&mut m, KeyCode::Enter);
    let t = text(&draw(&m));
    assert!(
        t.lines().any(|l| l.contains("Server")
            && l.contains("presence: presence")
            && l.contains("line: pbx")),
        "{t}"
    );
}
