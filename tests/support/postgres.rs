//! A private PostgreSQL cluster for one test: `initdb` into a fresh folder
//! under /tmp owned by the `postgres` user (PostgreSQL refuses to run as
//! root; the tests run as root, so every server command goes through
//! `runuser -u postgres --`), `postgres` on a free 127.0.0.1 port with its
//! socket in that folder, readiness awaited with a deadline (a real
//! connection, not a sleep), stopped by the postmaster's own pid (read from
//! `postmaster.pid`) when the value drops.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::proc::{free_port, signal, wait_until};

/// How long a cluster may take to accept connections.
const READY: Duration = Duration::from_secs(30);

/// The folder with `initdb`, `postgres` (Debian keeps them off the PATH).
fn bin_dir() -> PathBuf {
    let base = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(base)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions
        .pop()
        .filter(|p| p.join("initdb").exists())
        .expect("PostgreSQL is not installed: run scripts/install-test-deps.sh")
}

fn as_postgres(program: &Path) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", "postgres", "--"]).arg(program);
    c
}

/// A running private cluster.
pub struct Postgres {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Postgres {
    /// initdb and start a cluster; panics (with its log) if it does not come up.
    pub fn start() -> Postgres {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = PathBuf::from(format!("/tmp/switchboard-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the cluster folder");
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .expect("run chown");
        assert!(status.success(), "chown postgres {}", dir.display());
        let out = as_postgres(&bin_dir().join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "-D",
            ])
            .arg(dir.join("data"))
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pg = Postgres {
            port: free_port(),
            dir,
            child: None,
        };
        pg.run();
        pg
    }

    fn run(&mut self) {
        let log = std::fs::File::create(self.dir.join("server.log")).expect("log file");
        let child = as_postgres(&bin_dir().join("postgres"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-p", &self.port.to_string(), "-k"])
            .arg(&self.dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start postgres");
        self.child = Some(child);
        let url = self.url();
        let ready = wait_until(READY, || {
            postgres::Client::connect(&url, postgres::NoTls).is_ok()
        });
        assert!(
            ready,
            "postgres did not accept connections:\n{}",
            self.log()
        );
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// The postmaster's pid (first line of `postmaster.pid`).
    fn postmaster_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Stop the server (fast shutdown) and wait for it to exit.
    pub fn stop(&mut self) {
        if let Some(pid) = self.postmaster_pid() {
            signal(pid, "INT");
        }
        if let Some(mut child) = self.child.take() {
            let _ = super::proc::wait_child(&mut child, Duration::from_secs(20));
        }
        let gone = wait_until(Duration::from_secs(20), || {
            !self.dir.join("data/postmaster.pid").exists()
        });
        assert!(gone, "postgres did not stop:\n{}", self.log());
    }

    /// Start again after [`Postgres::stop`], on the same port and data.
    pub fn resume(&mut self) {
        self.run();
    }

    /// Stop and start again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        self.run();
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.child.is_some() {
            if let Some(pid) = self.postmaster_pid() {
                signal(pid, "QUIT");
            }
            if let Some(mut child) = self.child.take() {
                let _ = super::proc::wait_child(&mut child, Duration::from_secs(10));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
