//! Building and sending a PUBLISH (initial, change, refresh, removal).

use std::time::Instant;

use super::{InFlight, Kind, Publication, PublicationEvent};
use crate::sip::codec::{Method, Request};
use crate::sip::transaction::ClientTransaction;

impl Publication {
    /// Send `kind` now, or after the PUBLISH in flight is answered.
    pub(super) fn request(&mut self, kind: Kind, now: Instant) {
        if self.in_flight.is_some() {
            // The newest wish wins; a pending change is not downgraded to
            // a refresh.
            self.next = match (self.next, kind) {
                (Some(Kind::Publish), Kind::Refresh) => Some(Kind::Publish),
                _ => Some(kind),
            };
            return;
        }
        self.next = None;
        match kind {
            Kind::Remove if self.etag.is_none() => {
                self.expires_at = None;
                self.events.push_back(PublicationEvent::Removed);
            }
            // Nothing to refresh without an ETag: publish afresh.
            Kind::Refresh if self.etag.is_none() => self.send(Kind::Publish, now),
            _ => self.send(kind, now),
        }
    }

    /// Build and send one PUBLISH (with credentials when we hold a
    /// challenge).
    pub(super) fn send(&mut self, kind: Kind, now: Instant) {
        let challenged = std::mem::take(&mut self.answering_challenge);
        let expires = match kind {
            Kind::Remove => 0,
            _ => self.expires_for(now),
        };
        let body = match kind {
            Kind::Publish => self.body.clone(),
            _ => None,
        };
        if kind == Kind::Publish && body.is_none() {
            return;
        }
        let branch = format!("z9hG4bK{}", self.rng.token());
        self.cseq += 1;
        let mut req = Request::new(Method::Publish, self.cfg.account_uri.clone());
        req.headers.push(
            "Via",
            format!(
                "SIP/2.0/{} {};branch={};rport",
                self.cfg.transport.as_str(),
                self.cfg.local,
                branch
            ),
        );
        req.headers.push("Max-Forwards", "70");
        req.headers.push(
            "From",
            format!("<{}>;tag={}", self.cfg.account_uri, self.from_tag),
        );
        req.headers
            .push("To", format!("<{}>", self.cfg.account_uri));
        req.headers.push("Call-ID", self.call_id.clone());
        req.headers.push("CSeq", format!("{} PUBLISH", self.cseq));
        req.headers.push("Event", "presence");
        req.headers.push("Expires", expires.to_string());
        if let Some(etag) = &self.etag {
            req.headers.push("SIP-If-Match", etag.clone());
        }
        req.headers.push("User-Agent", self.cfg.user_agent.clone());
        if let Some(b) = body {
            req.headers.push("Content-Type", "application/pidf+xml");
            req.body = b;
        }
        let auth_nonce = self.authorize(&mut req);
        let bytes = req.to_bytes();
        tracing::debug!(?kind, expires, cseq = self.cseq, "sending PUBLISH");
        let tx = ClientTransaction::new(now, self.cfg.transport.reliable(), self.cfg.timers);
        self.transmits.push_back(bytes.clone());
        self.in_flight = Some(InFlight {
            kind,
            branch,
            cseq: self.cseq,
            tx,
            bytes,
            auth_nonce,
            expires,
            challenged,
        });
    }

    /// Credentials for `req` if we hold a challenge; returns its nonce.
    fn authorize(&mut self, req: &mut Request) -> Option<String> {
        let password = self.cfg.password.clone()?;
        let cnonce = self.rng.token();
        let auth = self.auth.as_mut()?;
        let (name, value) = auth.authorize_with_body(
            req.method.as_str(),
            &req.uri,
            &self.cfg.auth_user,
            &password,
            &cnonce,
            &req.body,
        );
        req.headers.push(name, value);
        Some(auth.challenge().nonce.clone())
    }
}
