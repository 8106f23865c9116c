//! What each command runs: the arguments parsed (`args`), the configuration
//! loaded and the engines started (`start`), then the command itself.

mod args;
mod diag;
mod history;
mod live;
mod notes;
mod setup;
mod start;
mod status;

pub use args::{Args, Command};

use setup::{block_on, block_on_one_thread, init_logging, init_stderr_logging};
use start::{demo_contacts, directory_feed, load_config};

pub(crate) use live::own_presence;
pub(crate) use start::start;

use std::process::ExitCode;
use std::time::Duration;

use switchboard::config::{Config, exit};
use switchboard::demo::{self, DemoOptions};
use switchboard::runtime::console::ConsoleOptions;
use switchboard::runtime::directory::DirectoryFeed;
use switchboard::runtime::publisher::{self, StatusLink};
use switchboard::runtime::watch_run;
use switchboard::store::ContactInfo;

pub fn run(args: Args) -> ExitCode {
    if let Some(Command::DemoServer { .. }) = &args.command {
        return demo_server(args);
    }
    let _log_guard = init_logging(args.log.as_deref());
    // Everything the configuration says is checked here, key bindings
    // included, before any runtime, socket, demo server or terminal exists.
    let mut cfg = if args.demo {
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
    // As loaded (its own [[contact]] entries): what a reload compares with.
    let running = cfg.clone();
    let feed = directory_feed(cfg.as_mut());
    let (seed, speed) = (args.seed, args.speed);
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
            let contacts = history_contacts(cfg.as_ref(), feed.as_ref());
            history::run(h, cfg.as_ref(), &contacts)
        }
        Some(Command::Watch { once, timeout }) => {
            let opts = watch_options(cfg.as_ref(), feed, once, timeout);
            block_on(live::watch(cfg, running, opts, seed, speed))
        }
        Some(Command::Check { timeout }) => {
            let timeout = Duration::from_secs_f64(timeout.clamp(0.1, 3_600.0));
            diag::check(cfg, timeout)
        }
        Some(Command::Trace { full }) => diag::trace(cfg, full, seed, speed),
        Some(Command::DemoServer { .. }) => ExitCode::from(exit::OK), // handled above
        None => {
            let opts = console_options(&args, cfg.as_ref(), feed);
            block_on(live::console(cfg, running, opts, seed, speed))
        }
    }
}

/// `switchboard demo-server`: the demo presence server alone, logging to
/// stderr (no configuration, no log file).
fn demo_server(args: Args) -> ExitCode {
    let Some(Command::DemoServer {
        listen,
        contacts,
        rate,
        user,
        password,
    }) = args.command
    else {
        return ExitCode::from(exit::OK);
    };
    init_stderr_logging();
    let opts = DemoOptions {
        listen,
        contacts,
        seed: args.seed,
        speed: args.speed,
        rate,
        credentials: user.zip(password),
        domain: None,
    };
    block_on(async move {
        let mut out = std::io::stdout();
        demo::run_standalone(opts, &mut out)
            .await
            .map(|()| ExitCode::from(exit::OK))
    })
}

/// Everyone `history` can name: the configuration's contacts (or the demo
/// office's), then the directory files' people not already among them.
fn history_contacts(cfg: Option<&Config>, feed: Option<&DirectoryFeed>) -> Vec<ContactInfo> {
    let mut contacts = match cfg {
        Some(c) => c.contacts.clone(),
        None => demo_contacts(),
    };
    let known: std::collections::HashSet<String> = contacts
        .iter()
        .map(|c| switchboard::notes::contact_key(&c.uri))
        .collect();
    let files = feed.into_iter().flat_map(|f| &f.initial.entries);
    contacts.extend(
        files
            .filter(|e| !known.contains(&switchboard::notes::contact_key(&e.info.uri)))
            .map(|e| e.info.clone()),
    );
    contacts
}

fn watch_options(
    cfg: Option<&Config>,
    feed: Option<DirectoryFeed>,
    once: bool,
    timeout: f64,
) -> watch_run::WatchOptions {
    for p in feed.iter().flat_map(|f| &f.initial.problems) {
        eprintln!("switchboard: warning: {p}");
    }
    watch_run::WatchOptions {
        once,
        timeout: Duration::from_secs_f64(timeout.clamp(0.1, 86_400.0)),
        directory: feed,
        reload: None,
        ringing_suspect_after: cfg.map_or(switchboard::store::RINGING_SUSPECT_AFTER, |c| {
            c.telephony.ringing_suspect_after
        }),
    }
}

/// The console's options from the command line and the configuration (the
/// command line's `--mono`, `--ascii` and `--read-only` add to `[ui]`).
fn console_options(
    args: &Args,
    cfg: Option<&Config>,
    feed: Option<DirectoryFeed>,
) -> ConsoleOptions {
    let ui = cfg.map(|c| c.ui).unwrap_or_default();
    let mut startup_warnings = cfg.map(|c| c.warnings.clone()).unwrap_or_default();
    let notes = match notes::target_and_operator(cfg) {
        Ok(t) => Some(t),
        Err(e) => {
            startup_warnings.push(format!("attendant notes are off: {e:#}"));
            None
        }
    };
    ConsoleOptions {
        mono: args.mono || ui.mono,
        ascii: args.ascii || ui.ascii,
        read_only: args.read_only || ui.read_only,
        demo_hint: None,
        own_uri: cfg.map(|c| c.account.uri.clone()),
        keymap: cfg.map(|c| c.keymap.clone()).unwrap_or_default(),
        startup_warnings,
        notes,
        journal_retention_days: cfg.map(|c| c.journal.retention_days),
        data_dir: directories::ProjectDirs::from("", "", "switchboard")
            .map(|d| d.data_dir().to_path_buf()),
        directory: feed,
        status: cfg.map(|c| StatusLink::Socket {
            path: publisher::socket_path(&c.account.uri, &c.server.authority()),
            config: c.path.clone(),
            log: args.log.clone(),
        }),
        status_config: cfg.map(|c| c.status.clone()).unwrap_or_default(),
        telephony: cfg.map(|c| c.telephony.clone()).unwrap_or_default(),
        hide_peers: ui.hide_peers,
        servers: Default::default(),
        reload: None,
        lines: Vec::new(),
        groups: cfg.map(|c| c.groups.clone()).unwrap_or_default(),
        numbering: cfg.map(|c| c.numbering.clone()).unwrap_or_default(),
    }
}
