//! Runs `switchboard watch`: engine + store, JSON lines on stdout.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

use super::sip_driver::{Clock, SipDriver};
use crate::sip::events::{ConnectionState, EngineEvent};
use crate::store::Store;
use crate::watch;

/// How `watch` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEnd {
    /// `--once` printed its snapshot (or the stream was closed).
    Done,
    /// Exit 3: the server cannot be reached or rejects our credentials.
    ServerFailure(String),
}

pub struct WatchOptions {
    pub once: bool,
    /// `--once`: print the snapshot after this long even if some contacts
    /// have no answer yet. Streaming: the longest wait before the snapshot.
    pub timeout: Duration,
}

/// Drive `driver` until done, writing JSON lines to `out`.
pub async fn run(
    driver: SipDriver,
    store: Store,
    opts: WatchOptions,
    out: &mut impl Write,
) -> anyhow::Result<WatchEnd> {
    match run_inner(driver, store, opts, out).await {
        // The reader went away (`watch | head`): not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(WatchEnd::Done)
        }
        other => other,
    }
}

async fn run_inner(
    mut driver: SipDriver,
    mut store: Store,
    opts: WatchOptions,
    out: &mut impl Write,
) -> anyhow::Result<WatchEnd> {
    let clock = Clock::now();
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + opts.timeout;
    let mut snapshot_done = false;
    let mut ever_connected = false;
    let server = driver.engine().config().server.clone();
    loop {
        let ev = if snapshot_done {
            driver.next_event().await
        } else {
            match tokio::time::timeout_at(deadline, driver.next_event()).await {
                Ok(ev) => ev,
                Err(_) => {
                    tracing::info!("snapshot timeout: printing what we have");
                    print_all(&store, &clock, out)?;
                    snapshot_done = true;
                    if opts.once {
                        return Ok(WatchEnd::Done);
                    }
                    continue;
                }
            }
        };
        let Some(ev) = ev else {
            return Ok(WatchEnd::Done);
        };
        if let EngineEvent::Connection { state, .. } = &ev {
            match state {
                ConnectionState::Connected => ever_connected = true,
                ConnectionState::AuthFailed(why) => {
                    return Ok(WatchEnd::ServerFailure(format!(
                        "the server at {server} rejects our credentials: {why}"
                    )));
                }
                ConnectionState::Unreachable(why) if !ever_connected => {
                    return Ok(WatchEnd::ServerFailure(format!(
                        "cannot reach the server at {server}: {why}"
                    )));
                }
                _ => {}
            }
        }
        let changed = store.apply_event(&ev);
        if !snapshot_done {
            if watch::all_answered(&store) {
                print_all(&store, &clock, out)?;
                snapshot_done = true;
                tracing::info!(
                    elapsed_ms = start.elapsed().as_millis() as u64,
                    "snapshot complete"
                );
                if opts.once {
                    driver.shutdown(Duration::from_secs(2)).await;
                    return Ok(WatchEnd::Done);
                }
            }
        } else if let Some(id) = changed {
            writeln!(
                out,
                "{}",
                watch::line(&store, id, |i| clock.wall(i), SystemTime::now())
            )?;
            out.flush()?;
        }
    }
}

fn print_all(store: &Store, clock: &Clock, out: &mut impl Write) -> anyhow::Result<()> {
    let now = SystemTime::now();
    for id in store.ids() {
        writeln!(out, "{}", watch::line(store, id, |i| clock.wall(i), now))?;
    }
    out.flush()?;
    Ok(())
}
