//! Drives the sans-IO [`Engine`] over real sockets and the real clock, as
//! its own task.
//!
//! [`SipHandle::start`] opens the socket and spawns the driver task; the
//! console and `watch` loops talk to it over two channels, as the demo
//! server's runtime does: engine events come out ([`SipHandle::next_event`],
//! a channel `recv`, cancel-safe by construction), commands go in
//! ([`Command`]). The task owns every buffer and the pending TCP connect,
//! so nothing is lost when a loop's `select!` picks another branch.
//!
//! TLS is TCP with a rustls session in between (`stream.rs`,
//! [`crate::runtime::tls`]): the handshake, certificate checks included,
//! is part of the connect, so a refused certificate is a failed connect
//! on the same reconnect schedule as a refused TCP port.
//!
//! The engine decides everything timed, TCP reconnects included
//! ([`Engine::poll_connect`]); this file only executes: send, receive,
//! sleep until the engine's next timer, connect when told.
//!
//! Events go out over an unbounded channel: the engine's own event queue
//! was unbounded before, and a bounded one would let a slow terminal stall
//! the SIP side (retransmissions, answers to NOTIFYs) behind it.

mod stream;
mod task;

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::presence::ContactId;
use crate::sip::engine::EngineConfig;
use crate::sip::events::EngineEvent;
use task::Driver;

/// Maps the engine's monotonic instants to wall-clock time for display.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    instant: Instant,
    wall: SystemTime,
}

impl Clock {
    pub fn now() -> Self {
        Clock {
            instant: Instant::now(),
            wall: SystemTime::now(),
        }
    }
    pub fn wall(&self, at: Instant) -> SystemTime {
        match at.checked_duration_since(self.instant) {
            Some(d) => self.wall + d,
            None => self.wall - self.instant.duration_since(at),
        }
    }
}

/// What the loops ask of the driver task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// End every subscription (paced un-SUBSCRIBEs), then stop.
    Shutdown,
    /// The directory changed: subscribe to these contacts, end the
    /// subscriptions of those (paced by the engine's window).
    Resubscribe {
        subscribe: Vec<(ContactId, String)>,
        unsubscribe: Vec<ContactId>,
    },
    /// Ask for one contact's full state of `event` again (a refresh; see
    /// `Engine::resync`).
    Resync {
        contact: ContactId,
        event: crate::presence::EventKind,
    },
    /// Send back the diagnostics (`EngineEvent::Diagnostics`): the
    /// engine's snapshot and the SIP trace.
    Diagnose,
    /// Emit every message in and out as `EngineEvent::Trace` (on) or not.
    TraceLive(bool),
    /// Subscribe again, now, to these contacts (the diagnostics view).
    ResubscribeContacts(Vec<ContactId>),
    /// Subscribe again to everything on this server.
    ResubscribeAll,
    /// A test subscription to any URI (the diagnostics view), removed
    /// after a minute; it shows in the diagnostics' report.
    TestSubscribe {
        uri: String,
        event: crate::presence::EventKind,
    },
    /// `command` for server `server` only (several servers: the hub sends
    /// it to that server's driver; a lone driver takes it as its own).
    ToServer(crate::store::ServerId, Box<Command>),
}

/// Where commands for a driver task go (the console's dispatch holds one).
pub type CommandSender = mpsc::UnboundedSender<Command>;

/// The loops' end of a running driver task. Dropping it without
/// [`SipHandle::shutdown`] still ends the subscriptions: the task sees its
/// command channel close and shuts down by itself.
pub struct SipHandle {
    events: mpsc::UnboundedReceiver<EngineEvent>,
    commands: CommandSender,
    task: Option<JoinHandle<()>>,
    /// The server as configured (`host:port`), for messages.
    server: String,
    /// The packages the engine subscribes to with a resource list.
    lists: Vec<crate::presence::EventKind>,
    /// Subscriptions at the start (contacts × packages): what quitting
    /// has to end, so how long it may take.
    subscriptions: usize,
}

impl SipHandle {
    /// Bind/connect and start the driver task. `cfg.local` is filled in here.
    pub async fn start(
        cfg: EngineConfig,
        server: SocketAddr,
        contacts: &[(ContactId, String)],
    ) -> io::Result<Self> {
        let name = cfg.server.clone();
        use crate::presence::EventKind;
        let lists: Vec<EventKind> = [
            (cfg.presence, EventKind::Presence),
            (cfg.dialog, EventKind::Dialog),
        ]
        .into_iter()
        .filter(|(on, _)| *on && cfg.list.is_some())
        .map(|(_, e)| e)
        .collect();
        let packages = usize::from(cfg.presence) + usize::from(cfg.dialog);
        let subscriptions = contacts.len().saturating_mul(packages);
        let (events_tx, events) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let driver = Driver::open(cfg, server, contacts, events_tx, commands_rx).await?;
        let task = tokio::spawn(driver.run());
        Ok(SipHandle {
            events,
            commands,
            task: Some(task),
            server: name,
            lists,
            subscriptions,
        })
    }

    /// The packages the engine subscribes to with a resource list.
    pub fn lists(&self) -> &[crate::presence::EventKind] {
        &self.lists
    }

    /// A sender for more commands (directory changes).
    pub fn commands(&self) -> CommandSender {
        self.commands.clone()
    }

    /// How long ending every subscription may take when leaving.
    pub fn shutdown_deadline(&self) -> Duration {
        crate::sip::engine::policy::shutdown_deadline(self.subscriptions)
    }

    /// The server as configured (`host:port`).
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The next engine event. Cancel-safe. `None` once the driver stopped.
    pub async fn next_event(&mut self) -> Option<EngineEvent> {
        self.events.recv().await
    }

    /// The next engine event, polled (the hub of several servers polls
    /// every driver at once, see `runtime::servers`).
    pub fn poll_event(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<EngineEvent>> {
        self.events.poll_recv(cx)
    }

    /// End every subscription and wait for the driver task to finish, at
    /// most `deadline` (then it is aborted).
    pub async fn shutdown(&mut self, deadline: Duration) {
        let _ = self.commands.send(Command::Shutdown);
        let Some(mut task) = self.task.take() else {
            return;
        };
        let drain = async {
            // Keep taking events so nothing waits on us; the task ends
            // when every un-SUBSCRIBE is answered.
            while self.events.recv().await.is_some() {}
        };
        let done = tokio::time::timeout(deadline, async {
            drain.await;
            let _ = (&mut task).await;
        })
        .await;
        if done.is_err() {
            tracing::warn!("subscriptions not ended within {deadline:?}");
            task.abort();
        }
    }
}

impl crate::runtime::console::EventSource for SipHandle {
    fn next_event(&mut self) -> impl std::future::Future<Output = Option<EngineEvent>> + Send {
        SipHandle::next_event(self)
    }
    fn shutdown(&mut self) -> impl std::future::Future<Output = ()> + Send {
        let deadline = SipHandle::shutdown_deadline(self);
        SipHandle::shutdown(self, deadline)
    }
    fn shutdown_deadline(&self) -> Duration {
        SipHandle::shutdown_deadline(self)
    }
    fn commands(&self) -> Option<CommandSender> {
        Some(SipHandle::commands(self))
    }
}

#[cfg(test)]
mod tests;
