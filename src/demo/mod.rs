//! The embedded demo presence server and its simulated office.
//!
//! `switchboard` without a configuration starts it in-process on a free
//! loopback port ([`spawn`]) and connects the console to it over real SIP;
//! `switchboard demo-server` runs it standalone ([`run_standalone`]) for
//! load tests and benchmarks.
//!
//! - `directory` — the demo people (`assets/demo-directory.tsv`), and
//!   synthesised extra people for load tests
//! - `state`     — what a person shows (presence, dialogs, line faults)
//! - `sim`       — the simulated office day (sans-IO, deterministic)
//! - `server`    — the presence server (sans-IO): SUBSCRIBE/NOTIFY, PUBLISH
//! - `runtime`   — sockets and the timer around `server` and `sim`

pub mod directory;
pub mod runtime;
pub mod server;
pub mod sim;
pub mod state;

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::presence::ContactInfo;
use server::{Server, ServerConfig, Transport};
use sim::Simulation;

/// The account the console uses when the demo has no credentials.
pub const DEFAULT_ACCOUNT: &str = "reception";

/// How to run the demo server.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Where to listen, UDP and TCP on the same port (port 0: a free one).
    pub listen: SocketAddr,
    /// 0: the shipped directory as is (about 200 people); fewer: its first
    /// people; more: synthesised extra people.
    pub contacts: usize,
    /// Seeds the simulation (same seed, same day).
    pub seed: u64,
    /// Simulated time runs this many times faster than real time.
    pub speed: f64,
    /// Load mode: this many state changes per second across the directory
    /// instead of a realistic day.
    pub rate: Option<f64>,
    /// (user, password): SUBSCRIBE and PUBLISH need digest authentication
    /// as this user.
    pub credentials: Option<(String, String)>,
    /// The domain of every user; `None`: "127.0.0.1".
    pub domain: Option<String>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            contacts: 0,
            seed: 1,
            speed: 1.0,
            rate: None,
            credentials: None,
            domain: None,
        }
    }
}

/// A running demo server. Dropping it stops the server too.
#[derive(Debug)]
pub struct DemoHandle {
    /// Where it listens (UDP and TCP).
    pub addr: SocketAddr,
    pub domain: String,
    /// The directory, as the console's configuration lists contacts.
    pub contacts: Vec<ContactInfo>,
    /// (uri, user, password) for the console's `[account]`; the password is
    /// empty when the demo has no credentials.
    pub account: (String, String, String),
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl DemoHandle {
    /// Stops the server and waits for its task to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take()
            && let Err(e) = task.await
        {
            tracing::warn!(error = %e, "demo server task ended badly");
        }
    }

    /// The TOML a console needs to connect over UDP (see
    /// [`config_snippet_with`](Self::config_snippet_with)).
    pub fn config_snippet(&self) -> String {
        self.config_snippet_with(Transport::Udp)
    }

    /// The TOML a console needs to connect: `[account]` uri/password,
    /// `[server]` address/transport, and one `[[contact]]` per person.
    pub fn config_snippet_with(&self, transport: Transport) -> String {
        let (uri, _, password) = &self.account;
        let mut out = String::with_capacity(128 * (self.contacts.len() + 4));
        out.push_str("# The switchboard demo server");
        let _ = writeln!(out, " ({} people).\n", self.contacts.len());
        let _ = writeln!(out, "[account]\nuri = {}", toml_str(uri));
        if !password.is_empty() {
            let _ = writeln!(out, "password = {}", toml_str(password));
        }
        let t = transport;
        let _ = writeln!(
            out,
            "\n[server]\naddress = {}\ntransport = \"{t}\"",
            toml_str(&self.addr.to_string())
        );
        for c in &self.contacts {
            let _ = writeln!(
                out,
                "\n[[contact]]\nname = {}\nuri = {}",
                toml_str(&c.name),
                toml_str(&c.uri)
            );
            if let Some(ext) = &c.extension {
                let _ = writeln!(out, "extension = {}", toml_str(ext));
            }
            if let Some(dep) = &c.department {
                let _ = writeln!(out, "department = {}", toml_str(dep));
            }
        }
        out
    }
}

impl Drop for DemoHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Starts the demo server as tokio tasks on the current runtime.
#[allow(
    clippy::disallowed_methods,
    reason = "the demo server's start is part of its runtime: it reads the clock once and starts its task"
)]
pub async fn spawn(opts: DemoOptions) -> io::Result<DemoHandle> {
    let started = Instant::now();
    let people = directory::load(opts.contacts).map_err(io::Error::other)?;
    let domain = opts
        .domain
        .clone()
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let (udp, tcp) = runtime::bind(opts.listen).await?;
    let addr = udp.local_addr()?;
    let (user, password) = opts
        .credentials
        .clone()
        .unwrap_or_else(|| (DEFAULT_ACCOUNT.to_string(), String::new()));
    let account = (format!("sip:{user}@{domain}"), user.clone(), password);

    let now = Instant::now();
    let mut cfg = ServerConfig::new(&domain, addr);
    cfg.credentials = opts.credentials.clone();
    cfg.secret = opts.seed.rotate_left(17) ^ 0x5157_c4b0_a4d0_0001;
    let users = people.iter().map(|p| p.user.clone()).chain([user]);
    let mut server = Server::new(cfg, users, now);
    let contacts: Vec<ContactInfo> = people.iter().map(|p| p.contact_info(&domain)).collect();
    let mut sim = Simulation::new(people, &domain, opts.seed, opts.speed, opts.rate);
    for i in 0..sim.len() {
        if let Some(state) = sim.presence(i) {
            server.set_presence(now, i, state.clone());
        }
        server.set_dialogs(now, i, sim.dialogs(i));
    }
    sim.start(now);

    let (shutdown, rx) = watch::channel(false);
    let task = tokio::spawn(runtime::run(server, sim, udp, tcp, rx));
    tracing::info!(
        %addr,
        people = contacts.len(),
        seed = opts.seed,
        speed = opts.speed,
        rate = ?opts.rate,
        auth = opts.credentials.is_some(),
        startup_ms = started.elapsed().as_millis() as u64,
        "demo server listening (UDP and TCP)"
    );
    Ok(DemoHandle {
        addr,
        domain,
        contacts,
        account,
        shutdown,
        task: Some(task),
    })
}

/// `switchboard demo-server`: runs until Ctrl-C or SIGTERM, after writing
/// the console's configuration snippet to `snippet_out`.
pub async fn run_standalone(
    opts: DemoOptions,
    snippet_out: &mut impl io::Write,
) -> anyhow::Result<()> {
    let handle = spawn(opts).await?;
    snippet_out.write_all(handle.config_snippet().as_bytes())?;
    snippet_out.flush()?;
    wait_for_signal().await?;
    tracing::info!("stopping the demo server");
    handle.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> io::Result<()> {
    tokio::signal::ctrl_c().await
}

#[cfg(test)]
mod tests;
