//! Digest authentication of SUBSCRIBE and PUBLISH (when the demo has
//! credentials): 401 with an MD5 qop=auth challenge.
//!
//! Nonces are stateless: `<seconds since start in hex>.<mac>`, the mac an
//! MD5 over the server secret and the time, so any nonce we issued is
//! recognised without a table. A nonce older than [`NONCE_TTL`] is stale:
//! the answer is a 401 with `stale=true` (the client retries with the new
//! nonce, without asking for a password). nc replay checks are not done.

use std::time::{Duration, Instant};

use md5::{Digest, Md5};

use super::{Peer, Server};
use crate::sip::auth::{Algorithm, challenge_value, parse_authorization, verify};
use crate::sip::codec::Request;
use crate::sip::headers::{NameAddr, SipUri};
use crate::sip::uri::user_key;

/// How long a nonce stays fresh.
pub const NONCE_TTL: Duration = Duration::from_secs(300);

/// What the credentials of a request allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    Allowed,
    /// 401: none, wrong, or stale credentials.
    Challenge {
        stale: bool,
    },
    /// 403: authenticated, but as someone else than the From user.
    Forbidden(String),
}

impl Server {
    fn nonce_mac(&self, secs: u64) -> String {
        let digest =
            Md5::digest(format!("{:x}:{secs}:switchboard-demo", self.cfg.secret).as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    fn nonce(&self, now: Instant) -> String {
        let secs = now.saturating_duration_since(self.epoch).as_secs();
        format!("{secs:x}.{}", self.nonce_mac(secs))
    }

    /// `Some(age)` for a nonce we issued.
    fn nonce_age(&self, now: Instant, nonce: &str) -> Option<Duration> {
        let (secs, mac) = nonce.split_once('.')?;
        let secs = u64::from_str_radix(secs, 16).ok()?;
        if mac != self.nonce_mac(secs) {
            return None;
        }
        let issued = self.epoch + Duration::from_secs(secs);
        Some(now.saturating_duration_since(issued))
    }

    /// Checks the request's credentials (always allowed without any).
    pub(super) fn authorize(&self, now: Instant, req: &Request) -> Verdict {
        let Some((user, password)) = &self.cfg.credentials else {
            return Verdict::Allowed;
        };
        let header = req
            .headers
            .get("Authorization")
            .or_else(|| req.headers.get("Proxy-Authorization"));
        let Some(header) = header else {
            return Verdict::Challenge { stale: false };
        };
        let auth = match parse_authorization(header) {
            Ok(a) => a,
            Err(e) => {
                tracing::info!(error = %e, "unreadable Authorization: challenging again");
                return Verdict::Challenge { stale: false };
            }
        };
        if !auth.username.eq_ignore_ascii_case(user) || auth.realm != self.cfg.domain {
            tracing::info!(username = %auth.username, realm = %auth.realm, "unknown user or realm: challenging again");
            return Verdict::Challenge { stale: false };
        }
        let Some(age) = self.nonce_age(now, &auth.nonce) else {
            tracing::info!(nonce = %auth.nonce, "not our nonce: challenging again");
            return Verdict::Challenge { stale: false };
        };
        if !verify(&auth, req.method.as_str(), password) {
            tracing::info!(username = %auth.username, "wrong password: challenging again");
            return Verdict::Challenge { stale: false };
        }
        if age > NONCE_TTL {
            return Verdict::Challenge { stale: true };
        }
        let from_user = req
            .headers
            .get("From")
            .and_then(|f| NameAddr::parse(f).ok())
            .and_then(|na| SipUri::parse(&na.uri).ok())
            .and_then(|u| u.user);
        match from_user {
            Some(f) if user_key(&f) == user_key(user) => Verdict::Allowed,
            other => Verdict::Forbidden(format!(
                "authenticated as {user}, but From is {}",
                other.unwrap_or_else(|| "unreadable".into())
            )),
        }
    }

    /// Answers a request whose verdict was not `Allowed`.
    pub(super) fn refuse(
        &mut self,
        now: Instant,
        from: Peer,
        key: Option<&str>,
        req: &Request,
        verdict: Verdict,
    ) {
        let resp = match verdict {
            Verdict::Allowed => return,
            Verdict::Challenge { stale } => {
                let mut resp = self.response(req, 401, "Unauthorized");
                let value =
                    challenge_value(&self.cfg.domain, &self.nonce(now), Algorithm::Md5, stale);
                resp.headers.push("WWW-Authenticate", value);
                resp
            }
            Verdict::Forbidden(why) => {
                tracing::info!(%from.addr, "403: {why}");
                self.response(req, 403, "Forbidden")
            }
        };
        self.respond(now, from, key, resp);
    }
}
