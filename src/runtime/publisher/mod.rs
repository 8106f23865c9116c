//! The per-user publisher ("keeper"): what keeps our publication alive after
//! `switchboard status set` has exited.
//!
//! Publications are soft state, so something must refresh them. The first
//! `status set` (or a console) for an account starts `switchboard status
//! keep`, a small process in its own process group (a dropped SSH link does
//! not end it) that listens on a Unix socket in the user's runtime directory
//! (`$XDG_RUNTIME_DIR/switchboard/`, mode 0700; `SWITCHBOARD_RUNTIME_DIR`
//! overrides it), named after the account and server. Every later `status`
//! command and every console of that account talk to the same keeper: one
//! JSON request line, one JSON reply line ([`protocol`]).
//!
//! The keeper refreshes the publication; each PUBLISH's Expires stops at the
//! until time, so if the keeper is killed the server forgets the status by
//! itself then. When the until passes, the keeper publishes the default
//! state. `status clear` removes the publication and the keeper ends.
//!
//! - [`protocol`] — the requests and replies
//! - `keeper`     — the publication, the clock, the calendar, the action
//! - `action`     — the per-state command with its time limit
//! - [`calendar_feed`] — the calendar file or URL, refreshed, last good copy kept
//! - [`wire`]     — UDP, or TCP with reconnection, to the server
//! - [`serve`] / [`ask`] — the socket's two ends

mod action;
pub mod calendar_feed;
pub mod keeper;
pub mod link;
pub mod protocol;
pub mod wire;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

pub use keeper::KeeperConfig;
pub use link::StatusLink;
pub use protocol::{Reply, Request, StatusView};

/// Overrides the directory of the keeper's socket (tests, odd systems).
pub const RUNTIME_DIR_ENV: &str = "SWITCHBOARD_RUNTIME_DIR";

/// The longest request line the keeper reads.
const MAX_LINE: u64 = 64 * 1024;

/// How long a reply may take: a PUBLISH answered, or its transaction's
/// timeout (64*T1 = 32 s) plus room.
pub const REPLY_DEADLINE: Duration = Duration::from_secs(40);

/// The keeper's socket for `account` at `server` (`host:port`).
pub fn socket_path(account: &str, server: &str) -> PathBuf {
    let dir = std::env::var_os(RUNTIME_DIR_ENV)
        .map(PathBuf::from)
        .or_else(|| {
            directories::ProjectDirs::from("", "", "switchboard")
                .and_then(|d| d.runtime_dir().map(Path::to_path_buf))
        })
        .unwrap_or_else(|| {
            let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
            std::env::temp_dir().join(format!("switchboard-{user}"))
        });
    dir.join(format!(
        "keeper-{:016x}.sock",
        fnv1a(&format!("{account}|{server}"))
    ))
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Start a keeper task in this process (a console against the demo
/// server); requests go into the returned sender.
pub fn spawn_in_process(cfg: KeeperConfig) -> mpsc::Sender<keeper::Ask> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        if let Err(e) = keeper::run(cfg, rx).await {
            tracing::warn!("status keeper: {e:#}");
        }
    });
    tx
}

/// Run the keeper behind its socket at `path` until the publication is
/// cleared (or SIGTERM/SIGINT: the publication then lapses at its Expires).
/// SIGHUP is ignored: the keeper outlives the terminal that started it.
pub async fn serve(cfg: KeeperConfig, path: &Path) -> anyhow::Result<()> {
    let listener = bind(path)?;
    let (tx, rx) = mpsc::channel::<keeper::Ask>(16);
    let mut keeper = tokio::spawn(keeper::run(cfg, rx));
    let stop = stop_signals()?;
    tokio::pin!(stop);
    let mut clients = tokio::task::JoinSet::new();
    let result = loop {
        tokio::select! {
            conn = listener.accept() => match conn {
                Ok((stream, _)) => {
                    let tx = tx.clone();
                    clients.spawn(async move {
                        if let Err(e) = answer(stream, tx).await {
                            tracing::debug!("keeper client: {e:#}");
                        }
                    });
                }
                Err(e) => tracing::warn!(error = %e, "keeper accept"),
            },
            Some(_) = clients.join_next() => {}
            done = &mut keeper => break done.context("keeper task").and_then(|r| r),
            why = &mut stop => {
                tracing::info!("keeper: {why}, leaving the publication to lapse at its Expires");
                break Ok(());
            }
        }
    };
    let _ = std::fs::remove_file(path);
    // The clients still being answered (the `clear` that ended the keeper)
    // get their reply before the process exits.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while clients.join_next().await.is_some() {}
    })
    .await;
    result
}

fn stop_signals() -> anyhow::Result<impl std::future::Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    Ok(async move {
        loop {
            tokio::select! {
                _ = term.recv() => return "SIGTERM",
                _ = int.recv() => return "SIGINT",
                _ = hup.recv() => tracing::info!("keeper: SIGHUP ignored"),
            }
        }
    })
}

/// Bind the socket: its directory private to the user; a stale socket (no
/// keeper answers) is replaced; a live one means another keeper runs.
fn bind(path: &Path) -> anyhow::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().context("socket path without a directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            anyhow::bail!("a keeper already runs on {}", path.display());
        }
        std::fs::remove_file(path)
            .with_context(|| format!("cannot remove the stale socket {}", path.display()))?;
    }
    let listener =
        UnixListener::bind(path).with_context(|| format!("cannot listen on {}", path.display()))?;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    Ok(listener)
}

/// One client: one request line, one reply line.
async fn answer(stream: UnixStream, keeper: mpsc::Sender<keeper::Ask>) -> anyhow::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_LINE))
        .read_line(&mut line)
        .await?;
    let reply = match serde_json::from_str::<Request>(&line) {
        Err(e) => Reply {
            error: Some(format!("unreadable request: {e}")),
            ..Reply::default()
        },
        Ok(req) => {
            let (tx, rx) = oneshot::channel();
            keeper.send((req, tx)).await.context("keeper gone")?;
            match tokio::time::timeout(REPLY_DEADLINE, rx).await {
                Ok(Ok(r)) => r,
                _ => Reply {
                    error: Some("the keeper did not answer in time".into()),
                    ..Reply::default()
                },
            }
        }
    };
    let mut out = serde_json::to_vec(&reply)?;
    out.push(b'\n');
    write.write_all(&out).await?;
    Ok(())
}

/// Ask the keeper at `path`; `Err` when none answers there.
pub async fn ask(path: &Path, req: &Request) -> std::io::Result<Reply> {
    let stream = UnixStream::connect(path).await?;
    let (read, mut write) = stream.into_split();
    let mut out = serde_json::to_vec(req).map_err(std::io::Error::other)?;
    out.push(b'\n');
    write.write_all(&out).await?;
    let mut line = String::new();
    let mut reader = BufReader::new(read.take(MAX_LINE));
    let read_reply = reader.read_line(&mut line);
    tokio::time::timeout(REPLY_DEADLINE + Duration::from_secs(1), read_reply)
        .await
        .map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::TimedOut, "no reply from the keeper")
        })??;
    serde_json::from_str(&line).map_err(std::io::Error::other)
}

/// True when a keeper answers at `path`.
pub async fn is_running(path: &Path) -> bool {
    UnixStream::connect(path).await.is_ok()
}

/// Wait until a keeper answers at `path`, at most `deadline`.
pub async fn wait_running(path: &Path, deadline: Duration) -> bool {
    let end = tokio::time::Instant::now() + deadline;
    loop {
        if is_running(path).await {
            return true;
        }
        if tokio::time::Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The keeper's configuration from the user's configuration (resolves the
/// server's name: call it from the runtime).
pub fn keeper_config(cfg: &crate::config::Config, seed: u64) -> anyhow::Result<KeeperConfig> {
    let server = cfg.server.socket_addr()?;
    let unspecified: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut p = crate::sip::publication::PublicationConfig::new(
        &cfg.account.uri,
        unspecified,
        cfg.server.transport,
    );
    p.auth_user = cfg.account.auth_user.clone();
    p.password = cfg.account.password.clone();
    p.seed = seed;
    let tls = match cfg.server.transport {
        crate::sip::Transport::Tls => Some(std::sync::Arc::new(
            crate::runtime::tls::TlsSetup::new(&cfg.server.host, cfg.server.ca_file.as_deref())
                .map_err(anyhow::Error::msg)?,
        )),
        _ => None,
    };
    Ok(KeeperConfig {
        publication: p,
        server,
        status: cfg.status.clone(),
        tls,
    })
}

#[cfg(test)]
mod tests;
