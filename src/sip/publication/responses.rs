//! What each answer to our PUBLISH means (RFC 3903 4, 6).

use std::time::{Duration, Instant};

use super::{Kind, Publication, PublicationEvent, policy};
use crate::sip::auth::{DigestClient, parse_challenge};
use crate::sip::codec::Response;

impl Publication {
    /// The answer to our PUBLISH in flight (false: not ours, ignored).
    pub(super) fn on_response(&mut self, now: Instant, resp: &Response) -> bool {
        let Some(f) = self.in_flight.as_mut() else {
            return false;
        };
        let branch = resp
            .headers
            .get("Via")
            .and_then(crate::sip::headers::via_branch);
        let cseq = resp
            .headers
            .get("CSeq")
            .and_then(|c| crate::sip::headers::parse_cseq(c).ok());
        if branch.as_deref() != Some(f.branch.as_str())
            || cseq
                .is_none_or(|c| c.seq != f.cseq || c.method != crate::sip::codec::Method::Publish)
        {
            return false;
        }
        if !f.tx.on_response(now, resp.status) || resp.status < 200 {
            return true;
        }
        let Some(f) = self.in_flight.take() else {
            return true;
        };
        match resp.status {
            200..=299 => self.on_success(now, f.kind, f.expires, resp),
            401 | 407 => {
                self.on_challenge(now, f.kind, f.auth_nonce.is_some() && f.challenged, resp)
            }
            412 => {
                // The server no longer knows our ETag (RFC 3903 6.3).
                self.etag = None;
                self.expires_at = None;
                match f.kind {
                    Kind::Remove => self.events.push_back(PublicationEvent::Removed),
                    _ => self.send(Kind::Publish, now),
                }
            }
            423 => self.on_too_brief(now, f.kind, resp),
            489 => self.on_failure(
                now,
                f.kind,
                Some(489),
                "the server does not accept PUBLISH for Event: presence (489 Bad Event)".into(),
                false,
            ),
            status => {
                let reason = crate::text::line(&resp.reason, 120);
                let retry = status == 408 || status >= 500;
                let retry_after = resp
                    .headers
                    .get("Retry-After")
                    .and_then(|v| v.split(';').next())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                self.on_failure(
                    now,
                    f.kind,
                    Some(status),
                    format!("{status} {reason}"),
                    retry,
                );
                if let (Some(d), Some(_)) = (retry_after, self.wake.retry) {
                    self.wake.retry = Some(now + d.min(policy::MAX_RETRY));
                }
            }
        }
        self.flush_next(now);
        true
    }

    pub(super) fn flush_next(&mut self, now: Instant) {
        if self.in_flight.is_none()
            && let Some(next) = self.next.take()
        {
            self.request(next, now);
        }
    }

    fn on_success(&mut self, now: Instant, kind: Kind, asked: u32, resp: &Response) {
        self.failures = 0;
        if kind == Kind::Remove {
            self.etag = None;
            self.expires_at = None;
            self.wake.refresh = None;
            self.events.push_back(PublicationEvent::Removed);
            return;
        }
        // An entity-tag is a token (RFC 3903 11.3.1): anything else would
        // go back verbatim in our SIP-If-Match, so it is not taken.
        if let Some(etag) =
            resp.headers.get("SIP-ETag").map(str::trim).filter(|e| {
                !e.is_empty() && e.len() <= 256 && e.chars().all(|c| c.is_ascii_graphic())
            })
        {
            self.etag = Some(etag.to_string());
        }
        let granted = resp
            .headers
            .get("Expires")
            .and_then(|e| e.trim().parse::<u32>().ok())
            .unwrap_or(asked);
        let granted = Duration::from_secs(u64::from(granted));
        self.expires_at = Some(now + granted);
        self.wake.refresh = self.refresh_time(now, granted);
        match &self.etag {
            Some(etag) => self.events.push_back(PublicationEvent::Published {
                etag: etag.clone(),
                expires_at: now + granted,
            }),
            None => self.on_failure(
                now,
                kind,
                Some(resp.status),
                "the server accepted the PUBLISH without a SIP-ETag".into(),
                false,
            ),
        }
    }

    /// `answered_fresh`: the refused request carried credentials for a
    /// challenge to its predecessor; credentials from an older challenge
    /// (a refresh an hour later, a restarted server's new secret) are only
    /// out of date and are computed afresh once.
    fn on_challenge(&mut self, now: Instant, kind: Kind, answered_fresh: bool, resp: &Response) {
        let proxy = resp.status == 407;
        let header = if proxy {
            "Proxy-Authenticate"
        } else {
            "WWW-Authenticate"
        };
        let challenge = resp.headers.get(header).map(parse_challenge);
        let refused = |reason: String| (Some(resp.status), reason);
        let failure = match (challenge, &self.cfg.password) {
            (None, _) => Some(refused(format!("{} without {header}", resp.status))),
            (Some(Err(e)), _) => Some(refused(format!("unusable challenge: {e}"))),
            (Some(Ok(_)), None) => Some(refused(
                "the server asks for credentials and no password is configured".into(),
            )),
            (Some(Ok(c)), Some(_)) if answered_fresh && !c.stale => Some(refused(
                "the server refused our credentials (check auth_user and password)".into(),
            )),
            (Some(Ok(c)), Some(_)) => {
                self.auth = Some(DigestClient::new(c, proxy));
                self.answering_challenge = true;
                None
            }
        };
        match failure {
            Some((status, reason)) => self.on_failure(now, kind, status, reason, false),
            None => self.send(kind, now),
        }
    }

    fn on_too_brief(&mut self, now: Instant, kind: Kind, resp: &Response) {
        let min = resp
            .headers
            .get("Min-Expires")
            .and_then(|m| m.trim().parse::<u32>().ok());
        match min {
            Some(m) if m <= policy::MAX_MIN_EXPIRES && m > self.min_expires => {
                self.min_expires = m;
                if let Some(left) = self.until.map(|u| u.saturating_duration_since(now))
                    && Duration::from_secs(u64::from(m)) > left
                {
                    tracing::warn!(
                        min_expires = m,
                        until_in = left.as_secs(),
                        "the server's Min-Expires outlasts the until: publishing for \
                         Min-Expires, replacing or removing the publication at the until"
                    );
                }
                self.send(kind, now);
            }
            _ => self.on_failure(
                now,
                kind,
                Some(423),
                "423 Interval Too Brief without a usable Min-Expires".into(),
                false,
            ),
        }
    }

    /// A PUBLISH failed: report it; `retry` schedules the next try.
    pub(super) fn on_failure(
        &mut self,
        now: Instant,
        kind: Kind,
        status: Option<u16>,
        reason: String,
        retry: bool,
    ) {
        self.failures = self.failures.saturating_add(1);
        let retry_at = (retry && kind != Kind::Remove && self.body.is_some())
            .then(|| now + policy::retry_after(self.failures));
        self.wake.retry = retry_at;
        tracing::warn!(?status, %reason, ?retry_at, "PUBLISH failed");
        self.events.push_back(PublicationEvent::Failed {
            status,
            reason,
            retry_at,
        });
    }
}
