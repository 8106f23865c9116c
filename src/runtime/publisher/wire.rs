//! The keeper's connection to the server: a connected UDP socket, or a TCP
//! stream (plain, or TLS: [`crate::runtime::tls`], the same checks as the
//! console's) framed by the project's [`StreamReader`].
//!
//! Decisions:
//! - TCP connects at start and again whenever there is something to send
//!   and no connection (lazily: a publication only talks to the server
//!   when it publishes, refreshes or removes). A failed connect is a
//!   send failure: the publication's own transaction timeout and retry
//!   backoff decide what happens next, so a dead server is not hammered.
//! - A connection closed by the server, a read error or a framing error
//!   drops the connection ([`Incoming::Lost`]); the keeper then fails the
//!   PUBLISH in flight at once ([`crate::sip::publication::Publication::connection_lost`])
//!   so it is retried over a new connection rather than after 32 s.
//! - A new connection has a new local port: the caller updates the Via
//!   address ([`Wire::send`] returns it).
//! - CRLF keepalive pings (RFC 5626 4.4.1) are answered with a pong.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::runtime::tls::{Received, TlsLink, TlsSetup};
use crate::sip::Transport;
use crate::sip::codec::{StreamItem, StreamReader};

/// The longest a TCP connect may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What came from the server.
#[derive(Debug)]
pub enum Incoming {
    /// One SIP message.
    Message(Vec<u8>),
    /// The TCP connection is gone (why).
    Lost(String),
    /// Nothing for the caller (a keepalive, an ICMP error on UDP).
    Nothing,
}

/// The keeper's connection.
pub enum Wire {
    /// The socket and its receive buffer.
    Udp(UdpSocket, Vec<u8>),
    Tcp(TcpLink),
}

/// A TCP (or TLS) connection to the server that is re-made when needed.
pub struct TcpLink {
    server: SocketAddr,
    /// `transport = "tls"`: the roots and the name to check.
    tls: Option<Arc<TlsSetup>>,
    stream: Option<Conn>,
    reader: StreamReader,
    ready: VecDeque<Vec<u8>>,
    buf: Vec<u8>,
}

/// A stream connection: plain TCP or TLS.
enum Conn {
    Tcp(TcpStream),
    Tls(Box<TlsLink>),
}

impl Conn {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        match self {
            Conn::Tcp(s) => s.local_addr(),
            Conn::Tls(l) => l.local_addr(),
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Conn::Tcp(s) => s.write_all(bytes).await,
            Conn::Tls(l) => {
                l.write(bytes)?;
                while l.wants_write() {
                    l.tcp().writable().await?;
                    l.flush()?;
                }
                Ok(())
            }
        }
    }

    /// Some plain text into `out` (`Ok(false)`: closed). Cancel-safe.
    async fn read(&mut self, buf: &mut [u8], out: &mut StreamReader) -> io::Result<bool> {
        match self {
            Conn::Tcp(s) => {
                let n = s.read(buf).await?;
                out.push(buf.get(..n).unwrap_or(&[]));
                Ok(n > 0)
            }
            Conn::Tls(l) => loop {
                l.tcp().readable().await?;
                let mut plain = Vec::new();
                match l.try_read(buf, &mut plain) {
                    Ok(got) => {
                        out.push(&plain);
                        return Ok(matches!(got, Received::Data));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
            },
        }
    }

    /// A keepalive pong, if the socket takes it now.
    fn pong(&mut self) {
        match self {
            Conn::Tcp(s) => {
                let _ = s.try_write(b"\r\n");
            }
            Conn::Tls(l) => {
                let _ = l.write(b"\r\n").and_then(|()| l.flush());
            }
        }
    }
}

impl Wire {
    /// Open the connection to `server` over `transport` (TCP and TLS: a
    /// failed first connect is logged and retried at the first send).
    /// `tls`: the set-up for `Transport::Tls`.
    pub async fn open(
        server: SocketAddr,
        transport: Transport,
        tls: Option<Arc<TlsSetup>>,
    ) -> io::Result<Wire> {
        if !transport.reliable() {
            let bind: SocketAddr = if server.is_ipv6() {
                ([0u16; 8], 0).into()
            } else {
                ([0u8; 4], 0).into()
            };
            let sock = UdpSocket::bind(bind).await?;
            sock.connect(server).await?;
            return Ok(Wire::Udp(sock, vec![0; 65_536]));
        }
        let mut link = TcpLink {
            server,
            tls: tls.filter(|_| transport == Transport::Tls),
            stream: None,
            reader: StreamReader::new(),
            ready: VecDeque::new(),
            buf: vec![0; 65_536],
        };
        if let Err(e) = link.connect().await {
            tracing::warn!("keeper: {e}; trying again when there is something to send");
        }
        Ok(Wire::Tcp(link))
    }

    /// Our local address as the server sees it (Via), if connected.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match self {
            Wire::Udp(s, _) => s.local_addr().ok(),
            Wire::Tcp(l) => l.stream.as_ref().and_then(|s| s.local_addr().ok()),
        }
    }

    /// The next thing from the server (pending forever while TCP has no
    /// connection). Cancel-safe: a read that is cancelled loses nothing.
    pub async fn recv(&mut self) -> Incoming {
        match self {
            Wire::Udp(sock, buf) => match sock.recv(buf).await {
                Ok(n) => Incoming::Message(buf[..n].to_vec()),
                // An ICMP "port unreachable" from an earlier send: the
                // transaction's own timers decide.
                Err(e) => {
                    tracing::debug!(error = %e, "keeper socket");
                    Incoming::Nothing
                }
            },
            Wire::Tcp(link) => link.recv().await,
        }
    }

    /// Send one message; `Ok(Some(addr))` when a new TCP connection (with
    /// local address `addr`) was made for it.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<Option<SocketAddr>, String> {
        match self {
            Wire::Udp(sock, _) => sock
                .send(bytes)
                .await
                .map(|_| None)
                .map_err(|e| format!("cannot send PUBLISH: {e}")),
            Wire::Tcp(link) => link.send(bytes).await,
        }
    }
}

impl TcpLink {
    async fn connect(&mut self) -> Result<SocketAddr, String> {
        let server = self.server;
        let over = if self.tls.is_some() { "TLS" } else { "TCP" };
        let open = async {
            match &self.tls {
                None => {
                    let s = TcpStream::connect(server).await?;
                    let _ = s.set_nodelay(true);
                    Ok(Conn::Tcp(s))
                }
                Some(setup) => Ok(Conn::Tls(Box::new(
                    TlsLink::connect(server, setup.clone()).await?,
                ))),
            }
        };
        let stream: Conn = tokio::time::timeout(CONNECT_TIMEOUT, open)
            .await
            .map_err(|_| format!("no {over} connection to {server} within {CONNECT_TIMEOUT:?}"))?
            .map_err(|e: io::Error| format!("cannot connect to {server} over {over}: {e}"))?;
        let local = stream
            .local_addr()
            .map_err(|e| format!("{over} connection to {server}: {e}"))?;
        tracing::info!(%server, %local, "keeper: connected over {over}");
        self.reader.clear();
        self.ready.clear();
        self.stream = Some(stream);
        Ok(local)
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<Option<SocketAddr>, String> {
        let fresh = match self.stream {
            Some(_) => None,
            None => Some(self.connect().await?),
        };
        let Some(stream) = self.stream.as_mut() else {
            return Err("no TCP connection".into());
        };
        if let Err(e) = stream.write_all(bytes).await {
            self.stream = None;
            return Err(format!("cannot send PUBLISH: {e}"));
        }
        Ok(fresh)
    }

    async fn recv(&mut self) -> Incoming {
        loop {
            if let Some(m) = self.ready.pop_front() {
                return Incoming::Message(m);
            }
            let Some(stream) = self.stream.as_mut() else {
                return std::future::pending().await;
            };
            match stream.read(&mut self.buf, &mut self.reader).await {
                Ok(true) => {}
                Ok(false) => return self.lose("the server closed the connection".into()),
                Err(e) => return self.lose(format!("read: {e}")),
            }
            if let Err(why) = self.frame() {
                return self.lose(why);
            }
        }
    }

    /// Move every whole message into `ready`; answer pings.
    fn frame(&mut self) -> Result<(), String> {
        loop {
            match self.reader.next_item() {
                Ok(None) => return Ok(()),
                Ok(Some(StreamItem::Message(m))) => self.ready.push_back(m),
                Ok(Some(StreamItem::Keepalive(n))) if n >= 4 => {
                    if let Some(s) = &mut self.stream {
                        s.pong();
                    }
                }
                Ok(Some(_)) => {}
                Err(e) => return Err(format!("unreadable SIP over TCP: {e}")),
            }
        }
    }

    fn lose(&mut self, why: String) -> Incoming {
        tracing::warn!("keeper: {why}; reconnecting at the next PUBLISH");
        self.stream = None;
        self.reader.clear();
        Incoming::Lost(why)
    }
}
