//! A test certificate authority made at run time (rcgen): a CA, and
//! server certificates signed by it, good or deliberately bad (expired,
//! for another name), written as PEM files for Kamailio's tls.cfg and for
//! `ca_file`.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, date_time_ymd,
};

use super::kamailio::TlsListener;

/// A CA: its certificate (PEM file `ca.pem` in `dir`) and key.
pub struct TestCa {
    pub pem: PathBuf,
    cert: Certificate,
    key: KeyPair,
    dir: PathBuf,
}

/// How a server certificate is made.
pub enum Leaf<'a> {
    /// Valid now, for these names (DNS names or IP addresses).
    Good(&'a [&'a str]),
    /// For these names, but valid only in 2020.
    Expired(&'a [&'a str]),
}

impl TestCa {
    /// A new CA named `name`, its certificate written to `dir/<name>.pem`.
    pub fn new(dir: &Path, name: &str) -> TestCa {
        let key = KeyPair::generate().expect("CA key");
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, name);
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = p.self_signed(&key).expect("CA certificate");
        let pem = dir.join(format!("{name}.pem"));
        std::fs::write(&pem, cert.pem()).expect("write CA pem");
        TestCa {
            pem,
            cert,
            key,
            dir: dir.to_path_buf(),
        }
    }

    /// A server certificate signed by this CA, written as `<file>.pem`
    /// (the leaf, then the CA: the chain a server presents) and `<file>.key`.
    pub fn leaf(&self, file: &str, leaf: Leaf<'_>) -> TlsListener {
        let names = match leaf {
            Leaf::Good(n) | Leaf::Expired(n) => n,
        };
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut p = CertificateParams::new(names.clone()).expect("leaf params");
        p.distinguished_name.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        if let Leaf::Expired(_) = leaf {
            p.not_before = date_time_ymd(2020, 1, 1);
            p.not_after = date_time_ymd(2020, 12, 31);
        }
        let key = KeyPair::generate().expect("leaf key");
        let cert = p
            .signed_by(&key, &self.cert, &self.key)
            .expect("leaf certificate");
        let cert_path = self.dir.join(format!("{file}.pem"));
        let key_path = self.dir.join(format!("{file}.key"));
        std::fs::write(&cert_path, cert.pem() + &self.cert.pem()).expect("write leaf pem");
        std::fs::write(&key_path, key.serialize_pem()).expect("write leaf key");
        TlsListener {
            cert: cert_path,
            key: key_path,
        }
    }
}
