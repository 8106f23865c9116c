use super::*;

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
        Some(Action::Quit)
    );
    assert_eq!(
        km.action_for(&ev(
            KeyCode::Char('Q'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT
        )),
        Some(Action::Quit)
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
        e.contains("unknown action \"make_coffee\"") && e.contains("toggle_favourite"),
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
    assert!(matches!(e, KeymapError::Duplicate { .. }), "{e}");
}
