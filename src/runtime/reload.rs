//! Configuration reload without restart: Ctrl-R in the console
//! (`Cmd::ReloadConfig`) or SIGUSR1 (console and `watch`; SIGHUP stays
//! "the terminal went away").
//!
//! One task, the reloader, reads the file again (the one validator,
//! `config::load`, so an invalid file is refused with its file, line and
//! key, and the running configuration is kept — nothing is applied
//! before the whole file checked), then applies what changed:
//!
//! - contacts: the `[[contact]]` entries and `[directory]` files are
//!   merged again into the whole directory and handed to the loop as the
//!   directory watcher's reloads are (`Msg::Directory`'s path:
//!   `Store::apply_directory` keeps everyone's live state; the added are
//!   subscribed, the removed unsubscribed through `Cmd::Resubscribe`); the
//!   directory watcher restarts on the new files;
//! - servers, by name (a single `[server]` is named by its address): a new
//!   one is started, a removed one stopped, a changed one (its table, or
//!   the account or `[subscribe]` all engines share) restarted; an
//!   unchanged one is not touched, so no re-SUBSCRIBE storm
//!   ([`ServerChange`] to the hub, `runtime::servers`).
//!
//! `[ui]`, `[keys]`, `[notes]` and `[status]` take effect at the next
//! start. The reloader also forwards the directory watcher's own reloads,
//! so the loops have one channel for both.

use std::path::PathBuf;

use tokio::sync::mpsc;

use super::directory::{self, DirectoryFeed};
use super::servers::{ServerChange, ServerSpec};
use crate::app::{Msg, Reloaded};
use crate::config::{Config, ServerEntry};
use crate::store::ServerId;

/// What the reloader starts from.
#[derive(Debug, Clone, Default)]
pub struct ReloadSetup {
    /// The configuration file (`None`: there is none, e.g. the demo).
    pub path: Option<PathBuf>,
    /// The running configuration as loaded (its own `[[contact]]`
    /// entries, not the merged directory).
    pub config: Option<Config>,
    /// The running servers' ids, by name.
    pub ids: Vec<(String, ServerId)>,
    /// The hub that runs the servers' engines.
    pub changes: Option<mpsc::UnboundedSender<ServerChange>>,
}

/// The loops' end of the reloader.
pub struct Reloader {
    /// Directory reloads and configuration reloads, for the loop.
    pub messages: mpsc::UnboundedReceiver<Msg>,
    /// Ask for a reload (Ctrl-R).
    pub trigger: mpsc::UnboundedSender<()>,
    /// Problems of watching the first directory files (for the message
    /// line).
    pub problems: Vec<String>,
}

/// Start the reloader (and the directory watcher, when `feed` has files).
pub fn start(setup: ReloadSetup, feed: Option<&DirectoryFeed>) -> Reloader {
    let (out, messages) = mpsc::unbounded_channel();
    let (trigger, trigger_rx) = mpsc::unbounded_channel();
    let (directory, problems) = match feed {
        Some(f) => {
            let (rx, problems) = directory::start(f);
            (Some(rx), problems)
        }
        None => (None, Vec::new()),
    };
    // Caught from now on (SIGUSR1's default would end the process).
    let usr1 = usr1_signal();
    tokio::spawn(run(setup, usr1, directory, trigger_rx, out));
    Reloader {
        messages,
        trigger,
        problems,
    }
}

async fn run(
    mut state: ReloadSetup,
    mut usr1: Option<Usr1>,
    mut directory: Option<mpsc::UnboundedReceiver<Msg>>,
    mut trigger: mpsc::UnboundedReceiver<()>,
    out: mpsc::UnboundedSender<Msg>,
) {
    loop {
        let reload = tokio::select! {
            Some(()) = trigger.recv() => true,
            Some(()) = next_usr1(usr1.as_mut()) => {
                tracing::info!("SIGUSR1: reloading the configuration");
                true
            }
            Some(msg) = next_msg(directory.as_mut()) => {
                if out.send(msg).is_err() {
                    return;
                }
                false
            }
            () = out.closed() => return,
        };
        if !reload {
            continue;
        }
        let answer = match reload_once(&mut state).await {
            Ok((reloaded, rx)) => {
                // The old watcher ends when its receiver is dropped.
                directory = Some(rx);
                Ok(reloaded)
            }
            Err(why) => {
                for line in why.lines() {
                    tracing::warn!("configuration not reloaded: {line}");
                }
                Err(why)
            }
        };
        if out.send(Msg::ConfigReloaded(Box::new(answer))).is_err() {
            return;
        }
    }
}

type Applied = (Reloaded, mpsc::UnboundedReceiver<Msg>);

/// Read, check and apply the file once; `Err`: why not (the running
/// configuration stays).
async fn reload_once(state: &mut ReloadSetup) -> Result<Applied, String> {
    let Some(path) = state.path.clone() else {
        return Err("there is no configuration file to reload".into());
    };
    let job = tokio::task::spawn_blocking(move || {
        let config = crate::config::load(&path)?;
        let feed = DirectoryFeed::load(config.contacts.clone(), config.directory.clone());
        Ok::<_, crate::config::ConfigError>((config, feed))
    });
    let (new, feed) = match job.await {
        Ok(Ok(loaded)) => loaded,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(e) => return Err(format!("the reload failed: {e}")),
    };
    let plan = plan(state, &new)?;
    for p in &feed.initial.problems {
        tracing::warn!("directory: {p}");
    }
    if let Some(hub) = &state.changes {
        for change in plan.changes {
            if hub.send(change).is_err() {
                tracing::warn!("server change not sent: the hub is gone");
            }
        }
    }
    let (rx, problems) = directory::start(&feed);
    for p in problems {
        tracing::warn!("{p}");
    }
    state.ids = plan.ids;
    let servers: Vec<(ServerId, String)> = new
        .servers
        .iter()
        .filter_map(|e| {
            let name = e.label();
            let id = state.ids.iter().find(|(n, _)| *n == name)?.1;
            Some((id, name))
        })
        .collect();
    let preferred = new
        .servers
        .iter()
        .find(|e| e.preferred)
        .and_then(|e| servers.iter().find(|(_, n)| *n == e.label()))
        .map(|(id, _)| *id);
    tracing::info!(
        started = ?plan.started,
        restarted = ?plan.restarted,
        stopped = ?plan.stopped,
        contacts = feed.initial.entries.len(),
        "configuration reloaded"
    );
    state.config = Some(kept(new));
    let reloaded = Reloaded {
        servers,
        preferred,
        started: plan.started,
        restarted: plan.restarted,
        stopped: plan.stopped,
        directory: feed.initial,
    };
    Ok((reloaded, rx))
}

/// What the reloader keeps of a configuration: what [`plan`] compares
/// with the next file (account, subscribe, servers). The contacts and
/// their lines (about 1.5 MB with 10,000 contacts) are taken from the new
/// file at each reload and never compared, so they are not kept all day.
pub fn kept(mut config: Config) -> Config {
    config.contacts = Vec::new();
    config.contact_lines = Vec::new();
    config
}

/// What to do with the servers.
struct Plan {
    changes: Vec<ServerChange>,
    /// The ids after the change, by name.
    ids: Vec<(String, ServerId)>,
    started: Vec<String>,
    restarted: Vec<String>,
    stopped: Vec<String>,
}

/// Compare the running servers with the new file's, by name. `Err`: a
/// new or changed server's address cannot be resolved (nothing applied).
fn plan(state: &ReloadSetup, new: &Config) -> Result<Plan, String> {
    let old = state.config.as_ref();
    let shared_same = old.is_some_and(|o| o.account == new.account && o.subscribe == new.subscribe);
    let old_entry =
        |name: &str| -> Option<&ServerEntry> { old?.servers.iter().find(|e| e.label() == name) };
    let mut next = state
        .ids
        .iter()
        .map(|(_, id)| id.saturating_add(1))
        .max()
        .unwrap_or(0);
    let mut p = Plan {
        changes: Vec::new(),
        ids: Vec::new(),
        started: Vec::new(),
        restarted: Vec::new(),
        stopped: Vec::new(),
    };
    let seed = super::seed_from_clock();
    for (i, entry) in new.servers.iter().enumerate() {
        let name = entry.label();
        let running = state
            .ids
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, id)| *id);
        let id = match (running, old_entry(&name)) {
            (Some(id), Some(o)) if o == entry && shared_same => {
                p.ids.push((name, id));
                continue;
            }
            (Some(id), _) => {
                p.restarted.push(name.clone());
                id
            }
            (None, _) => {
                p.started.push(name.clone());
                next = next.saturating_add(1);
                next - 1
            }
        };
        let addr = entry.server.socket_addr().map_err(|e| {
            format!(
                "{}: server {name}: {e}",
                state
                    .path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )
        })?;
        let engine = super::server_engine_config(new, entry, seed.wrapping_add(i as u64));
        p.changes.push(ServerChange::Start(Box::new(ServerSpec {
            id,
            name: name.clone(),
            engine,
            addr,
        })));
        p.ids.push((name, id));
    }
    for (name, id) in &state.ids {
        if !p.ids.iter().any(|(n, _)| n == name) {
            p.stopped.push(name.clone());
            p.changes.push(ServerChange::Stop(*id));
        }
    }
    Ok(p)
}

#[cfg(unix)]
type Usr1 = tokio::signal::unix::Signal;
#[cfg(not(unix))]
type Usr1 = ();

fn usr1_signal() -> Option<Usr1> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::user_defined1()) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!("SIGUSR1 cannot be caught ({e}): reload with Ctrl-R only");
                None
            }
        }
    }
    #[cfg(not(unix))]
    None
}

async fn next_usr1(signal: Option<&mut Usr1>) -> Option<()> {
    #[cfg(unix)]
    if let Some(s) = signal {
        return s.recv().await;
    }
    #[cfg(not(unix))]
    let _ = signal;
    std::future::pending().await
}

async fn next_msg(rx: Option<&mut mpsc::UnboundedReceiver<Msg>>) -> Option<Msg> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn config(text: &str, dir: &std::path::Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    const ACCOUNT: &str = "[account]\nuri = \"sip:attendant@127.0.0.1\"\n";

    fn contacts(users: &[&str]) -> String {
        users
            .iter()
            .map(|u| format!("[[contact]]\nname = \"{u}\"\nuri = \"sip:{u}@127.0.0.1\"\n"))
            .collect()
    }

    async fn answer(r: &mut Reloader) -> Result<Reloaded, String> {
        let msg = tokio::time::timeout(Duration::from_secs(10), r.messages.recv())
            .await
            .expect("an answer within 10 s")
            .expect("the reloader runs");
        match msg {
            Msg::ConfigReloaded(result) => *result,
            other => panic!("not a reload: {other:?}"),
        }
    }

    #[tokio::test]
    async fn servers_are_started_restarted_and_stopped_by_name_and_unchanged_ones_left_alone() {
        let dir = std::env::temp_dir().join(format!("switchboard-reload-{}", std::process::id()));
        let server = |name: &str, port: u16, extra: &str| {
            format!("[[server]]\nname = \"{name}\"\naddress = \"127.0.0.1:{port}\"\n{extra}")
        };
        let first = format!(
            "{ACCOUNT}{}{}{}",
            server("presence", 5998, ""),
            server("pbx", 5999, ""),
            contacts(&["alice", "bob"])
        );
        let path = config(&first, &dir);
        let running = crate::config::load(&path).unwrap();
        let (changes, mut hub) = mpsc::unbounded_channel();
        let setup = ReloadSetup {
            path: Some(path.clone()),
            config: Some(running),
            ids: vec![("presence".into(), 0), ("pbx".into(), 1)],
            changes: Some(changes),
        };
        let mut r = start(setup, None);

        // presence unchanged, pbx changed, carrier new; bob out, carol in.
        let second = format!(
            "{ACCOUNT}{}{}{}{}",
            server("presence", 5998, ""),
            server("pbx", 5999, "keepalive = 10\n"),
            server("carrier", 5997, "preferred = true\n"),
            contacts(&["alice", "carol"])
        );
        config(&second, &dir);
        r.trigger.send(()).unwrap();
        let got = answer(&mut r).await.expect("a valid file");
        assert_eq!(got.restarted, ["pbx"]);
        assert_eq!(got.started, ["carrier"]);
        assert!(got.stopped.is_empty());
        assert_eq!(
            got.servers,
            [
                (0, "presence".into()),
                (1, "pbx".into()),
                (2, "carrier".into())
            ]
        );
        assert_eq!(got.preferred, Some(2));
        let names: Vec<&str> = got
            .directory
            .entries
            .iter()
            .map(|e| e.info.name.as_str())
            .collect();
        assert_eq!(names, ["alice", "carol"]);
        let mut started = Vec::new();
        while let Ok(change) = hub.try_recv() {
            match change {
                ServerChange::Start(spec) => started.push((spec.id, spec.name)),
                ServerChange::Stop(id) => panic!("nothing stopped, got {id}"),
            }
        }
        assert_eq!(started, [(1, "pbx".into()), (2, "carrier".into())]);

        // A mistake: refused with file, line and key; nothing sent.
        let third = format!("{second}[[server]]\nname = \"pbx\"\n");
        config(&third, &dir);
        r.trigger.send(()).unwrap();
        let why = answer(&mut r).await.expect_err("an invalid file");
        assert!(
            why.contains("config.toml:") && why.contains("server[4].name"),
            "{why}"
        );
        assert!(hub.try_recv().is_err(), "nothing applied");

        // Back to one server: the others stop.
        let fourth = format!(
            "{ACCOUNT}{}{}",
            server("presence", 5998, ""),
            contacts(&["alice"])
        );
        config(&fourth, &dir);
        r.trigger.send(()).unwrap();
        let got = answer(&mut r).await.expect("a valid file");
        assert_eq!(got.stopped, ["pbx", "carrier"]);
        let mut stopped = Vec::new();
        while let Ok(change) = hub.try_recv() {
            if let ServerChange::Stop(id) = change {
                stopped.push(id);
            }
        }
        assert_eq!(stopped, [1, 2]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
