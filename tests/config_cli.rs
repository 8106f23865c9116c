//! The real binary with a bad configuration: it exits with
//! `config::exit::CONFIG` and says file, line and key for every mistake,
//! before any socket, demo server or terminal exists; the exit codes it
//! uses are the ones `switchboard::config::exit` defines.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

use std::io::ErrorKind;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::proc::{run_dir, wait_child};
use switchboard::config::exit;

/// How long a rejected configuration may take to end the process.
const EXIT_DEADLINE: Duration = Duration::from_secs(20);

/// A "server" the configuration points at: bound for UDP and TCP on one
/// loopback port, so anything the binary sends or connects is caught.
struct Listener {
    udp: UdpSocket,
    tcp: TcpListener,
    port: u16,
}

impl Listener {
    fn bind() -> Listener {
        for _ in 0..50 {
            let udp = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
            let port = udp.local_addr().expect("local address").port();
            if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)) {
                udp.set_nonblocking(true).expect("non-blocking UDP");
                tcp.set_nonblocking(true).expect("non-blocking TCP");
                return Listener { udp, tcp, port };
            }
        }
        panic!("no UDP+TCP port pair on 127.0.0.1");
    }

    /// Nothing arrived over UDP and nobody connected over TCP.
    fn assert_untouched(&self) {
        let mut buf = [0u8; 2048];
        match self.udp.recv_from(&mut buf) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Ok((n, from)) => panic!(
                "{n} bytes from {from}: {}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e) => panic!("recv: {e}"),
        }
        match self.tcp.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Ok((_, from)) => panic!("a TCP connection from {from}"),
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// Writes `text` as `config.toml` in a fresh folder.
fn config_file(kind: &str, text: &[u8]) -> (PathBuf, PathBuf) {
    let dir = run_dir(kind);
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("config written");
    (dir, path)
}

/// Runs the binary (`args` after `--config FILE`) to its end: exit code
/// and stderr.
fn run(dir: &Path, config: &Path, args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(config)
        .arg("--log")
        .arg(dir.join("switchboard.log"))
        .args(args)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("SWITCHBOARD_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("switchboard starts");
    let status = wait_child(&mut child, EXIT_DEADLINE).expect("switchboard exits");
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        std::io::Read::read_to_string(&mut err, &mut stderr).expect("stderr read");
    }
    (status.code().unwrap_or(-1), stderr)
}

fn valid_head(port: u16) -> String {
    format!(
        "[account]\nuri = \"sip:attendant@127.0.0.1\"\n[server]\naddress = \"127.0.0.1:{port}\"\n\
         [[contact]]\nname = \"Alice\"\nuri = \"sip:alice@127.0.0.1\"\n"
    )
}

#[test]
fn a_bad_key_binding_exits_2_with_file_and_line_and_opens_no_socket() {
    let server = Listener::bind();
    // Line 9 of the file holds the binding.
    let text = format!("{}[keys]\nquit = \"x\"\n", valid_head(server.port));
    let (dir, path) = config_file("config-cli-keys", text.as_bytes());
    // The console (no subcommand) and `watch` alike.
    for args in [&[][..], &["watch", "--once"][..]] {
        let (code, stderr) = run(&dir, &path, args);
        assert_eq!(code, i32::from(exit::CONFIG), "{args:?}: {stderr}");
        let place = format!("{}:9: key keys.quit:", path.display());
        assert!(stderr.contains(&place), "{args:?}: {stderr}");
        assert!(stderr.contains("\"x\" cannot carry a command"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        server.assert_untouched();
    }
}

#[test]
fn every_mistake_is_reported_in_line_order_in_one_run() {
    let server = Listener::bind();
    let text = format!(
        "{}[subscribe]\nexpires = 5\n[keys]\nmake_coffee = \"F5\"\n[[contact]]\nname = \"\"\nuri = \"sip:b@127.0.0.1\"\n",
        valid_head(server.port)
    );
    let (dir, path) = config_file("config-cli-many", text.as_bytes());
    let (code, stderr) = run(&dir, &path, &["watch", "--once"]);
    assert_eq!(code, i32::from(exit::CONFIG), "{stderr}");
    let places: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("switchboard: "))
        .filter_map(|l| l.strip_prefix(&*path.to_string_lossy()))
        .filter_map(|l| l.split(": key ").next())
        .collect();
    assert_eq!(places, [":9", ":11", ":13"], "{stderr}");
    for key in ["subscribe.expires", "keys.make_coffee", "contact[2].name"] {
        assert!(stderr.contains(key), "{key}: {stderr}");
    }
    server.assert_untouched();
}

#[test]
fn control_characters_in_a_value_never_reach_stderr_raw() {
    let server = Listener::bind();
    let text = format!(
        "{}[[contact]]\nname = \"B\"\nuri = \"sip:b@127.0.0.1\\r\\n\\u001b]0;owned\\u0007\"\n",
        valid_head(server.port)
    );
    let (dir, path) = config_file("config-cli-ctl", text.as_bytes());
    let (code, stderr) = run(&dir, &path, &["watch", "--once"]);
    assert_eq!(code, i32::from(exit::CONFIG), "{stderr}");
    assert!(
        !stderr.contains(['\r', '\u{1b}', '\u{7}']),
        "raw control characters: {stderr:?}"
    );
    assert!(
        stderr.contains(r"sip:b@127.0.0.1\r\n\u{1b}]0;owned\u{7}"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
}

#[test]
fn a_non_utf8_file_is_named_with_the_place_of_the_bad_byte() {
    let (dir, path) = config_file(
        "config-cli-utf8",
        b"[account]\nuri = \"sip:attendant@127.0.0.1\"\n# caf\xe9\n",
    );
    let (code, stderr) = run(&dir, &path, &["watch", "--once"]);
    assert_eq!(code, i32::from(exit::CONFIG), "{stderr}");
    assert!(
        stderr.contains("is not UTF-8") && stderr.contains("line 3, column 6"),
        "{stderr}"
    );
    assert!(!stderr.contains("create the file"), "{stderr}");
}

#[test]
fn a_missing_file_exits_2_and_starts_no_demo() {
    let dir = run_dir("config-cli-missing");
    let path = dir.join("nope.toml");
    let (code, stderr) = run(&dir, &path, &["watch", "--once"]);
    assert_eq!(code, i32::from(exit::CONFIG), "{stderr}");
    assert!(
        stderr.contains("cannot read the configuration file"),
        "{stderr}"
    );
}
