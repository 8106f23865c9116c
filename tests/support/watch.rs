//! Runs the real `switchboard watch` binary and collects its JSON lines.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A contact for the generated configuration: (name, user).
pub type Contact<'a> = (&'a str, &'a str);

/// Writes a config.toml for a server on 127.0.0.1:`port` and returns its path.
pub fn write_config(
    dir: &Path,
    port: u16,
    transport: &str,
    account: (&str, &str),
    contacts: &[Contact],
    extra: &str,
) -> PathBuf {
    std::fs::create_dir_all(dir).expect("config dir");
    let mut text = format!(
        "[account]\nuri = \"sip:{}@127.0.0.1\"\npassword = \"{}\"\n[server]\naddress = \"127.0.0.1:{port}\"\ntransport = \"{transport}\"\n{extra}\n",
        account.0, account.1
    );
    for (name, user) in contacts {
        text.push_str(&format!(
            "[[contact]]\nname = \"{name}\"\nuri = \"sip:{user}@127.0.0.1\"\n"
        ));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    path
}

/// A running `switchboard watch`; killed on drop (by its own pid).
pub struct Watch {
    child: Child,
    lines: Receiver<Value>,
    /// Every line seen so far, with the instant it arrived.
    pub seen: Vec<(Instant, Value)>,
}

impl Watch {
    pub fn start(config: &Path, args: &[&str]) -> Watch {
        Self::start_with_stderr(config, args, Stdio::piped())
    }

    /// [`Watch::start`] with stderr going to `stderr` (e.g. a file to read).
    pub fn start_with_stderr(config: &Path, args: &[&str], stderr: Stdio) -> Watch {
        let log = config.with_file_name("switchboard.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--config")
            .arg(config)
            .arg("--log")
            .arg(&log)
            .arg("watch")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn switchboard watch");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Watch {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Waits until a line satisfies `pred`; returns it. Panics with what was
    /// seen when `timeout` passes.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        what: &str,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push((Instant::now(), v.clone()));
                    if pred(&v) {
                        return v;
                    }
                }
                Err(_) => panic!("timed out waiting for {what}; lines seen:\n{}", self.dump()),
            }
        }
    }

    /// [`Watch::wait_for`] that gives up quietly: `None` at the deadline.
    pub fn try_wait_for(
        &mut self,
        timeout: Duration,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self.lines.recv_timeout(left).ok()?;
            self.seen.push((Instant::now(), v.clone()));
            if pred(&v) {
                return Some(v);
            }
        }
    }

    /// Waits until the latest line of every one of `contacts` (URIs)
    /// satisfies `pred`, whatever order the lines come in.
    pub fn wait_for_all(
        &mut self,
        timeout: Duration,
        what: &str,
        contacts: &[String],
        pred: impl Fn(&Value) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        let holds = |seen: &[(Instant, Value)]| {
            contacts.iter().all(|c| {
                seen.iter()
                    .rev()
                    .find(|(_, l)| l.get("contact").and_then(Value::as_str) == Some(c.as_str()))
                    .is_some_and(|(_, l)| pred(l))
            })
        };
        while !holds(&self.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => self.seen.push((Instant::now(), v)),
                Err(_) => panic!("timed out waiting for {what}; lines seen:\n{}", self.dump()),
            }
        }
    }

    /// Waits for the snapshot: one line per contact.
    pub fn snapshot(&mut self, contacts: usize, timeout: Duration) -> Vec<Value> {
        let mut out = Vec::new();
        for _ in 0..contacts {
            out.push(self.wait_for(timeout, "the snapshot", |_| true));
        }
        out
    }

    pub fn dump(&self) -> String {
        self.seen
            .iter()
            .map(|(_, v)| v.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// What `watch` writes on stderr, line by line, from now on (read by
    /// a thread; call once).
    pub fn stderr(&mut self) -> Receiver<String> {
        let (tx, rx) = channel();
        if let Some(err) = self.child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        rx
    }

    /// The process id (for signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself (killed at the deadline:
    /// `Err`).
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<std::process::ExitStatus, String> {
        super::proc::wait_child(&mut self.child, timeout)
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `switchboard watch --once` to the end: (exit code, stdout lines, stderr).
pub fn once(config: &Path, timeout_secs: u32) -> (i32, Vec<Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(config)
        .arg("--log")
        .arg(config.with_file_name("switchboard.log"))
        .args(["watch", "--once", "--timeout", &timeout_secs.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("run switchboard watch --once");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The field `key` of a line as a string ("" when absent or null).
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}
