use super::*;
use crossterm::event::KeyModifiers;

fn ev(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

#[test]
fn default_bindings_reach_their_actions() {
    let km = Keymap::default();
    assert_eq!(
        km.action_for(&ev(KeyCode::F(10), KeyModifiers::NONE)),
        Some(Action::Quit)
    );
    assert_eq!(
        km.action_for(&ev(KeyCode::Char('q'), KeyModifiers::CONTROL)),
        Some(Action::QuitNow)
    );
    assert_eq!(
        km.action_for(&ev(
            KeyCode::Char('Q'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT
        )),
        Some(Action::QuitNow)
    );
    assert_eq!(
        km.action_for(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Action::Quit),
        "Ctrl-C asks, like F10"
    );
    // The receptionist's key plan.
    for (f, action) in [
        (1, Action::Help),
        (2, Action::ToggleFavourite),
        (3, Action::AvailableOnly),
        (4, Action::EditNote),
        (5, Action::StatusPicker),
        (6, Action::NextRinging),
        (9, Action::GroupPicker),
        (10, Action::Quit),
    ] {
        assert_eq!(
            km.action_for(&ev(KeyCode::F(f), KeyModifiers::NONE)),
            Some(action),
            "F{f}"
        );
    }
    assert_eq!(
        km.action_for(&ev(KeyCode::F(4), KeyModifiers::SHIFT)),
        Some(Action::NoteHistory),
        "the note history moved off F6"
    );
    assert_eq!(
        km.action_for(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)),
        Some(Action::Help)
    );
    assert_eq!(
        km.action_for(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
        Some(Action::PrevPanel)
    );
    // Letters and digits are never commands.
    for c in ['a', 'q', 'Z', '7', ' '] {
        assert_eq!(
            km.action_for(&ev(KeyCode::Char(c), KeyModifiers::NONE)),
            None,
            "{c}"
        );
    }
}

#[test]
fn key_specs_parse_in_the_usual_spellings() {
    assert_eq!(Key::parse("F2"), Some(Key::plain(KeyCode::F(2))));
    assert_eq!(Key::parse("ctrl+Q"), Some(Key::ctrl('q')));
    assert_eq!(Key::parse("C-q"), Some(Key::ctrl('q')));
    assert_eq!(Key::parse("Shift-Tab"), Some(Key::plain(KeyCode::BackTab)));
    assert_eq!(Key::parse("PgDn"), Some(Key::plain(KeyCode::PageDown)));
    assert_eq!(Key::parse("Shift-Up").map(|k| k.shift), Some(true));
    assert_eq!(Key::parse("F25"), None);
    assert_eq!(Key::parse("Hyper-x"), None);
    assert_eq!(
        Key::parse("Ctrl-Q").map(|k| k.label(true)),
        Some("Ctrl-Q".into())
    );
}

#[test]
fn config_rebinds_an_action_and_takes_the_key_from_its_default_owner() {
    let keys = BTreeMap::from([(
        "toggle_favourite".to_string(),
        vec!["F3".to_string(), "Ctrl-U".to_string()],
    )]);
    let km = Keymap::from_config(&keys).unwrap();
    assert_eq!(
        km.action_for(&ev(KeyCode::F(3), KeyModifiers::NONE)),
        Some(Action::ToggleFavourite)
    );
    assert_eq!(km.action_for(&ev(KeyCode::F(2), KeyModifiers::NONE)), None);
    assert_eq!(
        km.action_for(&ev(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        Some(Action::ToggleFavourite)
    );
    assert!(km.keys(Action::ClearSearch).is_empty());
}

#[test]
fn config_errors_name_the_action_and_key() {
    let bad = |a: &str, k: &str| {
        Keymap::from_config(&BTreeMap::from([(a.to_string(), vec![k.to_string()])]))
            .unwrap_err()
            .to_string()
    };
    let e = bad("make_coffee", "F5");
    assert!(
        e.contains("make_coffee: unknown action") && e.contains("toggle_favourite"),
        "{e}"
    );
    let e = bad("quit", "Hyper-Q");
    assert!(
        e.contains("quit") && e.contains("unknown key \"Hyper-Q\""),
        "{e}"
    );
    let e = bad("quit", "q");
    assert!(
        e.contains("quit") && e.contains("\"q\"") && e.contains("search"),
        "{e}"
    );
    let e = Keymap::from_config(&BTreeMap::from([
        ("quit".to_string(), vec!["F9".to_string()]),
        ("help".to_string(), vec!["F9".to_string()]),
    ]))
    .unwrap_err();
    assert!(matches!(e.problem, KeyProblem::Duplicate { .. }), "{e}");
}

#[test]
fn every_problem_is_reported_in_entry_order() {
    let specs = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (quit, coffee, help, open) = (
        specs(&["F9"]),
        specs(&["F5"]),
        specs(&["F9", "Hyper-Q"]),
        specs(&[]),
    );
    let entries: Vec<(&str, &[String])> = vec![
        ("quit", &quit),
        ("make_coffee", &coffee),
        ("help", &help),
        ("open", &open),
    ];
    let (km, errors) = Keymap::from_entries(&entries);
    let got: Vec<(&str, &KeyProblem)> = errors
        .iter()
        .map(|e| (e.action.as_str(), &e.problem))
        .collect();
    assert_eq!(got.len(), 3, "{errors:?}");
    assert!(matches!(
        got[0],
        ("make_coffee", KeyProblem::UnknownAction { .. })
    ));
    assert!(matches!(got[1], ("help", KeyProblem::Duplicate { first, .. }) if first == "quit"));
    assert!(matches!(got[2], ("open", KeyProblem::Empty)));
    // The good entry still applies.
    assert_eq!(
        km.action_for(&ev(KeyCode::F(9), KeyModifiers::NONE)),
        Some(Action::Quit)
    );
}
