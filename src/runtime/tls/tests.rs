//! The messages for each failed check, the CA file's errors, and a real
//! handshake over loopback with an in-process rustls server: a good chain
//! carries SIP both ways; a bad one fails the connect with its sentence.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    date_time_ymd,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{CertificateError, Error};

use super::*;

fn setup(host: &str) -> TlsSetup {
    let dir = std::env::temp_dir().join(format!("sb-tls-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = make_ca();
    let pem = dir.join(format!("ca-{host}.pem"));
    std::fs::write(&pem, ca.0.pem()).unwrap();
    TlsSetup::new(host, Some(&pem)).unwrap()
}

fn make_ca() -> (rcgen::Certificate, KeyPair) {
    make_named_ca("unit CA")
}

/// Two CAs of the same name are one issuer to the verifier (a signature
/// check, not an unknown issuer): a stranger gets its own name.
fn make_named_ca(name: &str) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    (p.self_signed(&key).unwrap(), key)
}

#[test]
fn each_failed_check_is_a_sentence_saying_which() {
    let s = setup("127.0.0.1");
    let cert = |c| s.explain(&Error::InvalidCertificate(c));
    let expired = cert(CertificateError::ExpiredContext {
        time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000)),
        not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_609_372_800)),
    });
    assert_eq!(
        expired,
        "certificate check failed: the server's certificate has expired (valid until 2020-12-31 00:00:00 UTC)"
    );
    let unknown = cert(CertificateError::UnknownIssuer);
    assert!(
        unknown.starts_with("certificate check failed: unknown issuer:")
            && unknown.contains("ca_file"),
        "{unknown}"
    );
    let mismatch = cert(CertificateError::NotValidForNameContext {
        expected: ServerName::try_from("127.0.0.1").unwrap(),
        presented: vec![
            "DnsName(\"sip.elsewhere.test\")".into(),
            "IpAddress(10.0.0.1)".into(),
            "DnsName(\"\u{1b}[31mred\")".into(),
        ],
    });
    assert_eq!(
        mismatch,
        "certificate check failed: name mismatch: the server's certificate is not valid for 127.0.0.1 (it names sip.elsewhere.test, 10.0.0.1, [31mred)"
    );
    assert!(cert(CertificateError::NotValidYet).contains("not valid yet"));
    assert!(cert(CertificateError::Revoked).contains("revoked"));
    assert!(cert(CertificateError::BadSignature).contains("bad or unsupported signature"));
}

#[test]
fn the_host_of_an_authority() {
    assert_eq!(
        TlsSetup::host_of("pbx.example.test:5061"),
        "pbx.example.test"
    );
    assert_eq!(TlsSetup::host_of("[2001:db8::1]:5061"), "2001:db8::1");
    assert_eq!(TlsSetup::host_of("pbx"), "pbx");
}

#[test]
fn a_ca_file_that_cannot_be_used_says_which_file_and_why() {
    let dir = std::env::temp_dir().join(format!("sb-tls-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.pem");
    let e = TlsSetup::new("pbx", Some(&missing)).unwrap_err();
    assert!(
        e.contains("server.ca_file") && e.contains("missing.pem") && e.contains("there is no file"),
        "{e}"
    );
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let e = TlsSetup::new("pbx", Some(&empty)).unwrap_err();
    assert!(e.contains("holds no PEM certificate"), "{e}");
}

/// A one-connection TLS echo server for `names`, valid now or expired.
fn serve(ca: &(rcgen::Certificate, KeyPair), names: &[&str], expired: bool) -> u16 {
    let key = KeyPair::generate().unwrap();
    let mut p =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    if expired {
        p.not_before = date_time_ymd(2020, 1, 1);
        p.not_after = date_time_ymd(2020, 12, 31);
    }
    let cert = p.signed_by(&key, &ca.0, &ca.1).unwrap();
    #[allow(
        deprecated,
        reason = "the provider the client uses (see the module doc)"
    )]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((tcp, _)) = listener.accept() else {
            return;
        };
        let conn = rustls::ServerConnection::new(Arc::new(config)).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut buf = [0u8; 64];
        if let Ok(n) = tls.read(&mut buf) {
            let _ = tls.write_all(&buf[..n]);
            let _ = tls.flush();
        }
    });
    port
}

async fn connect(port: u16, host: &str, ca_pem: &Path) -> std::io::Result<TlsLink> {
    let setup = Arc::new(TlsSetup::new(host, Some(ca_pem)).unwrap());
    TlsLink::connect(([127, 0, 0, 1], port).into(), setup).await
}

#[tokio::test]
async fn a_good_chain_carries_bytes_both_ways_and_bad_ones_fail_the_connect() {
    let dir = std::env::temp_dir().join(format!("sb-tls-loop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = make_ca();
    let ca_pem = dir.join("ca.pem");
    std::fs::write(&ca_pem, ca.0.pem()).unwrap();

    let port = serve(&ca, &["127.0.0.1"], false);
    let mut link = connect(port, "127.0.0.1", &ca_pem)
        .await
        .expect("handshake");
    link.write(b"OPTIONS\r\n\r\n").unwrap();
    while link.wants_write() {
        link.tcp().writable().await.unwrap();
        link.flush().unwrap();
    }
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while got.len() < 11 {
        link.tcp().readable().await.unwrap();
        match link.try_read(&mut chunk, &mut got) {
            Ok(Received::Data) => {}
            Ok(Received::Closed) => break,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(got, b"OPTIONS\r\n\r\n");

    let port = serve(&ca, &["127.0.0.1"], true);
    let e = connect(port, "127.0.0.1", &ca_pem)
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("has expired"), "{e}");
    let port = serve(&ca, &["sip.elsewhere.test"], false);
    let e = connect(port, "127.0.0.1", &ca_pem)
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("name mismatch"), "{e}");
    let stranger = make_named_ca("stranger CA");
    let port = serve(&stranger, &["127.0.0.1"], false);
    let e = connect(port, "127.0.0.1", &ca_pem)
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("unknown issuer"), "{e}");
}
