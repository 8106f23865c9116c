//! The keeper's connection to the server: a connected UDP socket, or a TCP
//! stream framed by the project's [`StreamReader`].
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
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

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

/// A TCP connection to the server that is re-made when needed.
pub struct TcpLink {
    server: SocketAddr,
    stream: Option<TcpStream>,
    reader: StreamReader,
    ready: VecDeque<Vec<u8>>,
    buf: Vec<u8>,
}

impl Wire {
    /// Open the connection to `server` over `transport` (TCP: a failed first
    /// connect is logged and retried at the first send).
    pub async fn open(server: SocketAddr, transport: Transport) -> io::Result<Wire> {
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
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(server))
            .await
            .map_err(|_| format!("no TCP connection to {server} within {CONNECT_TIMEOUT:?}"))?
            .map_err(|e| format!("cannot connect to {server} over TCP: {e}"))?;
        let _ = stream.set_nodelay(true);
        let local = stream
            .local_addr()
            .map_err(|e| format!("TCP connection to {server}: {e}"))?;
        tracing::info!(%server, %local, "keeper: connected over TCP");
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
            return Err(format!("cannot send PUBLISH over TCP: {e}"));
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
            let n = match stream.read(&mut self.buf).await {
                Ok(0) => return self.lose("the server closed the TCP connection".into()),
                Ok(n) => n,
                Err(e) => return self.lose(format!("TCP read: {e}")),
            };
            self.reader.push(&self.buf[..n]);
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
                    if let Some(s) = &self.stream {
                        let _ = s.try_write(b"\r\n");
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
