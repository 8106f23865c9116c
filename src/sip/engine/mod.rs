//! The subscription engine: every subscription of a console, sans-IO.
//!
//! Bytes and `now` go in ([`Engine::handle_datagram`],
//! [`Engine::handle_timeout`], [`Engine::transport_lost`] ...); messages to
//! send ([`Engine::poll_transmit`]), events ([`Engine::poll_event`]) and the
//! next wake-up ([`Engine::poll_timeout`]) and, over TCP, when to connect
//! ([`Engine::poll_connect`]) come out. The runtime owns the sockets and
//! the clock; tests drive it with a fake clock. Every timing number is in
//! [`policy`].
//!
//! - `sub`       — one subscription: its id, dialog and phase (the lifecycle)
//! - `policy`    — every timing number, each with its reason
//! - `requests`  — building SUBSCRIBE / OPTIONS
//! - `responses` — what each answer to our requests means (the rules)
//! - `incoming`  — NOTIFYs and other requests from the server
//! - `health`    — keepalive, a lost server, recovery
//! - `bookkeeping` — status, staleness and timers of one subscription
//! - `list`      — resource list subscriptions (RFC 4662): members, versions,
//!   lost members, fallback to one subscription per contact
//! - `pacing`    — the window of outstanding SUBSCRIBEs
//! - `directory` — contacts added and removed while running
//! - `resync`    — a refresh for the full state (a lamp stuck ringing)
//! - `test_sub`  — the diagnostics view's test subscription to any URI
//! - `diagnostics` — a read-only snapshot for the diagnostics view and
//!   `switchboard check`; a manual resubscribe
//! - `timers`, `rng` — plumbing

mod bookkeeping;
pub mod diagnostics;
mod directory;
mod health;
mod incoming;
mod list;
pub mod pacing;
pub mod policy;
mod requests;
mod responses;
mod resync;
pub mod rng;
mod stamp;
pub mod sub;
pub mod test_sub;
pub mod timers;
mod unsupported;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::presence::ContactId;
use crate::presence::EventKind;
use crate::sip::auth::DigestClient;
use crate::sip::events::{ConnectionState, EngineEvent};
use crate::sip::transaction::{ClientTransaction, ResponseCache, Timers};

use pacing::Window;
use rng::Rng;
pub use sub::SubId;
use sub::{Phase, Sub, Subs};
use timers::{TimerHeap, TimerKey};

pub use crate::sip::Transport;

/// Everything the engine needs to know, fixed for its lifetime.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Our AOR (From of our requests), e.g. `sip:attendant@example.test`.
    pub account_uri: String,
    pub display_name: Option<String>,
    pub auth_user: String,
    pub password: Option<String>,
    /// The server's address (`host:port`), used in OPTIONS.
    pub server: String,
    /// Our local address as the server sees it (Via, Contact).
    pub local: SocketAddr,
    pub transport: Transport,
    pub presence: bool,
    pub dialog: bool,
    /// Registration state (`Event: reg`) of each contact's line; a server
    /// that refuses the package (489) leaves the line without it.
    pub reg: bool,
    /// Message waiting (`Event: message-summary`) of each contact.
    pub message_summary: bool,
    /// Each contact's other lines (`lines` in the directory): a dialog
    /// (and, with `reg`, a registration) subscription each, numbered from
    /// 1 in the order given; their events come as `EngineEvent::Line`.
    pub lines: Vec<(ContactId, String)>,
    /// Requested subscription duration in seconds.
    pub expires: u32,
    /// A resource list URI (RFC 4662): one subscription per enabled
    /// package for every contact, each contact on its own only when the
    /// list does not carry it.
    pub list: Option<String>,
    /// Max outstanding SUBSCRIBE transactions.
    pub window: usize,
    /// Interval between keepalive OPTIONS (zero: only the start-up probe).
    pub keepalive: Duration,
    /// How long a keepalive may stay unanswered before the server counts as lost.
    pub keepalive_timeout: Duration,
    pub timers: Timers,
    pub user_agent: String,
    /// Seed for tags, branches, cnonces and jitter.
    pub seed: u64,
    /// `Transport::Tls`: the CA certificates to trust instead of the
    /// system's roots. Read by the runtime, never by the engine; the name
    /// the server's certificate must carry is the host of `server`.
    pub ca_file: Option<std::path::PathBuf>,
    /// The SIP trace keeps the last this many messages (`[diagnostics]
    /// trace_messages`; 0: none). Kept by the driver, not the engine.
    pub trace_messages: usize,
}

impl EngineConfig {
    /// Sensible defaults for everything but the identities.
    pub fn new(account_uri: &str, server: &str, local: SocketAddr, transport: Transport) -> Self {
        let user = crate::sip::uri::SipUri::parse_loose(account_uri)
            .and_then(|u| u.user)
            .unwrap_or_default();
        EngineConfig {
            account_uri: account_uri.to_string(),
            display_name: None,
            auth_user: user,
            password: None,
            server: server.to_string(),
            local,
            transport,
            presence: true,
            dialog: true,
            reg: false,
            message_summary: false,
            lines: Vec::new(),
            expires: 600,
            list: None,
            window: 64,
            keepalive: policy::KEEPALIVE_INTERVAL,
            keepalive_timeout: policy::KEEPALIVE_TIMEOUT,
            timers: Timers::default(),
            user_agent: concat!("switchboard/", env!("CARGO_PKG_VERSION")).to_string(),
            seed: 1,
            ca_file: None,
            trace_messages: policy::TRACE_MESSAGES,
        }
    }
}

impl EngineConfig {
    /// Every package and whether it is on, in subscription order.
    pub fn packages(&self) -> [(bool, EventKind); 4] {
        [
            (self.presence, EventKind::Presence),
            (self.dialog, EventKind::Dialog),
            (self.reg, EventKind::Reg),
            (self.message_summary, EventKind::MessageSummary),
        ]
    }
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// `None`: to the server; `Some`: back to where a request came from
    /// (a response over UDP).
    pub to: Option<SocketAddr>,
    pub bytes: Vec<u8>,
}

/// What a client transaction of ours is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TxKind {
    Subscribe(SubId),
    Unsubscribe(SubId),
    Options,
}

#[derive(Debug)]
struct TxEntry {
    kind: TxKind,
    branch: String,
    tx: ClientTransaction,
    bytes: Vec<u8>,
    /// The nonce our credentials in this request answered (None: no credentials).
    auth_nonce: Option<String>,
    generation: u64,
}

/// The engine. See the module documentation.
#[derive(Debug)]
pub struct Engine {
    cfg: EngineConfig,
    subs: Subs,
    by_call_id: HashMap<std::sync::Arc<str>, SubId>,
    txs: HashMap<u64, TxEntry>,
    by_branch: HashMap<String, u64>,
    next_tx: u64,
    queue: VecDeque<SubId>,
    /// Subscriptions to end (removed contacts: paced by the window; at
    /// shutdown: `policy::QUIT_IN_FLIGHT` at once).
    unsubscribe_queue: VecDeque<SubId>,
    window: Window,
    auth: Option<DigestClient>,
    auth_failed: bool,
    auth_failures: u32,
    auth_retry_at: Instant,
    responses: ResponseCache<incoming::Answer>,
    /// A `Responses` timer is in the heap.
    responses_armed: bool,
    timers: TimerHeap,
    rng: Rng,
    transmits: VecDeque<Transmit>,
    events: VecDeque<EngineEvent>,
    connection: ConnectionState,
    /// The server answers (or, over TCP, the connection is up).
    server_up: bool,
    health: health::Health,
    shutting_down: bool,
    lists: list::Lists,
    /// Diagnostics: since when `connection` is what it is.
    connection_since: Instant,
    /// Diagnostics: the server asked for a password and none is configured,
    /// or said it does not know our account.
    credentials_missing: bool,
    /// The server has accepted a SUBSCRIBE of ours (so it knows our account).
    accepted_once: bool,
    /// The diagnostics view's test subscription, while it lasts.
    test: Option<test_sub::TestSub>,
    test_generation: u64,
    /// Packages this server refused with 489 (see `unsupported`).
    unsupported: unsupported::Unsupported,
}

impl Engine {
    /// One subscription per contact and enabled event package. Nothing is
    /// sent until the start-up probe (an OPTIONS) is answered.
    pub fn new(cfg: EngineConfig, contacts: &[(ContactId, String)], now: Instant) -> Self {
        let packages = cfg.packages();
        let enabled = packages.iter().filter(|(on, _)| *on).count();
        let lines = cfg.lines.len() * (usize::from(cfg.dialog) + usize::from(cfg.reg));
        let mut subs = Subs::with_capacity(contacts.len() * enabled + lines, now);
        for (id, uri) in contacts {
            let uri: std::sync::Arc<str> = uri.as_str().into();
            for &(on, event) in &packages {
                if on {
                    subs.push(Sub::new(*id, event, uri.clone(), cfg.expires));
                }
            }
        }
        add_line_subs(&mut subs, &cfg);
        let responses = ResponseCache::new(policy::response_cache(cfg.timers.t1));
        let lists = list::Lists::new(contacts, &subs, cfg.list.is_some());
        let list_uri = cfg.list.clone();
        let mut engine = Engine {
            lists,
            window: Window::new(cfg.window),
            rng: Rng::new(cfg.seed),
            cfg,
            subs,
            by_call_id: HashMap::new(),
            txs: HashMap::new(),
            by_branch: HashMap::new(),
            next_tx: 1,
            queue: VecDeque::new(),
            unsubscribe_queue: VecDeque::new(),
            auth: None,
            auth_failed: false,
            auth_failures: 0,
            auth_retry_at: now,
            responses,
            responses_armed: false,
            timers: TimerHeap::default(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            connection: ConnectionState::Connecting,
            server_up: false,
            health: health::Health::default(),
            shutting_down: false,
            connection_since: now,
            credentials_missing: false,
            accepted_once: false,
            test: None,
            test_generation: 0,
            unsupported: unsupported::Unsupported::default(),
        };
        if let Some(uri) = list_uri {
            engine.add_lists(&uri);
        }
        engine.emit(EngineEvent::Connection {
            state: ConnectionState::Connecting,
            at: now,
        });
        engine.probe(now);
        engine
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    pub fn connection(&self) -> &ConnectionState {
        &self.connection
    }

    /// The number of subscriptions (contacts × enabled packages).
    pub fn subscription_count(&self) -> usize {
        self.subs.len()
    }

    /// SUBSCRIBE transactions in flight and the current window limit.
    pub fn window_usage(&self) -> (usize, usize) {
        (self.window.in_flight(), self.window.limit())
    }

    /// Our local address changed (a new TCP connection).
    pub fn set_local_addr(&mut self, local: SocketAddr) {
        self.cfg.local = local;
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.transmits.pop_front();
        bookkeeping::shrink_drained(&mut self.transmits);
        t
    }

    pub fn poll_event(&mut self) -> Option<EngineEvent> {
        let ev = self.events.pop_front();
        bookkeeping::shrink_drained(&mut self.events);
        ev
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.peek()
    }

    /// Run every timer that is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((key, generation)) = self.timers.pop_due(now) {
            match key {
                TimerKey::Sub(i) => self.on_sub_timer(i, generation, now),
                TimerKey::Expiry(i) => self.on_expiry_timer(i, generation, now),
                TimerKey::NotifyWait(i) => self.on_notify_wait(i, generation, now),
                TimerKey::Tx(id) => self.on_tx_timer(id, generation, now),
                TimerKey::Keepalive => self.on_keepalive_timer(generation, now),
                TimerKey::Reconnect => self.on_reconnect_timer(generation),
                TimerKey::Pump => {}
                TimerKey::ListGrace(i) => self.on_list_grace(i, generation),
                TimerKey::TestEnd => self.on_test_end(generation, now),
                TimerKey::Responses => {
                    self.responses_armed = false;
                    self.responses.expire(now);
                    self.arm_responses_timer();
                }
            }
        }
        self.pump(now);
    }

    /// One whole SIP message from the server (a UDP datagram or a framed
    /// TCP message). `from` is where it came from (responses go back there).
    pub fn handle_datagram(&mut self, now: Instant, from: Option<SocketAddr>, bytes: &[u8]) {
        match crate::sip::codec::parse(bytes) {
            Ok(crate::sip::codec::Message::Response(resp)) => self.on_response(now, resp),
            Ok(crate::sip::codec::Message::Request(req)) => self.on_request(now, from, req),
            Err(e) => {
                // Nothing to answer: we cannot even tell what it was.
                tracing::warn!(error = %e, len = bytes.len(), "dropping unparsable SIP message");
            }
        }
        self.pump(now);
    }

    /// A message read off a stream whose body (`length` bytes) was over the
    /// limit and discarded: a request is answered 413 (RFC 3261 21.4.11),
    /// nothing it carried is applied, the connection and every state shown
    /// stay as they were.
    pub fn handle_oversized(
        &mut self,
        now: Instant,
        from: Option<SocketAddr>,
        head: &[u8],
        length: usize,
    ) {
        use crate::sip::codec::{Message, Method, parse_head, response_to};
        match parse_head(head) {
            Ok(Message::Request(req)) if req.method != Method::Ack => {
                tracing::warn!(
                    method = req.method.as_str(),
                    length,
                    "request body over our limit: answered 413, last state kept"
                );
                self.server_heard(now);
                let mut resp = response_to(&req, 413, "Request Entity Too Large", None);
                resp.headers.push("User-Agent", self.cfg.user_agent.clone());
                let bytes = resp.to_bytes();
                self.transmits.push_back(Transmit { to: from, bytes });
            }
            Ok(_) => tracing::warn!(length, "message body over our limit: dropped"),
            Err(e) => {
                tracing::warn!(error = %e, length, "oversized message with a bad head: dropped")
            }
        }
        self.pump(now);
    }

    /// Start ending every subscription (SUBSCRIBE with Expires: 0).
    pub fn shutdown(&mut self, now: Instant) {
        self.shutting_down = true;
        self.queue.clear();
        for i in self.subs.ids() {
            if let Some(tx) = self.subs[i].tx.take() {
                self.drop_tx(tx);
                self.window.on_abandon();
            }
            let sub = &self.subs[i];
            if sub.in_dialog() && sub.is_live() && self.server_up {
                self.unsubscribe_queue.push_back(i);
            }
            self.subs[i].stop();
        }
        // Not paced by the window (an overloaded server may have shrunk it
        // to one), but at most `policy::QUIT_IN_FLIGHT` at once: a burst of
        // thousands of un-SUBSCRIBEs would mostly be dropped by the server.
        self.pump(now);
    }

    /// True once every un-SUBSCRIBE was answered (and its final NOTIFY
    /// arrived) or timed out.
    pub fn is_shut_down(&self) -> bool {
        self.shutting_down
            && self.unsubscribe_queue.is_empty()
            && !self
                .txs
                .values()
                .any(|t| matches!(t.kind, TxKind::Unsubscribe(_)))
            && !self.subs.iter().any(|s| s.awaiting_final_notify)
    }

    /// One timer at a time for the response cache (its oldest entry's
    /// expiry): arming one per NOTIFY would grow the heap without bound.
    pub(super) fn arm_responses_timer(&mut self) {
        if self.responses_armed {
            return;
        }
        if let Some(at) = self.responses.poll_timeout() {
            self.timers.push(at, TimerKey::Responses, 0);
            self.responses_armed = true;
        }
    }

    /// Send queued requests while the window allows.
    fn pump(&mut self, now: Instant) {
        self.sweep_timers();
        if self.shutting_down {
            self.pump_unsubscribes(now);
            return;
        }
        if !self.server_up {
            return;
        }
        // Contacts removed from the directory (see `directory`).
        self.pump_unsubscribes(now);
        if self.auth_failed {
            // One probe at a time, and only when the pause is over.
            if self.window.in_flight() == 0 && now >= self.auth_retry_at {
                while let Some(i) = self.queue.pop_front() {
                    if self.subs[i].phase() == Phase::Queued {
                        self.send_subscribe(i, now);
                        break;
                    }
                }
            }
            return;
        }
        while self.window.can_send() {
            let Some(i) = self.queue.pop_front() else {
                break;
            };
            if self.subs[i].phase() != Phase::Queued {
                continue;
            }
            if self.skips_unsupported(i) {
                self.stop_unsupported(i, now);
                continue;
            }
            self.send_subscribe(i, now);
        }
    }
}

/// The subscriptions of every contact's other lines (see
/// [`EngineConfig::lines`]).
fn add_line_subs(subs: &mut Subs, cfg: &EngineConfig) {
    let mut numbers: HashMap<ContactId, u16> = HashMap::new();
    for (contact, uri) in &cfg.lines {
        let n = numbers.entry(*contact).or_insert(0);
        *n = n.saturating_add(1);
        for (on, event) in [(cfg.dialog, EventKind::Dialog), (cfg.reg, EventKind::Reg)] {
            if on {
                let mut sub = Sub::new(*contact, event, uri.clone(), cfg.expires);
                sub.line = *n;
                subs.push(sub);
            }
        }
    }
}

/// The wait before the next try: a server's Retry-After (honoured, but
/// never beyond [`policy::MAX_WAIT`], plus up to a second of jitter) or
/// the backoff.
fn backoff_or(at_least: Option<Duration>, failures: u32, unit: f64) -> Duration {
    match at_least {
        Some(d) => d.min(policy::MAX_WAIT) + policy::RETRY_AFTER_JITTER.mul_f64(unit),
        None => policy::backoff(failures, unit),
    }
}
