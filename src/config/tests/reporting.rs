//! One run reports every mistake, in line order; what the file holds is
//! never echoed raw; `[keys]` and duplicate URIs are checked at load time;
//! the schema is written once.

use super::*;

#[test]
fn every_mistake_is_reported_in_line_order() {
    let err = parse_lines(&[
        "[account]", // 1
        "uri = \"sip:attendant@example.test\"",
        "auth_user = \"\"",      // 3: empty
        "[server]",              // 4
        "transport = \"sctp\"",  // 5: not a transport
        "keepalive = \"often\"", // 6: wrong type
        "[subscribe]",           // 7
        "expires = 5",           // 8: out of range
        "window = 0",            // 9: out of range
        "[keys]",                // 10
        "make_coffee = \"F5\"",  // 11: unknown action
        "quit = \"x\"",          // 12: a typing key
        "[[contact]]",           // 13
        "name = \"A\"",          // 14
        "uri = \"tel:1001\"",    // 15: not a SIP URI
        "colour = \"red\"",      // 16: unknown key
        "[[contact]]",           // 17
        "name = \"B\"",          // 18: no uri
    ])
    .expect_err("rejected");
    let found: Vec<(Option<usize>, Option<&str>)> =
        err.all().iter().map(|e| (e.line(), e.key())).collect();
    assert_eq!(
        found,
        [
            (Some(3), Some("account.auth_user")),
            (Some(5), Some("server.transport")),
            (Some(6), Some("server.keepalive")),
            (Some(8), Some("subscribe.expires")),
            (Some(9), Some("subscribe.window")),
            (Some(11), Some("keys.make_coffee")),
            (Some(12), Some("keys.quit")),
            (Some(15), Some("contact[1].uri")),
            (Some(16), Some("contact[1].colour")),
            (Some(17), Some("contact[2].uri")),
        ],
        "{err}"
    );
    // One line each, every one naming the file and its line.
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 10, "{text}");
    for (line, (n, _)) in lines.iter().zip(&found) {
        assert!(
            line.starts_with(&format!("{FILE}:{}: ", n.unwrap())),
            "{line}"
        );
    }
    assert_eq!((err.line(), err.exit_code()), (Some(3), exit::CONFIG));
}

#[test]
fn two_type_errors_in_one_table_are_both_reported() {
    let err = parse_lines(&[
        "[account]",
        "uri = \"sip:attendant@example.test\"",
        "[ui]",
        "mono = \"yes\"",
        "ascii = 1",
    ])
    .expect_err("rejected");
    let keys: Vec<_> = err.all().iter().map(|e| (e.line(), e.key())).collect();
    assert_eq!(
        keys,
        [(Some(4), Some("ui.mono")), (Some(5), Some("ui.ascii"))],
        "{err}"
    );
}

#[test]
fn a_refused_value_is_not_also_called_missing() {
    let err = parse_lines(&["[account]", "uri = 7"]).expect_err("rejected");
    assert_eq!(err.all().len(), 1, "{err}");
    assert_eq!((err.line(), err.key()), (Some(2), Some("account.uri")));
}

#[test]
fn control_characters_in_values_are_shown_escaped_never_raw() {
    let err = parse_lines(&[
        "[account]",
        "uri = \"sip:attendant@example.test\"",
        "[server]",
        "transport = \"udp\\r\\n\\u001b[2Jevil\\u009b\"",
        "[[contact]]",
        "name = \"A\"",
        "uri = \"sip:a@example.test\\r\\nX: y\"",
        "[keys]",
        "\"qu\\u202eit\" = \"F5\"",
    ])
    .expect_err("rejected");
    let text = err.to_string();
    assert_eq!(err.all().len(), 3, "{text}");
    let raw = |c: char| text.lines().any(|l| l.contains(c));
    for c in ['\r', '\u{1b}', '\u{9b}', '\u{202e}'] {
        assert!(!raw(c), "{c:?} reached the message: {text:?}");
    }
    assert!(text.contains(r"udp\r\n\u{1b}[2Jevil\u{9b}"), "{text}");
    assert!(text.contains(r"qu\u{202e}it"), "{text}");
    assert_eq!(text.lines().count(), 3, "no line break but between errors");
}

#[test]
fn a_non_utf8_file_says_where_the_bad_byte_is() {
    let dir = std::env::temp_dir().join(format!("switchboard-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    // Line 3, column 12: a Latin-1 "é" (0xE9), as an old editor saves it.
    std::fs::write(
        &path,
        b"[account]\nuri = \"sip:a@example.test\"\nname = \"Ren\xe9\"\n",
    )
    .unwrap();
    let err = load(&path).unwrap_err();
    let msg = err.to_string();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        matches!(
            err,
            ConfigError::NotUtf8 {
                offset: 48,
                byte: 0xE9,
                ..
            }
        ),
        "{msg}"
    );
    assert_eq!(err.line(), Some(3));
    assert!(msg.contains("is not UTF-8"), "{msg}");
    assert!(msg.contains("line 3, column 12"), "{msg}");
    assert!(msg.contains("byte offset 48"), "{msg}");
    assert!(!msg.contains("create the file"), "{msg}");
    assert_eq!(err.exit_code(), exit::CONFIG);
}

#[test]
fn uris_the_rule_calls_different_are_two_contacts() {
    let c = parse_with_account(&[
        "[[contact]]",
        "name = \"Plain\"",
        "uri = \"sip:a@example.test\"",
        "[[contact]]",
        "name = \"Ported\"",
        "uri = \"sip:a@example.test:5060\"",
        "[[contact]]",
        "name = \"Upper user\"",
        "uri = \"sip:A@example.test\"",
    ]);
    assert_eq!(c.contacts.len(), 3);
}

#[test]
fn uris_equal_by_the_rule_are_refused_naming_both_lines() {
    let msg = error_with_account(
        &[
            "[[contact]]",
            "name = \"A\"",
            "uri = \"sip:a@example.test:5070\"",
            "[[contact]]",
            "name = \"A again\"",
            "uri = \"SIP:a@Example.TEST:5070\"",
        ],
        8,
        "contact[2].uri",
    );
    assert!(msg.contains("already listed at line 5"), "{msg}");
}

#[test]
fn bad_key_bindings_name_their_line_and_key() {
    let msg = error_with_account(
        &["[keys]", "help = \"F1\"", "quit = [\"F10\", \"q\"]"],
        5,
        "keys.quit",
    );
    assert!(msg.contains("\"q\" cannot carry a command"), "{msg}");
    let dup = error_with_account(
        &["[keys]", "help = \"F9\"", "quit = \"F9\""],
        5,
        "keys.quit",
    );
    assert!(dup.contains("already bound to help"), "{dup}");
    let unknown = error_with_account(&["[keys]", "", "search = \"F3\""], 5, "keys.search");
    assert!(
        unknown.contains("unknown action") && unknown.contains("clear_search"),
        "{unknown}"
    );
    let empty = error_with_account(&["[keys]", "quit = []"], 4, "keys.quit");
    assert!(empty.contains("no key given"), "{empty}");
    let typed = error_with_account(&["[keys]", "quit = 5"], 4, "keys.quit");
    assert!(typed.contains("expected a list of key names"), "{typed}");
}

/// The key lists come from the `raw` structs; the example shows each key
/// (set, or commented out) and `schema::example` has a sample for it.
#[test]
fn the_example_config_shows_every_key_of_the_schema() {
    let k = schema::keys();
    let tables = [
        ("account", k.account),
        ("server", k.server),
        ("subscribe", k.subscribe),
        ("ui", k.ui),
        ("contact", k.contact),
        ("directory", k.directory),
        ("notes", k.notes),
        ("status", k.status),
        ("status.profile", k.status_profile),
        ("telephony", k.telephony),
        ("journal", k.journal),
        ("diagnostics", k.diagnostics),
        ("group", k.group),
        ("numbers", k.numbers),
    ];
    let shown = |key: &str| {
        EXAMPLE.lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.starts_with(&format!("{key} ="))
                || l.starts_with(&format!("[{key}]"))
                || l.starts_with(&format!("[[{key}]]"))
                || l.ends_with(&format!(".{key}]]"))
        })
    };
    assert_eq!(
        k.top,
        [
            "account",
            "server",
            "subscribe",
            "ui",
            "keys",
            "contact",
            "directory",
            "notes",
            "status",
            "telephony",
            "journal",
            "diagnostics",
            "group",
            "numbers"
        ]
    );
    for top in k.top {
        assert!(shown(top), "the example has no [{top}]");
        assert!(schema::example(top).is_some(), "no example for {top}");
    }
    for (table, keys) in tables {
        assert!(!keys.is_empty(), "{table}");
        for key in keys {
            assert!(shown(key), "the example does not show {table}.{key}");
            let path = format!("{table}.{key}");
            assert!(schema::example(&path).is_some(), "no example for {path}");
        }
    }
}

/// Each line number is found in constant time: a big file is placed right
/// at its end (the speed itself is measured in benches/config_load.rs).
#[test]
fn errors_deep_in_a_big_file_name_the_right_line() {
    let mut lines = vec![
        "[account]".to_string(),
        "uri = \"sip:op@example.test\"".into(),
    ];
    for i in 0..2000 {
        lines.push("[[contact]]".into());
        lines.push(format!("name = \"C{i}\""));
        lines.push(format!("uri = \"sip:c{i}@example.test\""));
    }
    lines.push("[[contact]]".into());
    lines.push("name = \"Again\"".into());
    lines.push("uri = \"sip:c7@EXAMPLE.test\"".into());
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let msg = error(&refs, 6005, "contact[2001].uri");
    assert!(msg.contains("already listed at line 26"), "{msg}");
}

/// The example lists every action `[keys]` accepts, and every key it
/// binds is one the keymap reads.
#[test]
fn the_example_config_lists_every_action() {
    let listed: String = EXAMPLE
        .lines()
        .skip_while(|l| !l.starts_with("[keys]"))
        .take_while(|l| !l.starts_with("[["))
        .collect::<Vec<_>>()
        .join("\n");
    for action in crate::app::Action::ALL {
        let name = action.name();
        let word = listed
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == name);
        assert!(word, "the example's [keys] comment does not list {name}");
    }
}

#[test]
fn several_syntax_errors_are_all_reported() {
    let err = parse_lines(&[
        "[account]",
        "uri = \"sip:attendant@example.test\"",
        "[ui]",
        "mono = yes",
        "ascii = no",
    ])
    .expect_err("rejected");
    let found: Vec<_> = err.all().iter().map(|e| (e.line(), e.key())).collect();
    assert_eq!(
        found,
        [(Some(4), Some("ui.mono")), (Some(5), Some("ui.ascii"))],
        "{err}"
    );
}

#[test]
fn a_long_list_of_mistakes_is_printed_up_to_a_cap_then_counted() {
    let mut lines = vec![
        "[account]".to_string(),
        "uri = \"sip:op@example.test\"".into(),
    ];
    for i in 0..60 {
        lines.push("[[contact]]".into());
        lines.push(format!("name = \"C{i}\""));
        lines.push("uri = \"tel:1\"".into());
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let err = parse_lines(&refs).expect_err("rejected");
    assert_eq!(err.all().len(), 60);
    let text = err.to_string();
    assert_eq!(text.lines().count(), error::MAX_SHOWN + 1, "{text}");
    assert_eq!(text.lines().last(), Some("... and 10 more errors"));
}

/// `[journal] retention_days`: 30 by default, a number of days in range,
/// else an error naming the line and key.
#[test]
fn journal_retention_is_checked() {
    assert_eq!(parse_with_account(&[]).journal.retention_days, 30);
    let c = parse_with_account(&["[journal]", "retention_days = 7"]);
    assert_eq!(c.journal.retention_days, 7);
    let e = error_with_account(
        &["[journal]", "retention_days = 0"],
        4,
        "journal.retention_days",
    );
    assert!(e.contains("1-3650 days"), "{e}");
    let e = error_with_account(&["[journal]", "keep = 3"], 4, "journal.keep");
    assert!(e.contains("retention_days"), "{e}");
}
