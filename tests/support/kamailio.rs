//! A real Kamailio 5.6 presence server on 127.0.0.1, one per test, from
//! `tests/kamailio/kamailio.cfg` via `tests/kamailio/run.sh` (the same path
//! `scripts/scale.sh` uses).
//!
//! Domain `127.0.0.1`; users from the list given to [`Kamailio::start`]
//! (digest auth, 401). Presence, presence.winfo and dialog (calls through
//! the server become dialog-info NOTIFYs). See the config's header for the
//! answers to expect (403 auth user ≠ From user, 404 unknown user, 489
//! unknown event).

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use super::proc::free_port;
use super::proc::{self, pid_alive, pids_with, repo_root, run_dir, tail, wait_until};

/// How long Kamailio may take to answer its first OPTIONS.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long Kamailio may take to exit after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// A running Kamailio; stopped (by its own pid) on drop.
pub struct Kamailio {
    /// UDP and TCP port on 127.0.0.1.
    pub port: u16,
    /// Run folder: kamailio.cfg, kamailio.sqlite, kamailio.log, kamailio.pid.
    pub dir: PathBuf,
    pid: u32,
    users_file: PathBuf,
    /// `RLS_LIST` for run.sh: the resource list served (None: no rls).
    list: Option<String>,
    /// `KAM_TLS=1` for run.sh: `tls.cfg` and `tls-listen.cfg` are in `dir`.
    tls: bool,
    /// `REGINFO=1` for run.sh: registration state (RFC 3680) is served.
    reginfo: bool,
}

/// A TLS listener of [`Kamailio::start_tls`]: the certificate chain and the
/// private key (PEM files) it presents.
pub struct TlsListener {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Kamailio {
    /// Starts an instance with these (user, password) accounts on a free port
    /// and waits until it answers OPTIONS. Panics with the log on failure.
    pub fn start(users: &[(&str, &str)]) -> Kamailio {
        let lines: Vec<String> = users.iter().map(|(u, p)| format!("{u} {p}")).collect();
        Self::start_with_lines(&lines)
    }

    /// Starts an instance with `count` users `user0001`.. sharing `password`.
    pub fn start_numbered(count: usize, password: &str) -> Kamailio {
        let lines: Vec<String> = (1..=count)
            .map(|i| format!("{} {password}", numbered_user(i)))
            .collect();
        Self::start_with_lines(&lines)
    }

    /// Starts an instance with these (user, password) accounts that also
    /// serves the resource list `sip:<list>@127.0.0.1` of every user to the
    /// watcher `attendant` (Kamailio's rls module; see run.sh).
    pub fn start_with_list(users: &[(String, String)], list: &str) -> Kamailio {
        let lines: Vec<String> = users.iter().map(|(u, p)| format!("{u} {p}")).collect();
        Self::start_lines(&lines, Some(list.to_string()))
    }

    /// Starts an instance with these accounts that also speaks SIP over TLS
    /// on one free port per listener (returned in the same order), each
    /// presenting its own certificate (`tls.cfg` profiles per address).
    pub fn start_tls(users: &[(&str, &str)], listeners: &[TlsListener]) -> (Kamailio, Vec<u16>) {
        let lines: Vec<String> = users.iter().map(|(u, p)| format!("{u} {p}")).collect();
        let dir = run_dir("kamailio-tls");
        let ports: Vec<u16> = listeners.iter().map(|_| free_port()).collect();
        let mut listen = String::new();
        let mut cfg = String::new();
        for (l, port) in listeners.iter().zip(&ports) {
            listen.push_str(&format!("listen=tls:127.0.0.1:{port}\n"));
            cfg.push_str(&format!(
                "[server:127.0.0.1:{port}]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\nprivate_key = {}\ncertificate = {}\n\n",
                l.key.display(),
                l.cert.display()
            ));
        }
        if let Some(first) = listeners.first() {
            cfg.push_str(&format!(
                "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\nprivate_key = {}\ncertificate = {}\n\n[client:default]\nverify_certificate = no\nrequire_certificate = no\n",
                first.key.display(),
                first.cert.display()
            ));
        }
        std::fs::write(dir.join("tls-listen.cfg"), listen).expect("write tls-listen.cfg");
        std::fs::write(dir.join("tls.cfg"), cfg).expect("write tls.cfg");
        (Self::start_in(dir, &lines, None, true, false), ports)
    }

    fn start_with_lines(lines: &[String]) -> Kamailio {
        Self::start_lines(lines, None)
    }

    /// Starts an instance with these accounts that also serves each user's
    /// registration state (`Event: reg`, modules presence_reginfo and
    /// pua_reginfo: a REGISTER is published as reginfo; see run.sh).
    pub fn start_with_reginfo(users: &[(&str, &str)]) -> Kamailio {
        let lines: Vec<String> = users.iter().map(|(u, p)| format!("{u} {p}")).collect();
        Self::start_in(run_dir("kamailio"), &lines, None, false, true)
    }

    fn start_lines(lines: &[String], list: Option<String>) -> Kamailio {
        Self::start_in(run_dir("kamailio"), lines, list, false, false)
    }

    fn start_in(
        dir: PathBuf,
        lines: &[String],
        list: Option<String>,
        tls: bool,
        reginfo: bool,
    ) -> Kamailio {
        ensure_installed();
        for line in lines {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(
                fields.len(),
                2,
                "user and password must be non-empty without spaces: {line:?}"
            );
        }
        let users_file = dir.join("users.txt");
        std::fs::write(&users_file, lines.join("\n") + "\n")
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", users_file.display()));
        // The port is free when chosen but another process may take it before
        // kamailio binds it: try again with another one.
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            match launch(&dir, port, &users_file, list.as_deref(), tls, reginfo) {
                Ok(pid) => {
                    return Kamailio {
                        port,
                        dir,
                        pid,
                        users_file,
                        list,
                        tls,
                        reginfo,
                    };
                }
                Err(e) => {
                    stop_instance(&dir, 0);
                    last_error = e;
                }
            }
        }
        panic!("kamailio did not start: {last_error}");
    }

    /// Stops the instance (SIGTERM, SIGKILL after 5 s) and waits until all
    /// its processes are gone. Idempotent.
    pub fn stop(&mut self) {
        stop_instance(&self.dir, self.pid);
        self.pid = 0;
    }

    /// Stops and starts again on the same port with the same users (all
    /// subscriptions and publications are lost: they live in memory).
    pub fn restart(&mut self) {
        self.stop();
        // Another test's free_port() probe may hold the port for an instant.
        let mut last_error = String::new();
        for _ in 0..3 {
            match launch(
                &self.dir,
                self.port,
                &self.users_file,
                self.list.as_deref(),
                self.tls,
                self.reginfo,
            ) {
                Ok(pid) => {
                    self.pid = pid;
                    return;
                }
                Err(e) => {
                    stop_instance(&self.dir, 0);
                    last_error = e;
                }
            }
        }
        panic!(
            "kamailio did not restart on port {}: {last_error}",
            self.port
        );
    }

    /// The last 60 lines of the log.
    pub fn log_tail(&self) -> String {
        tail(&self.dir.join("kamailio.log"), 60)
    }

    /// The whole log (all starts of this instance).
    pub fn log(&self) -> String {
        std::fs::read(self.dir.join("kamailio.log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// "127.0.0.1:PORT"
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// "sip:USER@127.0.0.1"
    pub fn aor(&self, user: &str) -> String {
        format!("sip:{user}@127.0.0.1")
    }

    /// The main process id (0 when stopped).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Kamailio's counters (`kamcmd stats.get_statistics all`), e.g.
    /// `core:rcv_requests_subscribe = 12`.
    pub fn stats(&self) -> Result<String, String> {
        let out = Command::new(run_sh())
            .args(["stats", &self.dir.to_string_lossy()])
            .output()
            .map_err(|e| format!("run.sh stats: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!(
                "kamailio run folder kept for inspection: {}",
                self.dir.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Kamailio's command line holds the path of the config in its run folder.
fn marker(dir: &Path) -> String {
    dir.join("kamailio.cfg").to_string_lossy().into_owned()
}

fn log_tail(dir: &Path) -> String {
    tail(&dir.join("kamailio.log"), 60)
}

/// SIGTERM to `pid` (SIGKILL after 5 s), then waits until every process of
/// the instance in `dir` is gone (children may outlive a SIGKILLed parent).
fn stop_instance(dir: &Path, pid: u32) {
    let marker = marker(dir);
    if pid != 0 && pid_alive(pid, &marker) {
        proc::signal(pid, "TERM");
        if !wait_until(STOP_TIMEOUT, || !pid_alive(pid, &marker)) {
            eprintln!("kamailio {pid} ignored SIGTERM for {STOP_TIMEOUT:?}: SIGKILL");
            proc::signal(pid, "KILL");
        }
    }
    if !wait_until(STOP_TIMEOUT, || pids_with(&marker).is_empty()) {
        for pid in pids_with(&marker) {
            proc::signal(pid, "KILL");
        }
        wait_until(STOP_TIMEOUT, || pids_with(&marker).is_empty());
    }
}

/// `run.sh start` without its own wait, then our OPTIONS wait. Returns the
/// main pid.
fn launch(
    dir: &Path,
    port: u16,
    users_file: &Path,
    list: Option<&str>,
    tls: bool,
    reginfo: bool,
) -> Result<u32, String> {
    let started = Instant::now();
    let mut cmd = Command::new(run_sh());
    cmd.arg("start")
        .arg(dir)
        .arg(port.to_string())
        .arg(users_file)
        .env("KAM_NO_WAIT", "1");
    if let Some(list) = list {
        cmd.env("RLS_LIST", list).env("KAM_SHM_MB", "256");
    }
    if tls {
        cmd.env("KAM_TLS", "1");
    }
    if reginfo {
        cmd.env("REGINFO", "1");
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run run.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "run.sh start failed:\n{}{}\n--- kamailio.log ---\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            log_tail(dir)
        ));
    }
    let pid_file = dir.join("kamailio.pid");
    let pid = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| format!("no pid in {}", pid_file.display()))?;
    wait_ready(dir, port, pid)?;
    eprintln!(
        "kamailio pid {pid} ready on 127.0.0.1:{port} after {:?} ({})",
        started.elapsed(),
        dir.display()
    );
    Ok(pid)
}

/// Sends OPTIONS every 50 ms until one is answered 200.
fn wait_ready(dir: &Path, port: u16, pid: u32) -> Result<(), String> {
    let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("probe socket: {e}"))?;
    let local = sock.local_addr().map_err(|e| e.to_string())?.port();
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + READY_TIMEOUT;
    let marker = marker(dir);
    let mut buf = [0u8; 4096];
    let mut n: u32 = 0;
    loop {
        if !pid_alive(pid, &marker) {
            return Err(format!(
                "kamailio exited during startup:\n{}",
                log_tail(dir)
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "no 200 to OPTIONS on 127.0.0.1:{port} within {READY_TIMEOUT:?}:\n{}",
                log_tail(dir)
            ));
        }
        n += 1;
        let probe = options_probe(port, local, n);
        let _ = sock.send_to(probe.as_bytes(), ("127.0.0.1", port));
        let wait_end = Instant::now() + Duration::from_millis(50);
        while Instant::now() < wait_end {
            match sock.recv(&mut buf) {
                Ok(len) if buf[..len].starts_with(b"SIP/2.0 200") => return Ok(()),
                Ok(_) => {}      // a late answer to an earlier probe
                Err(_) => break, // read timeout: send the next probe
            }
        }
    }
}

/// "user0001" for 1.
pub fn numbered_user(i: usize) -> String {
    format!("user{i:04}")
}

fn options_probe(server_port: u16, local_port: u16, n: u32) -> String {
    format!(
        "OPTIONS sip:127.0.0.1:{server_port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{local_port};rport;branch=z9hG4bK-ready-{local_port}-{n}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@127.0.0.1>;tag=ready{local_port}\r\n\
         To: <sip:127.0.0.1:{server_port}>\r\n\
         Call-ID: ready-{local_port}-{n}@127.0.0.1\r\n\
         CSeq: {n} OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

fn run_sh() -> PathBuf {
    repo_root().join("tests/kamailio/run.sh")
}

/// Installs Kamailio, sipp and sqlite3 with `scripts/install-test-deps.sh`
/// when one of them is missing; panics with the script's output if that
/// fails. Runs the check once per test binary.
pub fn ensure_installed() {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let result = CHECKED.get_or_init(|| {
        let present = ["kamailio", "sipp", "sqlite3"].iter().all(|c| on_path(c))
            && module_present("presence.so")
            && module_present("pua_dialoginfo.so")
            && module_present("db_sqlite.so")
            && module_present("tls.so")
            && ["ip", "nft"].iter().all(|c| on_path(c));
        if present {
            return Ok(());
        }
        let script = repo_root().join("scripts/install-test-deps.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed ({}):\n{}{}",
                script.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    });
    if let Err(e) = result {
        panic!("test dependencies are missing and could not be installed: {e}");
    }
}

fn on_path(command: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .any(|d| d.join(command).is_file())
}

fn module_present(file: &str) -> bool {
    let mut dirs = vec![
        PathBuf::from("/usr/lib/kamailio/modules"),
        PathBuf::from("/usr/lib64/kamailio/modules"),
        PathBuf::from("/usr/local/lib64/kamailio/modules"),
        PathBuf::from("/usr/local/lib/kamailio/modules"),
    ];
    if let Ok(entries) = std::fs::read_dir("/usr/lib") {
        dirs.extend(entries.flatten().map(|e| e.path().join("kamailio/modules")));
    }
    dirs.iter().any(|d| Path::new(d).join(file).is_file())
}
