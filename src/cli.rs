//! Command-line arguments and what each command runs.

mod diag;
mod history;
mod notes;
mod setup;
mod status;

use setup::{block_on, block_on_one_thread, init_logging, init_stderr_logging};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use switchboard::config::{self, Config, ConfigError, exit};
use switchboard::demo::{self, DemoHandle, DemoOptions};
use switchboard::runtime::console::{ConsoleOptions, run_console};
use switchboard::runtime::directory::DirectoryFeed;
use switchboard::runtime::publisher::{self, StatusLink};
use switchboard::runtime::reload::ReloadSetup;
use switchboard::runtime::servers::{self as hub, ServerHub, ServerSpec};
use switchboard::runtime::{self, sip_driver::SipHandle, watch_run};
use switchboard::sip::engine::{EngineConfig, Transport};
use switchboard::store::{ContactId, ContactInfo, Store};

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A terminal attendant console for SIP presence"
)]
pub struct Args {
    /// Configuration file (else $SWITCHBOARD_CONFIG, else the default path).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log file (default: switchboard.log in the data directory).
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Use the embedded demo server even when a configuration exists.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Demo: seed of the simulated office (same seed, same day).
    #[arg(long, global = true, default_value_t = 1)]
    pub seed: u64,
    /// Demo: simulated time runs this many times faster.
    #[arg(long, global = true, default_value_t = 1.0)]
    pub speed: f64,
    /// No colours: glyphs carry the meaning (also NO_COLOR).
    #[arg(long)]
    pub mono: bool,
    /// ASCII glyphs only (also a non-UTF-8 locale).
    #[arg(long)]
    pub ascii: bool,
    /// Monitoring mode: nothing can be changed from this console.
    #[arg(long)]
    pub read_only: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every contact's state as JSON lines: a snapshot, then changes.
    Watch {
        /// Print the snapshot once every contact has an answer, then exit.
        #[arg(long)]
        once: bool,
        /// Longest wait for the snapshot, in seconds.
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
    },
    /// Run the demo presence server alone (no UI; logs to stderr).
    DemoServer {
        /// Where to listen (UDP and TCP).
        #[arg(long, default_value = "127.0.0.1:5070")]
        listen: SocketAddr,
        /// Number of simulated colleagues (0: the shipped directory).
        #[arg(long, default_value_t = 0)]
        contacts: usize,
        /// Load mode: state changes per second across the directory.
        #[arg(long)]
        rate: Option<f64>,
        /// Require digest authentication as this user...
        #[arg(long, requires = "password")]
        user: Option<String>,
        /// ...with this password.
        #[arg(long, requires = "user")]
        password: Option<String>,
    },
    /// The shared attendant notes: set, show, clear, history, export, import.
    Notes {
        #[command(subcommand)]
        cmd: notes::NotesCmd,
    },
    /// Your own status: set, profile, clear, show.
    Status {
        #[command(subcommand)]
        action: status::StatusCommand,
    },
    /// One contact's day from the journal: state changes, missed calls.
    History(history::HistoryArgs),
    /// Check the server(s): connector status and subscriptions per state;
    /// exit 0 when every server is up and running.
    Check {
        /// Longest wait for the answers, in seconds.
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
    },
    /// Print our SIP traffic live: one line per message (time, direction,
    /// method or status, Call-ID, Event, peer); secrets masked.
    Trace {
        /// Print each whole message (sanitised) after its line.
        #[arg(long)]
        full: bool,
    },
}

pub fn run(args: Args) -> ExitCode {
    if let Some(Command::DemoServer {
        listen,
        contacts,
        rate,
        user,
        password,
    }) = &args.command
    {
        init_stderr_logging();
        let opts = DemoOptions {
            listen: *listen,
            contacts: *contacts,
            seed: args.seed,
            speed: args.speed,
            rate: *rate,
            credentials: user.clone().zip(password.clone()),
            domain: None,
        };
        return block_on(async move {
            let mut out = std::io::stdout();
            demo::run_standalone(opts, &mut out)
                .await
                .map(|()| ExitCode::from(exit::OK))
        });
    }
    let _log_guard = init_logging(args.log.as_deref());
    // Everything the configuration says is checked here, key bindings
    // included, before any runtime, socket, demo server or terminal exists.
    let cfg = if args.demo {
        None
    } else {
        let status_only = matches!(args.command, Some(Command::Status { .. }));
        match load_config(args.config.as_deref(), status_only) {
            Ok(c) => c,
            Err(e) => {
                // One line per mistake (at most `MAX_SHOWN`, then a count).
                for line in e.to_string().lines() {
                    eprintln!("switchboard: {line}");
                }
                return ExitCode::from(e.exit_code());
            }
        }
    };
    let mut cfg = cfg;
    // As loaded (its own [[contact]] entries): what a reload compares with.
    let running = cfg.clone();
    let feed = directory_feed(cfg.as_mut());
    match args.command {
        Some(Command::Notes { cmd }) => {
            let contacts = match &cfg {
                Some(c) => c.contacts.clone(),
                None => demo_contacts(),
            };
            notes::run(cmd, cfg.as_ref(), &contacts)
        }
        Some(Command::Status { action }) => status::run(action, cfg, args.log.clone()),
        Some(Command::History(h)) => {
            let mut contacts = match &cfg {
                Some(c) => c.contacts.clone(),
                None => demo_contacts(),
            };
            // The directory files' people too (after `[[contact]]`).
            let known: std::collections::HashSet<String> = contacts
                .iter()
                .map(|c| switchboard::notes::contact_key(&c.uri))
                .collect();
            let files = feed.iter().flat_map(|f| &f.initial.entries);
            contacts.extend(
                files
                    .filter(|e| !known.contains(&switchboard::notes::contact_key(&e.info.uri)))
                    .map(|e| e.info.clone()),
            );
            history::run(h, cfg.as_ref(), &contacts)
        }
        Some(Command::Watch { once, timeout }) => {
            let timeout = Duration::from_secs_f64(timeout.clamp(0.1, 86_400.0));
            for p in feed.iter().flat_map(|f| &f.initial.problems) {
                eprintln!("switchboard: warning: {p}");
            }
            let opts = watch_run::WatchOptions {
                once,
                timeout,
                directory: feed,
                reload: None,
                ringing_suspect_after: cfg
                    .as_ref()
                    .map_or(switchboard::store::RINGING_SUSPECT_AFTER, |c| {
                        c.telephony.ringing_suspect_after
                    }),
            };
            block_on(watch(cfg, running, opts, args.seed, args.speed))
        }
        Some(Command::Check { timeout }) => {
            let timeout = Duration::from_secs_f64(timeout.clamp(0.1, 3_600.0));
            diag::check(cfg, timeout)
        }
        Some(Command::Trace { full }) => diag::trace(cfg, full, args.seed, args.speed),
        Some(Command::DemoServer { .. }) => ExitCode::from(exit::OK), // handled above
        None => {
            let ui = cfg.as_ref().map(|c| c.ui).unwrap_or_default();
            let mut startup_warnings = cfg.as_ref().map(|c| c.warnings.clone()).unwrap_or_default();
            let notes = match notes::target_and_operator(cfg.as_ref()) {
                Ok(t) => Some(t),
                Err(e) => {
                    startup_warnings.push(format!("attendant notes are off: {e:#}"));
                    None
                }
            };
            let opts = ConsoleOptions {
                mono: args.mono || ui.mono,
                ascii: args.ascii || ui.ascii,
                read_only: args.read_only || ui.read_only,
                demo_hint: None,
                own_uri: cfg.as_ref().map(|c| c.account.uri.clone()),
                keymap: cfg.as_ref().map(|c| c.keymap.clone()).unwrap_or_default(),
                startup_warnings,
                notes,
                journal_retention_days: cfg.as_ref().map(|c| c.journal.retention_days),
                data_dir: directories::ProjectDirs::from("", "", "switchboard")
                    .map(|d| d.data_dir().to_path_buf()),
                directory: feed,
                status: cfg.as_ref().map(|c| StatusLink::Socket {
                    path: publisher::socket_path(&c.account.uri, &c.server.authority()),
                    config: c.path.clone(),
                    log: args.log.clone(),
                }),
                status_config: cfg.as_ref().map(|c| c.status.clone()).unwrap_or_default(),
                telephony: cfg
                    .as_ref()
                    .map(|c| c.telephony.clone())
                    .unwrap_or_default(),
                hide_peers: ui.hide_peers,
                servers: Default::default(),
                reload: None,
                lines: Vec::new(),
                groups: cfg.as_ref().map(|c| c.groups.clone()).unwrap_or_default(),
                numbering: cfg
                    .as_ref()
                    .map(|c| c.numbering.clone())
                    .unwrap_or_default(),
            };
            block_on(console(cfg, running, opts, args.seed, args.speed))
        }
    }
}

/// Read the `[directory]` files once, before the engine starts: the
/// configuration's contacts become the merged directory (so the engine, the
/// model and `watch` start with every contact); the feed keeps what the
/// console needs to reload it.
fn directory_feed(cfg: Option<&mut Config>) -> Option<DirectoryFeed> {
    let cfg = cfg.filter(|c| !c.directory.is_empty())?;
    let feed = DirectoryFeed::load(std::mem::take(&mut cfg.contacts), cfg.directory.clone());
    for p in &feed.initial.problems {
        tracing::warn!("directory: {p}");
    }
    cfg.contacts = feed
        .initial
        .entries
        .iter()
        .map(|e| e.info.clone())
        .collect();
    // A directory file's `lines` column / vCard TELs; `[[contact]]` lines win.
    for e in &feed.initial.entries {
        let lines = switchboard::directory::lines::lines_of(e);
        let known = cfg.contact_lines.iter().any(|(u, _)| *u == e.info.uri);
        if !lines.is_empty() && !known {
            cfg.contact_lines.push((e.info.uri.clone(), lines));
        }
    }
    Some(feed)
}

/// The demo office's people (what a console without configuration shows).
fn demo_contacts() -> Vec<ContactInfo> {
    demo::directory::load(0)
        .map(|people| people.iter().map(|p| p.contact_info("127.0.0.1")).collect())
        .unwrap_or_default()
}

/// Load the configuration the user pointed at (or the default one).
/// `status_only`: a user who only sets their own status needs no contacts
/// (that warning is for the console).
fn load_config(cli: Option<&Path>, status_only: bool) -> Result<Option<Config>, ConfigError> {
    let Some(src) = config::locate(cli, std::env::var_os(config::CONFIG_ENV)) else {
        return Ok(None);
    };
    let cfg = config::load(src.path())?;
    let console_only = |w: &&String| status_only && w.contains("[[contact]]");
    for w in cfg.warnings.iter().filter(|w| !console_only(w)) {
        eprintln!("switchboard: warning: {w}");
    }
    Ok(Some(cfg))
}

/// What the engines connect to: the configured servers, or the demo.
pub(crate) struct Target {
    specs: Vec<ServerSpec>,
    /// The preferred server's id.
    preferred: Option<switchboard::store::ServerId>,
    contacts: Vec<ContactInfo>,
    pub(crate) demo: Option<DemoHandle>,
    /// Each contact's other lines (`lines`).
    lines: Vec<(ContactId, Vec<String>)>,
}

async fn target(
    cfg: Option<Config>,
    seed: u64,
    speed: f64,
) -> anyhow::Result<Result<Target, String>> {
    let Some(cfg) = cfg else {
        // No configuration: the embedded demo office, with digest auth so
        // the console takes exactly its normal path.
        let password = format!("demo-{:08x}", runtime::seed_from_clock() as u32);
        let opts = DemoOptions {
            seed,
            speed,
            credentials: Some((demo::DEFAULT_ACCOUNT.to_string(), password)),
            ..DemoOptions::default()
        };
        let handle = demo::spawn(opts)
            .await
            .context("cannot start the embedded demo server")?;
        let (uri, user, password) = handle.account.clone();
        let mut engine =
            EngineConfig::new(&uri, &handle.addr.to_string(), handle.addr, Transport::Udp);
        engine.auth_user = user;
        engine.password = (!password.is_empty()).then_some(password);
        engine.seed = runtime::seed_from_clock();
        return Ok(Ok(Target {
            specs: vec![ServerSpec {
                id: 0,
                name: "demo".into(),
                engine,
                addr: handle.addr,
            }],
            preferred: None,
            contacts: handle.contacts.clone(),
            demo: Some(handle),
            lines: Vec::new(),
        }));
    };
    // Ids in file order (a reload numbers new servers after these).
    let mut next = 0;
    let specs = match hub::specs(&cfg, runtime::seed_from_clock(), |_| {
        next += 1;
        next - 1
    }) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let preferred = cfg
        .servers
        .iter()
        .position(|s| s.preferred)
        .and_then(|i| u16::try_from(i).ok());
    let lines = runtime::contact_lines(&cfg.contact_lines, &cfg.contacts);
    Ok(Ok(Target {
        specs,
        preferred,
        contacts: cfg.contacts,
        demo: None,
        lines,
    }))
}

fn targets(contacts: &[ContactInfo]) -> Vec<(ContactId, String)> {
    contacts
        .iter()
        .enumerate()
        .map(|(i, c)| (ContactId(i as u32), c.uri.clone()))
        .collect()
}

/// The engine started towards its server (or the demo); `Err`: the exit
/// code after a one-line message on stderr.
pub(crate) async fn start(
    cfg: Option<Config>,
    seed: u64,
    speed: f64,
) -> anyhow::Result<Result<(ServerHub, Target), ExitCode>> {
    let t = match target(cfg, seed, speed).await? {
        Ok(t) => t,
        Err(why) => {
            eprintln!("switchboard: {why}");
            return Ok(Err(ExitCode::from(exit::SERVER)));
        }
    };
    if let Some(why) = t.specs.iter().find_map(|s| runtime::tls::check(&s.engine)) {
        eprintln!("switchboard: {why}");
        return Ok(Err(ExitCode::from(exit::CONFIG)));
    }
    let driver = ServerHub::start(t.specs.clone(), &targets(&t.contacts))
        .await
        .context("cannot open a socket towards the server")?;
    Ok(Ok((driver, t)))
}

/// What the configuration reloader needs: the file, the configuration
/// as loaded, the running servers' ids and the hub that runs them.
fn reload_setup(running: Option<Config>, hub: &ServerHub) -> Option<ReloadSetup> {
    let config = running?;
    Some(ReloadSetup {
        path: config.path.clone(),
        config: Some(config),
        ids: hub
            .servers()
            .iter()
            .map(|(id, n)| (n.clone(), *id))
            .collect(),
        changes: Some(hub.changes()),
    })
}

async fn watch(
    cfg: Option<Config>,
    running: Option<Config>,
    mut opts: watch_run::WatchOptions,
    seed: u64,
    speed: f64,
) -> anyhow::Result<ExitCode> {
    let hide_peers = cfg.as_ref().is_some_and(|c| c.ui.hide_peers);
    let voicemail = cfg.as_ref().and_then(|c| c.telephony.voicemail.clone());
    let (driver, t) = match start(cfg, seed, speed).await? {
        Ok(started) => started,
        Err(code) => return Ok(code),
    };
    let mut store = Store::new(t.contacts);
    store.set_voicemail_pilot(voicemail);
    store.set_hide_peers(hide_peers);
    store.set_servers(driver.servers(), t.preferred);
    opts.reload = reload_setup(running, &driver);
    for (id, lines) in &t.lines {
        store.set_lines(*id, lines.clone());
    }
    let mut stdout = std::io::stdout();
    let end = watch_run::run(driver, store, opts, &mut stdout).await?;
    if let Some(demo) = t.demo {
        demo.shutdown().await;
    }
    Ok(match end {
        watch_run::WatchEnd::Done | watch_run::WatchEnd::Signal(_) => ExitCode::from(exit::OK),
        watch_run::WatchEnd::ServerFailure(why) => {
            eprintln!("switchboard: {why}");
            ExitCode::from(exit::SERVER)
        }
    })
}

async fn console(
    cfg: Option<Config>,
    running: Option<Config>,
    mut opts: ConsoleOptions,
    seed: u64,
    speed: f64,
) -> anyhow::Result<ExitCode> {
    let (driver, t) = match start(cfg, seed, speed).await? {
        Ok(started) => started,
        Err(code) => return Ok(code),
    };
    if let Some(demo) = &t.demo {
        opts.demo_hint = Some(format!(
            "demo office on {} - to use your server, write {}",
            demo.addr,
            config::default_path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "a config.toml".into())
        ));
        opts.own_uri = Some(demo.account.0.clone());
        // The demo's account is this process's: its keeper runs in here.
        let (uri, user, password) = demo.account.clone();
        let mut p =
            switchboard::sip::publication::PublicationConfig::new(&uri, demo.addr, Transport::Udp);
        p.auth_user = user;
        p.password = (!password.is_empty()).then_some(password);
        p.seed = runtime::seed_from_clock();
        opts.status = Some(StatusLink::InProcess(publisher::spawn_in_process(
            publisher::KeeperConfig {
                publication: p,
                server: demo.addr,
                status: opts.status_config.clone(),
                tls: None,
            },
        )));
    }
    opts.servers = (driver.servers().to_vec(), t.preferred);
    opts.reload = reload_setup(running, &driver);
    opts.lines = t.lines.clone();
    let result = run_console(opts, t.contacts, driver).await;
    if let Some(demo) = t.demo {
        demo.shutdown().await;
    }
    result.map(|()| ExitCode::from(exit::OK))
}

/// What the server says about our own presence now: one subscription to
/// our own URI (presence only), its first document, then un-SUBSCRIBE.
async fn own_presence(cfg: &Config) -> anyhow::Result<String> {
    use switchboard::sip::events::EngineEvent;
    let server = cfg.server.socket_addr()?;
    let mut engine = runtime::engine_config(cfg, runtime::seed_from_clock());
    engine.dialog = false;
    let me = [(ContactId(0), cfg.account.uri.clone())];
    let mut driver = SipHandle::start(engine, server, &me).await?;
    let answer = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(ev) = driver.next_event().await {
            match ev {
                EngineEvent::Presence { doc, .. } => {
                    let mut line = doc.presence.as_str().to_string();
                    if let Some(a) = &doc.availability {
                        line.push_str(&format!(" · {}", a.as_str()));
                    }
                    if let Some(n) = &doc.note {
                        line.push_str(&format!(" · {n:?}"));
                    }
                    return Ok(format!("{line} (what a watcher sees now)"));
                }
                EngineEvent::Subscription { status, .. }
                    if status.severity() == switchboard::presence::Severity::Refused =>
                {
                    return Err(anyhow::anyhow!("the server refuses: {}", status.label()));
                }
                _ => {}
            }
        }
        Err(anyhow::anyhow!("the connection ended"))
    })
    .await
    .unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within 5 s")));
    driver.shutdown(Duration::from_secs(1)).await;
    answer
}
