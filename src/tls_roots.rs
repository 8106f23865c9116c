//! What every TLS client of the program trusts and how it encrypts: SIP
//! over TLS (`runtime::tls`), the PostgreSQL notes (`notes_db::pg_tls`) and
//! a calendar URL (`runtime::publisher::calendar_feed`) share one stack,
//! rustls with the `ring` provider (see `runtime::tls` for why ring).
//!
//! - [`system`]: the system's trusted roots by `rustls-native-certs`
//!   (`SSL_CERT_FILE` and `SSL_CERT_DIR` work as for OpenSSL), so a site's
//!   own CA installed by its administrators is trusted as by every other
//!   program on the host.
//! - [`pem_file`]: the certificates of a PEM file (`ca_file`,
//!   `sslrootcert`).
//!
//! Decision: one stack, not OpenSSL beside rustls. Linking OpenSSL for the
//! notes and the calendar cost every process 1.7 MB of resident memory
//! (libcrypto and libssl mapped at start, used by neither the console nor
//! `watch` unless those two were configured) and a C library to build.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The crypto provider of every TLS connection.
pub fn provider() -> Arc<CryptoProvider> {
    #[allow(
        deprecated,
        reason = "ring: no post-quantum key exchange, but it builds without cmake/nasm (see runtime::tls)"
    )]
    let provider = rustls::crypto::ring::default_provider();
    Arc::new(provider)
}

/// The system's trusted CA certificates, as found (for a client that
/// takes certificates, not a [`RootCertStore`]: the calendar fetch).
pub fn system_certs() -> Vec<CertificateDer<'static>> {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!("system CA store: {e}");
    }
    found.certs
}

/// The system's trusted CA certificates. `Err`: none could be found (what
/// to install is said).
pub fn system() -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(system_certs());
    if ignored > 0 {
        tracing::debug!(ignored, "system CA certificates that cannot be used");
    }
    if added == 0 {
        return Err(
            "no trusted CA certificates found on this system (install the ca-certificates package)"
                .to_string(),
        );
    }
    Ok(roots)
}

/// The certificates in the PEM file `path`. `Err`: why not (no such file,
/// not PEM, no certificate in it), without the path (the caller names it
/// with its setting).
pub fn pem_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(e, path))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(e, path))?;
    if certs.is_empty() {
        return Err("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(certs)
}

fn pem_error(e: rustls::pki_types::pem::Error, path: &Path) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) if io.kind() == io::ErrorKind::NotFound => {
            format!("there is no file {}", PathBuf::from(path).display())
        }
        rustls::pki_types::pem::Error::Io(io) => io.to_string(),
        other => format!("not a PEM file ({other:?})"),
    }
}
