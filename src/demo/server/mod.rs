//! The demo presence server, sans-IO: bytes and `now` in, bytes to send
//! and the next wake-up out. The runtime (`demo::runtime`) is a thin shell
//! of sockets and one timer around it.
//!
//! What it speaks (like Kamailio's presence modules, over UDP and TCP):
//! - SUBSCRIBE for `presence` (PIDF/RPID) and `dialog` (dialog-info):
//!   `200 OK`, an initial NOTIFY, a NOTIFY on every change, refreshes,
//!   expiry (`terminated;reason=timeout`), un-SUBSCRIBE (`Expires: 0`,
//!   final NOTIFY `terminated;reason=timeout`); 404 for an unknown user, 489
//!   for an unknown event, 423 below [`ServerConfig::min_expires`], 481 for
//!   an unknown dialog.
//! - PUBLISH (RFC 3903) for `presence`: SIP-ETag, refresh, modify, removal,
//!   412 on an unknown ETag. A live publication wins over the simulation.
//! - resource list subscriptions (RFC 4662) to `sip:attendant-list@<domain>`
//!   covering every user: a full state, then partial NOTIFYs (`list`).
//! - OPTIONS: 200.
//! - Digest authentication (401, MD5, qop=auth) when credentials are set.
//!   A wrong password gets a fresh 401 again (what Kamailio's
//!   `www_authorize`/`www_challenge` does); an authenticated user that is
//!   not the From user gets 403.
//!
//! NOTIFYs are client transactions: retransmitted over UDP (Timer E) until
//! answered, given up after Timer F (the subscription is then dropped, as
//! on a 481 or 408). One NOTIFY per subscription is in flight at a time;
//! changes meanwhile are coalesced into the next one, which carries the
//! current full state. dialog-info versions count NOTIFYs per subscription
//! (0, 1, 2 ...).
//!
//! A **faulty line** (simulated) is shown the way a failing phone looks to
//! a watcher: its dialog subscriptions are terminated with
//! `Subscription-State: terminated;reason=probation;retry-after=N` (N = the
//! seconds until it recovers, RFC 6665 4.1.3), and dialog SUBSCRIBEs for it
//! get `480 Temporarily Unavailable` with `Retry-After` until then. The
//! console's engine reports that subscription as `Unavailable(..)` and
//! subscribes again after N seconds, which succeeds once the line is back.
//! That is the watcher's monitoring failing, not a statement about the
//! phone: the store shows the line unknown (grey, with the reason) if it
//! never learnt it, and the last known line state *stale* (greyed, with its
//! age) if it did — never `LineState::Faulty`.

mod auth;
mod list;
mod notify;
mod publish;
mod subscribe;
mod users;

#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::body::DialogEntry;
use crate::demo::state::{Change, PresenceState};
use crate::presence::EventKind;
use crate::sip::codec::{self, CodecError, Message, Method, Request, Response};
use crate::sip::transaction::{ResponseCache, Timers, server_key};
use crate::sip::uri::user_key;

use notify::NotifyKind;
pub use subscribe::Resource;
use users::{Publication, UserEntry};

/// How a message travelled.
pub use crate::sip::Transport;

/// The other end of a message: a UDP address, or a TCP connection named by
/// its remote address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Peer {
    pub transport: Transport,
    pub addr: SocketAddr,
}

/// Bytes for the runtime to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub to: Peer,
    pub bytes: Vec<u8>,
}

/// The list of every user the demo server serves by default.
pub const DEFAULT_LIST_USER: &str = "attendant-list";

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The domain of every user (`sip:<user>@<domain>`) and the realm.
    pub domain: String,
    /// Our own address, for Via and Contact.
    pub local: SocketAddr,
    /// (user, password): digest authentication when set.
    pub credentials: Option<(String, String)>,
    /// Seeds tags, branches and the nonce key (no randomness of our own).
    pub secret: u64,
    /// Shorter non-zero expiries get 423.
    pub min_expires: u32,
    /// Longer expiries are cut to this.
    pub max_expires: u32,
    pub timers: Timers,
    /// The user part of a resource list (RFC 4662) of every user:
    /// `sip:<list_user>@<domain>` (`None`: no list).
    pub list_user: Option<String>,
}

impl ServerConfig {
    pub fn new(domain: &str, local: SocketAddr) -> Self {
        ServerConfig {
            domain: domain.to_string(),
            local,
            credentials: None,
            secret: 0x5eed,
            min_expires: 60,
            max_expires: 3600,
            timers: Timers::default(),
            list_user: Some(DEFAULT_LIST_USER.into()),
        }
    }
}

/// Input the server cannot use at all (it answers everything else).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerError {
    #[error("unreadable SIP message from {from}: {error}")]
    Parse { from: SocketAddr, error: CodecError },
}

/// Counters, for logs and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    pub notifies: u64,
    pub retransmissions: u64,
    pub notify_timeouts: u64,
    /// Un-SUBSCRIBEs (`Expires: 0`) accepted.
    pub unsubscribes: u64,
    /// NOTIFYs answered 481 (or another refusal): the subscription dropped.
    pub notify_refusals: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    /// A subscription's expiry (checked against its current expiry).
    Expire(u64),
    /// A NOTIFY transaction's Timer E/F: (subscription, transaction number).
    Tx(u64, u64),
    /// A publication's expiry.
    Publication(String),
}

/// The demo presence server.
#[derive(Debug)]
pub struct Server {
    cfg: ServerConfig,
    /// When the server was made: nonces count seconds from here.
    epoch: Instant,
    users: Vec<UserEntry>,
    by_user: HashMap<String, usize>,
    subs: HashMap<u64, subscribe::Subscription>,
    /// The resource list subscriptions among `subs`: a change looks at
    /// these, not at every subscription (20,000 per change at 5,000
    /// changes/s stalled the server for seconds).
    list_subs: Vec<u64>,
    /// (Call-ID, our tag) → subscription.
    by_dialog: HashMap<(String, String), u64>,
    /// Branch of an outstanding NOTIFY → subscription.
    by_branch: HashMap<String, u64>,
    publications: HashMap<String, Publication>,
    timers: BinaryHeap<Reverse<(Instant, Timer)>>,
    cache: ResponseCache,
    out: VecDeque<Transmit>,
    next_id: u64,
    stats: Stats,
}

impl Server {
    /// A server for `users` (user parts; `sip:<user>@<domain>`). Everyone
    /// starts logged off with an idle line; the simulation sets the rest.
    /// The authenticated user (if any) is added when missing.
    pub fn new(cfg: ServerConfig, users: impl IntoIterator<Item = String>, now: Instant) -> Self {
        let ttl = cfg.timers.t1 * 64;
        let mut server = Server {
            epoch: now,
            users: Vec::new(),
            by_user: HashMap::new(),
            subs: HashMap::new(),
            list_subs: Vec::new(),
            by_dialog: HashMap::new(),
            by_branch: HashMap::new(),
            publications: HashMap::new(),
            timers: BinaryHeap::new(),
            cache: ResponseCache::new(ttl),
            out: VecDeque::new(),
            next_id: 0,
            stats: Stats::default(),
            cfg,
        };
        for user in users {
            server.add_user(user);
        }
        if let Some((user, _)) = server.cfg.credentials.clone() {
            server.add_user(user);
        }
        server
    }

    fn add_user(&mut self, user: String) -> usize {
        // The user part compares as RFC 3261 19.1.4 says: case-sensitive,
        // unreserved escapes decoded (see `crate::sip::uri`).
        let key = user_key(&user);
        if let Some(&i) = self.by_user.get(&key) {
            return i;
        }
        let i = self.users.len();
        let aor = format!("sip:{user}@{}", self.cfg.domain);
        self.users.push(UserEntry::new(user, aor));
        self.by_user.insert(key, i);
        i
    }

    pub fn config(&self) -> &ServerConfig {
        &self.cfg
    }

    /// The index of a user part, as `set_*` take it.
    pub fn user_index(&self, user: &str) -> Option<usize> {
        self.by_user.get(&user_key(user)).copied()
    }

    /// The user part of user `index`.
    pub fn user_name(&self, index: usize) -> Option<&str> {
        self.users.get(index).map(|u| u.user.as_str())
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Live subscriptions (including ones waiting for their final NOTIFY
    /// to be answered).
    pub fn subscription_count(&self) -> usize {
        self.subs.len()
    }

    /// Of [`subscription_count`](Self::subscription_count): the ones
    /// ending (an un-SUBSCRIBE accepted or expired), whose final NOTIFY is
    /// not answered yet.
    pub fn ending_count(&self) -> usize {
        self.subs.values().filter(|s| s.ending()).count()
    }

    /// Live publications.
    pub fn publication_count(&self) -> usize {
        self.publications.len()
    }

    /// One message from `from` (a UDP datagram, or one framed TCP message).
    /// Requests are always answered; responses are matched to our NOTIFYs.
    pub fn handle(&mut self, now: Instant, from: Peer, bytes: &[u8]) -> Result<(), ServerError> {
        if bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            return Ok(()); // a keepalive
        }
        let msg = codec::parse(bytes).map_err(|error| ServerError::Parse {
            from: from.addr,
            error,
        })?;
        match msg {
            Message::Request(req) => self.on_request(now, from, &req),
            Message::Response(resp) => self.on_notify_response(now, &resp),
        }
        Ok(())
    }

    /// The next bytes to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    /// When `handle_timeout` is due next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let timer = self.timers.peek().map(|Reverse((at, _))| *at);
        match (timer, self.cache.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs every timer due at `now`: NOTIFY retransmissions and timeouts,
    /// subscription and publication expiry.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.cache.expire(now);
        while let Some(Reverse((at, _))) = self.timers.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((_, timer))) = self.timers.pop() else {
                break;
            };
            match timer {
                Timer::Expire(id) => self.on_expiry_timer(now, id),
                Timer::Tx(id, tx) => self.on_tx_timer(now, id, tx),
                Timer::Publication(etag) => self.on_publication_timer(now, &etag),
            }
        }
    }

    /// Applies one change of the simulation.
    pub fn apply(&mut self, now: Instant, change: Change) {
        match change {
            Change::Presence { user, state } => self.set_presence(now, user, state),
            Change::Dialogs { user, dialogs } => self.set_dialogs(now, user, dialogs),
            Change::LineFault { user, faulty_for } => self.set_line_fault(now, user, faulty_for),
        }
    }

    /// A user's presence changed: presence watchers are notified (unless a
    /// live publication decides what they see).
    pub fn set_presence(&mut self, now: Instant, user: usize, state: PresenceState) {
        let Some(u) = self.users.get_mut(user) else {
            tracing::warn!(user, "set_presence for an unknown user index");
            return;
        };
        u.presence = state;
        if u.publications.is_empty() {
            self.notify_watchers(now, user, EventKind::Presence, NotifyKind::Update);
        }
    }

    /// The dialogs on a user's line changed. Terminated dialogs go out in
    /// the NOTIFYs of this change, then are forgotten.
    pub fn set_dialogs(&mut self, now: Instant, user: usize, dialogs: Vec<DialogEntry>) {
        let Some(u) = self.users.get_mut(user) else {
            tracing::warn!(user, "set_dialogs for an unknown user index");
            return;
        };
        u.dialogs = dialogs;
        self.notify_watchers(now, user, EventKind::Dialog, NotifyKind::Update);
        if let Some(u) = self.users.get_mut(user) {
            u.dialogs
                .retain(|d| d.state != crate::body::DialogState::Terminated);
        }
    }

    /// The user's line goes faulty for `faulty_for` (see the module
    /// documentation), or recovers (`None`).
    pub fn set_line_fault(&mut self, now: Instant, user: usize, faulty_for: Option<Duration>) {
        let Some(u) = self.users.get_mut(user) else {
            tracing::warn!(user, "set_line_fault for an unknown user index");
            return;
        };
        // (A fault of an absurd length ends "in a year".)
        let year = Duration::from_secs(365 * 86_400);
        u.faulty_until = faulty_for.map(|d| now.checked_add(d).unwrap_or(now + year));
        if let Some(d) = faulty_for {
            let retry_after = retry_secs(d);
            let kind = NotifyKind::Final {
                reason: "probation",
                retry_after: Some(retry_after),
            };
            self.notify_watchers(now, user, EventKind::Dialog, kind);
        }
    }

    /// The user's current presence and dialogs (what a new watcher gets).
    pub fn state_of(&self, user: usize) -> Option<(&PresenceState, &[DialogEntry])> {
        self.users
            .get(user)
            .map(|u| (&u.presence, u.dialogs.as_slice()))
    }

    fn on_request(&mut self, now: Instant, from: Peer, req: &Request) {
        self.stats.requests += 1;
        if req.method == Method::Ack {
            return; // no transaction of ours to end
        }
        let key = if from.transport == Transport::Udp {
            server_key(req)
        } else {
            None
        };
        if let Some(bytes) = key.as_deref().and_then(|k| self.cache.get(k)) {
            tracing::debug!(%from.addr, method = %req.method, "retransmitted request: same answer again");
            let bytes = bytes.to_vec();
            self.out.push_back(Transmit { to: from, bytes });
            return;
        }
        let key = key.as_deref();
        match req.method {
            Method::Subscribe => self.on_subscribe(now, from, key, req),
            Method::Publish => self.on_publish(now, from, key, req),
            Method::Options => {
                let mut resp = self.response(req, 200, "OK");
                resp.headers.push(
                    "Accept",
                    "application/pidf+xml, application/dialog-info+xml",
                );
                self.respond(now, from, key, resp);
            }
            _ => {
                tracing::info!(%from.addr, method = %req.method, "method not served by the demo server");
                let resp = self.response(req, 405, "Method Not Allowed");
                self.respond(now, from, key, resp);
            }
        }
    }

    /// A response to `req` with our usual headers.
    fn response(&mut self, req: &Request, status: u16, reason: &str) -> Response {
        let tag = self.token();
        let mut resp = codec::response_to(req, status, reason, Some(&tag));
        resp.headers.push("Server", "switchboard-demo");
        if status == 405 || status == 200 {
            resp.headers
                .push("Allow", "SUBSCRIBE, NOTIFY, PUBLISH, OPTIONS");
        }
        if status == 489 || req.method == Method::Options {
            resp.headers.push("Allow-Events", "presence, dialog");
        }
        resp
    }

    /// Sends a response (and remembers it for retransmissions over UDP).
    fn respond(&mut self, now: Instant, to: Peer, key: Option<&str>, resp: Response) {
        let bytes = resp.to_bytes();
        if let Some(key) = key {
            self.cache.insert(now, key, bytes.clone());
        }
        self.out.push_back(Transmit { to, bytes });
    }

    /// A unique token for tags, branches and ETags (deterministic).
    fn token(&mut self) -> String {
        self.next_id += 1;
        format!("{:x}{:x}", self.cfg.secret & 0xffff_ffff, self.next_id)
    }

    fn next_number(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn push_timer(&mut self, at: Instant, timer: Timer) {
        self.timers.push(Reverse((at, timer)));
    }
}

/// Whole seconds for Retry-After / retry-after: rounded up, at least 1.
fn retry_secs(d: Duration) -> u32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
}
