//! Our own presence publication (RFC 3903), sans-IO like the subscriptions.
//!
//! One [`Publication`] per account: [`Publication::set`] publishes a PIDF
//! document, [`Publication::remove`] ends it (`Expires: 0`). Bytes and `now`
//! go in ([`Publication::handle_datagram`], [`Publication::handle_timeout`]);
//! requests to send ([`Publication::poll_transmit`]), events
//! ([`Publication::poll_event`]) and the next wake-up
//! ([`Publication::poll_timeout`]) come out. No socket, no clock.
//!
//! Decisions:
//! - One PUBLISH in flight at a time (RFC 3903 4: the ETag of one answer is
//!   the `SIP-If-Match` of the next); a `set`/`remove` during a transaction
//!   waits and only the newest one is sent.
//! - The SIP-ETag is kept; a refresh carries no body and `SIP-If-Match`; a
//!   change carries the body and `SIP-If-Match`. A 412 (the server lost
//!   our entity) publishes afresh with the body and no `SIP-If-Match`.
//! - Every PUBLISH's Expires is capped so the publication never outlives the
//!   `until` given with it: if we die, the server forgets it by itself then.
//!   When `until` comes, [`PublicationEvent::UntilReached`] tells the owner
//!   (which publishes the default state). The cap yields only to a server's
//!   Min-Expires (423), which is a server rule we cannot go below: then we
//!   publish for Min-Expires (and log that it outlasts the until), and at
//!   the until the owner replaces the document; should it not do so within
//!   [`policy::UNTIL_GRACE`], the publication removes itself (`Expires: 0`)
//!   so it never outlives the until while we run. Only if our process dies
//!   in that last Min-Expires window does the server keep the status past
//!   the until — by at most Min-Expires seconds.
//! - 489 (Bad Event) and refused credentials are final until the next `set`;
//!   a timeout or a 5xx is retried after the backoff of [`policy`].
//!
//! The timing numbers are in [`policy`].

pub mod policy;
mod requests;
mod responses;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_recovery;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::sip::Transport;
use crate::sip::auth::DigestClient;
use crate::sip::engine::rng::Rng;
use crate::sip::transaction::{ClientTransaction, TimerAction, Timers};

/// Everything a publication needs, fixed for its lifetime.
#[derive(Debug, Clone)]
pub struct PublicationConfig {
    /// Our AOR: Request-URI, From and To of the PUBLISH.
    pub account_uri: String,
    pub auth_user: String,
    pub password: Option<String>,
    /// Our local address as the server sees it (Via).
    pub local: SocketAddr,
    pub transport: Transport,
    /// The lifetime we ask for (seconds); the server may shorten it.
    pub expires: u32,
    pub timers: Timers,
    pub user_agent: String,
    pub seed: u64,
}

impl PublicationConfig {
    /// Defaults for everything but the identities.
    pub fn new(account_uri: &str, local: SocketAddr, transport: Transport) -> Self {
        let user = crate::sip::uri::SipUri::parse_loose(account_uri)
            .and_then(|u| u.user)
            .unwrap_or_default();
        PublicationConfig {
            account_uri: account_uri.to_string(),
            auth_user: user,
            password: None,
            local,
            transport,
            expires: policy::DEFAULT_EXPIRES,
            timers: Timers::default(),
            user_agent: concat!("switchboard/", env!("CARGO_PKG_VERSION")).to_string(),
            seed: 1,
        }
    }
}

/// What happened to the publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicationEvent {
    /// The server holds our document (2xx) until `expires_at`.
    Published { etag: String, expires_at: Instant },
    /// The publication is gone (our `Expires: 0` was answered, or there was
    /// nothing to remove).
    Removed,
    /// The `until` of the current document came: the owner publishes the
    /// default state (or removes the publication).
    UntilReached,
    /// A PUBLISH failed. `retry_at`: when we try again by ourselves (None:
    /// not until the next `set`).
    Failed {
        status: Option<u16>,
        reason: String,
        retry_at: Option<Instant>,
    },
}

/// What the request in flight (or the next one) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// With the body; `SIP-If-Match` when we hold an ETag.
    Publish,
    /// No body, `SIP-If-Match`.
    Refresh,
    /// No body, `SIP-If-Match`, `Expires: 0`.
    Remove,
}

#[derive(Debug)]
struct InFlight {
    kind: Kind,
    branch: String,
    cseq: u32,
    tx: ClientTransaction,
    bytes: Vec<u8>,
    /// The nonce our credentials answered (None: no credentials).
    auth_nonce: Option<String>,
    /// The Expires this request asked for.
    expires: u32,
    /// It answers a challenge to the request before it (a 401 to it then
    /// means refused credentials; to a request that reused an older
    /// challenge, only a new nonce, e.g. after a server restart).
    challenged: bool,
}

/// One timer at a time per purpose; a stale one is recognised by its time.
#[derive(Debug, Default, Clone, Copy)]
struct Wakeups {
    refresh: Option<Instant>,
    until: Option<Instant>,
    retry: Option<Instant>,
    /// The until passed with a grant that outlives it (Min-Expires):
    /// removal unless the owner sets or removes by then.
    lapse: Option<Instant>,
}

/// The publication state machine. See the module documentation.
#[derive(Debug)]
pub struct Publication {
    cfg: PublicationConfig,
    rng: Rng,
    call_id: String,
    from_tag: String,
    cseq: u32,
    /// The document we want the server to hold (None: none / removed).
    body: Option<Vec<u8>>,
    until: Option<Instant>,
    etag: Option<String>,
    expires_at: Option<Instant>,
    /// Raised by a 423.
    min_expires: u32,
    /// The next request sent answers a fresh challenge.
    answering_challenge: bool,
    in_flight: Option<InFlight>,
    /// The request to send once the one in flight is answered.
    next: Option<Kind>,
    auth: Option<DigestClient>,
    failures: u32,
    wake: Wakeups,
    transmits: std::collections::VecDeque<Vec<u8>>,
    events: std::collections::VecDeque<PublicationEvent>,
}

impl Publication {
    pub fn new(cfg: PublicationConfig) -> Self {
        let mut rng = Rng::new(cfg.seed);
        let call_id = format!("{}@switchboard", rng.token());
        let from_tag = rng.token();
        Publication {
            cfg,
            rng,
            call_id,
            from_tag,
            cseq: 0,
            body: None,
            until: None,
            etag: None,
            expires_at: None,
            min_expires: 0,
            answering_challenge: false,
            in_flight: None,
            next: None,
            auth: None,
            failures: 0,
            wake: Wakeups::default(),
            transmits: Default::default(),
            events: Default::default(),
        }
    }

    pub fn config(&self) -> &PublicationConfig {
        &self.cfg
    }

    /// Our local address changed (a new TCP connection).
    pub fn set_local_addr(&mut self, local: SocketAddr) {
        self.cfg.local = local;
    }

    /// The SIP-ETag the server gave our publication, if it holds one.
    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// When the server forgets our publication unless refreshed.
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }

    /// The `until` of the current document.
    pub fn until(&self) -> Option<Instant> {
        self.until
    }

    /// True while a PUBLISH is in flight or waiting.
    pub fn is_busy(&self) -> bool {
        self.in_flight.is_some() || self.next.is_some()
    }

    /// Publish `body` (an `application/pidf+xml` document) until `until`
    /// (None: until changed or removed). An `until` already past publishes
    /// nothing and reports [`PublicationEvent::UntilReached`].
    pub fn set(&mut self, now: Instant, body: Vec<u8>, until: Option<Instant>) {
        self.failures = 0;
        self.wake.retry = None;
        self.wake.lapse = None;
        if until.is_some_and(|u| u <= now) {
            self.events.push_back(PublicationEvent::UntilReached);
            return;
        }
        self.body = Some(body);
        self.until = until;
        self.wake.until = until;
        self.request(Kind::Publish, now);
    }

    /// Remove our publication (`Expires: 0`). Without an ETag there is
    /// nothing on the server: reports [`PublicationEvent::Removed`] at once
    /// (after the PUBLISH in flight, if any, is answered).
    pub fn remove(&mut self, now: Instant) {
        self.body = None;
        self.until = None;
        self.wake = Wakeups::default();
        self.request(Kind::Remove, now);
    }

    /// The connection that carried the PUBLISH in flight (TCP) is gone.
    /// The first time, the request is sent again at once (as a new
    /// transaction, over the new connection the owner makes); again after
    /// that, it fails now rather than at its transaction timeout and is
    /// retried after the backoff of [`policy::retry_after`].
    pub fn connection_lost(&mut self, now: Instant) {
        let Some(f) = self.in_flight.take() else {
            return;
        };
        if self.failures == 0 {
            self.failures = 1;
            self.send(f.kind, now);
        } else {
            let reason = "the connection to the server was lost".to_string();
            self.on_failure(now, f.kind, None, reason, true);
            self.flush_next(now);
        }
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<PublicationEvent> {
        self.events.pop_front()
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let tx = self.in_flight.as_ref().and_then(|f| f.tx.poll_timeout());
        [
            tx,
            self.wake.refresh,
            self.wake.until,
            self.wake.retry,
            self.wake.lapse,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Run whatever is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tx_timer(now);
        if let Some(u) = self.wake.until.filter(|u| *u <= now) {
            self.wake.until = None;
            self.wake.refresh = None;
            if self.expires_at.is_some_and(|e| e > u + policy::UNTIL_SLACK) {
                self.wake.lapse = Some(now + policy::UNTIL_GRACE);
            }
            self.events.push_back(PublicationEvent::UntilReached);
        }
        if self.wake.lapse.is_some_and(|l| l <= now) {
            self.wake.lapse = None;
            tracing::info!("until passed and nothing replaced the publication: removing it");
            self.remove(now);
        }
        if self.wake.refresh.is_some_and(|r| r <= now) {
            self.wake.refresh = None;
            self.request(Kind::Refresh, now);
        }
        if self.wake.retry.is_some_and(|r| r <= now) {
            self.wake.retry = None;
            if self.body.is_some() {
                self.request(Kind::Publish, now);
            }
        }
    }

    /// One SIP message from the server; anything but the answer to our
    /// PUBLISH in flight is ignored (returns false).
    pub fn handle_datagram(&mut self, now: Instant, bytes: &[u8]) -> bool {
        match crate::sip::codec::parse(bytes) {
            Ok(crate::sip::codec::Message::Response(resp)) => self.on_response(now, &resp),
            _ => false,
        }
    }

    fn tx_timer(&mut self, now: Instant) {
        let Some(f) = self.in_flight.as_mut() else {
            return;
        };
        if f.tx.poll_timeout().is_none_or(|t| t > now) {
            return;
        }
        match f.tx.handle_timeout(now) {
            TimerAction::Retransmit => self.transmits.push_back(f.bytes.clone()),
            TimerAction::TimedOut => {
                let kind = f.kind;
                self.in_flight = None;
                self.on_failure(now, kind, None, "no answer from the server".into(), true);
            }
            TimerAction::None => {
                if f.tx.is_terminated() {
                    self.in_flight = None;
                }
            }
        }
    }

    /// The Expires for a request sent `now`: what we ask for, raised to the
    /// server's Min-Expires, capped at the `until`.
    fn expires_for(&self, now: Instant) -> u32 {
        let wanted = self.cfg.expires.max(self.min_expires);
        match self.until {
            Some(u) => {
                let left = u.saturating_duration_since(now).as_secs();
                let left = u32::try_from(left).unwrap_or(u32::MAX);
                wanted.min(left).max(self.min_expires).max(1)
            }
            None => wanted,
        }
    }

    /// When to refresh a grant of `granted` received at `now` (None: the
    /// grant reaches the `until`, or the `until` comes first: no refresh).
    fn refresh_time(&self, now: Instant, granted: Duration) -> Option<Instant> {
        let at = now + policy::refresh_after(granted);
        match self.until {
            // The grant reaches the until: the publication may simply lapse.
            Some(u) if now + granted + policy::UNTIL_SLACK >= u => None,
            Some(u) if at + policy::UNTIL_SLACK >= u => None,
            _ => Some(at),
        }
    }
}
