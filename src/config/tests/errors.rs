//! Every kind of error names the file, the line and the key, and says what
//! to do.

use super::*;

#[test]
fn syntax_error_names_line_and_key() {
    let msg = error(
        &[
            "[account]",
            "uri = \"sip:attendant@example.test\"",
            "[ui]",
            "mono = yes",
        ],
        4,
        "ui.mono",
    );
    assert!(msg.contains("TOML syntax error"), "{msg}");
    let unclosed = error(
        &["[account]", "uri = \"sip:attendant@example.test"],
        2,
        "account.uri",
    );
    assert!(unclosed.contains("TOML syntax error"), "{unclosed}");
}

#[test]
fn duplicate_key_is_a_syntax_error() {
    let msg = error_with_account(&["uri = \"sip:other@example.test\""], 3, "account.uri");
    assert!(msg.contains("duplicate key"), "{msg}");
}

#[test]
fn unknown_key_lists_the_expected_ones() {
    let msg = error_with_account(
        &["display_name = \"R\"", "pasword = \"x\""],
        4,
        "account.pasword",
    );
    assert_eq!(
        msg,
        format!(
            "{FILE}:4: unknown key account.pasword (expected one of uri, auth_user, password, password_env, display_name)"
        )
    );
}

#[test]
fn unknown_keys_everywhere() {
    let msg = error(
        &["colour = true", "[account]", "uri = \"sip:a@example.test\""],
        1,
        "colour",
    );
    assert!(
        msg.contains("expected one of account, server, subscribe, ui, keys, contact"),
        "{msg}"
    );
    error_with_account(&["[server]", "adress = \"127.0.0.1\""], 4, "server.adress");
    error_with_account(&["[subscribe]", "expire = 60"], 4, "subscribe.expire");
    error_with_account(&["[ui]", "colour = false"], 4, "ui.colour");
    let contact = error_with_account(
        &[
            "[[contact]]",
            "name = \"A\"",
            "uri = \"sip:a@example.test\"",
            "[[contact]]",
            "name = \"B\"",
            "phone = \"1\"",
            "uri = \"sip:b@example.test\"",
        ],
        8,
        "contact[2].phone",
    );
    assert!(
        contact.contains("expected one of name, uri, extension, department"),
        "{contact}"
    );
}

#[test]
fn wrong_type_names_the_key_and_an_example() {
    let msg = error_with_account(&["[ui]", "mono = \"yes\""], 4, "ui.mono");
    assert!(
        msg.contains("expected a boolean") && msg.ends_with("e.g. mono = false"),
        "{msg}"
    );
    let port = error_with_account(&["[server]", "keepalive = \"30\""], 4, "server.keepalive");
    assert!(
        port.contains("expected an integer") && port.ends_with("e.g. keepalive = 30"),
        "{port}"
    );
    let table = error(&["account = \"sip:a@example.test\""], 1, "account");
    assert!(
        table.contains("expected a table") && !table.contains("Raw"),
        "{table}"
    );
    let list = error_with_account(&["[keys]", "quit = { key = \"q\" }"], 4, "keys.quit");
    assert!(list.contains("expected a list of key names"), "{list}");
    let ext = error_with_account(
        &[
            "[[contact]]",
            "name = \"A\"",
            "uri = \"sip:a@example.test\"",
            "extension = true",
        ],
        6,
        "contact[1].extension",
    );
    assert!(
        ext.contains("a string or an integer") && ext.ends_with("e.g. extension = \"1001\""),
        "{ext}"
    );
    let keys = error_with_account(&["[keys]", "quit = [\"F10\", 7]"], 4, "keys.quit");
    assert!(
        keys.ends_with("e.g. quit = [\"F10\", \"Ctrl-q\"]"),
        "{keys}"
    );
}

#[test]
fn single_bracket_contact_is_explained() {
    let msg = error_with_account(
        &["[contact]", "name = \"A\"", "uri = \"sip:a@example.test\""],
        3,
        "contact",
    );
    assert!(
        msg.ends_with("write [[contact]] (double brackets) for each person, not [contact]"),
        "{msg}"
    );
}

#[test]
fn bad_account_uri() {
    let msg = error(
        &["", "[account]", "uri = \"alice@example.test\""],
        3,
        "account.uri",
    );
    assert_eq!(
        msg,
        format!(
            "{FILE}:3: key account.uri: \"alice@example.test\" is not a SIP URI (it must start with sip: or sips:), e.g. \"sip:alice@example.test\""
        )
    );
    error(
        &["[account]", "uri = \"sip:example.test\""],
        2,
        "account.uri",
    );
}

#[test]
fn bad_contact_uri() {
    let msg = error_with_account(
        &[
            "[[contact]]",
            "name = \"A\"",
            "uri = \"sip:a@example.test:99999\"",
        ],
        5,
        "contact[1].uri",
    );
    assert!(msg.contains("port must be 1-65535"), "{msg}");
}

#[test]
fn bad_server_address() {
    let msg = error_with_account(
        &["[server]", "", "address = \"127.0.0.1:99999\""],
        5,
        "server.address",
    );
    assert_eq!(
        msg,
        format!(
            "{FILE}:5: key server.address: \"127.0.0.1:99999\" is not host:port (port must be 1-65535), e.g. \"192.0.2.10:5060\" or \"[2001:db8::1]:5060\""
        )
    );
    let v6 = error_with_account(&["[server]", "address = \"::1\""], 4, "server.address");
    assert!(v6.contains("brackets"), "{v6}");
}

#[test]
fn bad_transport_and_out_of_range_numbers() {
    let t = error_with_account(&["[server]", "transport = \"sctp\""], 4, "server.transport");
    assert!(t.contains("expected udp, tcp or tls"), "{t}");
    let k = error_with_account(&["[server]", "keepalive = -1"], 4, "server.keepalive");
    assert!(
        k.contains("-1 is out of range (must be 0-86400 seconds, 0 = off)"),
        "{k}"
    );
    let e = error_with_account(&["[subscribe]", "expires = 59"], 4, "subscribe.expires");
    assert!(
        e.contains("must be 60-86400 seconds") && e.ends_with("e.g. expires = 600"),
        "{e}"
    );
    error_with_account(&["[subscribe]", "expires = 86401"], 4, "subscribe.expires");
    let w = error_with_account(
        &["[subscribe]", "dialog = true", "window = 0"],
        5,
        "subscribe.window",
    );
    assert!(w.contains("must be 1-1024"), "{w}");
    error_with_account(&["[subscribe]", "window = 1025"], 4, "subscribe.window");
}

#[test]
fn missing_required_keys_point_at_the_table_header() {
    let uri = error(
        &["# comment", "[account]", "display_name = \"R\""],
        2,
        "account.uri",
    );
    assert!(uri.contains("missing key account.uri: add uri = "), "{uri}");
    let name = error_with_account(
        &[
            "[[contact]]",
            "name = \"A\"",
            "uri = \"sip:a@example.test\"",
            "",
            "[[contact]]",
            "uri = \"sip:b@example.test\"",
        ],
        7,
        "contact[2].name",
    );
    assert!(name.contains("add name = "), "{name}");
    let curi = error_with_account(&["[[contact]]", "name = \"A\""], 3, "contact[1].uri");
    assert!(curi.contains("add uri = "), "{curi}");
    let table = error(&["[ui]", "mono = true"], 1, "account");
    assert!(table.contains("add an [account] table"), "{table}");
}

#[test]
fn duplicate_contact_uri_points_at_the_second() {
    // The same URI by RFC 3261 19.1.4: host case and an escape differ, a
    // parameter outside the listed ones is in only one.
    let msg = error_with_account(
        &[
            "[[contact]]",
            "name = \"A\"",
            "uri = \"sip:a@example.test\"",
            "[[contact]]",
            "name = \"A again\"",
            "uri = \"sip:%61@EXAMPLE.test;x-office=2\"",
        ],
        8,
        "contact[2].uri",
    );
    assert!(
        msg.contains("is already listed at line 5; remove one of the two [[contact]] entries"),
        "{msg}"
    );
}

#[test]
fn password_and_password_env_together() {
    let msg = error_with_account(
        &["password = \"x\"", "password_env = \"SB_PASSWORD\""],
        4,
        "account.password_env",
    );
    assert!(
        msg.contains("both set (the other is at line 3); keep only one"),
        "{msg}"
    );
    assert!(!msg.contains("\"x\""), "{msg}");
}

#[test]
fn password_env_naming_an_unset_variable() {
    let msg = error_with_account(&["password_env = \"NOT_SET\""], 3, "account.password_env");
    assert!(
        msg.contains("environment variable NOT_SET is not set; export NOT_SET="),
        "{msg}"
    );
    // Set but empty is still set: an empty password.
    assert_eq!(
        parse_with_account(&["password_env = \"EMPTY\""])
            .account
            .password
            .as_deref(),
        Some("")
    );
    error_with_account(&["password_env = \"\""], 3, "account.password_env");
}

#[test]
fn empty_names_are_rejected() {
    let msg = error_with_account(
        &[
            "[[contact]]",
            "name = \"  \"",
            "uri = \"sip:a@example.test\"",
        ],
        4,
        "contact[1].name",
    );
    assert!(msg.contains("the name is empty"), "{msg}");
    let auth = error_with_account(&["auth_user = \"\""], 3, "account.auth_user");
    assert!(auth.contains("auth_user is empty; remove it"), "{auth}");
}
