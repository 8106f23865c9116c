//! SIP over TLS (`transport = "tls"`): rustls, driven sans-IO over the
//! driver's own non-blocking `TcpStream`, so the driver keeps its one
//! readiness `select!` and its SIP stream framing for TCP and TLS alike.
//!
//! Decisions:
//! - **rustls with the `ring` provider.** `aws-lc-rs` (rustls' default)
//!   needs cmake (and nasm on some targets) to build its C; `ring` builds
//!   with the C compiler alone, and offers every cipher suite a SIP server
//!   uses (ECDHE with AES-GCM or ChaCha20, TLS 1.2 and 1.3). rustls
//!   0.23.48 marks ring's provider deprecated because it has no
//!   post-quantum key exchange (X25519MLKEM768); classical ECDHE is what
//!   SIP servers (Kamailio, Asterisk, FreeSWITCH with OpenSSL) negotiate
//!   today. Revisit when aws-lc-rs builds here.
//! - **The system's roots by `rustls-native-certs`**, not the Mozilla
//!   bundle compiled in by `webpki-roots`: a site's own CA, installed in the
//!   system store by its administrators (`update-ca-certificates`), is
//!   trusted as by every other program on the host, and `SSL_CERT_FILE` /
//!   `SSL_CERT_DIR` work as for OpenSSL (and as for the notes' PostgreSQL
//!   TLS). A PBX is rarely certified by a public CA.
//! - **`ca_file` replaces the system's roots**: a private CA named for this
//!   server is the only one that may vouch for it.
//! - The certificate chain and the host name (or IP address) of
//!   `server.address` are always checked; there is no "encrypted but
//!   unverified" mode. A failure says which check failed, in a sentence
//!   ([`TlsSetup::explain`]).
//! - The handshake completes before the engine hears "connected", so a
//!   refused certificate is a failed connect (retried on the engine's
//!   reconnect schedule), never a lost server that answered.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, ClientConnection, RootCertStore};
use tokio::net::TcpStream;

/// A TLS failure (a refused certificate, a failed handshake), in the
/// sentence of [`TlsSetup::explain`]; carried inside an `io::Error`.
#[derive(Debug)]
pub struct TlsFailure(pub String);

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsFailure {}

impl TlsFailure {
    /// The TLS failure inside `e`, if that is what it is.
    pub fn of(e: &io::Error) -> Option<&TlsFailure> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<TlsFailure>())
    }
}

/// What a TLS connection to one server checks: the roots and the name.
#[derive(Debug)]
pub struct TlsSetup {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    /// Where the trusted roots come from, for messages.
    trust: String,
}

impl TlsSetup {
    /// The set-up for the server `host` (a name or an IP literal, IPv6
    /// without brackets), trusting `ca_file` or else the system's roots.
    /// `Err`: a sentence naming the file or the store and what to do.
    pub fn new(host: &str, ca_file: Option<&Path>) -> Result<TlsSetup, String> {
        let (roots, trust) = match ca_file {
            Some(path) => (
                roots_from_file(path)?,
                format!("ca_file {}", path.display()),
            ),
            None => (system_roots()?, "the system's trusted CAs".to_string()),
        };
        let name = ServerName::try_from(host.to_string()).map_err(|e| {
            format!("\"{host}\" is not a host name or IP address a certificate can name: {e}")
        })?;
        let provider = crate::tls_roots::provider();
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS set-up failed: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TlsSetup {
            config: Arc::new(config),
            name,
            trust,
        })
    }

    /// The host of a `host:port` authority (IPv6 in brackets).
    pub fn host_of(authority: &str) -> &str {
        if let Some(rest) = authority.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host)
    }

    /// A plain sentence for what went wrong in TLS: which certificate
    /// check failed (expired, unknown issuer, name mismatch ...).
    pub fn explain(&self, e: &rustls::Error) -> String {
        match e {
            rustls::Error::InvalidCertificate(c) => {
                format!("certificate check failed: {}", self.certificate(c))
            }
            rustls::Error::AlertReceived(a) => {
                format!("the server ended the TLS handshake (alert: {a:?})")
            }
            rustls::Error::PeerIncompatible(p) => {
                format!("the server offers no TLS version or cipher we accept ({p:?})")
            }
            rustls::Error::NoCertificatesPresented => {
                "the server presented no certificate".to_string()
            }
            other => format!("TLS failed: {other}"),
        }
    }

    fn certificate(&self, c: &CertificateError) -> String {
        let name = self.name.to_str();
        match c {
            CertificateError::Expired => "the server's certificate has expired".into(),
            CertificateError::ExpiredContext { not_after, .. } => format!(
                "the server's certificate has expired (valid until {})",
                date(*not_after)
            ),
            CertificateError::NotValidYet => "the server's certificate is not valid yet".into(),
            CertificateError::NotValidYetContext { not_before, .. } => format!(
                "the server's certificate is not valid yet (valid from {}); check this computer's clock",
                date(*not_before)
            ),
            CertificateError::UnknownIssuer => format!(
                "unknown issuer: the server's certificate is not signed by a CA in {}",
                self.trust
            ),
            CertificateError::NotValidForName => {
                format!("name mismatch: the server's certificate is not valid for {name}")
            }
            CertificateError::NotValidForNameContext { presented, .. } => {
                let names: Vec<String> = presented
                    .iter()
                    .take(8)
                    .map(|n| crate::text::line(presented_name(n), 80).into_owned())
                    .collect();
                format!(
                    "name mismatch: the server's certificate is not valid for {name} (it names {})",
                    if names.is_empty() {
                        "nothing".to_string()
                    } else {
                        names.join(", ")
                    }
                )
            }
            CertificateError::Revoked => "the server's certificate has been revoked".into(),
            CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                "the server's certificate has a bad or unsupported signature".into()
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "the server's certificate is not meant for a TLS server (extended key usage)".into()
            }
            CertificateError::BadEncoding => "the server's certificate cannot be read".into(),
            other => format!("the server's certificate was refused ({other:?})"),
        }
    }
}

/// `DnsName("sip.example.test")` (as rustls reports a presented name)
/// becomes `sip.example.test`.
fn presented_name(n: &str) -> &str {
    ["DnsName(\"", "IpAddress(", "DnsName("]
        .iter()
        .find_map(|p| n.strip_prefix(p))
        .map_or(n, |rest| rest.trim_end_matches(')').trim_end_matches('"'))
}

/// Before anything starts: can a TLS connection for `cfg` be set up at
/// all (a readable `ca_file` with a certificate, or system roots)? `Some`:
/// why not, a configuration problem (exit 2). `None` for UDP and TCP.
pub fn check(cfg: &crate::sip::engine::EngineConfig) -> Option<String> {
    if cfg.transport != crate::sip::Transport::Tls {
        return None;
    }
    TlsSetup::new(TlsSetup::host_of(&cfg.server), cfg.ca_file.as_deref()).err()
}

/// A date for a message, `2026-12-05 10:59:49 UTC`.
fn date(t: UnixTime) -> String {
    let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
    jiff::Timestamp::from_second(secs)
        .map(|ts| ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| format!("{secs} s after 1970"))
}

fn roots_from_file(path: &Path) -> Result<RootCertStore, String> {
    let what = |why: String| {
        format!(
            "cannot use the CA file {} (server.ca_file): {why}",
            path.display()
        )
    };
    let certs = crate::tls_roots::pem_file(path).map_err(what)?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(what("none of its certificates can be read".into()));
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, String> {
    crate::tls_roots::system().map_err(|_| {
        "no trusted CA certificates found on this system (install the ca-certificates package, or name the server's CA with ca_file in [server])"
            .to_string()
    })
}

/// A TLS session over a non-blocking TCP stream. The owner waits for the
/// socket's readiness ([`TlsLink::tcp`]) and calls [`TlsLink::try_read`]
/// and [`TlsLink::flush`].
pub struct TlsLink {
    tcp: TcpStream,
    conn: ClientConnection,
    setup: Arc<TlsSetup>,
}

/// What one read of the socket gave.
pub enum Received {
    /// Plain text was appended (maybe none: a record carried only TLS).
    Data,
    /// The server closed the connection (or sent close_notify).
    Closed,
}

/// `Write` over a non-blocking socket: `WouldBlock` when it is full.
struct TryWrite<'a>(&'a TcpStream);

impl Write for TryWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TlsLink {
    /// Connect over TCP and complete the handshake (the certificate is
    /// checked). The caller bounds the time.
    pub async fn connect(server: SocketAddr, setup: Arc<TlsSetup>) -> io::Result<TlsLink> {
        let tcp = TcpStream::connect(server).await?;
        let _ = tcp.set_nodelay(true);
        let mut conn = ClientConnection::new(setup.config.clone(), setup.name.clone())
            .map_err(|e| io::Error::other(TlsFailure(setup.explain(&e))))?;
        // The engine's output is bounded by its own window; rustls must
        // take all of it (a partial write would cut a SIP message).
        conn.set_buffer_limit(None);
        let mut link = TlsLink { tcp, conn, setup };
        link.handshake().await?;
        Ok(link)
    }

    async fn handshake(&mut self) -> io::Result<()> {
        let mut chunk = vec![0u8; 16_384];
        let mut early = Vec::new();
        while self.conn.is_handshaking() {
            if self.conn.wants_write() {
                self.tcp.writable().await?;
                self.flush()?;
                continue;
            }
            self.tcp.readable().await?;
            match self.try_read(&mut chunk, &mut early) {
                Ok(Received::Data) => {}
                Ok(Received::Closed) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection during the TLS handshake",
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        while self.conn.wants_write() {
            self.tcp.writable().await?;
            self.flush()?;
        }
        if !early.is_empty() {
            // A SIP server speaks only when spoken to.
            tracing::debug!(
                bytes = early.len(),
                "data before the handshake ended: dropped"
            );
        }
        Ok(())
    }

    /// The socket, to wait for its readiness.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Our local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }

    /// Read what the socket has (`WouldBlock` when nothing), decrypt it
    /// and append the plain text to `out`.
    pub fn try_read(&mut self, chunk: &mut [u8], out: &mut Vec<u8>) -> io::Result<Received> {
        let n = self.tcp.try_read(chunk)?;
        if n == 0 {
            return Ok(Received::Closed);
        }
        let mut rest = chunk.get(..n).unwrap_or(&[]);
        while !rest.is_empty() {
            if self.conn.read_tls(&mut rest)? == 0 {
                break;
            }
            if let Err(e) = self.conn.process_new_packets() {
                // rustls queued an alert telling the server why: send it.
                let _ = self.flush();
                return Err(io::Error::other(TlsFailure(self.setup.explain(&e))));
            }
            match self.conn.reader().read_to_end(out) {
                Ok(_) => return Ok(Received::Closed), // close_notify
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Received::Data)
    }

    /// Encrypt `bytes` (buffered until [`TlsLink::flush`]).
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.conn.writer().write_all(bytes)
    }

    /// Whether encrypted bytes wait for room in the socket.
    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    /// Write what the socket takes now; the rest stays queued.
    pub fn flush(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut TryWrite(&self.tcp)) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Say goodbye (close_notify), written with the next flush.
    pub fn close(&mut self) {
        self.conn.send_close_notify();
    }
}

#[cfg(test)]
mod tests;
