//! Own status end to end: `switchboard status set` → Kamailio → another
//! user's `switchboard watch` line, and what the idle keeper costs.
//!
//! `cargo bench --bench status_latency` (optional argument: the number of
//! changes, default 100). A real Kamailio on a free loopback port (the test
//! harness's), a watcher (`switchboard watch`) on alice, then N changes by
//! alice, alternating busy/away with a numbered note; each is timed from
//! just before `status set` starts (a new process: config, socket, PUBLISH,
//! its answer) to the watcher's JSON line carrying that note (Kamailio's
//! NOTIFY, our parsing, the line). Budget: p95 under 300 ms.
//!
//! Then the keeper is left alone for 20 s: its CPU time (utime + stime from
//! `/proc/PID/stat`) over that window and its resident memory (`VmRSS`).
//! Budget: no measurable CPU, under 10 MB (a release build: `cargo bench`
//! builds one; the debug binary of `cargo test` is larger). Linux only.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::kamailio::Kamailio;
use support::proc::run_dir;
use support::watch::{Watch, s, write_config};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After ")": state is field 3; utime 14 and stime 15 (1-based) → 11, 12.
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    n(11) + n(12)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as
    // a smoke test: a few changes and a short idle window.
    let measuring = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if measuring { 100 } else { 5 });
    let kam = Kamailio::start(&[("attendant", "secret"), ("alice", "alicepw")]);
    let dir = run_dir("status-bench");
    let runtime = dir.join("run");
    let alice = write_config(
        &dir.join("alice"),
        kam.port,
        "udp",
        ("alice", "alicepw"),
        &[],
        "",
    );
    let attendant = write_config(
        &dir.join("attendant"),
        kam.port,
        "udp",
        ("attendant", "secret"),
        &[("Alice Adams", "alice")],
        "",
    );
    let mut watch = Watch::start(&attendant, &[]);
    watch.snapshot(1, Duration::from_secs(10));
    let set = |state: &str, note: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--config")
            .arg(&alice)
            .args(["status", "set", state, "--note", note])
            .env("SWITCHBOARD_RUNTIME_DIR", &runtime)
            .output()
            .expect("status set")
    };
    // The first set also starts the keeper: not counted.
    let first = set("available", "warm-up");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    watch.wait_for(Duration::from_secs(5), "warm-up", |l| {
        s(l, "note") == "warm-up"
    });
    let pid: u32 = String::from_utf8_lossy(&first.stdout)
        .split("keeper pid ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .expect("the keeper's pid");
    let mut took = Vec::with_capacity(n);
    for i in 0..n {
        let state = if i % 2 == 0 { "busy" } else { "away" };
        let note = format!("change {i}");
        let start = Instant::now();
        let out = set(state, &note);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        watch.wait_for(Duration::from_secs(5), &note, |l| s(l, "note") == note);
        took.push(start.elapsed());
    }
    took.sort();
    println!(
        "status set -> watcher line, {n} changes: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (budget p95 < 300 ms)",
        percentile(&took, 0.5).as_secs_f64() * 1e3,
        percentile(&took, 0.95).as_secs_f64() * 1e3,
        took.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    let window = Duration::from_secs(if measuring { 20 } else { 2 });
    let before = cpu_ticks(pid);
    std::thread::sleep(window);
    let ticks = cpu_ticks(pid) - before;
    println!(
        "idle keeper over {window:?}: {ticks} CPU ticks (1 tick = 10 ms; {:.3}% of a core), VmRSS {:.1} MB (budget < 10 MB)",
        ticks as f64 * 10.0 / (window.as_secs_f64() * 1e3) * 100.0,
        rss_kib(pid) as f64 / 1024.0
    );
    let clear = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(&alice)
        .args(["status", "clear"])
        .env("SWITCHBOARD_RUNTIME_DIR", &runtime)
        .output()
        .expect("status clear");
    assert!(clear.status.success());
    drop(kam);
}
