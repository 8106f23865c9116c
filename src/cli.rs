//! Command-line arguments and what each command runs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use switchboard::config::{self, Config, ConfigError};
use switchboard::runtime::{self, sip_driver::SipDriver, watch_run};
use switchboard::store::{ContactId, Store};

/// Exit codes.
pub const EXIT_CONFIG: u8 = 2;
pub const EXIT_SERVER: u8 = 3;

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
}

pub fn run(args: Args) -> ExitCode {
    let _log_guard = init_logging(args.log.as_deref());
    match args.command {
        Some(Command::Watch { once, timeout }) => watch(args.config.as_deref(), once, timeout),
        None => {
            eprintln!("switchboard: the console is not wired yet; try `switchboard watch`");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// Load the configuration the user pointed at (or the default one).
fn load_config(cli: Option<&Path>) -> Result<Option<Config>, ConfigError> {
    let Some(src) = config::locate(cli, std::env::var_os(config::CONFIG_ENV)) else {
        return Ok(None);
    };
    let cfg = config::load(src.path())?;
    for w in &cfg.warnings {
        eprintln!("switchboard: warning: {w}");
    }
    Ok(Some(cfg))
}

fn watch(cli_config: Option<&Path>, once: bool, timeout: f64) -> ExitCode {
    let cfg = match load_config(cli_config) {
        Ok(Some(cfg)) => cfg,
        Ok(None) => {
            eprintln!(
                "switchboard: no configuration: pass --config FILE, set {} or create {}",
                config::CONFIG_ENV,
                config::default_path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "config.toml".into())
            );
            return ExitCode::from(EXIT_CONFIG);
        }
        Err(e) => {
            eprintln!("switchboard: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("switchboard: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let timeout = Duration::from_secs_f64(timeout.clamp(0.1, 86_400.0));
    match rt.block_on(watch_async(cfg, once, timeout)) {
        Ok(watch_run::WatchEnd::Done) => ExitCode::SUCCESS,
        Ok(watch_run::WatchEnd::ServerFailure(why)) => {
            eprintln!("switchboard: {why}");
            ExitCode::from(EXIT_SERVER)
        }
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn watch_async(
    cfg: Config,
    once: bool,
    timeout: Duration,
) -> anyhow::Result<watch_run::WatchEnd> {
    let server = match cfg.server.socket_addr() {
        Ok(a) => a,
        Err(e) => return Ok(watch_run::WatchEnd::ServerFailure(e.to_string())),
    };
    let targets: Vec<(ContactId, String)> = cfg
        .contacts
        .iter()
        .enumerate()
        .map(|(i, c)| (ContactId(i as u32), c.uri.clone()))
        .collect();
    let store = Store::new(cfg.contacts.clone());
    let ecfg = runtime::engine_config(&cfg, runtime::seed_from_clock());
    let driver = SipDriver::start(ecfg, server, &targets)
        .await
        .with_context(|| format!("cannot open a socket towards {server}"))?;
    let mut stdout = std::io::stdout();
    let opts = watch_run::WatchOptions { once, timeout };
    watch_run::run(driver, store, opts, &mut stdout).await
}

/// Log to a file (never to the terminal the console owns).
fn init_logging(path: Option<&Path>) -> Option<()> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => {
            let dirs = directories::ProjectDirs::from("", "", "switchboard")?;
            let dir = dirs.data_dir().to_path_buf();
            std::fs::create_dir_all(&dir).ok()?;
            dir.join("switchboard.log")
        }
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(())
}
