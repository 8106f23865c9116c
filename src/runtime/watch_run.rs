//! Runs `switchboard watch`: engine + store, JSON lines on stdout.
//!
//! One `select!` over the driver's event channel and the stop signals
//! (SIGINT, SIGTERM, SIGHUP): a signal ends every subscription as the
//! console does (paced un-SUBSCRIBEs, bounded by
//! [`ServerHub::shutdown_deadline`]: longer for more subscriptions) and
//! `watch` exits 0. Without it the server kept every subscription until expiry
//! and NOTIFYed nobody.

use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

use super::console::stop_signals;
use super::servers::ServerHub;
use super::sip_driver::{Clock, Command};
use crate::presence::EventKind;
use crate::sip::events::{ConnectionState, EngineEvent, ListState};
use crate::store::{ServerId, Store};
use crate::watch;

/// How `watch` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEnd {
    /// `--once` printed its snapshot (or the stream was closed).
    Done,
    /// SIGINT, SIGTERM or SIGHUP: the subscriptions were ended (exit 0).
    Signal(&'static str),
    /// Exit 3: the server cannot be reached or rejects our credentials.
    ServerFailure(String),
}

pub struct WatchOptions {
    pub once: bool,
    /// `--once`: print the snapshot after this long even if some contacts
    /// have no answer yet. Streaming: the longest wait before the snapshot.
    pub timeout: Duration,
    /// `[directory]` files: watched while streaming, as by the console
    /// (new contacts are subscribed and printed as they change; removed
    /// ones are unsubscribed and no longer printed).
    pub directory: Option<super::directory::DirectoryFeed>,
    /// SIGUSR1 reloads the configuration while streaming (`None`: no
    /// file, e.g. the demo).
    pub reload: Option<super::reload::ReloadSetup>,
    /// `[telephony] ringing_suspect_after`: a line ringing longer is
    /// marked `suspect` and its dialog subscription re-synced once, as in
    /// the console.
    pub ringing_suspect_after: Duration,
}

/// What woke `follow`.
enum Wake {
    Event(Option<(ServerId, EngineEvent)>),
    SnapshotDue,
    /// A ringing line may have rung too long.
    StuckCheck,
    Reload(crate::directory::Loaded),
    Config(Result<crate::app::Reloaded, String>),
}

/// Drive `driver` until done, writing JSON lines to `out`.
pub async fn run(
    driver: ServerHub,
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
    mut driver: ServerHub,
    store: Store,
    opts: WatchOptions,
    out: &mut impl Write,
) -> anyhow::Result<WatchEnd> {
    let stop = stop_signals()?;
    tokio::pin!(stop);
    let end = tokio::select! {
        end = follow(&mut driver, store, opts, out) => end,
        why = &mut stop => {
            tracing::info!("{why}: ending the subscriptions");
            Ok(WatchEnd::Signal(why))
        }
    };
    // Every way out ends the subscriptions (a no-op if none are left).
    let deadline = driver.shutdown_deadline();
    driver.shutdown(deadline).await;
    end
}

/// Apply events to the store and print, until done. Cancel-safe at every
/// await (a channel `recv`), so a signal may interrupt it anywhere.
async fn follow(
    driver: &mut ServerHub,
    mut store: Store,
    mut opts: WatchOptions,
    out: &mut impl Write,
) -> anyhow::Result<WatchEnd> {
    let clock = Clock::now();
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + opts.timeout;
    let mut snapshot_done = false;
    let mut health = Health::new(driver.servers());
    // With resource lists the directory is only known once each list has
    // answered (its full state, or a fallback to single subscriptions).
    let mut lists_waiting: HashSet<(ServerId, EventKind)> =
        driver.lists().iter().copied().collect();
    // Moved, not cloned: the setup holds the whole configuration (its
    // 10,000 contacts are about 1.5 MB).
    let mut reload = match (opts.reload.take(), &opts.directory, opts.once) {
        (_, _, true) => None,
        (Some(setup), feed, false) => {
            let r = super::reload::start(setup, feed.as_ref());
            for p in &r.problems {
                eprintln!("switchboard: warning: {p}");
            }
            Some(r.messages)
        }
        (None, Some(feed), false) => Some(super::directory::start(feed).0),
        (None, None, false) => None,
    };
    let suspect_after = opts.ringing_suspect_after;
    let mut unanswered = watch::Unanswered::of(&store);
    // When to look for lines ringing too long: built by one walk of every
    // contact here and after each look, moved earlier by each event in
    // between (a walk per event was 10,000 × 20,000 looks at start-up); a
    // line that stopped ringing meanwhile only makes the look early.
    let mut stuck_at = store.next_stuck_check(suspect_after);
    loop {
        let wake = tokio::select! {
            ev = driver.next_event() => Wake::Event(ev),
            () = tokio::time::sleep_until(deadline), if !snapshot_done => Wake::SnapshotDue,
            () = sleep_until_std(stuck_at), if stuck_at.is_some() => Wake::StuckCheck,
            Some(msg) = next_reload(reload.as_mut()) => match msg {
                crate::app::Msg::Directory(loaded) => Wake::Reload(loaded),
                crate::app::Msg::ConfigReloaded(result) => Wake::Config(*result),
                _ => continue,
            },
        };
        let ev = match wake {
            Wake::Event(ev) => ev,
            Wake::SnapshotDue => {
                tracing::info!("snapshot timeout: printing what we have");
                print_all(&store, &clock, out)?;
                snapshot_done = true;
                if opts.once {
                    return Ok(WatchEnd::Done);
                }
                continue;
            }
            Wake::StuckCheck => {
                let marked = resync_stuck(driver, &mut store, suspect_after, Instant::now());
                stuck_at = store.next_stuck_check(suspect_after);
                if snapshot_done {
                    for id in marked {
                        writeln!(
                            out,
                            "{}",
                            watch::line(&store, id, |i| clock.wall(i), SystemTime::now())
                        )?;
                    }
                    out.flush()?;
                }
                continue;
            }
            Wake::Reload(loaded) => {
                reload_directory(driver, &mut store, loaded);
                unanswered = watch::Unanswered::of(&store);
                stuck_at = store.next_stuck_check(suspect_after);
                continue;
            }
            Wake::Config(result) => {
                let changed = reload_config(driver, &mut store, &mut health, result);
                unanswered = watch::Unanswered::of(&store);
                stuck_at = store.next_stuck_check(suspect_after);
                if snapshot_done {
                    for id in changed {
                        writeln!(
                            out,
                            "{}",
                            watch::line(&store, id, |i| clock.wall(i), SystemTime::now())
                        )?;
                    }
                    out.flush()?;
                }
                continue;
            }
        };
        let Some((server, ev)) = ev else {
            return Ok(WatchEnd::Done);
        };
        if let EngineEvent::Connection { state, .. } = &ev
            && let Some(failure) = health.connection(server, state)
        {
            return Ok(WatchEnd::ServerFailure(failure));
        }
        if let EngineEvent::List { event, state, .. } = &ev
            && !matches!(state, ListState::Requesting)
        {
            lists_waiting.remove(&(server, *event));
        }
        let changed = store.apply_server_event(server, &ev);
        if let Some(t) = changed.and_then(|id| store.stuck_check_of(id, suspect_after)) {
            stuck_at = Some(stuck_at.map_or(t, |s| s.min(t)));
        }
        if !snapshot_done {
            unanswered.update(&store, changed);
            if lists_waiting.is_empty() && unanswered.none() {
                print_all(&store, &clock, out)?;
                snapshot_done = true;
                tracing::info!(
                    elapsed_ms = start.elapsed().as_millis() as u64,
                    "snapshot complete"
                );
                if opts.once {
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

/// Waits until `at` (a `std` instant; never when `None`).
async fn sleep_until_std(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// Lines ringing longer than `after` are marked suspect (a missed
/// hang-up) and their dialog subscriptions re-synced once, as the console
/// does (`app::line`). Returns the contacts newly marked.
fn resync_stuck(
    driver: &ServerHub,
    store: &mut Store,
    after: Duration,
    now: Instant,
) -> Vec<crate::store::ContactId> {
    let marked = store.mark_stuck_ringing(now, after);
    for &contact in &marked {
        tracing::info!(
            ?contact,
            "line ringing too long: marked suspect, re-syncing"
        );
        let sent = driver.commands().send(Command::Resync {
            contact,
            event: EventKind::Dialog,
        });
        if sent.is_err() {
            tracing::warn!("re-sync not sent: the SIP driver is gone");
        }
    }
    marked
}

/// A change of the connection after the start, one line on stderr (e.g.
/// a server whose new certificate is refused: which check failed).
fn tell_connection(server: &str, state: &ConnectionState) {
    match state {
        ConnectionState::Unreachable(why) => {
            eprintln!("switchboard: the server at {server} is unreachable: {why}");
        }
        ConnectionState::Connected => {
            eprintln!("switchboard: the server at {server} answers again")
        }
        // Refused credentials end `watch` with their own line (exit 3).
        ConnectionState::AuthFailed(_) | ConnectionState::Connecting => {}
    }
}

/// The directory files changed: the store follows, the engine subscribes
/// to the new contacts and lets the removed ones go.
fn reload_directory(driver: &ServerHub, store: &mut Store, loaded: crate::directory::Loaded) {
    for p in &loaded.problems {
        tracing::warn!("directory: {p}");
    }
    let change = store.apply_directory(loaded.entries);
    if change.added.is_empty() && change.removed.is_empty() {
        return;
    }
    tracing::info!(
        added = change.added.len(),
        removed = change.removed.len(),
        "directory reloaded"
    );
    let subscribe = change
        .added
        .iter()
        .map(|&id| (id, store.info(id).uri.clone()))
        .collect();
    let sent = driver.commands().send(Command::Resubscribe {
        subscribe,
        unsubscribe: change.removed,
    });
    if sent.is_err() {
        tracing::warn!("directory change not sent: the SIP driver is gone");
    }
}

/// A configuration reload (SIGUSR1): the servers and the directory
/// follow it, or stderr says why not (file, line and key) and the running
/// configuration stays. Returns the contacts whose shown state changed
/// (a removed server's states gone).
fn reload_config(
    driver: &ServerHub,
    store: &mut Store,
    health: &mut Health,
    result: Result<crate::app::Reloaded, String>,
) -> Vec<crate::store::ContactId> {
    let r = match result {
        Ok(r) => r,
        Err(why) => {
            eprintln!("switchboard: configuration not reloaded (the running one is kept):");
            for line in why.lines() {
                eprintln!("switchboard: {line}");
            }
            return Vec::new();
        }
    };
    let mut changed = store.set_servers(&r.servers, r.preferred);
    let now = std::time::Instant::now();
    for id in crate::app::restarted_ids(&r) {
        changed.extend(store.mark_server_stale(id, now));
    }
    changed.sort_unstable();
    changed.dedup();
    health.servers_now(&r.servers);
    reload_directory(driver, store, r.directory);
    eprintln!(
        "switchboard: configuration reloaded ({} contacts; servers started: {}; reconnected: {}; stopped: {})",
        store.ids().count(),
        list_or_none(&r.started),
        list_or_none(&r.restarted),
        list_or_none(&r.stopped)
    );
    changed
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Whether `watch` must give up on its servers (exit 3).
///
/// One server: when it rejects our credentials, or cannot be reached
/// before it ever answered (as always). Several: a server that fails so
/// is reported on stderr and `watch` goes on with the others (one server
/// down never hides the others' states); it gives up only when every
/// server failed.
struct Health {
    /// `(id, name, ever connected, failed)` per server.
    servers: Vec<(ServerId, String, bool, bool)>,
}

impl Health {
    fn new(servers: &[(ServerId, String)]) -> Health {
        Health {
            servers: servers
                .iter()
                .map(|(id, name)| (*id, name.clone(), false, false))
                .collect(),
        }
    }

    /// The servers after a configuration reload (new ones not connected
    /// yet, removed ones forgotten).
    fn servers_now(&mut self, servers: &[(ServerId, String)]) {
        self.servers
            .retain(|s| servers.iter().any(|(id, _)| *id == s.0));
        for (id, name) in servers {
            match self.servers.iter_mut().find(|s| s.0 == *id) {
                Some(s) => s.1 = name.clone(),
                None => self.servers.push((*id, name.clone(), false, false)),
            }
        }
    }

    /// Server `server`'s connection changed: `Some(why)` to give up.
    fn connection(&mut self, server: ServerId, state: &ConnectionState) -> Option<String> {
        let several = self.servers.len() > 1;
        let s = self.servers.iter_mut().find(|s| s.0 == server)?;
        // After the start, stdout stays JSON; a person reads why here.
        if s.2 {
            tell_connection(&s.1, state);
        }
        let why = match state {
            ConnectionState::Connected => {
                s.2 = true;
                s.3 = false;
                return None;
            }
            ConnectionState::AuthFailed(why) => {
                format!("the server at {} rejects our credentials: {why}", s.1)
            }
            ConnectionState::Unreachable(why) if !s.2 => {
                format!("cannot reach the server at {}: {why}", s.1)
            }
            _ => return None,
        };
        s.3 = true;
        if several && self.servers.iter().any(|s| !s.3) {
            tracing::warn!("{why}");
            eprintln!("switchboard: warning: {why}");
            return None;
        }
        Some(why)
    }
}

async fn next_reload(
    rx: Option<&mut tokio::sync::mpsc::UnboundedReceiver<crate::app::Msg>>,
) -> Option<crate::app::Msg> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_server_failing_ends_watch() {
        let mut h = Health::new(&[(0, "127.0.0.1:5060".into())]);
        let why = h.connection(0, &ConnectionState::Unreachable("no answer".into()));
        assert_eq!(
            why.as_deref(),
            Some("cannot reach the server at 127.0.0.1:5060: no answer")
        );
    }

    #[test]
    fn with_several_servers_watch_gives_up_only_when_every_one_failed() {
        let mut h = Health::new(&[(0, "presence".into()), (1, "pbx".into())]);
        assert_eq!(h.connection(0, &ConnectionState::Connected), None);
        // Lost after it answered: never a reason to give up.
        assert_eq!(
            h.connection(0, &ConnectionState::Unreachable("gone".into())),
            None
        );
        assert_eq!(
            h.connection(1, &ConnectionState::AuthFailed("403".into())),
            None,
            "presence still runs"
        );
        h.servers_now(&[(1, "pbx".into())]);
        let why = h.connection(1, &ConnectionState::AuthFailed("403".into()));
        assert_eq!(
            why.as_deref(),
            Some("the server at pbx rejects our credentials: 403")
        );
    }
}
