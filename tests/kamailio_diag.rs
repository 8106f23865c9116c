//! `switchboard check` and `switchboard trace` against a real Kamailio:
//! every connector status it can produce, and a trace that never shows
//! the password or its digest response (nor does the log).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::kamailio::Kamailio;
use support::proc::{run_dir, signal, wait_child, wait_until};
use support::watch::write_config;

const PASSWORD: &str = "Pw-diag-7f3qX";
const USERS: &[(&str, &str)] = &[
    ("attendant", PASSWORD),
    ("alice", "alicepw"),
    ("bob", "bobpw"),
];
/// `ghost` is no subscriber of the server: its subscriptions are refused (404).
const CONTACTS: &[(&str, &str)] = &[
    ("Alice Adams", "alice"),
    ("Bob Brown", "bob"),
    ("Nobody Here", "ghost"),
];

/// Runs `switchboard check` to its end: (exit code, stdout, stderr).
fn check(config: &Path) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(config)
        .arg("--log")
        .arg(config.with_file_name("switchboard.log"))
        .args(["check", "--timeout", "8"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn switchboard check");
    let status = wait_child(&mut child, Duration::from_secs(20)).expect("check ends by itself");
    let mut out = String::new();
    let mut err = String::new();
    let _ = child.stdout.take().unwrap().read_to_string(&mut out);
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    (status.code().unwrap_or(-1), out, err)
}

fn config(name: &str, port: u16, account: (&str, &str)) -> std::path::PathBuf {
    write_config(&run_dir(name), port, "udp", account, CONTACTS, "")
}

#[test]
fn check_reports_every_connector_status_of_a_real_kamailio() {
    let not_up = i32::from(switchboard::config::exit::NOT_UP);
    let mut kam = Kamailio::start(USERS);

    // Up and running: two contacts active, the stranger not found.
    let (code, out, err) = check(&config("check-up", kam.port, ("attendant", PASSWORD)));
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains(": up and running (since "), "{out}");
    assert!(out.contains("  presence: 2 active, 1 not found\n"), "{out}");
    assert!(out.contains("  dialog: 2 active, 1 not found\n"), "{out}");

    // A wrong password: forbidden, with the server's refusal.
    let (code, out, _) = check(&config("check-badpw", kam.port, ("attendant", "wrong")));
    assert_eq!(code, not_up, "{out}");
    assert!(out.contains(": forbidden (since "), "{out}");
    assert!(
        out.contains("last error: the server rejected the credentials of attendant"),
        "{out}"
    );

    // An account the server does not know: the test Kamailio answers auth_db's
    // "user unknown" with "403 Unknown User" (tests/kamailio/kamailio.cfg),
    // so this reads "credentials not found", not "forbidden".
    let (code, out, _) = check(&config("check-ghost", kam.port, ("ghost", "ghostpw")));
    assert_eq!(code, not_up, "{out}");
    assert!(out.contains(": credentials not found (since "), "{out}");
    assert!(
        out.contains("last error: the server does not know the account ghost (403 Unknown User)"),
        "{out}"
    );

    // The server down: connection error.
    let port = kam.port;
    kam.stop();
    let (code, out, _) = check(&config("check-down", port, ("attendant", PASSWORD)));
    assert_eq!(code, not_up, "{out}");
    assert!(out.contains(": connection error (since "), "{out}");
    assert!(out.contains("last error: "), "{out}");
}

#[test]
fn check_without_any_configuration_says_not_configured() {
    let dir = run_dir("check-none");
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env_remove("SWITCHBOARD_CONFIG")
        .env("XDG_CONFIG_HOME", &dir)
        .env("HOME", &dir)
        .arg("--log")
        .arg(dir.join("switchboard.log"))
        .arg("check")
        .stdin(Stdio::null())
        .output()
        .expect("run check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(i32::from(switchboard::config::exit::NOT_UP))
    );
    assert!(stdout.contains("not configured"), "{stdout}");
}

/// A UDP relay between switchboard and Kamailio that keeps every byte it
/// passes on: the test learns the digest responses really sent.
struct Relay {
    port: u16,
    seen: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
}

impl Relay {
    fn start(server: SocketAddr) -> Relay {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("relay socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let port = socket.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut client: Option<SocketAddr> = None;
            let mut buf = vec![0u8; 65_536];
            while !stop2.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                seen2.lock().unwrap().extend_from_slice(&buf[..n]);
                let to = if from == server {
                    match client {
                        Some(c) => c,
                        None => continue,
                    }
                } else {
                    client = Some(from);
                    server
                };
                let _ = socket.send_to(&buf[..n], to);
            }
        });
        Relay { port, seen, stop }
    }

    /// Every `response="..."` value that went through.
    fn digest_responses(&self) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.seen.lock().unwrap()).into_owned();
        text.split("response=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[test]
fn the_trace_and_the_log_never_show_the_password_or_its_digest_response() {
    let kam = Kamailio::start(USERS);
    let relay = Relay::start(format!("127.0.0.1:{}", kam.port).parse().unwrap());
    let cfg = config("trace-secrets", relay.port, ("attendant", PASSWORD));
    let log = cfg.with_file_name("switchboard.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env("SWITCHBOARD_LOG", "debug")
        .arg("--config")
        .arg(&cfg)
        .arg("--log")
        .arg(&log)
        .args(["trace", "--full"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn switchboard trace");
    let mut stdout = child.stdout.take().unwrap();
    let out = Arc::new(Mutex::new(String::new()));
    let out2 = out.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            out2.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    // Wait until credentials went out and were accepted (several answered
    // SUBSCRIBEs with credentials).
    let authorised = wait_until(Duration::from_secs(10), || {
        let o = out.lock().unwrap();
        o.matches("Authorization: Digest ***").count() >= 2
            && (o.contains("<- 200 OK (SUBSCRIBE)") || o.contains("<- 202 Accepted (SUBSCRIBE)"))
    });
    signal(child.id(), "TERM");
    let status = wait_child(&mut child, Duration::from_secs(10)).expect("trace ends on SIGTERM");
    assert!(status.success(), "{status:?}");
    let text = out.lock().unwrap().clone();
    assert!(authorised, "no authorised SUBSCRIBE in the trace:\n{text}");
    let responses = relay.digest_responses();
    assert!(!responses.is_empty(), "credentials went over the wire");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(logged.len() > 100, "the log was written");
    for secret in std::iter::once(PASSWORD.to_string()).chain(responses) {
        assert!(!text.contains(&secret), "{secret} in the trace:\n{text}");
        assert!(!logged.contains(&secret), "{secret} in the log");
    }
    // One line per message: time, direction, method, Call-ID, Event, peer.
    let line = text
        .lines()
        .find(|l| l.contains(" -> SUBSCRIBE "))
        .expect("a SUBSCRIBE line");
    assert!(
        line.contains(" presence ") || line.contains(" dialog "),
        "{line}"
    );
    assert!(
        line.ends_with(&format!("127.0.0.1:{}", relay.port)),
        "{line}"
    );
}
