//! Command-line arguments and what each command runs.

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
        Some(Command::Watch { once, timeout }) => {
            let timeout = Duration::from_secs_f64(timeout.clamp(0.1, 86_400.0));
            for p in feed.iter().flat_map(|f| &f.initial.problems) {
                eprintln!("switchboard: warning: {p}");
            }
            let opts = watch_run::WatchOptions {
                once,
                timeout,
                directory: feed,
            };
            block_on(watch(cfg, opts, args.seed, args.speed))
        }
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
                data_dir: directories::ProjectDirs::from("", "", "switchboard")
                    .map(|d| d.data_dir().to_path_buf()),
                directory: feed,
                status: cfg.as_ref().map(|c| StatusLink::Socket {
                    path: publisher::socket_path(&c.account.uri, &c.server.authority()),
                    config: c.path.clone(),
                    log: args.log.clone(),
                }),
                status_config: cfg.as_ref().map(|c| c.status.clone()).unwrap_or_default(),
                groups: cfg.as_ref().map(|c| c.groups.clone()).unwrap_or_default(),
                numbering: cfg
                    .as_ref()
                    .map(|c| c.numbering.clone())
                    .unwrap_or_default(),
            };
            block_on(console(cfg, opts, args.seed, args.speed))
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

/// What the engine connects to: the configured server, or the demo.
struct Target {
    engine: EngineConfig,
    server: SocketAddr,
    contacts: Vec<ContactInfo>,
    demo: Option<DemoHandle>,
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
            engine,
            server: handle.addr,
            contacts: handle.contacts.clone(),
            demo: Some(handle),
        }));
    };
    let server = match cfg.server.socket_addr() {
        Ok(a) => a,
        Err(e) => return Ok(Err(e.to_string())),
    };
    Ok(Ok(Target {
        engine: runtime::engine_config(&cfg, runtime::seed_from_clock()),
        server,
        contacts: cfg.contacts,
        demo: None,
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
async fn start(
    cfg: Option<Config>,
    seed: u64,
    speed: f64,
) -> anyhow::Result<Result<(SipHandle, Target), ExitCode>> {
    let t = match target(cfg, seed, speed).await? {
        Ok(t) => t,
        Err(why) => {
            eprintln!("switchboard: {why}");
            return Ok(Err(ExitCode::from(exit::SERVER)));
        }
    };
    let driver = SipHandle::start(t.engine.clone(), t.server, &targets(&t.contacts))
        .await
        .with_context(|| format!("cannot open a socket towards {}", t.server))?;
    Ok(Ok((driver, t)))
}

async fn watch(
    cfg: Option<Config>,
    opts: watch_run::WatchOptions,
    seed: u64,
    speed: f64,
) -> anyhow::Result<ExitCode> {
    let (driver, t) = match start(cfg, seed, speed).await? {
        Ok(started) => started,
        Err(code) => return Ok(code),
    };
    let store = Store::new(t.contacts);
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
            },
        )));
    }
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
