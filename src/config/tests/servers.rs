//! `[[server]]` entries: names, preferred, events, credentials; the single
//! `[server]` table as one unnamed server.

use super::*;

#[test]
fn a_single_server_table_is_one_unnamed_server_for_every_package() {
    let c = parse_with_account(&["[server]", "address = \"127.0.0.1:5070\""]);
    assert_eq!(c.servers.len(), 1);
    let s = &c.servers[0];
    assert_eq!(s.name, None);
    assert_eq!(s.label(), "127.0.0.1:5070");
    assert!(s.presence && s.dialog && !s.preferred);
    assert_eq!(s.server, c.server);
    assert_eq!(s.auth_user, "attendant");
}

#[test]
fn several_servers_with_their_own_events_credentials_and_one_preferred() {
    let c = parse_with_account(&[
        "password = \"account-secret\"",
        "[[server]]",
        "name = \"presence\"",
        "address = \"127.0.0.1:5070\"",
        "events = [\"presence\"]",
        "[[server]]",
        "name = \"pbx\"",
        "address = \"127.0.0.1:5080\"",
        "transport = \"tcp\"",
        "preferred = true",
        "auth_user = \"reception\"",
        "password_env = \"SB_PASSWORD\"",
    ]);
    assert_eq!(c.servers.len(), 2);
    let (a, b) = (&c.servers[0], &c.servers[1]);
    assert_eq!(a.name.as_deref(), Some("presence"));
    assert!(a.presence && !a.dialog && !a.preferred);
    assert_eq!(
        (a.auth_user.as_str(), a.password.as_deref()),
        ("attendant", Some("account-secret"))
    );
    assert_eq!(b.label(), "pbx");
    assert!(b.presence && b.dialog && b.preferred);
    assert_eq!(b.server.transport, Transport::Tcp);
    assert_eq!(
        (b.auth_user.as_str(), b.password.as_deref()),
        ("reception", Some("from-env"))
    );
    // Our own status goes to the preferred server.
    assert_eq!(c.server.port, 5080);
    assert!(!format!("{b:?}").contains("from-env"), "Debug hides it");
}

#[test]
fn two_preferred_servers_are_an_error_at_the_second() {
    let msg = error_with_account(
        &[
            "[[server]]",
            "name = \"a\"",
            "preferred = true",
            "[[server]]",
            "name = \"b\"",
            "preferred = true",
        ],
        8,
        "server[2].preferred",
    );
    assert!(msg.contains("line 5"), "names the first: {msg}");
}

#[test]
fn a_server_entry_without_a_name_is_an_error_at_its_table() {
    error_with_account(
        &[
            "[[server]]",
            "name = \"a\"",
            "[[server]]",
            "address = \"127.0.0.1\"",
        ],
        5,
        "server[2].name",
    );
}

#[test]
fn two_servers_with_one_name_are_an_error() {
    let msg = error_with_account(
        &[
            "[[server]]",
            "name = \"pbx\"",
            "[[server]]",
            "name = \"PBX\"",
        ],
        6,
        "server[2].name",
    );
    assert!(msg.contains("line 4"), "{msg}");
}

#[test]
fn an_unknown_event_package_is_an_error_at_its_value() {
    let msg = error_with_account(
        &[
            "[[server]]",
            "name = \"pbx\"",
            "events = [\"presence\", \"reg\"]",
        ],
        5,
        "server[1].events",
    );
    assert!(msg.contains("\"reg\""), "{msg}");
    error_with_account(
        &["[[server]]", "name = \"pbx\"", "events = []"],
        5,
        "server[1].events",
    );
}

#[test]
fn a_mistake_in_a_server_entry_names_the_entry() {
    error_with_account(
        &[
            "[[server]]",
            "name = \"a\"",
            "[[server]]",
            "name = \"b\"",
            "address = \"127.0.0.1:99999\"",
        ],
        7,
        "server[2].address",
    );
    error_with_account(
        &["[[server]]", "name = \"a\"", "colour = \"red\""],
        5,
        "server[1].colour",
    );
    error_with_account(
        &["[[server]]", "name = \"a\"", "password_env = \"NOPE\""],
        5,
        "server[1].password_env",
    );
    error_with_account(
        &["[[server]]", "name = \"a\"", "preferred = \"yes\""],
        5,
        "server[1].preferred",
    );
}
