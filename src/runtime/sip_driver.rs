//! Drives the sans-IO [`Engine`] over real sockets and the real clock.
//!
//! [`SipDriver::next_event`] is cancel-safe: every buffer lives in the
//! driver, so the console can `select!` on it beside terminal input and a
//! partly written TCP message is never lost or duplicated.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use tokio::net::{TcpStream, UdpSocket};

use crate::presence::ContactId;
use crate::sip::codec;
use crate::sip::engine::{Engine, EngineConfig, Transmit, Transport};
use crate::sip::events::EngineEvent;

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

enum Io {
    Udp {
        socket: UdpSocket,
        /// Datagrams the socket could not take yet.
        backlog: VecDeque<Transmit>,
        /// The receive buffer (one datagram at a time).
        buf: Vec<u8>,
    },
    Tcp {
        stream: Option<TcpStream>,
        inbuf: Vec<u8>,
        outbuf: Vec<u8>,
        reconnect_at: Option<Instant>,
        failures: u32,
        /// A connect attempt in progress (kept across cancelled steps).
        connecting: Option<PendingConnect>,
    },
}

/// A TCP connect bounded by a timeout.
type PendingConnect = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = Result<io::Result<TcpStream>, tokio::time::error::Elapsed>>
            + Send,
    >,
>;

/// What woke a disconnected TCP step.
enum Woke {
    Connect(Result<io::Result<TcpStream>, tokio::time::error::Elapsed>),
    Backoff,
    Timer,
}

/// The pending connect, or never.
async fn poll_connect(
    c: &mut Option<PendingConnect>,
) -> Result<io::Result<TcpStream>, tokio::time::error::Elapsed> {
    match c {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

pub struct SipDriver {
    engine: Engine,
    io: Io,
    server: SocketAddr,
}

impl SipDriver {
    /// Bind/connect and start the engine. `cfg.local` is filled in here.
    pub async fn start(
        mut cfg: EngineConfig,
        server: SocketAddr,
        contacts: &[(ContactId, String)],
    ) -> io::Result<Self> {
        let now = Instant::now();
        let bind: SocketAddr = if server.is_ipv6() {
            "[::]:0"
        } else {
            "0.0.0.0:0"
        }
        .parse()
        .map_err(|_| io::Error::other("bad bind address"))?;
        let bind = if server.ip().is_loopback() {
            SocketAddr::new(server.ip(), 0)
        } else {
            bind
        };
        match cfg.transport {
            Transport::Udp => {
                let socket = UdpSocket::bind(bind).await?;
                // Connected: ICMP errors (nobody listening) come back to us.
                socket.connect(server).await?;
                cfg.local = socket.local_addr()?;
                let engine = Engine::new(cfg, contacts, now);
                Ok(SipDriver {
                    engine,
                    io: Io::Udp {
                        socket,
                        backlog: VecDeque::new(),
                        buf: vec![0u8; 65_536],
                    },
                    server,
                })
            }
            Transport::Tcp => {
                let stream = TcpStream::connect(server).await;
                let (stream, local, err) = match stream {
                    Ok(s) => {
                        let local = s.local_addr()?;
                        let _ = s.set_nodelay(true);
                        (Some(s), local, None)
                    }
                    Err(e) => (None, SocketAddr::new(bind.ip(), 0), Some(e)),
                };
                cfg.local = local;
                let mut engine = Engine::new(cfg, contacts, now);
                let mut reconnect_at = None;
                if let Some(e) = err {
                    engine
                        .transport_lost(now, &format!("cannot connect to {server} over TCP: {e}"));
                    reconnect_at = Some(now + Duration::from_secs(1));
                }
                Ok(SipDriver {
                    engine,
                    io: Io::Tcp {
                        stream,
                        inbuf: Vec::new(),
                        outbuf: Vec::new(),
                        reconnect_at,
                        failures: u32::from(reconnect_at.is_some()),
                        connecting: None,
                    },
                    server,
                })
            }
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The next engine event; drives sockets and timers meanwhile.
    /// Cancel-safe. Returns `None` once shut down.
    pub async fn next_event(&mut self) -> Option<EngineEvent> {
        loop {
            if let Some(ev) = self.engine.poll_event() {
                return Some(ev);
            }
            if self.engine.is_shut_down() {
                return None;
            }
            self.step().await;
        }
    }

    /// End every subscription, waiting at most `deadline` for the answers.
    pub async fn shutdown(&mut self, deadline: Duration) {
        self.engine.shutdown(Instant::now());
        let end = tokio::time::Instant::now() + deadline;
        while !self.engine.is_shut_down() {
            if tokio::time::timeout_at(end, self.step()).await.is_err() {
                break;
            }
            while self.engine.poll_event().is_some() {}
        }
        // Push out whatever is still queued.
        let _ = tokio::time::timeout(Duration::from_millis(200), self.flush_only()).await;
    }

    async fn flush_only(&mut self) {
        self.queue_transmits();
        if let Io::Tcp {
            stream: Some(s),
            outbuf,
            ..
        } = &mut self.io
        {
            while !outbuf.is_empty() {
                if s.writable().await.is_err() {
                    break;
                }
                match s.try_write(outbuf) {
                    Ok(n) => {
                        outbuf.drain(..n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(_) => break,
                }
            }
        }
    }

    /// Move the engine's transmits into the socket (or its buffer).
    fn queue_transmits(&mut self) {
        while let Some(t) = self.engine.poll_transmit() {
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

    /// One round: send what is queued, then wait for input or a timer.
    async fn step(&mut self) {
        self.queue_transmits();
        let deadline = self.engine.poll_timeout();
        let sleep_until = |at: Option<Instant>| async move {
            match at {
                Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
                None => std::future::pending::<()>().await,
            }
        };
        let server = self.server;
        match &mut self.io {
            Io::Udp {
                socket,
                backlog,
                buf,
            } => {
                let want_write = !backlog.is_empty();
                tokio::select! {
                    r = socket.recv_from(buf) => {
                        let now = Instant::now();
                        match r {
                            Ok((n, from)) => {
                                let data = buf.get(..n).unwrap_or(&[]);
                                if data.iter().all(|b| b.is_ascii_whitespace()) {
                                    return; // keepalive CRLFs
                                }
                                self.engine.handle_datagram(now, Some(from), data);
                            }
                            Err(e) => {
                                // ICMP port unreachable on a connected socket.
                                tracing::warn!(error = %e, "UDP receive error");
                                self.engine.transport_error(now, &format!("nothing answers over UDP ({e})"));
                            }
                        }
                    }
                    r = socket.writable(), if want_write => {
                        if r.is_ok() {
                            while let Some(t) = backlog.front() {
                                match socket.try_send(&t.bytes) {
                                    Ok(_) => { backlog.pop_front(); }
                                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                                    Err(_) => { backlog.pop_front(); }
                                }
                            }
                        }
                    }
                    _ = sleep_until(deadline) => self.engine.handle_timeout(Instant::now()),
                }
            }
            Io::Tcp {
                stream,
                inbuf,
                outbuf,
                reconnect_at,
                failures,
                connecting,
            } => {
                let Some(s) = stream.as_mut() else {
                    // Disconnected. A connect attempt lives in the driver, so
                    // a step() cancelled by the console's select! resumes it
                    // instead of starting over.
                    let now = Instant::now();
                    if connecting.is_none() && reconnect_at.is_some_and(|a| a <= now) {
                        *connecting = Some(Box::pin(tokio::time::timeout(
                            Duration::from_secs(5),
                            TcpStream::connect(server),
                        )));
                    }
                    let backoff = if connecting.is_none() {
                        *reconnect_at
                    } else {
                        None
                    };
                    let woke = tokio::select! {
                        r = poll_connect(connecting) => Woke::Connect(r),
                        _ = sleep_until(backoff) => Woke::Backoff,
                        _ = sleep_until(deadline) => Woke::Timer,
                    };
                    match woke {
                        Woke::Connect(Ok(Ok(new))) => {
                            *connecting = None;
                            let _ = new.set_nodelay(true);
                            if let Ok(local) = new.local_addr() {
                                self.engine.set_local_addr(local);
                            }
                            tracing::info!(%server, "TCP connection re-established");
                            *stream = Some(new);
                            *reconnect_at = None;
                            *failures = 0;
                            inbuf.clear();
                            outbuf.clear();
                            self.engine.transport_connected(Instant::now());
                        }
                        Woke::Connect(_) => {
                            *connecting = None;
                            *failures += 1;
                            let back = Duration::from_secs(1u64 << (*failures).min(5));
                            *reconnect_at = Some(Instant::now() + back);
                        }
                        Woke::Backoff => {} // the next step starts the attempt
                        Woke::Timer => self.engine.handle_timeout(Instant::now()),
                    }
                    return;
                };
                let want_write = !outbuf.is_empty();
                let mut lost: Option<String> = None;
                tokio::select! {
                    r = s.readable() => {
                        if r.is_ok() {
                            let mut chunk = [0u8; 16_384];
                            match s.try_read(&mut chunk) {
                                Ok(0) => lost = Some("the server closed the connection".into()),
                                Ok(n) => {
                                    inbuf.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
                                    let now = Instant::now();
                                    loop {
                                        let skip = codec::skip_keepalive(inbuf);
                                        if skip > 0 { inbuf.drain(..skip); }
                                        match codec::frame(inbuf) {
                                            Ok(Some(len)) => {
                                                let msg: Vec<u8> = inbuf.drain(..len).collect();
                                                self.engine.handle_datagram(now, Some(server), &msg);
                                            }
                                            Ok(None) => break,
                                            Err(e) => {
                                                lost = Some(format!("unreadable SIP stream: {e}"));
                                                break;
                                            }
                                        }
                                    }
                                }
                                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                                Err(e) => lost = Some(e.to_string()),
                            }
                        }
                    }
                    r = s.writable(), if want_write => {
                        if r.is_ok() {
                            match s.try_write(outbuf) {
                                Ok(n) => { outbuf.drain(..n); }
                                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                                Err(e) => lost = Some(e.to_string()),
                            }
                        }
                    }
                    _ = sleep_until(deadline) => self.engine.handle_timeout(Instant::now()),
                }
                if let Some(why) = lost {
                    tracing::warn!(%server, "{why}");
                    *stream = None;
                    inbuf.clear();
                    outbuf.clear();
                    *failures = 1;
                    *reconnect_at = Some(Instant::now() + Duration::from_millis(500));
                    self.engine.transport_lost(Instant::now(), &why);
                }
            }
        }
    }
}

impl crate::runtime::console::EventSource for SipDriver {
    fn next_event(&mut self) -> impl std::future::Future<Output = Option<EngineEvent>> + Send {
        SipDriver::next_event(self)
    }
    fn shutdown(&mut self) -> impl std::future::Future<Output = ()> + Send {
        SipDriver::shutdown(self, crate::runtime::console::SHUTDOWN_DEADLINE)
    }
}
