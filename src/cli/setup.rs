//! What every command needs before it runs: a tokio runtime (two workers,
//! or one thread for the long-lived status keeper) and logging (to a file,
//! never to the terminal the console owns; to stderr for the demo server).

use std::path::Path;
use std::process::ExitCode;

use switchboard::config::exit;

/// A runtime with two workers: the embedded demo server runs beside the
/// console's loop.
pub(super) fn block_on(
    fut: impl std::future::Future<Output = anyhow::Result<ExitCode>>,
) -> ExitCode {
    switchboard::runtime::heap::limit_arenas();
    run_on(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
        async {
            switchboard::runtime::heap::spawn_trimmer();
            fut.await
        },
    )
}

/// A runtime of one thread, for a long-lived process that mostly sleeps (the
/// status keeper): no worker threads, so less resident memory.
pub(super) fn block_on_one_thread(
    fut: impl std::future::Future<Output = anyhow::Result<ExitCode>>,
) -> ExitCode {
    run_on(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        fut,
    )
}

fn run_on(
    rt: std::io::Result<tokio::runtime::Runtime>,
    fut: impl std::future::Future<Output = anyhow::Result<ExitCode>>,
) -> ExitCode {
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("switchboard: cannot start the runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match rt.block_on(fut) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

/// Log to a file (never to the terminal the console owns).
pub(super) fn init_logging(path: Option<&Path>) -> Option<()> {
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
    tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(())
}

/// The standalone demo server logs to stderr (it owns no terminal UI).
pub(super) fn init_stderr_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr)
        .try_init();
}

/// `SWITCHBOARD_LOG` (e.g. `debug`, `switchboard::sip=debug`), else `info`.
fn log_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}
