//! Several servers against two real Kamailio instances: the preferred one
//! wins a conflict and is named; one lost server turns only its own
//! states stale; a configuration reload (SIGUSR1) adds and removes
//! contacts and keeps the running configuration when the new one is
//! wrong.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::kamailio::Kamailio;
use support::proc::run_dir;
use support::sipp;
use support::watch::{Watch, s};

const USERS: &[(&str, &str)] = &[
    ("attendant", "secret"),
    ("alice", "alicepw"),
    ("bob", "bobpw"),
    ("carol", "carolpw"),
    ("dave", "davepw"),
];

fn uri(user: &str) -> String {
    format!("sip:{user}@127.0.0.1")
}

/// A PIDF document for `user` with one RPID activity.
fn pidf(user: &str, activity: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:{user}@127.0.0.1"><tuple id="t-{user}"><status><basic>open</basic></status></tuple><dm:person id="p-{user}"><rpid:activities><rpid:{activity}/></rpid:activities></dm:person></presence>"#
    )
}

fn publish(kam: &Kamailio, user: &str, activity: &str) {
    let password = USERS
        .iter()
        .find(|(u, _)| *u == user)
        .map(|(_, p)| *p)
        .unwrap_or_default();
    sipp::publish(kam.port, user, password, &pidf(user, activity)).expect("PUBLISH accepted");
}

/// Two `[[server]]` entries ("presence" on `a`, "pbx" on `b`, preferred),
/// presence only, and these contacts (users).
fn config_text(a: &Kamailio, b: &Kamailio, contacts: &[&str]) -> String {
    let mut text = format!(
        "[account]\nuri = \"sip:attendant@127.0.0.1\"\npassword = \"secret\"\n\
         [subscribe]\ndialog = false\n\
         [[server]]\nname = \"presence\"\naddress = \"127.0.0.1:{}\"\n\
         [[server]]\nname = \"pbx\"\naddress = \"127.0.0.1:{}\"\npreferred = true\n",
        a.port, b.port
    );
    for user in contacts {
        text.push_str(&format!(
            "[[contact]]\nname = \"{user}\"\nuri = \"{}\"\n",
            uri(user)
        ));
    }
    text
}

fn write(dir: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("config dir");
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    path
}

fn is(line: &Value, user: &str) -> bool {
    s(line, "contact") == uri(user)
}

#[test]
fn the_preferred_server_wins_and_a_lost_server_turns_only_its_states_stale() {
    let a = Kamailio::start(USERS);
    let mut b = Kamailio::start(USERS);
    // Alice: away on one server, busy on the preferred one. Bob: only
    // on the first. Carol: only on the preferred one.
    publish(&a, "alice", "away");
    publish(&b, "alice", "busy");
    publish(&a, "bob", "meal");
    publish(&b, "carol", "vacation");
    let cfg = write(
        &run_dir("servers-preferred"),
        &config_text(&a, &b, &["alice", "bob", "carol"]),
    );
    let mut w = Watch::start(&cfg, &[]);
    w.snapshot(3, Duration::from_secs(10));
    let wait = Duration::from_secs(10);
    w.wait_for_all(
        wait,
        "alice busy from pbx, bob away from presence, carol away from pbx",
        &[uri("alice"), uri("bob"), uri("carol")],
        |l| match s(l, "contact") {
            c if c == uri("alice") => s(l, "presence") == "busy" && s(l, "server") == "pbx",
            c if c == uri("bob") => s(l, "presence") == "away" && s(l, "server") == "presence",
            _ => s(l, "presence") == "away" && s(l, "server") == "pbx",
        },
    );

    // The preferred server goes away: Alice shows the other server's
    // current state (not the lost one's stale busy), Bob is untouched,
    // only Carol (known from the lost server alone) turns stale.
    let seen_before = w.seen.len();
    b.stop();
    w.wait_for_all(
        Duration::from_secs(30),
        "alice away (current) from presence, carol stale",
        &[uri("alice"), uri("carol")],
        |l| match s(l, "contact") {
            c if c == uri("alice") => {
                s(l, "presence") == "away" && l["stale"] == false && s(l, "server") == "presence"
            }
            _ => s(l, "presence") == "away" && l["stale"] == true,
        },
    );
    let bob_stale = w.seen[seen_before..]
        .iter()
        .any(|(_, l)| is(l, "bob") && l["stale"] == true);
    assert!(!bob_stale, "bob's server is up: never stale\n{}", w.dump());
    let alice_stale = w.seen[seen_before..]
        .iter()
        .any(|(_, l)| is(l, "alice") && l["stale"] == true && s(l, "presence") == "busy");
    assert!(
        !alice_stale,
        "the lost server's busy was never shown stale over a current away\n{}",
        w.dump()
    );
}

/// Waits for a stderr line containing every one of `needles`.
fn stderr_line(rx: &std::sync::mpsc::Receiver<String>, needles: &[&str]) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if needles.iter().all(|n| line.contains(n)) => return line,
            Ok(line) => seen.push(line),
            Err(_) => panic!(
                "no stderr line with {needles:?}; seen:\n{}",
                seen.join("\n")
            ),
        }
    }
}

#[test]
fn sigusr1_reloads_contacts_and_servers_and_an_invalid_file_keeps_the_running_one() {
    let a = Kamailio::start(USERS);
    let b = Kamailio::start(USERS);
    publish(&a, "alice", "away");
    publish(&a, "bob", "meal");
    publish(&b, "carol", "busy");
    let dir = run_dir("servers-reload");
    // First only server "presence" (a) and alice, bob.
    let only_a = |contacts: &[&str]| {
        let full = config_text(&a, &b, contacts);
        // Drop the second [[server]] (pbx) from the text.
        let start = full.find("[[server]]\nname = \"pbx\"").expect("pbx entry");
        let end = full[start..]
            .find("[[contact]]")
            .map_or(full.len(), |e| start + e);
        format!("{}{}", &full[..start], &full[end..])
    };
    let cfg = write(&dir, &only_a(&["alice", "bob"]));
    let mut w = Watch::start(&cfg, &[]);
    let err = w.stderr();
    w.snapshot(2, Duration::from_secs(10));
    w.wait_for_all(
        Duration::from_secs(10),
        "alice and bob away",
        &[uri("alice"), uri("bob")],
        |l| s(l, "presence") == "away",
    );

    // Carol and Dave added, Bob removed, server pbx (b) added: without a
    // restart.
    write(&dir, &config_text(&a, &b, &["alice", "carol", "dave"]));
    support::proc::signal(w.pid(), "USR1");
    let line = stderr_line(&err, &["configuration reloaded", "started: pbx"]);
    assert!(line.contains("3 contacts"), "{line}");
    w.wait_for(Duration::from_secs(10), "carol busy from pbx", |l| {
        is(l, "carol") && s(l, "presence") == "busy" && s(l, "server") == "pbx"
    });
    let at = w.seen.len();
    // Bob is gone: no more lines for him (Alice's change on the new,
    // preferred server comes after his).
    publish(&a, "bob", "away");
    publish(&b, "alice", "busy");
    w.wait_for(Duration::from_secs(10), "alice busy from pbx", |l| {
        is(l, "alice") && s(l, "presence") == "busy" && s(l, "server") == "pbx"
    });
    assert!(
        !w.seen[at..].iter().any(|(_, l)| is(l, "bob")),
        "bob was removed:\n{}",
        w.dump()
    );

    // A mistake (in a file that also drops Dave): reported with file, line
    // and key; nothing of it is applied, Dave stays watched.
    let bad = format!(
        "{}[[server]]\nname = \"third\"\npreferred = true\n",
        config_text(&a, &b, &["alice", "carol"])
    );
    write(&dir, &bad);
    support::proc::signal(w.pid(), "USR1");
    stderr_line(&err, &["configuration not reloaded"]);
    let why = stderr_line(&err, &["config.toml:", "server[3].preferred"]);
    assert!(why.contains("only one server may be preferred"), "{why}");
    publish(&b, "dave", "busy");
    w.wait_for(Duration::from_secs(10), "dave still watched on pbx", |l| {
        is(l, "dave") && s(l, "presence") == "busy" && s(l, "server") == "pbx"
    });

    // pbx changed: reconnected (its states stale until its new
    // subscriptions answer), the presence server left alone.
    let changed = config_text(&a, &b, &["alice", "carol", "dave"])
        .replace("preferred = true\n", "preferred = true\nkeepalive = 10\n");
    write(&dir, &changed);
    let at = w.seen.len();
    support::proc::signal(w.pid(), "USR1");
    stderr_line(&err, &["configuration reloaded", "reconnected: pbx"]);
    w.wait_for(
        Duration::from_secs(10),
        "dave current again from pbx",
        |l| is(l, "dave") && s(l, "presence") == "busy" && l["stale"] == false,
    );
    assert!(
        w.seen[at..]
            .iter()
            .any(|(_, l)| is(l, "dave") && l["stale"] == true),
        "stale between the old engine and the new one's answer:\n{}",
        w.dump()
    );
    let log = std::fs::read_to_string(cfg.with_file_name("switchboard.log")).unwrap_or_default();
    let touched: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("server=presence") && (l.contains("stopping") || l.contains("started"))
        })
        .collect();
    assert!(
        touched.is_empty(),
        "the unchanged server was restarted: {touched:?}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("stopping the server's engine") && l.contains("server=pbx")),
        "pbx was restarted:\n{log}"
    );
}
