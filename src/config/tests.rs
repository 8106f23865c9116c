use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::app::Action;

const FILE: &str = "/home/x/config.toml";

/// Join lines with `\n`: line N of the file is `lines[N - 1]`.
fn doc(lines: &[&str]) -> String {
    lines.join("\n") + "\n"
}

fn fake_env(name: &str) -> Option<String> {
    let vars: HashMap<&str, &str> = [("SB_PASSWORD", "from-env"), ("EMPTY", "")]
        .into_iter()
        .collect();
    vars.get(name).map(|v| v.to_string())
}

fn parse_lines(lines: &[&str]) -> Result<Config, ConfigError> {
    parse(&doc(lines), Path::new(FILE), &fake_env)
}

/// The error for a document, with its message checked to name the file, the
/// line and the key.
fn error(lines: &[&str], line: usize, key: &str) -> String {
    let err = parse_lines(lines).expect_err("the document should be rejected");
    let msg = err.to_string();
    assert_eq!(err.line(), Some(line), "{msg}");
    assert_eq!(err.key(), Some(key), "{msg}");
    assert_eq!(err.path(), Some(Path::new(FILE)), "{msg}");
    assert_eq!(err.exit_code(), exit::CONFIG);
    assert!(msg.starts_with(&format!("{FILE}:{line}: ")), "{msg}");
    assert!(msg.contains(key), "{msg}");
    msg
}

const ACCOUNT: [&str; 2] = ["[account]", "uri = \"sip:attendant@example.test\""];

fn with_account(rest: &[&str]) -> Vec<String> {
    ACCOUNT.iter().chain(rest).map(|s| s.to_string()).collect()
}

fn parse_with_account(rest: &[&str]) -> Config {
    let lines = with_account(rest);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    parse_lines(&refs).expect("valid")
}

fn error_with_account(rest: &[&str], line: usize, key: &str) -> String {
    let lines = with_account(rest);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    error(&refs, line, key)
}

#[test]
fn full_valid_config() {
    let c = parse(EXAMPLE, Path::new(FILE), &fake_env).unwrap();
    assert_eq!(c.path.as_deref(), Some(Path::new(FILE)));
    let a = &c.account;
    assert_eq!(a.uri, "sip:attendant@example.test");
    assert_eq!(
        (a.user.as_str(), a.domain.as_str(), a.auth_user.as_str()),
        ("attendant", "example.test", "attendant")
    );
    assert_eq!(a.password.as_deref(), Some("secret"));
    assert_eq!(a.display_name.as_deref(), Some("Reception"));
    let s = &c.server;
    assert_eq!(
        (s.host.as_str(), s.port, s.transport),
        ("127.0.0.1", 5060, Transport::Udp)
    );
    assert_eq!(s.keepalive, Duration::from_secs(30));
    assert_eq!(s.socket_addr().unwrap(), "127.0.0.1:5060".parse().unwrap());
    assert_eq!(
        c.subscribe,
        Subscribe {
            presence: true,
            dialog: true,
            expires: 600,
            window: 64
        }
    );
    assert_eq!(
        c.ui,
        Ui {
            mono: false,
            ascii: false,
            read_only: false,
            hide_peers: false
        }
    );
    let quit: Vec<String> = c
        .keymap
        .keys(Action::Quit)
        .iter()
        .map(|k| k.label(true))
        .collect();
    assert_eq!(quit, ["F10", "Ctrl-C"]);
    assert_eq!(c.contacts.len(), 3);
    assert_eq!(
        c.contacts[0],
        ContactInfo {
            name: "Alice Adams".into(),
            uri: "sip:alice@example.test".into(),
            extension: Some("1001".into()),
            department: Some("Sales".into()),
        }
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn every_key_set_to_a_non_default() {
    let c = parse_lines(&[
        "[account]",
        "uri = \"sips:op@pbx.example.test:5061\"",
        "auth_user = \"op-auth\"",
        "password_env = \"SB_PASSWORD\"",
        "display_name = \"Operator\"",
        "[server]",
        "address = \"pbx.example.test:5080\"",
        "transport = \"tcp\"",
        "keepalive = 0",
        "[subscribe]",
        "presence = false",
        "dialog = false",
        "expires = 3600",
        "window = 8",
        "[ui]",
        "mono = true",
        "ascii = true",
        "read_only = true",
        "[keys]",
        "quit = \"F9\"",
        "clear_search = [\"Ctrl-f\", \"Alt-x\"]",
    ])
    .unwrap();
    let a = &c.account;
    assert_eq!(
        (a.user.as_str(), a.domain.as_str(), a.auth_user.as_str()),
        ("op", "pbx.example.test:5061", "op-auth")
    );
    assert_eq!(a.password.as_deref(), Some("from-env"));
    assert_eq!(c.server.authority(), "pbx.example.test:5080");
    assert_eq!(
        (c.server.transport, c.server.keepalive),
        (Transport::Tcp, Duration::ZERO)
    );
    assert_eq!(
        c.subscribe,
        Subscribe {
            presence: false,
            dialog: false,
            expires: 3600,
            window: 8
        }
    );
    assert_eq!(
        c.ui,
        Ui {
            mono: true,
            ascii: true,
            read_only: true,
            hide_peers: false
        }
    );
    let label =
        |a: Action| -> Vec<String> { c.keymap.keys(a).iter().map(|k| k.label(true)).collect() };
    assert_eq!(label(Action::Quit), ["F9"]);
    assert_eq!(label(Action::ClearSearch), ["Ctrl-F", "Alt-X"]);
}

#[test]
fn defaults_when_only_the_account_uri_is_given() {
    let c = parse_with_account(&[]);
    assert_eq!(c.account.auth_user, "attendant");
    assert_eq!(c.account.password, None);
    assert_eq!(c.account.display_name, None);
    // No [server]: the domain of our URI on the default port.
    assert_eq!(
        (c.server.host.as_str(), c.server.port),
        ("example.test", 5060)
    );
    assert_eq!(
        (c.server.transport, c.server.keepalive),
        (Transport::Udp, Duration::from_secs(30))
    );
    assert_eq!(c.subscribe, Subscribe::default());
    assert_eq!(
        c.subscribe,
        Subscribe {
            presence: true,
            dialog: true,
            expires: 600,
            window: 64
        }
    );
    assert_eq!(c.ui, Ui::default());
    assert_eq!(c.keymap, Keymap::default());
    assert!(c.contacts.is_empty());
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0].contains("no [[contact]] entries"),
        "{:?}",
        c.warnings
    );
}

#[test]
fn server_port_defaults_to_5060() {
    let c = parse_with_account(&["[server]", "address = \"192.0.2.10\""]);
    assert_eq!(
        (c.server.host.as_str(), c.server.port),
        ("192.0.2.10", 5060)
    );
    assert_eq!(
        c.server.socket_addr().unwrap(),
        "192.0.2.10:5060".parse().unwrap()
    );
}

#[test]
fn ipv6_server_and_uris() {
    let c = parse_lines(&[
        "[account]",
        "uri = \"sip:attendant@[2001:db8::1]:5070\"",
        "[server]",
        "address = \"[::1]:5070\"",
        "[[contact]]",
        "name = \"V6\"",
        "uri = \"sip:v6@[2001:db8::2]\"",
    ])
    .unwrap();
    assert_eq!(c.account.domain, "[2001:db8::1]:5070");
    assert_eq!((c.server.host.as_str(), c.server.port), ("::1", 5070));
    assert_eq!(c.server.authority(), "[::1]:5070");
    assert_eq!(
        c.server.socket_addr().unwrap(),
        "[::1]:5070".parse().unwrap()
    );
    let bare = parse_with_account(&["[server]", "address = \"[::1]\""]);
    assert_eq!(bare.server.port, 5060);
}

#[test]
fn extension_may_be_an_integer() {
    let c = parse_with_account(&[
        "[[contact]]",
        "name = \"Bob\"",
        "uri = \"sip:bob@example.test\"",
        "extension = 1002",
        "[[contact]]",
        "name = \"  Carol  \"",
        "uri = \"sip:carol@example.test\"",
        "extension = \"\"",
    ]);
    assert_eq!(c.contacts[0].extension.as_deref(), Some("1002"));
    assert_eq!(c.contacts[1].name, "Carol");
    assert_eq!(c.contacts[1].extension, None);
    assert!(c.warnings.is_empty());
}

#[test]
fn debug_output_hides_the_password() {
    let c = parse_with_account(&["password = \"hunter2-secret\""]);
    assert_eq!(c.account.password.as_deref(), Some("hunter2-secret"));
    let shown = format!("{c:?} {:#?}", c.account);
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[test]
fn socket_addr_resolves_names_and_reports_failures() {
    let server = Server {
        host: "localhost".into(),
        port: 5060,
        transport: Transport::Udp,
        keepalive: Duration::ZERO,
        list: None,
        ca_file: None,
    };
    let addr = server.socket_addr().expect("localhost resolves");
    assert!(addr.ip().is_loopback() && addr.port() == 5060, "{addr}");
    // Failures are not provoked here (that would query a real DNS server);
    // their message names the key and says what to do.
    let err = ConfigError::Resolve {
        address: "pbx.example.test:5060".into(),
        reason: "no such host".into(),
    };
    assert_eq!(
        err.to_string(),
        "key server.address: cannot resolve \"pbx.example.test:5060\": no such host; \
         check the host name or use an IP address, e.g. \"192.0.2.10:5060\""
    );
    // The binary exits 3 for it (the server cannot be reached), and so
    // says the error.
    assert_eq!(
        (err.key(), err.exit_code()),
        (Some("server.address"), exit::SERVER)
    );
}

#[test]
fn locate_precedence() {
    let cli = PathBuf::from("/tmp/cli.toml");
    let env = OsString::from("/tmp/env.toml");
    assert_eq!(
        locate(Some(&cli), Some(env.clone())),
        Some(ConfigSource::Cli(cli.clone()))
    );
    assert_eq!(
        locate(Some(&cli), None),
        Some(ConfigSource::Cli(cli.clone()))
    );
    assert_eq!(
        locate(None, Some(env)),
        Some(ConfigSource::Env(PathBuf::from("/tmp/env.toml")))
    );
    // Neither: the default file, only when it exists; an empty variable counts as unset.
    let expected = default_path()
        .filter(|p| p.is_file())
        .map(ConfigSource::Default);
    assert_eq!(locate(None, None), expected);
    assert_eq!(locate(None, Some(OsString::new())), expected);
    if let Some(default) = default_path() {
        assert!(
            default.ends_with("switchboard/config.toml"),
            "{}",
            default.display()
        );
    }
    assert_eq!(ConfigSource::Cli(cli.clone()).path(), cli.as_path());
    assert_eq!(
        ConfigSource::Env(cli.clone()).to_string(),
        "/tmp/cli.toml (from SWITCHBOARD_CONFIG)"
    );
}

/// A file in the temp directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, text: &str) -> TempFile {
        let unique = format!(
            "switchboard-config-{tag}-{}-{:?}.toml",
            std::process::id(),
            std::thread::current().id()
        );
        let path = std::env::temp_dir().join(unique.replace(['(', ')'], ""));
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(unix)]
#[test]
fn password_in_a_file_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let set_mode = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let contact = [
        "[[contact]]",
        "name = \"A\"",
        "uri = \"sip:a@example.test\"",
    ];

    let with_password = TempFile::new(
        "pw",
        &doc(&[&ACCOUNT[..], &["password = \"pw\""], &contact[..]].concat()),
    );
    set_mode(&with_password.0, 0o644);
    let warnings = load(&with_password.0).unwrap().warnings;
    let p = with_password.0.display();
    assert_eq!(
        warnings,
        vec![format!(
            "{p} holds a password and is readable by others (mode 0644): chmod 600 {p}, or use password_env"
        )]
    );
    set_mode(&with_password.0, 0o600);
    assert_eq!(
        load(&with_password.0).unwrap().warnings,
        Vec::<String>::new()
    );

    // password_env keeps the secret out of the file: no warning at any mode.
    let with_env = TempFile::new("env", &doc(&[&ACCOUNT[..], &contact[..]].concat()));
    set_mode(&with_env.0, 0o644);
    assert!(load(&with_env.0).unwrap().warnings.is_empty());
}

#[test]
fn unreadable_file_is_named() {
    let missing = std::env::temp_dir().join(format!(
        "switchboard-config-missing-{}.toml",
        std::process::id()
    ));
    let err = load(&missing).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(
        err.to_string().starts_with(&format!(
            "{}: cannot read the configuration file",
            missing.display()
        )),
        "{err}"
    );
    assert_eq!(err.exit_code(), exit::CONFIG);
}

mod directory;
mod errors;
mod groups;
mod notes;
mod reporting;
mod servers;
mod telephony;

#[test]
fn contact_names_from_the_file_are_made_harmless() {
    let text = "[account]\nuri = \"sip:me@example.test\"\n[[contact]]\nname = \"Eve \\u001b]0;pwned\\u0007 \\u202eX\"\nuri = \"sip:eve@example.test\"\ndepartment = \"Sales\\u009b31m\"\nextension = \"12\\u0000\"\n";
    let c = parse(text, Path::new("c.toml"), &|_| None).unwrap();
    let eve = &c.contacts[0];
    assert_eq!(eve.name, "Eve ]0;pwned X");
    assert_eq!(eve.department.as_deref(), Some("Sales31m"));
    assert_eq!(eve.extension.as_deref(), Some("12"));
}

#[test]
fn a_list_uri_alone_is_a_whole_console_over_tcp() {
    let c = parse_with_account(&["[server]", "list = \"sip:attendant-list@example.test\""]);
    assert_eq!(
        c.server.list.as_deref(),
        Some("sip:attendant-list@example.test")
    );
    assert_eq!(c.server.transport, Transport::Tcp, "lists default to TCP");
    assert!(c.contacts.is_empty());
    assert!(
        !c.warnings.iter().any(|w| w.contains("no [[contact]]")),
        "no empty-console warning with a list: {:?}",
        c.warnings
    );
    let udp = parse_with_account(&["[server]", "list = \"sip:l@x\"", "transport = \"udp\""]);
    assert_eq!(
        udp.server.transport,
        Transport::Udp,
        "an explicit transport wins"
    );
    let msg = error_with_account(&["[server]", "list = \"attendant-list\""], 4, "server.list");
    assert!(msg.contains("not a SIP URI"), "{msg}");
}

mod status_section {
    use super::*;
    use crate::config::{OnExit, StatusConfig};
    use crate::status::Chosen;
    use std::time::Duration;

    fn with(lines: &[&str]) -> Result<Config, ConfigError> {
        let mut all: Vec<&str> = ACCOUNT.to_vec();
        all.extend_from_slice(lines);
        parse_lines(&all)
    }

    #[test]
    fn absent_means_defaults() {
        let c = with(&[]).expect("fine");
        assert_eq!(c.status, StatusConfig::default());
        assert_eq!(c.status.idle_after, Duration::from_secs(300));
    }

    #[test]
    fn every_status_key_and_a_profile() {
        let c = with(&[
            "[status]",
            "default = \"busy\"",
            "idle_after = \"90s\"",
            "on_start = \"available\"",
            "on_exit = \"clear\"",
            "action = \"/bin/true\"",
            "action_timeout = \"3s\"",
            "calendar = \"https://cal.example.test/alice.ics\"",
            "[[status.profile]]",
            "name = \"Lunch\"",
            "state = \"away\"",
            "availability = \"break\"",
            "duration = \"45m\"",
        ])
        .expect("fine");
        let s = &c.status;
        assert_eq!(s.default, Chosen::Busy);
        assert_eq!(s.idle_after, Duration::from_secs(90));
        assert_eq!(s.on_start, Some(Chosen::Available));
        assert_eq!(s.on_exit, OnExit::Clear);
        assert_eq!(s.action_timeout, Duration::from_secs(3));
        assert_eq!(s.profiles.len(), 1);
        assert_eq!(s.profiles[0].duration, Some(Duration::from_secs(2700)));
    }

    #[test]
    fn bad_values_name_line_and_key() {
        let e = with(&[
            "[status]",
            "default = \"inactive\"",
            "idle_after = \"5 minutes\"",
            "[[status.profile]]",
            "name = \"Lunch\"",
            "state = \"sleepy\"",
        ])
        .expect_err("three mistakes")
        .to_string();
        assert!(e.contains(":4") && e.contains("status.default"), "{e}");
        assert!(e.contains(":5") && e.contains("status.idle_after"), "{e}");
        assert!(
            e.contains(":8") && e.contains("status.profile[1].state"),
            "{e}"
        );
    }
}

#[test]
fn diagnostics_trace_messages_defaults_to_500_and_is_range_checked() {
    let c = parse_with_account(&[]);
    assert_eq!(c.diagnostics.trace_messages, 500);
    let c = parse_with_account(&["[diagnostics]", "trace_messages = 0"]);
    assert_eq!(c.diagnostics.trace_messages, 0);
    let e = error_with_account(
        &["[diagnostics]", "trace_messages = -1"],
        4,
        "diagnostics.trace_messages",
    );
    assert!(e.contains("out of range"), "{e}");
}
