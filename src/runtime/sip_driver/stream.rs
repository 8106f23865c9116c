//! The driver's stream to the server: plain TCP, or TLS over TCP
//! ([`crate::runtime::tls`]). Both are waited on through the TCP socket's
//! readiness and framed by the same [`StreamReader`]; only reading and
//! writing differ (TLS decrypts into the reader, encrypts from the
//! output buffer).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use tokio::net::TcpStream;

use crate::runtime::tls::{Received, TlsLink, TlsSetup};
use crate::sip::codec::StreamReader;
use crate::sip::engine::policy;

/// A connection to the server over a stream transport.
pub(super) enum Stream {
    Tcp(TcpStream),
    Tls(Box<TlsLink>),
}

/// A connect (and TLS handshake) bounded by [`policy::CONNECT_TIMEOUT`].
pub(super) type PendingConnect = Pin<Box<dyn Future<Output = io::Result<Stream>> + Send>>;

impl Stream {
    /// Connect to `server`, over TLS when `tls` is given (the handshake,
    /// certificate checks included, is part of the connect).
    pub(super) fn connect(server: SocketAddr, tls: Option<Arc<TlsSetup>>) -> PendingConnect {
        Box::pin(async move {
            let open = async {
                match tls {
                    None => {
                        let s = TcpStream::connect(server).await?;
                        let _ = s.set_nodelay(true);
                        Ok(Stream::Tcp(s))
                    }
                    Some(setup) => Ok(Stream::Tls(Box::new(
                        TlsLink::connect(server, setup).await?,
                    ))),
                }
            };
            match tokio::time::timeout(policy::CONNECT_TIMEOUT, open).await {
                Ok(r) => r,
                Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")),
            }
        })
    }

    /// The TCP socket, for readiness.
    pub(super) fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Tcp(s) => s,
            Stream::Tls(l) => l.tcp(),
        }
    }

    pub(super) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp().local_addr()
    }

    /// Read what the socket has into `reader` (plain text). `Ok(false)`:
    /// the server closed the connection; `WouldBlock`: nothing yet.
    pub(super) fn read_into(
        &mut self,
        chunk: &mut [u8],
        reader: &mut StreamReader,
    ) -> io::Result<bool> {
        match self {
            Stream::Tcp(s) => {
                let n = s.try_read(chunk)?;
                reader.push(chunk.get(..n).unwrap_or(&[]));
                Ok(n > 0)
            }
            Stream::Tls(l) => {
                let mut plain = Vec::new();
                let got = l.try_read(chunk, &mut plain)?;
                reader.push(&plain);
                Ok(matches!(got, Received::Data))
            }
        }
    }

    /// Whether there is something to write once the socket has room.
    pub(super) fn wants_write(&self, outbuf: &[u8]) -> bool {
        !outbuf.is_empty()
            || match self {
                Stream::Tcp(_) => false,
                Stream::Tls(l) => l.wants_write(),
            }
    }

    /// Write what the socket takes of `outbuf` (TLS: all of it goes into
    /// the session, whose records are written as far as there is room).
    pub(super) fn try_write(&mut self, outbuf: &mut Vec<u8>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => match s.try_write(outbuf) {
                Ok(n) => {
                    outbuf.drain(..n);
                    Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
                Err(e) => Err(e),
            },
            Stream::Tls(l) => {
                if !outbuf.is_empty() {
                    l.write(outbuf)?;
                    outbuf.clear();
                }
                l.flush()
            }
        }
    }

    /// Before the last flush when leaving: TLS says goodbye.
    pub(super) fn close(&mut self) {
        if let Stream::Tls(l) = self {
            l.close();
        }
    }
}
