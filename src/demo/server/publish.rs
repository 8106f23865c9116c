//! PUBLISH (RFC 3903) of `presence`: a new publication gets a SIP-ETag;
//! `SIP-If-Match` refreshes (no body), modifies (a body) or removes
//! (`Expires: 0`) it; an unknown ETag gets 412. While a user has a live
//! publication, their watchers see the newest published document.

use std::time::{Duration, Instant};

use super::auth::Verdict;
use super::notify::NotifyKind;
use super::users::Publication;
use super::{Peer, Server, Timer};
use crate::presence::EventKind;
use crate::sip::codec::Request;
use crate::sip::headers::{SipUri, content_type_is, parse_etag, parse_event, parse_expires};
use crate::sip::uri::user_key;

/// Expiry of a publication without Expires.
pub const DEFAULT_PUBLISH_EXPIRES: u32 = 3600;

impl Server {
    pub(super) fn on_publish(
        &mut self,
        now: Instant,
        from: Peer,
        key: Option<&str>,
        req: &Request,
    ) {
        let event = req.headers.get("Event").map(parse_event);
        if !matches!(&event, Some(Ok(e)) if e.kind() == Some(EventKind::Presence)) {
            tracing::info!(%from.addr, event = ?event, "489: PUBLISH of an event not served");
            let resp = self.response(req, 489, "Bad Event");
            return self.respond(now, from, key, resp);
        }
        let verdict = self.authorize(now, req);
        if verdict != Verdict::Allowed {
            return self.refuse(now, from, key, req, verdict);
        }
        let target = SipUri::parse(&req.uri).ok().and_then(|u| u.user);
        let Some(user) = target.as_deref().and_then(|u| self.user_index(u)) else {
            tracing::info!(%from.addr, uri = %req.uri, "404: PUBLISH for no such user");
            let resp = self.response(req, 404, "Not Found");
            return self.respond(now, from, key, resp);
        };
        if let (Some((me, _)), Some(target)) = (&self.cfg.credentials, &target)
            && user_key(me) != user_key(target)
        {
            let verdict = Verdict::Forbidden(format!("{me} may not publish for {target}"));
            return self.refuse(now, from, key, req, verdict);
        }
        let expires = match req.headers.get("Expires").map(parse_expires) {
            None => DEFAULT_PUBLISH_EXPIRES,
            Some(Ok(e)) => e.min(self.cfg.max_expires),
            Some(Err(e)) => return self.bad_request(now, from, key, req, &e.to_string()),
        };
        if expires != 0 && expires < self.cfg.min_expires {
            let mut resp = self.response(req, 423, "Interval Too Brief");
            resp.headers
                .push("Min-Expires", self.cfg.min_expires.to_string());
            return self.respond(now, from, key, resp);
        }
        let if_match = match req.headers.get("SIP-If-Match").map(parse_etag) {
            None => None,
            Some(Ok(etag)) => Some(etag),
            Some(Err(e)) => return self.bad_request(now, from, key, req, &e.to_string()),
        };
        if !req.body.is_empty() {
            let ct = req.headers.get("Content-Type").unwrap_or_default();
            if !content_type_is(ct, "application/pidf+xml") {
                let mut resp = self.response(req, 415, "Unsupported Media Type");
                resp.headers.push("Accept", "application/pidf+xml");
                return self.respond(now, from, key, resp);
            }
            if let Err(e) = crate::body::pidf::parse(&req.body) {
                return self.bad_request(now, from, key, req, &format!("PIDF: {e}"));
            }
        }
        let old = match &if_match {
            Some(etag) => match self.publications.get(etag) {
                Some(p) if p.user == user => Some(etag.clone()),
                _ => {
                    tracing::info!(%from.addr, etag, "412: unknown SIP-If-Match");
                    let resp = self.response(req, 412, "Conditional Request Failed");
                    return self.respond(now, from, key, resp);
                }
            },
            None if req.body.is_empty() => {
                return self.bad_request(now, from, key, req, "initial PUBLISH without a body");
            }
            None => None,
        };
        // The old entity tag (if any) ends here; the new one replaces it.
        let previous = old.and_then(|etag| self.take_publication(&etag));
        if expires == 0 {
            let mut resp = self.response(req, 200, "OK");
            resp.headers.push("Expires", "0");
            self.respond(now, from, key, resp);
            tracing::debug!(user, "publication removed");
            return self.notify_watchers(now, user, EventKind::Presence, NotifyKind::Update);
        }
        let (body, content_type) = match previous {
            Some(p) if req.body.is_empty() => (p.body, p.content_type),
            _ => (req.body.clone(), "application/pidf+xml".to_string()),
        };
        let changed = !req.body.is_empty();
        let etag = self.token();
        let expires_at = now + Duration::from_secs(u64::from(expires));
        self.publications.insert(
            etag.clone(),
            Publication {
                user,
                body,
                content_type,
                expires_at,
            },
        );
        if let Some(u) = self.users.get_mut(user) {
            u.publications.push(etag.clone());
        }
        self.push_timer(expires_at, Timer::Publication(etag.clone()));
        let mut resp = self.response(req, 200, "OK");
        resp.headers.push("SIP-ETag", etag);
        resp.headers.push("Expires", expires.to_string());
        self.respond(now, from, key, resp);
        if changed {
            self.notify_watchers(now, user, EventKind::Presence, NotifyKind::Update);
        }
    }

    /// Removes a publication (from the table and its user).
    fn take_publication(&mut self, etag: &str) -> Option<Publication> {
        let p = self.publications.remove(etag)?;
        if let Some(u) = self.users.get_mut(p.user) {
            u.publications.retain(|e| e != etag);
        }
        Some(p)
    }

    /// A publication's expiry timer (void if it was refreshed or removed).
    pub(super) fn on_publication_timer(&mut self, now: Instant, etag: &str) {
        let due = self
            .publications
            .get(etag)
            .is_some_and(|p| p.expires_at <= now);
        if !due {
            return;
        }
        if let Some(p) = self.take_publication(etag) {
            tracing::debug!(user = p.user, "publication expired");
            self.notify_watchers(now, p.user, EventKind::Presence, NotifyKind::Update);
        }
    }
}
