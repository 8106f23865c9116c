//! A private PostgreSQL cluster for one test: `initdb` into a fresh folder
//! under /tmp owned by the `postgres` user (PostgreSQL refuses to run as
//! root; the tests run as root, so every server command goes through
//! `runuser -u postgres --`), `postgres` on a free 127.0.0.1 port with its
//! socket in that folder, readiness awaited with a deadline (a real
//! connection, not a sleep), stopped by the postmaster's own pid (read from
//! `postmaster.pid`) when the value drops.
//!
//! [`Postgres::start_tls`] also turns `ssl = on` with a certificate made by
//! the test (the `openssl` CLI): a private CA and a server certificate for
//! `127.0.0.1`/`localhost` signed by it, so a client can check the server's
//! identity against the CA ([`Postgres::ca_file`]). Connections are logged
//! (`log_connections`), so a test can see in [`Postgres::log`] that a
//! session was encrypted ("SSL enabled").

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
    /// `-c name=value` settings beyond the defaults (kept for restarts).
    settings: Vec<String>,
}

/// Run the `openssl` CLI in `dir`; panics with its output if it fails.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA and a server certificate for 127.0.0.1/localhost in `dir`:
/// `ca.pem`, `server.pem`, `server.key`. EC keys: made in milliseconds.
fn make_certificates(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the tls folder");
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    let mut ca = vec!["req", "-x509", "-nodes", "-days", "2"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=switchboard test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-nodes"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
}

impl Postgres {
    /// initdb and start a cluster; panics (with its log) if it does not come up.
    pub fn start() -> Postgres {
        Self::start_with(false)
    }

    /// [`Postgres::start`] with `ssl = on` and a certificate signed by a
    /// test CA ([`Postgres::ca_file`]).
    pub fn start_tls() -> Postgres {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Postgres {
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
        let mut settings = vec!["listen_addresses=127.0.0.1".to_string()];
        if tls {
            let tls_dir = dir.join("tls");
            make_certificates(&tls_dir);
            // The server refuses a key others can read; it runs as postgres.
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&tls_dir)
                .status()
                .expect("run chown");
            assert!(status.success(), "chown {}", tls_dir.display());
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(
                tls_dir.join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .expect("chmod server.key");
            settings.extend([
                "ssl=on".to_string(),
                format!("ssl_cert_file={}", tls_dir.join("server.pem").display()),
                format!("ssl_key_file={}", tls_dir.join("server.key").display()),
                "log_connections=on".to_string(),
            ]);
        }
        let mut pg = Postgres {
            port: free_port(),
            dir,
            child: None,
            settings,
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
            .args(self.settings.iter().flat_map(|s| ["-c", s.as_str()]))
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

    /// The test CA that signed the server certificate ([`Postgres::start_tls`]).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("tls/ca.pem")
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
