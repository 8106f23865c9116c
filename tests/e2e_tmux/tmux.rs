//! A private tmux server for one test: its own socket (`-L` name, socket
//! folder inside the test's run folder), no user configuration, one
//! detached 100x30 session running a shell script. Killed (only this
//! server) when the value drops, also when the test panics.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::support::proc::POLL;

pub const WIDTH: u16 = 100;
pub const HEIGHT: u16 = 30;

/// One tmux server with one session; `kill-server` on drop.
pub struct Tmux {
    socket: String,
    /// `TMUX_TMPDIR`: the server's socket lives here, not in /tmp.
    socket_dir: PathBuf,
    /// The run folder (HOME, XDG folders and the script's files); removed
    /// on drop unless the test failed.
    pub dir: PathBuf,
}

impl Tmux {
    /// Starts a server with a session of [`WIDTH`]x[`HEIGHT`] running
    /// `sh script`, with a UTF-8 locale, HOME and XDG folders inside `dir`
    /// (nothing of the user's is read or written) and `env` on top.
    pub fn start(dir: &Path, script: &Path, env: &[(&str, &str)]) -> Tmux {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let socket = format!(
            "sb-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let socket_dir = dir.join("tmux");
        std::fs::create_dir_all(&socket_dir).expect("tmux socket folder");
        let conf = dir.join("tmux.conf");
        // No status line: the pane is the whole 100x30 window.
        std::fs::write(
            &conf,
            "set -g status off\nset -g history-limit 0\nset -g escape-time 0\n",
        )
        .expect("tmux.conf");
        let t = Tmux {
            socket,
            socket_dir,
            dir: dir.to_path_buf(),
        };
        let mut cmd = t.command();
        cmd.arg("-f").arg(&conf).args([
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &WIDTH.to_string(),
            "-y",
            &HEIGHT.to_string(),
        ]);
        for (k, v) in env {
            cmd.arg("-e").arg(format!("{k}={v}"));
        }
        cmd.arg(format!("sh {}", script.display()));
        let out = cmd.output().expect("cannot run tmux (is it installed?)");
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    /// A tmux command on this server, with the isolated environment.
    fn command(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-u")
            .arg("-L")
            .arg(&self.socket)
            .env("TMUX_TMPDIR", &self.socket_dir)
            .env("HOME", &self.dir)
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("LC_ALL", "C.UTF-8")
            .env("LANG", "C.UTF-8")
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env_remove("NO_COLOR")
            .env_remove("SWITCHBOARD_CONFIG")
            .env_remove("SWITCHBOARD_LOG");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self
            .command()
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux {args:?}: {e}"));
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The visible pane as text, one string per row.
    pub fn capture(&self) -> Vec<String> {
        let out = self.run(&["capture-pane", "-p", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The visible pane with its SGR escapes (`capture-pane -e`).
    pub fn capture_escapes(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-e", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "e2e", "-l", text]);
    }

    /// Sends one key by tmux name (`C-q`, `F1`, `Escape`).
    pub fn key(&self, name: &str) {
        self.run(&["send-keys", "-t", "e2e", name]);
    }

    /// A pane format, e.g. `#{alternate_on}`.
    pub fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "e2e", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the pane until `pred` holds; returns that capture. Panics with
    /// the last capture and `context()` (e.g. a log tail) at the deadline.
    pub fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        mut pred: impl FnMut(&[String]) -> bool,
        context: impl Fn() -> String,
    ) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; the pane:\n{}\n{}",
                    screen.join("\n"),
                    context()
                );
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Only our own server: its socket name in its own socket folder.
        let _ = self.command().arg("kill-server").output();
        if std::thread::panicking() {
            eprintln!("e2e run folder kept for inspection: {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Whether any row contains `needle`.
pub fn shows(screen: &[String], needle: &str) -> bool {
    screen.iter().any(|l| l.contains(needle))
}

/// The row containing `needle`.
pub fn row_with<'a>(screen: &'a [String], needle: &str) -> Option<&'a str> {
    screen
        .iter()
        .find(|l| l.contains(needle))
        .map(String::as_str)
}
