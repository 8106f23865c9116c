//! The demo presence server against sipp, an independent SIP
//! implementation: SUBSCRIBE with digest (UDP and TCP), NOTIFYs on change
//! with dialog-info versions counting up, PUBLISH with digest.
//!
//! sipp (Debian package `sip-tester`) must be installed: without it these
//! tests fail and say so. Scenarios are in `tests/demo/`.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use switchboard::demo::{DemoHandle, DemoOptions, spawn};

const USER: &str = "reception";
const PASSWORD: &str = "s3cret";

/// A port free for UDP and TCP right now.
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Runs one sipp scenario (one call) against `demo`; Err with sipp's
/// output and error log when the call failed.
fn sipp(scenario: &str, transport: &str, service: &str, demo: SocketAddr) -> Result<(), String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/demo");
    let scenario = dir.join(scenario);
    let work = std::env::temp_dir().join(format!(
        "switchboard-demo-sipp-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let errors = work.join("errors.log");
    let (p, cp, mp) = (free_port(), free_port(), free_port());
    let output = Command::new("sipp")
        .current_dir(&work)
        .arg("-sf")
        .arg(&scenario)
        .args(["-i", "127.0.0.1", "-p", &p.to_string()])
        .args(["-ci", "127.0.0.1", "-cp", &cp.to_string()])
        .args(["-mi", "127.0.0.1", "-mp", &mp.to_string()])
        .args(["-t", transport, "-s", service, "-au", USER, "-ap", PASSWORD])
        .args(["-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin"])
        .arg("-trace_err")
        .arg("-error_file")
        .arg(&errors)
        .arg(demo.to_string())
        .stdin(Stdio::null())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!(
                "sipp is not installed (Debian package sip-tester): the demo server's sipp tests need it"
            )
        }
        Err(e) => panic!("cannot run sipp: {e}"),
    };
    if output.status.success() {
        let _ = std::fs::remove_dir_all(&work);
        return Ok(());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let tail: Vec<&str> = stdout.lines().rev().take(40).collect();
    Err(format!(
        "sipp {} failed ({}):\n--- errors ---\n{}\n--- stderr ---\n{}\n--- stdout (end) ---\n{}",
        scenario.display(),
        output.status,
        std::fs::read_to_string(&errors).unwrap_or_default(),
        String::from_utf8_lossy(&output.stderr),
        tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
    ))
}

async fn demo(opts: DemoOptions) -> DemoHandle {
    spawn(DemoOptions {
        credentials: Some((USER.into(), PASSWORD.into())),
        ..opts
    })
    .await
    .expect("the demo server starts")
}

/// The user part of the first person of the directory.
fn first_user(handle: &DemoHandle) -> String {
    let uri = &handle.contacts[0].uri;
    uri.trim_start_matches("sip:")
        .split('@')
        .next()
        .unwrap()
        .to_string()
}

async fn run(handle: DemoHandle, scenario: &'static str, transport: &'static str, service: String) {
    let addr = handle.addr;
    let result = tokio::task::spawn_blocking(move || sipp(scenario, transport, &service, addr))
        .await
        .expect("sipp runner");
    handle.shutdown().await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A quiet office (nothing changes during the test).
fn quiet() -> DemoOptions {
    DemoOptions {
        speed: 1e-6,
        ..DemoOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_subscribes_with_digest_gets_notify_and_unsubscribes_over_udp() {
    let handle = demo(quiet()).await;
    let user = first_user(&handle);
    run(handle, "subscribe_presence_digest.xml", "u1", user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_subscribes_with_digest_gets_notify_and_unsubscribes_over_tcp() {
    let handle = demo(quiet()).await;
    let user = first_user(&handle);
    run(handle, "subscribe_presence_digest.xml", "t1", user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_receives_dialog_notifies_on_change_with_versions_counting_up() {
    // One person whose line and presence change 20 times a second.
    let handle = demo(DemoOptions {
        contacts: 1,
        rate: Some(20.0),
        ..DemoOptions::default()
    })
    .await;
    let user = first_user(&handle);
    run(handle, "subscribe_dialog_changes.xml", "u1", user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_publishes_with_digest_and_a_watcher_sees_it() {
    let handle = demo(quiet()).await;
    run(handle, "publish_digest.xml", "u1", USER.to_string()).await;
}
