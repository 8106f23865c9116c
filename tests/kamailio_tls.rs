//! SIP over TLS against a real Kamailio with its tls module, and a test
//! CA made at run time: a good chain connects and every contact goes
//! current; an expired certificate, one from an unknown issuer and one for
//! another name each fail with a message saying which check failed (exit 3
//! for `watch --once`, as every connection failure).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

#[allow(dead_code, reason = "the console test uses part of the tmux harness")]
#[path = "e2e_tmux/tmux.rs"]
mod tmux;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::kamailio::Kamailio;
use support::proc::{pid_alive, run_dir, wait_until};
use support::test_ca::{Leaf, TestCa};
use support::watch::{Watch, once, s, write_config};

const USERS: &[(&str, &str)] = &[
    ("attendant", "secret"),
    ("alice", "alicepw"),
    ("bob", "bobpw"),
];
const CONTACTS: &[(&str, &str)] = &[("Alice Adams", "alice"), ("Bob Brown", "bob")];
const LOCAL: &[&str] = &["localhost", "127.0.0.1"];

fn config(dir: &Path, port: u16, ca_file: Option<&Path>) -> std::path::PathBuf {
    let extra = ca_file
        .map(|p| format!("ca_file = \"{}\"", p.display()))
        .unwrap_or_default();
    write_config(dir, port, "tls", ("attendant", "secret"), CONTACTS, &extra)
}

fn assert_all_current(lines: &[Value], stderr: &str) {
    assert_eq!(lines.len(), CONTACTS.len(), "{lines:?}\n{stderr}");
    for l in lines {
        assert_eq!(s(l, "subscription"), "active", "{l}\n{stderr}");
        assert_eq!(l["stale"], false, "{l}");
    }
}

#[test]
fn tls_with_a_good_chain_connects_and_every_contact_goes_current() {
    let dir = run_dir("tls-good");
    let ca = TestCa::new(&dir, "test-ca");
    let good = ca.leaf("good", Leaf::Good(LOCAL));
    let (kam, ports) = Kamailio::start_tls(USERS, &[good]);

    // The CA named by ca_file.
    let cfg = config(&dir.join("ca-file"), ports[0], Some(&ca.pem));
    let (code, lines, stderr) = once(&cfg, 10);
    assert_eq!(code, 0, "stderr: {stderr}\n{}", kam.log_tail());
    assert_all_current(&lines, &stderr);

    // The system's roots (SSL_CERT_FILE stands for the system store, as
    // for OpenSSL): the same server, no ca_file.
    let cfg = config(&dir.join("system"), ports[0], None);
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(&cfg)
        .arg("--log")
        .arg(cfg.with_file_name("switchboard.log"))
        .args(["watch", "--once", "--timeout", "10"])
        .env("SSL_CERT_FILE", &ca.pem)
        .env_remove("SSL_CERT_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("run switchboard watch --once");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_all_current(&lines, &stderr);
}

#[test]
fn tls_fails_with_a_clear_message_for_each_bad_certificate() {
    let dir = run_dir("tls-bad");
    let ca = TestCa::new(&dir, "test-ca");
    let stranger = TestCa::new(&dir, "stranger-ca");
    let listeners = [
        ca.leaf("expired", Leaf::Expired(LOCAL)),
        stranger.leaf("unknown-issuer", Leaf::Good(LOCAL)),
        ca.leaf("other-name", Leaf::Good(&["sip.elsewhere.test"])),
    ];
    let (kam, ports) = Kamailio::start_tls(USERS, &listeners);
    let cases = [
        (ports[0], "expired", "certificate has expired"),
        (ports[1], "unknown-issuer", "unknown issuer"),
        (ports[2], "name-mismatch", "name mismatch"),
    ];
    for (port, name, words) in cases {
        let cfg = config(&dir.join(name), port, Some(&ca.pem));
        let (code, lines, stderr) = once(&cfg, 10);
        eprintln!("{name}: {stderr}");
        assert_eq!(
            code,
            3,
            "{name}: exit {code}, stderr: {stderr}\n{}",
            kam.log_tail()
        );
        assert!(
            lines.is_empty(),
            "{name}: nothing is printed as current: {lines:?}"
        );
        assert!(
            stderr.contains(words) && stderr.contains("certificate check failed"),
            "{name}: stderr says which check failed ({words}): {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
    }
}

#[test]
fn tls_reconnects_after_a_server_restart_and_nothing_is_fresh_meanwhile() {
    let dir = run_dir("tls-restart");
    let ca = TestCa::new(&dir, "test-ca");
    let good = ca.leaf("good", Leaf::Good(LOCAL));
    let (mut kam, ports) = Kamailio::start_tls(USERS, &[good]);
    let extra = format!("ca_file = \"{}\"\nkeepalive = 1", ca.pem.display());
    let cfg = write_config(
        &dir.join("watch"),
        ports[0],
        "tls",
        ("attendant", "secret"),
        CONTACTS,
        &extra,
    );
    let mut w = Watch::start(&cfg, &[]);
    let snap = w.snapshot(CONTACTS.len(), Duration::from_secs(10));
    assert_all_current(&snap, "");
    let everyone: Vec<String> = CONTACTS
        .iter()
        .map(|(_, u)| format!("sip:{u}@127.0.0.1"))
        .collect();
    // Both packages answered (the dialog NOTIFY may follow the snapshot):
    // every line before the stop is read before the stop.
    w.wait_for_all(
        Duration::from_secs(10),
        "every line ready",
        &everyone,
        |l| s(l, "line") == "ready" && l["stale"] == false,
    );
    kam.stop();
    let stopped = Instant::now();
    w.wait_for_all(
        Duration::from_secs(15),
        "every contact stale",
        &everyone,
        |l| l["stale"] == true,
    );
    kam.restart();
    let restarted = Instant::now();
    w.wait_for_all(
        Duration::from_secs(30),
        "every contact current again over TLS",
        &everyone,
        |l| s(l, "subscription") == "active" && l["stale"] == false,
    );
    for (at, l) in &w.seen {
        if *at > stopped && *at < restarted {
            assert_eq!(l["stale"], true, "fresh while the server was down: {l}");
        }
    }
    eprintln!(
        "tls: current again {:?} after the restart",
        restarted.elapsed()
    );
}

#[test]
fn a_ca_file_that_is_not_there_is_a_configuration_error() {
    let dir = run_dir("tls-no-ca");
    let cfg = config(&dir, 5061, Some(&dir.join("missing-ca.pem")));
    let (code, lines, stderr) = once(&cfg, 3);
    assert_eq!(code, 2, "exit 2, as every configuration error: {stderr}");
    assert!(lines.is_empty());
    assert!(
        stderr.contains("server.ca_file") && stderr.contains("missing-ca.pem"),
        "names the key and the file: {stderr}"
    );
}

#[test]
fn the_console_status_bar_says_which_certificate_check_failed() {
    let dir = run_dir("tls-console");
    let ca = TestCa::new(&dir, "test-ca");
    let expired = ca.leaf("expired", Leaf::Expired(LOCAL));
    let (kam, ports) = Kamailio::start_tls(USERS, &[expired]);
    let cfg = config(&dir.join("console"), ports[0], Some(&ca.pem));
    let log = dir.join("switchboard.log");
    let script = dir.join("run.sh");
    std::fs::write(
        &script,
        format!(
            "'{}' --config '{}' --log '{}'\nexec sleep 600\n",
            env!("CARGO_BIN_EXE_switchboard"),
            cfg.display(),
            log.display()
        ),
    )
    .expect("write run.sh");
    let term = tmux::Tmux::start(&dir.join("tmux-run"), &script, &[]);
    let screen = term.wait_for(
        Duration::from_secs(15),
        "the status bar naming the failed check",
        |screen| {
            tmux::shows(
                screen,
                "unreachable: certificate check failed: the server's certificate has expired",
            )
        },
        || format!("{}\n{}", support::proc::tail(&log, 20), kam.log_tail()),
    );
    let row = tmux::row_with(&screen, "certificate check failed").unwrap_or_default();
    eprintln!("status bar: {}", row.trim());
}

/// `switchboard status ARGS` with alice's config.
fn status(config: &Path, runtime: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(config)
        .arg("--log")
        .arg(config.with_file_name("status.log"))
        .arg("status")
        .args(args)
        .env("SWITCHBOARD_RUNTIME_DIR", runtime)
        .stdin(Stdio::null())
        .output()
        .expect("run switchboard status")
}

#[test]
fn the_status_keeper_publishes_over_tls_and_a_watcher_over_tls_sees_it() {
    let dir = run_dir("tls-status");
    let ca = TestCa::new(&dir, "test-ca");
    let good = ca.leaf("good", Leaf::Good(LOCAL));
    let (kam, ports) = Kamailio::start_tls(USERS, &[good]);
    let ca_line = format!("ca_file = \"{}\"", ca.pem.display());
    let alice = write_config(
        &dir.join("alice"),
        ports[0],
        "tls",
        ("alice", "alicepw"),
        &[],
        &ca_line,
    );
    let mut w = Watch::start(
        &config(&dir.join("attendant"), ports[0], Some(&ca.pem)),
        &[],
    );
    w.snapshot(CONTACTS.len(), Duration::from_secs(10));
    let runtime = dir.join("run");
    let set = status(&alice, &runtime, &["set", "away", "--note", "Over TLS"]);
    let said = format!(
        "{}{}\n{}",
        String::from_utf8_lossy(&set.stdout),
        String::from_utf8_lossy(&set.stderr),
        kam.log_tail()
    );
    assert!(set.status.success(), "{said}");
    let pid: u32 = said
        .split("keeper pid ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no keeper pid: {said}"));
    let line = w.wait_for(Duration::from_secs(5), "alice away over TLS", |l| {
        s(l, "contact") == "sip:alice@127.0.0.1" && s(l, "presence") == "away"
    });
    assert_eq!(s(&line, "note"), "Over TLS");
    let clear = status(&alice, &runtime, &["clear"]);
    assert!(clear.status.success(), "{:?}", clear);
    w.wait_for(Duration::from_secs(5), "alice no longer away", |l| {
        s(l, "contact") == "sip:alice@127.0.0.1" && s(l, "presence") != "away"
    });
    assert!(
        wait_until(Duration::from_secs(5), || !pid_alive(pid, "status")),
        "the keeper ends with clear"
    );
}

#[test]
fn a_server_back_with_an_expired_certificate_is_named_on_watch_stderr_and_stays_stale() {
    let dir = run_dir("tls-rotated");
    let ca = TestCa::new(&dir, "test-ca");
    let good = ca.leaf("good", Leaf::Good(LOCAL));
    let expired = ca.leaf("expired", Leaf::Expired(LOCAL));
    let (mut kam, ports) = Kamailio::start_tls(USERS, &[good]);
    let cfg = config(&dir.join("watch"), ports[0], Some(&ca.pem));
    let stderr_path = dir.join("watch.stderr");
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    let mut w = Watch::start_with_stderr(&cfg, &[], Stdio::from(stderr));
    let snap = w.snapshot(CONTACTS.len(), Duration::from_secs(10));
    assert_all_current(&snap, "");
    let everyone: Vec<String> = CONTACTS
        .iter()
        .map(|(_, u)| format!("sip:{u}@127.0.0.1"))
        .collect();
    // The server comes back with an expired certificate.
    kam.stop();
    w.wait_for_all(
        Duration::from_secs(15),
        "every contact stale",
        &everyone,
        |l| l["stale"] == true,
    );
    let tls_cfg = kam.dir.join("tls.cfg");
    let text = std::fs::read_to_string(&tls_cfg).expect("tls.cfg");
    let good_cert = expired.cert.with_file_name("good.pem");
    let good_key = expired.key.with_file_name("good.key");
    std::fs::write(
        &tls_cfg,
        text.replace(
            &good_cert.display().to_string(),
            &expired.cert.display().to_string(),
        )
        .replace(
            &good_key.display().to_string(),
            &expired.key.display().to_string(),
        ),
    )
    .expect("rewrite tls.cfg");
    kam.restart();
    let back = Instant::now();
    let said = || std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let named = wait_until(Duration::from_secs(20), || {
        said().contains("certificate check failed: the server's certificate has expired")
    });
    assert!(named, "watch's stderr names the failed check:\n{}", said());
    // Nothing turns current behind a refused certificate.
    let _ = w.try_wait_for(Duration::from_secs(3), |_| false);
    for (at, l) in &w.seen {
        if *at > back {
            assert_eq!(
                l["stale"], true,
                "current behind an expired certificate: {l}"
            );
        }
    }
    eprintln!("watch stderr:\n{}", said());
}
