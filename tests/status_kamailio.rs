//! `switchboard status` against a real Kamailio: what one user sets is seen
//! by another user's independent `switchboard watch`, `status clear` removes
//! it, and an `--until` publication lapses on the server by itself even when
//! our keeper was killed with SIGKILL.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::kamailio::Kamailio;
use support::proc::{pid_alive, run_dir, signal, wait_until};
use support::sipp;
use support::watch::{Watch, s, write_config};

const USERS: &[(&str, &str)] = &[
    ("attendant", "secret"),
    ("alice", "alicepw"),
    ("carol", "carolpw"),
];

/// Alice's own config (for `status`) and the attendant's (for `watch`).
struct Setup {
    kam: Kamailio,
    alice: PathBuf,
    runtime: PathBuf,
    watch: Watch,
}

fn setup(name: &str, extra: &str) -> Setup {
    setup_over(name, "udp", extra)
}

/// [`setup`] with alice's status published over `transport`.
fn setup_over(name: &str, transport: &str, extra: &str) -> Setup {
    let kam = Kamailio::start(USERS);
    let dir = run_dir(name);
    let alice = write_config(
        &dir.join("alice"),
        kam.port,
        transport,
        ("alice", "alicepw"),
        &[],
        extra,
    );
    let attendant = write_config(
        &dir.join("attendant"),
        kam.port,
        "udp",
        ("attendant", "secret"),
        &[("Alice Adams", "alice")],
        "",
    );
    let runtime = dir.join("run");
    let mut watch = Watch::start(&attendant, &[]);
    watch.snapshot(1, Duration::from_secs(10));
    Setup {
        kam,
        alice,
        runtime,
        watch,
    }
}

fn status(config: &Path, runtime: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(config)
        .arg("--log")
        .arg(config.with_file_name("status.log"))
        .arg("status")
        .args(args)
        .env("SWITCHBOARD_RUNTIME_DIR", runtime)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run switchboard status")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The keeper's pid from `status set`'s "kept by: keeper pid N" line.
fn keeper_pid(o: &Output) -> u32 {
    let out = String::from_utf8_lossy(&o.stdout);
    out.split("keeper pid ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no keeper pid in:\n{out}"))
}

fn alice_is(line: &serde_json::Value, presence: &str) -> bool {
    s(line, "contact") == "sip:alice@127.0.0.1" && s(line, "presence") == presence
}

#[test]
fn a_status_set_is_seen_by_another_watcher_within_a_second_and_clear_removes_it() {
    let mut t = setup("status-set", "");
    // A second, independent watcher: sipp (carol) on alice's presence.
    let carol = sipp::subscribe(t.kam.port, ("carol", "carolpw"), "alice", "presence");
    let set = status(
        &t.alice,
        &t.runtime,
        &[
            "set",
            "away",
            "--note",
            "Back Monday, ask Bob",
            "--availability",
            "vacation",
        ],
    );
    assert!(set.status.success(), "{}", text(&set));
    let published = Instant::now();
    let pid = keeper_pid(&set);
    let line = t.watch.wait_for(Duration::from_secs(5), "alice away", |l| {
        alice_is(l, "away")
    });
    let took = published.elapsed();
    assert_eq!(s(&line, "note"), "Back Monday, ask Bob");
    assert_eq!(s(&line, "availability"), "vacation");
    assert!(
        took < Duration::from_secs(1),
        "the watcher saw it after {took:?}"
    );
    carol
        .wait_body_containing("Back Monday, ask Bob", Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("sipp did not see it: {e}\n{}", carol.sipp.report()));
    let took_sipp = published.elapsed();
    assert!(
        took_sipp < Duration::from_secs(1),
        "sipp saw it after {took_sipp:?}"
    );

    // A change goes through the same keeper (the same ETag).
    let busy = status(
        &t.alice,
        &t.runtime,
        &["set", "busy", "--note", "Customer call"],
    );
    assert!(busy.status.success(), "{}", text(&busy));
    assert_eq!(keeper_pid(&busy), pid, "one keeper per account");
    let line = t.watch.wait_for(Duration::from_secs(5), "alice busy", |l| {
        alice_is(l, "busy")
    });
    assert_eq!(s(&line, "note"), "Customer call");

    let show = status(&t.alice, &t.runtime, &["show"]);
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(shown.contains("server:    busy"), "{}", text(&show));
    assert!(
        shown.contains(&format!("keeper pid {pid}")),
        "{}",
        text(&show)
    );

    let clear = status(&t.alice, &t.runtime, &["clear"]);
    assert!(clear.status.success(), "{}", text(&clear));
    t.watch
        .wait_for(Duration::from_secs(5), "alice no longer busy", |l| {
            s(l, "contact") == "sip:alice@127.0.0.1" && s(l, "presence") != "busy"
        });
    assert!(
        wait_until(Duration::from_secs(5), || !pid_alive(pid, "status")),
        "the keeper ends after clear"
    );
    drop(t.kam);
}

#[test]
fn an_until_publication_lapses_on_the_server_even_when_the_keeper_was_killed() {
    let mut t = setup("status-until", "");
    let set = status(
        &t.alice,
        &t.runtime,
        &["set", "dnd", "--note", "Focus", "--until", "90s"],
    );
    assert!(set.status.success(), "{}", text(&set));
    let started = Instant::now();
    let pid = keeper_pid(&set);
    t.watch
        .wait_for(Duration::from_secs(5), "alice dnd", |l| alice_is(l, "dnd"));
    signal(pid, "KILL");
    assert!(wait_until(Duration::from_secs(5), || !pid_alive(
        pid, "status"
    )));
    // Nobody refreshes or removes it now: the server drops it at its
    // Expires (capped at the until) plus its clean-up period (5 s here).
    let line = t
        .watch
        .wait_for(Duration::from_secs(110), "alice's dnd to lapse", |l| {
            s(l, "contact") == "sip:alice@127.0.0.1" && s(l, "presence") != "dnd"
        });
    let lapsed = started.elapsed();
    assert!(
        lapsed >= Duration::from_secs(85) && lapsed <= Duration::from_secs(100),
        "lapsed after {lapsed:?}: {line}"
    );
}

#[test]
fn invalid_input_exits_2_and_publishes_nothing() {
    let t = setup("status-bad", "");
    for (args, says) in [
        (&["set", "sleepy"][..], "unknown state"),
        (&["set", "busy", "--until", "soon"][..], "HH:MM"),
        (&["set", "busy", "--until", "00:00"][..], "already past"),
        (&["profile", "lunch"][..], "no profile"),
    ] {
        let o = status(&t.alice, &t.runtime, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o)
        );
    }
    let show = status(&t.alice, &t.runtime, &["show"]);
    assert!(
        String::from_utf8_lossy(&show.stdout).contains("nobody"),
        "no keeper was started: {}",
        text(&show)
    );
}

#[test]
fn when_the_until_passes_the_keeper_publishes_the_default_state() {
    let mut t = setup("status-default", "[status]\ndefault = \"chat\"\n");
    let set = status(
        &t.alice,
        &t.runtime,
        &["set", "busy", "--note", "Short call", "--until", "12s"],
    );
    assert!(set.status.success(), "{}", text(&set));
    let started = Instant::now();
    let pid = keeper_pid(&set);
    let busy = t.watch.wait_for(Duration::from_secs(5), "alice busy", |l| {
        alice_is(l, "busy")
    });
    // The return time reaches the other watcher (RFC 4480 `until`).
    let until: jiff::Timestamp = s(&busy, "until")
        .parse()
        .unwrap_or_else(|e| panic!("{e}: {busy}"));
    let ahead = until.duration_since(jiff::Timestamp::now()).as_secs_f64();
    assert!(
        (9.0..=13.0).contains(&ahead),
        "until {ahead} s ahead: {busy}"
    );
    let line = t
        .watch
        .wait_for(Duration::from_secs(20), "the default after until", |l| {
            alice_is(l, "available")
        });
    let after = started.elapsed();
    assert!(after >= Duration::from_secs(11), "too early: {after:?}");
    assert_eq!(s(&line, "note"), "", "the default carries no note: {line}");
    assert_eq!(s(&line, "until"), "", "nor an until: {line}");
    let show = status(&t.alice, &t.runtime, &["show"]);
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(shown.contains("chosen:    chat"), "{}", text(&show));
    assert!(shown.contains("default (until passed)"), "{}", text(&show));
    let clear = status(&t.alice, &t.runtime, &["clear"]);
    assert!(clear.status.success(), "{}", text(&clear));
    assert!(wait_until(Duration::from_secs(5), || !pid_alive(
        pid, "status"
    )));
}

/// True when process `pid` holds an established TCP connection to
/// 127.0.0.1:`port` (its socket inodes against /proc/net/tcp).
fn tcp_connection_to(pid: u32, port: u16) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    let inodes: Vec<String> = fds
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            l.strip_prefix("socket:[")?
                .strip_suffix(']')
                .map(str::to_string)
        })
        .collect();
    let table = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")).unwrap_or_default();
    let remote = format!("0100007F:{port:04X}");
    table.lines().skip(1).any(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        f.len() > 9 && f[2] == remote && f[3] == "01" && inodes.iter().any(|i| i == f[9])
    })
}

#[test]
fn over_tcp_the_keeper_publishes_on_a_tcp_connection_and_reconnects_after_a_server_restart() {
    let mut t = setup_over("status-tcp", "tcp", "");
    let set = status(&t.alice, &t.runtime, &["set", "busy", "--note", "On TCP"]);
    assert!(set.status.success(), "{}", text(&set));
    let pid = keeper_pid(&set);
    let line = t.watch.wait_for(Duration::from_secs(5), "alice busy", |l| {
        alice_is(l, "busy")
    });
    assert_eq!(s(&line, "note"), "On TCP");
    assert!(
        tcp_connection_to(pid, t.kam.port),
        "the keeper holds a TCP connection to the server"
    );

    // The server restarts: our connection is gone, and so is everything the
    // server held. The next change goes over a new connection.
    t.kam.restart();
    let carol = sipp::subscribe(t.kam.port, ("carol", "carolpw"), "alice", "presence");
    let again = status(
        &t.alice,
        &t.runtime,
        &["set", "away", "--note", "After the restart"],
    );
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(keeper_pid(&again), pid, "the same keeper reconnected");
    carol
        .wait_body_containing("After the restart", Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("sipp did not see it: {e}\n{}", carol.sipp.report()));
    assert!(
        wait_until(Duration::from_secs(5), || tcp_connection_to(
            pid, t.kam.port
        )),
        "a new TCP connection"
    );
    let clear = status(&t.alice, &t.runtime, &["clear"]);
    assert!(clear.status.success(), "{}", text(&clear));
    assert!(wait_until(Duration::from_secs(5), || !pid_alive(
        pid, "status"
    )));
}
