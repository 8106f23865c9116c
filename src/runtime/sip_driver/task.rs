//! The driver task: the engine, its socket (UDP, or a TCP or TLS stream
//! with the connect the engine asked for) and one `select!` per round over
//! a command, the engine's next timer, input, room to write and a finished
//! connect. Each wake-up is handled by one small function.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::Command;
use super::stream::{PendingConnect, Stream};
use crate::presence::ContactId;
use crate::runtime::tls::TlsSetup;
use crate::sip::codec::{StreamItem, StreamReader};
use crate::sip::engine::{Engine, EngineConfig, Transmit, Transport};
use crate::sip::events::EngineEvent;
use crate::sip::trace::{Direction, Trace};

mod tap;
mod tcp;
mod udp;
use tap::trace;

/// UDP datagrams handled in one wake-up before timers and commands get
/// their turn (see `on_udp_received`).
const UDP_BATCH: usize = 64;

enum Io {
    Udp {
        socket: UdpSocket,
        /// Datagrams the socket could not take yet.
        backlog: VecDeque<Transmit>,
        /// The receive buffer (one datagram at a time).
        buf: Vec<u8>,
    },
    /// TCP or TLS.
    Tcp {
        stream: Option<Stream>,
        reader: StreamReader,
        outbuf: Vec<u8>,
        /// The connect the engine asked for, in progress.
        connecting: Option<PendingConnect>,
    },
}

/// What woke the driver.
enum Wake {
    Command(Option<Command>),
    Timer,
    UdpReceived(io::Result<(usize, SocketAddr)>),
    UdpWritable,
    TcpReadable,
    TcpWritable,
    Connected(io::Result<Stream>),
}

/// The driver task's state: the engine and its sockets.
pub(super) struct Driver {
    engine: Engine,
    io: Io,
    server: SocketAddr,
    /// `Transport::Tls`: the roots and the name the certificate must carry.
    tls: Option<Arc<TlsSetup>>,
    events: mpsc::UnboundedSender<EngineEvent>,
    commands: mpsc::UnboundedReceiver<Command>,
    shutting_down: bool,
    /// The last messages in and out, secrets masked.
    trace: Trace,
    /// Every message goes out as an event too (`switchboard trace`).
    trace_live: bool,
}

fn bind_addr(server: SocketAddr) -> SocketAddr {
    if server.ip().is_loopback() {
        SocketAddr::new(server.ip(), 0)
    } else if server.is_ipv6() {
        SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0))
    } else {
        SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, 0))
    }
}

impl Driver {
    pub(super) async fn open(
        mut cfg: EngineConfig,
        server: SocketAddr,
        contacts: &[(ContactId, String)],
        events: mpsc::UnboundedSender<EngineEvent>,
        commands: mpsc::UnboundedReceiver<Command>,
    ) -> io::Result<Self> {
        let now = Instant::now();
        let bind = bind_addr(server);
        let tls = match cfg.transport {
            Transport::Tls => {
                let host = TlsSetup::host_of(&cfg.server);
                let setup =
                    TlsSetup::new(host, cfg.ca_file.as_deref()).map_err(io::Error::other)?;
                Some(Arc::new(setup))
            }
            Transport::Udp | Transport::Tcp => None,
        };
        let trace = Trace::new(cfg.trace_messages, cfg.password.iter().cloned().collect());
        let (engine, io) = match cfg.transport {
            Transport::Udp => {
                let socket = UdpSocket::bind(bind).await?;
                // Connected: ICMP errors (nobody listening) come back to us.
                socket.connect(server).await?;
                cfg.local = socket.local_addr()?;
                let io = Io::Udp {
                    socket,
                    backlog: VecDeque::new(),
                    buf: vec![0u8; 65_536],
                };
                (Engine::new(cfg, contacts, now), io)
            }
            Transport::Tcp | Transport::Tls => {
                let (stream, err) = match Stream::connect(server, tls.clone()).await {
                    Ok(s) => {
                        cfg.local = s.local_addr()?;
                        (Some(s), None)
                    }
                    Err(e) => {
                        cfg.local = SocketAddr::new(bind.ip(), 0);
                        (None, Some(e))
                    }
                };
                let over = cfg.transport.as_str();
                let mut engine = Engine::new(cfg, contacts, now);
                if let Some(e) = err {
                    // The engine schedules the next attempt.
                    tracing::warn!(%server, "cannot connect over {over}: {e}");
                    // A refused certificate first: the status bar is narrow.
                    let why = match crate::runtime::tls::TlsFailure::of(&e) {
                        Some(tls) => format!("{tls} (TLS to {server})"),
                        None => format!("cannot connect to {server} over {over}: {e}"),
                    };
                    engine.transport_unavailable(now, &why);
                }
                let io = Io::Tcp {
                    stream,
                    reader: StreamReader::new(),
                    outbuf: Vec::new(),
                    connecting: None,
                };
                (engine, io)
            }
        };
        Ok(Driver {
            engine,
            io,
            server,
            tls,
            events,
            commands,
            shutting_down: false,
            trace,
            trace_live: false,
        })
    }

    /// The task: until shut down (or both loops' ends are gone).
    pub(super) async fn run(mut self) {
        loop {
            self.forward_events();
            if self.shutting_down && self.engine.is_shut_down() {
                break;
            }
            self.start_connect_if_asked();
            self.queue_transmits();
            let wake = self.wait().await;
            self.handle(wake);
        }
        // Push out whatever is still queued.
        self.queue_transmits();
        let _ = tokio::time::timeout(Duration::from_millis(200), self.flush_tcp()).await;
    }

    /// Hand the engine's events to the loops.
    fn forward_events(&mut self) {
        while let Some(ev) = self.engine.poll_event() {
            if self.events.send(ev).is_err() && !self.shutting_down {
                // Nobody listens any more: end the subscriptions.
                self.begin_shutdown();
            }
        }
    }

    fn begin_shutdown(&mut self) {
        if !self.shutting_down {
            self.shutting_down = true;
            self.engine.shutdown(Instant::now());
        }
    }

    /// The engine asked for a (new) TCP connection.
    fn start_connect_if_asked(&mut self) {
        let server = self.server;
        if let Io::Tcp { connecting, .. } = &mut self.io
            && self.engine.poll_connect()
            && connecting.is_none()
        {
            *connecting = Some(Stream::connect(server, self.tls.clone()));
        }
    }

    /// Move the engine's transmits into the socket (or its buffer).
    fn queue_transmits(&mut self) {
        while let Some(t) = self.engine.poll_transmit() {
            if self.trace.capacity() > 0 || self.trace_live {
                // `trace_messages = 0` and no live trace: no trace, no cost.
                let peer = t.to.or(Some(self.server));
                let entry = self
                    .trace
                    .record(Instant::now(), Direction::Out, peer, &t.bytes);
                if self.trace_live {
                    let _ = self.events.send(EngineEvent::Trace(Box::new(entry)));
                }
            }
            match &mut self.io {
                Io::Udp {
                    socket, backlog, ..
                } => {
                    if !backlog.is_empty() {
                        backlog.push_back(t);
                        continue;
                    }
                    let res = match t.to {
                        Some(addr) if addr != self.server => socket.try_send_to(&t.bytes, addr),
                        _ => socket.try_send(&t.bytes),
                    };
                    match res {
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => backlog.push_back(t),
                        Err(e) => tracing::warn!(error = %e, "UDP send failed"),
                    }
                }
                Io::Tcp { stream, outbuf, .. } => {
                    if stream.is_some() {
                        outbuf.extend_from_slice(&t.bytes);
                    }
                }
            }
        }
    }

    /// Wait for the first of: a command, the engine's next timer, socket
    /// input, room to write, a connect finishing.
    async fn wait(&mut self) -> Wake {
        let deadline = self.engine.poll_timeout();
        let timer = async move {
            match deadline {
                Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
                None => std::future::pending::<()>().await,
            }
        };
        let listening = !self.shutting_down;
        let commands = &mut self.commands;
        match &mut self.io {
            Io::Udp {
                socket,
                backlog,
                buf,
            } => {
                let want_write = !backlog.is_empty();
                tokio::select! {
                    c = commands.recv(), if listening => Wake::Command(c),
                    r = socket.recv_from(buf) => Wake::UdpReceived(r),
                    r = socket.writable(), if want_write => match r {
                        Ok(()) => Wake::UdpWritable,
                        Err(_) => Wake::Timer,
                    },
                    () = timer => Wake::Timer,
                }
            }
            Io::Tcp {
                stream,
                outbuf,
                connecting,
                ..
            } => {
                let want_write = stream.as_ref().is_some_and(|s| s.wants_write(outbuf));
                let connect = async {
                    match connecting {
                        Some(f) => f.await,
                        None => std::future::pending().await,
                    }
                };
                let stream = stream.as_ref();
                let readable = async move {
                    match stream {
                        Some(s) => s.tcp().readable().await,
                        None => std::future::pending().await,
                    }
                };
                let writable = async move {
                    match stream {
                        Some(s) if want_write => s.tcp().writable().await,
                        _ => std::future::pending().await,
                    }
                };
                tokio::select! {
                    c = commands.recv(), if listening => Wake::Command(c),
                    r = connect => Wake::Connected(r),
                    _ = readable => Wake::TcpReadable,
                    _ = writable => Wake::TcpWritable,
                    () = timer => Wake::Timer,
                }
            }
        }
    }

    fn handle(&mut self, wake: Wake) {
        // A command addressed to a server reaches only its driver: this one.
        let wake = match wake {
            Wake::Command(Some(Command::ToServer(_, command))) => Wake::Command(Some(*command)),
            wake => wake,
        };
        match wake {
            // Shutdown, or every loop's end dropped.
            Wake::Command(Some(Command::Shutdown)) | Wake::Command(None) => self.begin_shutdown(),
            Wake::Command(Some(Command::Resubscribe {
                subscribe,
                unsubscribe,
            })) => {
                let now = Instant::now();
                self.engine.remove_contacts(&unsubscribe, now);
                self.engine.add_contacts(&subscribe, now);
            }
            Wake::Command(Some(Command::Resync { contact, event })) => {
                self.engine.resync(contact, event, Instant::now());
            }
            Wake::Command(Some(Command::Diagnose)) => self.send_diagnostics(),
            Wake::Command(Some(Command::TraceLive(on))) => self.trace_live = on,
            Wake::Command(Some(Command::ResubscribeContacts(contacts))) => {
                let n = self.engine.resubscribe(&contacts, Instant::now());
                tracing::info!(
                    contacts = contacts.len(),
                    subscriptions = n,
                    "manual resubscribe"
                );
            }
            Wake::Command(Some(Command::TestSubscribe { uri, event })) => {
                if let Err(e) = self.engine.test_subscribe(&uri, event, Instant::now()) {
                    tracing::warn!("test subscription not started: {e}");
                }
            }
            // Unwrapped above (a lone driver takes it as its own).
            Wake::Command(Some(Command::ToServer(..))) => {}
            Wake::Command(Some(Command::ResubscribeAll)) => {
                let n = self.engine.resubscribe_all(Instant::now());
                tracing::info!(subscriptions = n, "manual resubscribe of everything");
            }
            Wake::Timer => self.engine.handle_timeout(Instant::now()),
            Wake::UdpReceived(r) => self.on_udp_received(r),
            Wake::UdpWritable => self.flush_udp_backlog(),
            Wake::TcpReadable => self.read_tcp(),
            Wake::TcpWritable => self.write_tcp(),
            Wake::Connected(r) => self.on_connected(r),
        }
    }
}
