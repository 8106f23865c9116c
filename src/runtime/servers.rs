//! Several presence servers: one engine and driver task per server
//! ([`SipHandle`]), run by one hub task that the console and `watch` see
//! as a single event source.
//!
//! The hub merges every driver's events into one channel, each tagged
//! with its server's [`ServerId`] (the store keeps state per server, see
//! `store::servers`); it sends every directory change
//! ([`Command::Resubscribe`]) to every driver and remembers the contacts,
//! so a server started later (a configuration reload) subscribes to
//! everyone; and it starts, restarts and stops servers when the
//! configuration changes ([`ServerChange`]): a restarted server's old
//! engine ends its subscriptions in the background while the new one
//! subscribes, and servers that did not change are not touched (no
//! re-SUBSCRIBE storm).
//!
//! A driver that stops by itself leaves the others running; the hub's
//! channel ends (the console's "engine stopped") when the last one has.
//!
//! Contacts learnt from a resource list (`EngineEvent::ContactsAdded`)
//! are taken from one server only, the first one configured with a
//! `list`: each engine numbers the members it learns itself, so two
//! engines would give one id to two people. Another server's learnt
//! members are left out (their events dropped, counted in the log);
//! everyone in the directory is served by every server.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::sip_driver::{Command, CommandSender, SipHandle};
use crate::presence::{ContactId, EventKind};
use crate::sip::engine::EngineConfig;
use crate::sip::events::EngineEvent;
use crate::store::ServerId;

/// One server to run: its id, name, engine and address.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    pub id: ServerId,
    pub name: String,
    pub engine: EngineConfig,
    pub addr: SocketAddr,
}

/// A change of the configured servers (from a configuration reload).
#[derive(Debug, Clone)]
pub enum ServerChange {
    /// Start this server; if one with its id runs, restart it (its old
    /// engine ends its subscriptions first, in the background).
    Start(Box<ServerSpec>),
    /// End this server's subscriptions and stop it.
    Stop(ServerId),
}

/// An event of one server's engine.
pub type Tagged = (ServerId, EngineEvent);

/// The loops' end of the hub task.
pub struct ServerHub {
    events: mpsc::UnboundedReceiver<Tagged>,
    commands: CommandSender,
    changes: mpsc::UnboundedSender<ServerChange>,
    task: Option<JoinHandle<()>>,
    /// `(id, name)` of the servers started with, in configuration order.
    servers: Vec<(ServerId, String)>,
    /// The packages each server subscribes to with a resource list.
    lists: Vec<(ServerId, EventKind)>,
    /// How long ending every server's subscriptions may take.
    deadline: Duration,
}

struct Running {
    id: ServerId,
    name: String,
    handle: SipHandle,
    /// Contacts this engine learnt from its list that are not taken (it
    /// is not the list owner): their events are dropped.
    foreign: std::collections::HashSet<ContactId>,
}

impl ServerHub {
    /// Open every server's socket and start its driver, then the hub.
    pub async fn start(
        specs: Vec<ServerSpec>,
        contacts: &[(ContactId, String)],
    ) -> io::Result<ServerHub> {
        let mut running = Vec::with_capacity(specs.len());
        let mut lists = Vec::new();
        let mut deadline = Duration::ZERO;
        for spec in specs {
            let handle = SipHandle::start(spec.engine, spec.addr, contacts)
                .await
                .map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("server {} ({}): {e}", spec.name, spec.addr),
                    )
                })?;
            lists.extend(handle.lists().iter().map(|&e| (spec.id, e)));
            deadline = deadline.max(handle.shutdown_deadline());
            running.push(Running {
                id: spec.id,
                name: spec.name,
                handle,
                foreign: Default::default(),
            });
        }
        let servers = running.iter().map(|r| (r.id, r.name.clone())).collect();
        let (out, events) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (changes, changes_rx) = mpsc::unbounded_channel();
        let list_owner = lists.first().map(|(id, _)| *id);
        let hub = Hub {
            list_owner,
            running,
            contacts: contacts.iter().cloned().collect(),
            out,
            commands: commands_rx,
            changes: changes_rx,
            rotate: 0,
        };
        let task = tokio::spawn(hub.run());
        Ok(ServerHub {
            events,
            commands,
            changes,
            task: Some(task),
            servers,
            lists,
            deadline,
        })
    }

    /// `(id, name)` of the servers started with.
    pub fn servers(&self) -> &[(ServerId, String)] {
        &self.servers
    }

    /// The (server, package) pairs subscribed with a resource list.
    pub fn lists(&self) -> &[(ServerId, EventKind)] {
        &self.lists
    }

    /// Where directory changes go (to every server).
    pub fn commands(&self) -> CommandSender {
        self.commands.clone()
    }

    /// Where server changes go (a configuration reload).
    pub fn changes(&self) -> mpsc::UnboundedSender<ServerChange> {
        self.changes.clone()
    }

    /// How long ending every subscription may take (the servers end
    /// theirs at the same time).
    pub fn shutdown_deadline(&self) -> Duration {
        self.deadline
    }

    /// The next event of any server. Cancel-safe. `None` once every
    /// driver stopped.
    pub async fn next_event(&mut self) -> Option<Tagged> {
        self.events.recv().await
    }

    /// End every server's subscriptions and wait, at most `deadline`.
    pub async fn shutdown(&mut self, deadline: Duration) {
        let _ = self.commands.send(Command::Shutdown);
        let Some(mut task) = self.task.take() else {
            return;
        };
        let done = tokio::time::timeout(deadline, async {
            while self.events.recv().await.is_some() {}
            let _ = (&mut task).await;
        })
        .await;
        if done.is_err() {
            tracing::warn!("subscriptions not ended within {deadline:?}");
            task.abort();
        }
    }
}

impl super::console::EventSource for ServerHub {
    fn next_event(&mut self) -> impl Future<Output = Option<EngineEvent>> + Send {
        let next = ServerHub::next_event(self);
        async move { next.await.map(|(_, ev)| ev) }
    }
    fn next_tagged(&mut self) -> impl Future<Output = Option<Tagged>> + Send {
        ServerHub::next_event(self)
    }
    fn shutdown(&mut self) -> impl Future<Output = ()> + Send {
        let deadline = ServerHub::shutdown_deadline(self);
        ServerHub::shutdown(self, deadline)
    }
    fn shutdown_deadline(&self) -> Duration {
        ServerHub::shutdown_deadline(self)
    }
    fn commands(&self) -> Option<CommandSender> {
        Some(ServerHub::commands(self))
    }
}

/// The hub task's state.
struct Hub {
    /// The server whose list's unknown members become contacts.
    list_owner: Option<ServerId>,
    running: Vec<Running>,
    /// Every contact subscribed to (what a server started later needs).
    contacts: BTreeMap<ContactId, String>,
    out: mpsc::UnboundedSender<Tagged>,
    commands: mpsc::UnboundedReceiver<Command>,
    changes: mpsc::UnboundedReceiver<ServerChange>,
    /// Which driver is polled first (fairness under load).
    rotate: usize,
}

enum Wake {
    Command(Option<Command>),
    Change(ServerChange),
    Event(usize, Option<EngineEvent>),
}

impl Hub {
    async fn run(mut self) {
        loop {
            let wake = tokio::select! {
                cmd = self.commands.recv() => Wake::Command(cmd),
                Some(change) = self.changes.recv() => Wake::Change(change),
                (i, ev) = next_any(&mut self.running, &mut self.rotate) => Wake::Event(i, ev),
            };
            match wake {
                Wake::Command(None | Some(Command::Shutdown)) => break,
                Wake::Command(Some(cmd @ Command::Resubscribe { .. })) => self.resubscribe(cmd),
                // A re-sync goes to every server: one that does not watch
                // the contact's package has nothing to re-sync.
                Wake::Command(Some(Command::ToServer(id, cmd))) => self.send_to(id, *cmd),
                // Everything else (a re-sync, the diagnostics' questions) goes
                // to every server: one that does not watch a contact's
                // package has nothing to do, and each answers for itself.
                Wake::Command(Some(cmd)) => self.broadcast(&cmd),
                Wake::Change(change) => self.change(change).await,
                Wake::Event(i, Some(ev)) => {
                    let Some(id) = self.take(i, &ev) else {
                        continue;
                    };
                    if self.out.send((id, ev)).is_err() {
                        break; // nobody listens any more
                    }
                }
                Wake::Event(i, None) => {
                    if i < self.running.len() {
                        let r = self.running.remove(i);
                        tracing::info!(server = %r.name, "the server's driver stopped");
                    }
                    if self.running.is_empty() {
                        return;
                    }
                }
            }
        }
        // Every server ends its subscriptions at the same time.
        let ends = self.running.iter_mut().map(|r| {
            let deadline = r.handle.shutdown_deadline();
            r.handle.shutdown(deadline)
        });
        futures_util::future::join_all(ends).await;
    }

    /// Whether driver `i`'s event goes out (`Some(server id)`): learnt
    /// contacts only from the list owner (see the module documentation).
    fn take(&mut self, i: usize, ev: &EngineEvent) -> Option<ServerId> {
        let owner = self.list_owner;
        let r = self.running.get_mut(i)?;
        let contact = match ev {
            EngineEvent::ContactsAdded { contacts, .. } => {
                if owner.is_some_and(|o| o != r.id) {
                    tracing::warn!(
                        server = %r.name,
                        count = contacts.len(),
                        "list members not in the directory are taken from the first server with a list only"
                    );
                    r.foreign.extend(contacts.iter().map(|(id, _)| *id));
                    return None;
                }
                for (id, info) in contacts {
                    self.contacts.insert(*id, info.uri.clone());
                }
                return Some(r.id);
            }
            EngineEvent::Presence { contact, .. }
            | EngineEvent::Dialog { contact, .. }
            | EngineEvent::Subscription { contact, .. }
            | EngineEvent::Stale { contact, .. }
            | EngineEvent::Unreadable { contact, .. } => contact,
            // Connection, List (and whatever is added later) go out.
            _ => return Some(r.id),
        };
        (!r.foreign.contains(contact)).then_some(r.id)
    }

    fn resubscribe(&mut self, cmd: Command) {
        if let Command::Resubscribe {
            subscribe,
            unsubscribe,
        } = &cmd
        {
            for id in unsubscribe {
                self.contacts.remove(id);
            }
            for (id, uri) in subscribe {
                self.contacts.insert(*id, uri.clone());
            }
        }
        for r in &self.running {
            if r.handle.commands().send(cmd.clone()).is_err() {
                tracing::warn!(server = %r.name, "directory change not sent: the driver is gone");
            }
        }
    }

    fn send_to(&self, id: ServerId, cmd: Command) {
        let Some(r) = self.running.iter().find(|r| r.id == id) else {
            tracing::warn!(server = id, "command for a server that does not run");
            return;
        };
        if r.handle.commands().send(cmd).is_err() {
            tracing::warn!(server = %r.name, "command not sent: the driver is gone");
        }
    }

    fn broadcast(&self, cmd: &Command) {
        for r in &self.running {
            if r.handle.commands().send(cmd.clone()).is_err() {
                tracing::warn!(server = %r.name, "command not sent: the driver is gone");
            }
        }
    }

    async fn change(&mut self, change: ServerChange) {
        let id = match &change {
            ServerChange::Start(spec) => spec.id,
            ServerChange::Stop(id) => *id,
        };
        if let Some(i) = self.running.iter().position(|r| r.id == id) {
            let mut old = self.running.remove(i);
            tracing::info!(server = %old.name, "stopping the server's engine");
            tokio::spawn(async move {
                let deadline = old.handle.shutdown_deadline();
                old.handle.shutdown(deadline).await;
            });
        }
        let ServerChange::Start(spec) = change else {
            return;
        };
        let contacts: Vec<(ContactId, String)> = self
            .contacts
            .iter()
            .map(|(id, uri)| (*id, uri.clone()))
            .collect();
        let ServerSpec {
            id,
            name,
            engine,
            addr,
        } = *spec;
        match SipHandle::start(engine, addr, &contacts).await {
            Ok(handle) => {
                tracing::info!(server = %name, %addr, "server engine started");
                self.running.push(Running {
                    id,
                    name,
                    handle,
                    foreign: Default::default(),
                });
            }
            Err(e) => tracing::warn!(server = %name, %addr, "cannot start the server: {e}"),
        }
    }
}

/// The next event of any driver (`(index, None)`: that driver stopped);
/// never, with none. Cancel-safe: only channel receives are polled.
async fn next_any(running: &mut [Running], rotate: &mut usize) -> (usize, Option<EngineEvent>) {
    if running.is_empty() {
        return std::future::pending().await;
    }
    let n = running.len();
    *rotate = (*rotate + 1) % n;
    let start = *rotate;
    std::future::poll_fn(|cx| {
        for k in 0..n {
            let i = (start + k) % n;
            if let Poll::Ready(ev) = running[i].handle.poll_event(cx) {
                return Poll::Ready((i, ev));
            }
        }
        Poll::Pending
    })
    .await
}

/// The servers of a configuration, ready to run: ids `ids(label)` (the
/// first run numbers them in file order), addresses resolved. `Err`: a
/// server's address cannot be resolved (named when there are several).
pub fn specs(
    cfg: &crate::config::Config,
    seed: u64,
    mut id_of: impl FnMut(&str) -> ServerId,
) -> Result<Vec<ServerSpec>, String> {
    let several = cfg.servers.len() > 1;
    // Each contact's other lines: watched by the servers of line state.
    let lines = super::engine_lines(&super::contact_lines(&cfg.contact_lines, &cfg.contacts));
    cfg.servers
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let name = entry.label();
            let addr = entry.server.socket_addr().map_err(|e| {
                if several {
                    format!("server {name}: {e}")
                } else {
                    e.to_string()
                }
            })?;
            let mut engine = super::server_engine_config(cfg, entry, seed.wrapping_add(i as u64));
            if entry.dialog {
                engine.lines = lines.clone();
            }
            Ok(ServerSpec {
                id: id_of(&name),
                engine,
                name,
                addr,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_server_gets_its_own_address_packages_and_credentials() {
        let text = "[account]\nuri = \"sip:attendant@127.0.0.1\"\npassword = \"a-secret\"\n\
            [subscribe]\nexpires = 900\n\
            [[server]]\nname = \"presence\"\naddress = \"127.0.0.1:5070\"\nevents = [\"presence\"]\n\
            [[server]]\nname = \"pbx\"\naddress = \"127.0.0.1:5080\"\ntransport = \"tcp\"\n\
            auth_user = \"reception\"\npassword = \"pbx-secret\"\npreferred = true\n";
        let cfg = crate::config::parse(text, std::path::Path::new("c.toml"), &|_| None).unwrap();
        let mut next = 0;
        let specs = specs(&cfg, 7, |_| {
            next += 1;
            next - 1
        })
        .unwrap();
        let [a, b] = specs.as_slice() else {
            panic!("two servers: {specs:?}");
        };
        assert_eq!((a.id, a.name.as_str()), (0, "presence"));
        assert_eq!(a.addr, "127.0.0.1:5070".parse().unwrap());
        assert!(a.engine.presence && !a.engine.dialog);
        assert_eq!(
            (a.engine.auth_user.as_str(), a.engine.password.as_deref()),
            ("attendant", Some("a-secret"))
        );
        assert_eq!(a.engine.expires, 900);
        assert_eq!((b.id, b.name.as_str()), (1, "pbx"));
        assert_eq!(b.engine.server, "127.0.0.1:5080");
        assert_eq!(b.engine.transport, crate::sip::engine::Transport::Tcp);
        assert!(b.engine.presence && b.engine.dialog);
        assert_eq!(
            (b.engine.auth_user.as_str(), b.engine.password.as_deref()),
            ("reception", Some("pbx-secret"))
        );
    }
}
