//! `switchboard watch` against the embedded demo server run standalone
//! (`switchboard demo-server`): the engine's interop scenarios again, over
//! the same SIP path the console uses.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use support::proc::{free_port, run_dir};
use support::sipp;
use support::watch::{Watch, once, s};

const USER: &str = "kwame.mensah";
const PASSWORD: &str = "demo-secret";

/// A standalone demo server; killed on drop.
struct Demo {
    child: Child,
    port: u16,
    snippet: String,
}

impl Demo {
    fn start(contacts: usize, speed: f64, password: &str) -> Demo {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args([
                "demo-server",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--contacts",
                &contacts.to_string(),
            ])
            .args([
                "--seed",
                "7",
                "--speed",
                &speed.to_string(),
                "--user",
                USER,
                "--password",
                password,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn demo-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // The snippet names the account and then every contact's URI.
        let mut snippet = String::new();
        let mut uris = 0;
        let deadline = Instant::now() + Duration::from_secs(10);
        while uris < contacts + 1 {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no config snippet from demo-server:\n{snippet}"));
            uris += usize::from(line.starts_with("uri = "));
            snippet.push_str(&line);
            snippet.push('\n');
        }
        // The rest of the last contact (extension, department).
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
            snippet.push_str(&line);
            snippet.push('\n');
        }
        Demo {
            child,
            port,
            snippet,
        }
    }

    fn config(&self, name: &str, password: Option<&str>) -> std::path::PathBuf {
        let dir = run_dir(name);
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = self.snippet.clone();
        if let Some(p) = password {
            text = text.replace(
                &format!("password = \"{PASSWORD}\""),
                &format!("password = \"{p}\""),
            );
        }
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const AWAY_PIDF: &str = r#"<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:kwame.mensah@127.0.0.1"><tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:away/></rpid:activities><dm:note>Back in 5 minutes</dm:note></dm:person></presence>"#;

#[test]
fn a_status_change_published_to_the_demo_reaches_watch() {
    let demo = Demo::start(10, 1.0, PASSWORD);
    let cfg = demo.config("demo-watch-publish", None);
    let mut w = Watch::start(&cfg, &[]);
    let snap = w.snapshot(10, Duration::from_secs(10));
    assert!(
        snap.iter().all(|l| s(l, "subscription") == "active"),
        "{snap:?}"
    );
    let sent = Instant::now();
    sipp::publish(demo.port, USER, PASSWORD, AWAY_PIDF).expect("the demo accepts the PUBLISH");
    let me = format!("sip:{USER}@127.0.0.1");
    let line = w.wait_for(Duration::from_secs(5), "kwame away", |l| {
        s(l, "contact") == me && s(l, "presence") == "away"
    });
    assert_eq!(s(&line, "note"), "Back in 5 minutes");
    assert!(
        sent.elapsed() < Duration::from_secs(1),
        "took {:?}",
        sent.elapsed()
    );
}

#[test]
fn a_simulated_call_rings_then_becomes_active_then_ready() {
    let demo = Demo::start(40, 120.0, PASSWORD);
    let cfg = demo.config("demo-watch-call", None);
    let mut w = Watch::start(&cfg, &[]);
    w.snapshot(40, Duration::from_secs(10));
    // Per contact: the line states seen in order, repeats removed.
    let mut lines: HashMap<String, Vec<String>> = HashMap::new();
    let done = |seq: &Vec<String>| {
        let ring = seq.iter().position(|x| x == "ringing");
        ring.is_some_and(|r| {
            let rest = &seq[r..];
            rest.iter()
                .position(|x| x == "active")
                .is_some_and(|a| rest[a..].iter().any(|x| x == "ready"))
        })
    };
    let line = w.wait_for(
        Duration::from_secs(90),
        "a call: ringing, active, ready",
        |l| {
            let seq = lines.entry(s(l, "contact").to_string()).or_default();
            let state = s(l, "line").to_string();
            if seq.last() != Some(&state) {
                seq.push(state);
            }
            done(seq)
        },
    );
    assert_eq!(line["stale"], false);
}

#[test]
fn a_wrong_password_for_the_demo_exits_3() {
    let demo = Demo::start(5, 1.0, PASSWORD);
    let cfg = demo.config("demo-watch-badpw", Some("not-the-password"));
    let (code, lines, stderr) = once(&cfg, 10);
    assert_eq!(
        code,
        i32::from(switchboard::config::exit::SERVER),
        "{stderr}"
    );
    assert!(lines.is_empty());
    assert!(stderr.contains("rejects our credentials"), "{stderr}");
}

/// RFC 3261 19.1.4: `sip:x@h` and `sip:x@h:5060` are two URIs, so the
/// configuration accepts both and each is its own line in `watch`, with its
/// own answer from the server.
#[test]
fn a_uri_with_and_without_the_default_port_are_two_contacts_in_watch() {
    let demo = Demo::start(3, 1.0, PASSWORD);
    let cfg = demo.config("demo-watch-twin-uris", None);
    let text = std::fs::read_to_string(&cfg).unwrap();
    let first = text
        .lines()
        .skip_while(|l| !l.starts_with("[[contact]]"))
        .find_map(|l| l.strip_prefix("uri = "))
        .expect("a contact URI")
        .trim_matches('"')
        .to_string();
    assert!(!first.contains(":5060"), "{first}");
    let twin = format!("{first}:5060");
    std::fs::write(
        &cfg,
        format!("{text}\n[[contact]]\nname = \"Twin\"\nuri = \"{twin}\"\n"),
    )
    .unwrap();
    let (code, lines, stderr) = once(&cfg, 10);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines.len(), 4, "{lines:?}");
    for uri in [&first, &twin] {
        let line = lines
            .iter()
            .find(|l| s(l, "contact") == uri.as_str())
            .unwrap_or_else(|| panic!("no line for {uri}: {lines:?}"));
        assert_eq!(s(line, "subscription"), "active", "{line}");
    }
}
