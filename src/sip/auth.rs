//! Digest authentication (RFC 2617, RFC 7616, RFC 3261 22): MD5 and
//! SHA-256 (and their `-sess` variants), qop=auth (auth-int when it is
//! the only one offered) and the RFC 2069 form without qop.
//!
//! Client: [`parse_challenge`] a 401/407 header, keep a [`DigestClient`]
//! per challenge and call [`DigestClient::authorize`] for each request
//! (the nonce count increments). Server (the demo presence server):
//! [`challenge_value`], [`parse_authorization`], [`verify`].

mod params;
#[cfg(test)]
mod tests;

use md5::Md5;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

use params::{Params, parse_digest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    /// Case-insensitive: `MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess`.
    pub fn parse(s: &str) -> Result<Algorithm, AuthError> {
        let t = s.trim();
        [
            Algorithm::Md5,
            Algorithm::Md5Sess,
            Algorithm::Sha256,
            Algorithm::Sha256Sess,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(t))
        .ok_or_else(|| AuthError::UnsupportedAlgorithm {
            algorithm: t.to_string(),
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }

    /// Lower-case hex of the hash of `data`.
    fn hash(self, data: &[u8]) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex(&Md5::digest(data)),
            Algorithm::Sha256 | Algorithm::Sha256Sess => hex(&Sha256::digest(data)),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Why a challenge or Authorization value is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("authentication scheme {scheme:?} is not Digest")]
    NotDigest { scheme: String },
    #[error("digest parameter {param} is missing")]
    MissingParam { param: &'static str },
    #[error(
        "unsupported digest algorithm {algorithm:?} (MD5, SHA-256 and their -sess variants are)"
    )]
    UnsupportedAlgorithm { algorithm: String },
    #[error("malformed digest parameters at byte {at} of {value:?}: {reason}")]
    Malformed {
        value: String,
        at: usize,
        reason: &'static str,
    },
}

/// A parsed WWW-Authenticate / Proxy-Authenticate digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    /// MD5 when the challenge names none.
    pub algorithm: Algorithm,
    /// The qop options offered, lower case (`["auth", "auth-int"]`); empty
    /// for an RFC 2069 challenge.
    pub qop: Vec<String>,
    pub stale: bool,
}

/// Parses a WWW-Authenticate / Proxy-Authenticate value.
pub fn parse_challenge(value: &str) -> Result<Challenge, AuthError> {
    let p = parse_digest(value)?;
    let algorithm = match p.get("algorithm") {
        Some(a) => Algorithm::parse(a)?,
        None => Algorithm::Md5,
    };
    Ok(Challenge {
        realm: p.require("realm")?.to_string(),
        nonce: p.require("nonce")?.to_string(),
        opaque: p.get("opaque").map(str::to_string),
        algorithm,
        qop: p
            .get("qop")
            .map(|q| {
                q.split(',')
                    .map(|o| o.trim().to_ascii_lowercase())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        stale: p
            .get("stale")
            .is_some_and(|s| s.eq_ignore_ascii_case("true")),
    })
}

/// Answers one challenge, request after request.
#[derive(Debug, Clone)]
pub struct DigestClient {
    challenge: Challenge,
    nc: u32,
    proxy: bool,
}

impl DigestClient {
    /// `proxy`: the challenge came in a 407 (Proxy-Authenticate).
    pub fn new(challenge: Challenge, proxy: bool) -> Self {
        DigestClient {
            challenge,
            nc: 0,
            proxy,
        }
    }

    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }

    /// The nonce count used by the last `authorize` (0 before the first).
    pub fn nonce_count(&self) -> u32 {
        self.nc
    }

    /// Returns (header name `Authorization` or `Proxy-Authorization`,
    /// header value). Increments the nonce count each call. `cnonce` is
    /// given by the caller (sans-IO: no randomness here).
    pub fn authorize(
        &mut self,
        method: &str,
        uri: &str,
        user: &str,
        password: &str,
        cnonce: &str,
    ) -> (&'static str, String) {
        self.authorize_with_body(method, uri, user, password, cnonce, b"")
    }

    /// As [`authorize`](Self::authorize), with the request body for
    /// qop=auth-int (used only when the challenge offers auth-int but not
    /// auth).
    pub fn authorize_with_body(
        &mut self,
        method: &str,
        uri: &str,
        user: &str,
        password: &str,
        cnonce: &str,
        body: &[u8],
    ) -> (&'static str, String) {
        self.nc = self.nc.wrapping_add(1);
        let c = &self.challenge;
        let qop = if c.qop.iter().any(|q| q == "auth") {
            Some("auth")
        } else if c.qop.iter().any(|q| q == "auth-int") {
            Some("auth-int")
        } else {
            None
        };
        let nc = format!("{:08x}", self.nc);
        let response = compute(&Inputs {
            algorithm: c.algorithm,
            user,
            realm: &c.realm,
            password,
            nonce: &c.nonce,
            method,
            uri,
            qop: qop.map(|q| (q, nc.as_str(), cnonce)),
            body,
        });
        let mut v = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", response=\"{}\", algorithm={}",
            quote(user),
            quote(&c.realm),
            quote(&c.nonce),
            quote(uri),
            response,
            c.algorithm.as_str()
        );
        if let Some(q) = qop {
            let _ = write!(v, ", qop={q}, nc={nc}, cnonce=\"{}\"", quote(cnonce));
        }
        if let Some(o) = &c.opaque {
            let _ = write!(v, ", opaque=\"{}\"", quote(o));
        }
        let name = if self.proxy {
            "Proxy-Authorization"
        } else {
            "Authorization"
        };
        (name, v)
    }
}

/// A parsed Authorization / Proxy-Authorization digest value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub algorithm: Algorithm,
    pub qop: Option<String>,
    pub nc: Option<String>,
    pub cnonce: Option<String>,
    pub opaque: Option<String>,
}

/// Parses an Authorization / Proxy-Authorization value. With a qop, nc
/// and cnonce are required.
pub fn parse_authorization(value: &str) -> Result<Authorization, AuthError> {
    let p: Params = parse_digest(value)?;
    let algorithm = match p.get("algorithm") {
        Some(a) => Algorithm::parse(a)?,
        None => Algorithm::Md5,
    };
    let qop = p.get("qop").map(|q| q.trim().to_ascii_lowercase());
    let (nc, cnonce) = match qop {
        Some(_) => (
            Some(p.require("nc")?.to_string()),
            Some(p.require("cnonce")?.to_string()),
        ),
        None => (
            p.get("nc").map(str::to_string),
            p.get("cnonce").map(str::to_string),
        ),
    };
    Ok(Authorization {
        username: p.require("username")?.to_string(),
        realm: p.require("realm")?.to_string(),
        nonce: p.require("nonce")?.to_string(),
        uri: p.require("uri")?.to_string(),
        response: p.require("response")?.to_string(),
        algorithm,
        qop,
        nc,
        cnonce,
        opaque: p.get("opaque").map(str::to_string),
    })
}

/// Recomputes the response from `auth`, `method` and `password` and
/// compares (case-insensitive hex, constant time). qop=auth-int cannot be
/// checked without the body and is refused. Nonce validity (issued by us,
/// not expired, nc increasing) is the caller's business.
pub fn verify(auth: &Authorization, method: &str, password: &str) -> bool {
    let qop = match auth.qop.as_deref() {
        None => None,
        Some("auth") => match (&auth.nc, &auth.cnonce) {
            (Some(nc), Some(cnonce)) => Some(("auth", nc.as_str(), cnonce.as_str())),
            _ => return false,
        },
        Some(_) => return false,
    };
    if auth.algorithm.is_sess() && auth.cnonce.is_none() {
        return false;
    }
    let expected = compute(&Inputs {
        algorithm: auth.algorithm,
        user: &auth.username,
        realm: &auth.realm,
        password,
        nonce: &auth.nonce,
        method,
        uri: &auth.uri,
        qop,
        body: b"",
    });
    let given = auth.response.trim().to_ascii_lowercase();
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A WWW-Authenticate value offering qop="auth".
pub fn challenge_value(realm: &str, nonce: &str, algorithm: Algorithm, stale: bool) -> String {
    let mut v = format!(
        "Digest realm=\"{}\", nonce=\"{}\", algorithm={}, qop=\"auth\"",
        quote(realm),
        quote(nonce),
        algorithm.as_str()
    );
    if stale {
        v.push_str(", stale=true");
    }
    v
}

struct Inputs<'a> {
    algorithm: Algorithm,
    user: &'a str,
    realm: &'a str,
    password: &'a str,
    nonce: &'a str,
    method: &'a str,
    uri: &'a str,
    /// (qop, nc, cnonce)
    qop: Option<(&'a str, &'a str, &'a str)>,
    body: &'a [u8],
}

/// The request-digest of RFC 2617 3.2.2.1 / RFC 7616 3.4.1.
fn compute(i: &Inputs<'_>) -> String {
    let h = |s: &str| i.algorithm.hash(s.as_bytes());
    let mut ha1 = h(&format!("{}:{}:{}", i.user, i.realm, i.password));
    if i.algorithm.is_sess() {
        let cnonce = i.qop.map(|(_, _, c)| c).unwrap_or_default();
        ha1 = h(&format!("{ha1}:{}:{cnonce}", i.nonce));
    }
    let ha2 = match i.qop {
        Some(("auth-int", _, _)) => h(&format!(
            "{}:{}:{}",
            i.method,
            i.uri,
            i.algorithm.hash(i.body)
        )),
        _ => h(&format!("{}:{}", i.method, i.uri)),
    };
    match i.qop {
        Some((qop, nc, cnonce)) => h(&format!("{ha1}:{}:{nc}:{cnonce}:{qop}:{ha2}", i.nonce)),
        None => h(&format!("{ha1}:{}:{ha2}", i.nonce)),
    }
}

/// Escapes `"` and `\` for a quoted-string.
fn quote(s: &str) -> String {
    if s.contains(['"', '\\']) {
        s.replace('\\', "\\\\").replace('"', "\\\"")
    } else {
        s.to_string()
    }
}
