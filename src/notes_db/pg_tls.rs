//! TLS for the PostgreSQL notes connection, and the one URL parameter the
//! `postgres` crate does not know: `sslrootcert`.
//!
//! `sslmode` is the crate's (libpq's meaning for `disable`, `prefer`,
//! `require`). The server's certificate is always checked, identity
//! included (host name or IP address in the certificate), by rustls (the
//! program's one TLS stack, [`crate::tls_roots`]): against the system's
//! trusted roots (`SSL_CERT_FILE` and `SSL_CERT_DIR` work as for OpenSSL)
//! and, when the URL has `sslrootcert=/path/ca.pem`, also against that CA.
//! So `require` here is libpq's `verify-full`; there is no encrypted but
//! unverified mode, on purpose: a receptionist cannot judge a certificate.

use std::path::PathBuf;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::notes::{NotesError, redact_url};

/// The URL without `sslrootcert`, and that parameter's path if any.
pub fn split_root_cert(url: &str) -> (String, Option<PathBuf>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut root = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some(("sslrootcert", v)) => {
                root = Some(PathBuf::from(percent_decode(v)));
                false
            }
            _ => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, root)
}

/// `%2F` → `/` (a path in a URL may be escaped); a bad escape stays as is.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |j: usize| b.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The TLS connector for `url` (its original form, for messages), trusting
/// `root` besides the system's roots. A system without trusted roots is
/// not an error here: a plain connection (`sslmode=disable`, or `prefer`
/// to a server without TLS) needs none, and a TLS one then fails its
/// certificate check with the hint of [`super::postgres`].
pub fn connector(url: &str, root: Option<&PathBuf>) -> Result<MakeRustlsConnect, NotesError> {
    let problem = |reason: String| NotesError::Backend {
        location: redact_url(url),
        reason,
    };
    let mut roots = crate::tls_roots::system().unwrap_or_else(|why| {
        tracing::debug!("notes TLS: {why}");
        RootCertStore::empty()
    });
    if let Some(path) = root {
        let pem = std::fs::read(path).map_err(|e| {
            problem(format!(
                "sslrootcert {}: cannot read it ({e}); give the path of the CA's PEM file",
                path.display()
            ))
        })?;
        let not_pem = |why: String| {
            problem(format!(
                "sslrootcert {}: not a PEM certificate ({why})",
                path.display()
            ))
        };
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| not_pem(format!("{e:?}")))?;
        let (added, _ignored) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(not_pem("no certificate in it can be read".into()));
        }
    }
    let config = ClientConfig::builder_with_provider(crate::tls_roots::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| problem(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslrootcert_is_taken_out_of_the_url_and_decoded() {
        let (url, root) =
            split_root_cert("postgres://u@h/db?sslmode=require&sslrootcert=%2Fetc%2Fca%20x.pem");
        assert_eq!(url, "postgres://u@h/db?sslmode=require");
        assert_eq!(root, Some(PathBuf::from("/etc/ca x.pem")));
        let (url, root) = split_root_cert("postgres://u@h/db?sslrootcert=/ca.pem");
        assert_eq!(
            (url.as_str(), root),
            ("postgres://u@h/db", Some("/ca.pem".into()))
        );
        assert_eq!(
            split_root_cert("postgres://u@h/db?sslmode=disable"),
            ("postgres://u@h/db?sslmode=disable".to_string(), None)
        );
    }

    #[test]
    fn an_unreadable_or_bad_root_certificate_is_a_clear_error() {
        let missing = PathBuf::from("/nonexistent/ca.pem");
        let err = connector("postgres://u:secret@h/db", Some(&missing))
            .err()
            .expect("refused");
        let msg = err.to_string();
        assert!(
            msg.contains("sslrootcert /nonexistent/ca.pem: cannot read"),
            "{msg}"
        );
        assert!(!msg.contains("secret"), "{msg}");
    }
}
