//! What the diagnostics view and `switchboard check` read: a read-only
//! snapshot of one engine (one server), in the words an administrator
//! knows from Imagicle's diagnostics page, and a manual resubscribe.
//!
//! The snapshot is built on request (`Engine::diagnostics`), never kept
//! up to date: the driver builds one when the view or `check` asks, so a
//! console that never opens the view pays only the three small fields a
//! subscription carries for it (`last_code`, `last_notify`, `terminated`).
//! With several servers (one engine per server) the reports form a `Vec`,
//! one [`ServerReport`] each.
//!
//! Decisions where the issue is silent:
//! - "credentials not found" (the account is unknown to the server) can
//!   only be told apart when the server says so. Kamailio's `auth_db`
//!   answers an unknown account exactly as a wrong password (a new 401
//!   challenge: it does not tell strangers which accounts exist), so there
//!   both read "forbidden". A server that asks for a password when none is
//!   configured reads "credentials not found" (ours are missing).
//! - "terminated (reason)" is shown while a subscription the server ended
//!   has not been accepted again; the reason is the server's, harmless.
//! - A subscription covered by a resource list shows the status the list
//!   gave it, marked `via_list`.

use std::time::Instant;

use super::sub::Phase;
use super::{Engine, SubId};
use crate::presence::{ContactId, EventKind, SubscriptionStatus};
use crate::sip::events::ConnectionState;

/// A connector's status, in Imagicle's vocabulary (plus `Connecting`, the
/// moment before the first answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConnectorStatus {
    /// No server is configured (the demo office, or nothing at all).
    NotConfigured,
    /// Configured with every event package switched off.
    Disabled,
    /// The first requests are out, no answer yet.
    Connecting,
    /// The server refuses our credentials.
    Forbidden,
    /// The server does not answer (timeouts, refused connection).
    ConnectionError,
    /// The server answers and accepts us.
    UpAndRunning,
    /// The server runs, but our account is unknown to it or we have no
    /// credentials for it.
    CredentialsNotFound,
}

impl ConnectorStatus {
    /// The words the view and `check` print.
    pub fn label(self) -> &'static str {
        match self {
            ConnectorStatus::NotConfigured => "not configured",
            ConnectorStatus::Disabled => "disabled",
            ConnectorStatus::Connecting => "connecting",
            ConnectorStatus::Forbidden => "forbidden",
            ConnectorStatus::ConnectionError => "connection error",
            ConnectorStatus::UpAndRunning => "up and running",
            ConnectorStatus::CredentialsNotFound => "credentials not found",
        }
    }

    /// Settled: `check` may stop waiting (everything but `Connecting`).
    pub fn is_settled(self) -> bool {
        self != ConnectorStatus::Connecting
    }
}

/// One subscription's state as the diagnostics view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubState {
    NotRequested,
    Requesting,
    Active,
    Pending,
    NotFound,
    AccessDenied,
    /// Failing (with why), retried.
    Error(String),
    /// The server ended it, for this reason; not accepted again since.
    Terminated(String),
}

impl SubState {
    /// The state's name (the view's filter keys and column).
    pub fn label(&self) -> &'static str {
        match self {
            SubState::NotRequested => "not requested",
            SubState::Requesting => "requesting",
            SubState::Active => "active",
            SubState::Pending => "pending",
            SubState::NotFound => "not found",
            SubState::AccessDenied => "access denied",
            SubState::Error(_) => "error",
            SubState::Terminated(_) => "terminated",
        }
    }

    /// The reason of an error or termination.
    pub fn reason(&self) -> Option<&str> {
        match self {
            SubState::Error(r) | SubState::Terminated(r) => Some(r),
            _ => None,
        }
    }

    /// Every state's label, in the order the filter cycles through them.
    pub const LABELS: [&'static str; 8] = [
        "not requested",
        "requesting",
        "active",
        "pending",
        "not found",
        "access denied",
        "error",
        "terminated",
    ];
}

/// One subscription (contact × event package, or a resource list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubReport {
    /// `None`: a resource list subscription.
    pub contact: Option<ContactId>,
    pub event: EventKind,
    /// The URI subscribed to.
    pub uri: String,
    pub state: SubState,
    /// The last final answer to our SUBSCRIBE.
    pub last_code: Option<u16>,
    /// When the last NOTIFY arrived.
    pub last_notify: Option<Instant>,
    /// Carried by a resource list subscription.
    pub via_list: bool,
}

/// What the driver delivers on request: the engine's report and the
/// trace ring's messages (oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    pub report: ServerReport,
    pub trace: Vec<crate::sip::trace::TraceEntry>,
}

/// One server's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerReport {
    /// The server as configured (`host:port`).
    pub server: String,
    pub status: ConnectorStatus,
    /// The last error's text (made harmless), if the status is a failure.
    pub error: Option<String>,
    /// Since when the status is what it is.
    pub since: Instant,
    pub subscriptions: Vec<SubReport>,
    /// The test subscription, while it lasts.
    pub test: Option<super::test_sub::TestReport>,
}

impl ServerReport {
    /// A server that is not configured (no engine runs for it).
    pub fn not_configured(server: &str, now: Instant) -> Self {
        ServerReport {
            server: server.to_string(),
            status: ConnectorStatus::NotConfigured,
            error: None,
            since: now,
            subscriptions: Vec::new(),
            test: None,
        }
    }

    /// How many subscriptions are in each state (labels as
    /// [`SubState::label`]; states with none are left out), in
    /// [`SubState::LABELS`] order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        SubState::LABELS
            .iter()
            .map(|l| {
                let n = self
                    .subscriptions
                    .iter()
                    .filter(|s| s.contact.is_some() && s.state.label() == *l)
                    .count();
                (*l, n)
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

impl Engine {
    /// The connector status, its error text and since when.
    pub fn connector_status(&self) -> (ConnectorStatus, Option<String>, Instant) {
        let since = self.connection_since;
        if !self.cfg.presence && !self.cfg.dialog {
            return (ConnectorStatus::Disabled, None, since);
        }
        let (status, error) = match &self.connection {
            ConnectionState::Connecting => (ConnectorStatus::Connecting, None),
            ConnectionState::Connected => (ConnectorStatus::UpAndRunning, None),
            ConnectionState::Unreachable(why) => {
                (ConnectorStatus::ConnectionError, Some(why.clone()))
            }
            ConnectionState::AuthFailed(why) if self.credentials_missing => {
                (ConnectorStatus::CredentialsNotFound, Some(why.clone()))
            }
            ConnectionState::AuthFailed(why) => (ConnectorStatus::Forbidden, Some(why.clone())),
        };
        (status, error, since)
    }

    /// A snapshot of this engine for the diagnostics view.
    pub fn diagnostics(&self) -> ServerReport {
        let (status, error, since) = self.connector_status();
        let subscriptions = self.subs.ids().filter_map(|i| self.sub_report(i)).collect();
        ServerReport {
            server: self.cfg.server.clone(),
            status,
            error,
            since,
            subscriptions,
            test: self.test_report().cloned(),
        }
    }

    fn sub_report(&self, i: SubId) -> Option<SubReport> {
        let sub = self.subs.get(i)?;
        let list = self.is_list(i);
        if sub.removed || sub.contact == super::test_sub::TEST_CONTACT {
            return None;
        }
        let state = match (&sub.status, &sub.terminated) {
            (
                SubscriptionStatus::Active
                | SubscriptionStatus::Pending
                | SubscriptionStatus::NotFound
                | SubscriptionStatus::AccessDenied,
                _,
            ) => sub_state(&sub.status),
            (_, Some(reason)) => SubState::Terminated(reason.to_string()),
            (status, None) => sub_state(status),
        };
        Some(SubReport {
            contact: (!list).then_some(sub.contact),
            event: sub.event,
            uri: sub.uri.to_string(),
            state,
            last_code: sub.last_code,
            last_notify: sub.last_notify(self.subs.epoch()),
            via_list: sub.phase() == Phase::Covered,
        })
    }

    /// Subscribe again, now, to every package of `contacts` (a fresh
    /// dialog, paced by the window): also those stopped for good (not
    /// found, access denied), which is the point after fixing the server.
    /// Subscriptions with a request in flight or covered by a list are
    /// left alone. Returns how many were queued.
    pub fn resubscribe(&mut self, contacts: &[ContactId], now: Instant) -> usize {
        if self.shutting_down {
            return 0;
        }
        // An explicit resubscribe tries refused (489) packages again.
        self.unsupported.clear();
        let wanted: std::collections::HashSet<ContactId> = contacts.iter().copied().collect();
        let mut queued = 0;
        for i in self.subs.ids() {
            let sub = &self.subs[i];
            if self.is_list(i)
                || !wanted.contains(&sub.contact)
                || sub.tx.is_some()
                || sub.removed
                || matches!(sub.phase(), Phase::Covered | Phase::Queued)
            {
                continue;
            }
            self.resubscribe_one(i, now);
            queued += 1;
        }
        self.pump(now);
        queued
    }

    /// Subscribe again to everything on this server (lists included).
    pub fn resubscribe_all(&mut self, now: Instant) -> usize {
        if self.shutting_down {
            return 0;
        }
        // An explicit resubscribe tries refused (489) packages again.
        self.unsupported.clear();
        let mut queued = 0;
        for i in self.subs.ids() {
            let sub = &self.subs[i];
            if sub.tx.is_some()
                || sub.removed
                || sub.contact == super::test_sub::TEST_CONTACT
                || matches!(sub.phase(), Phase::Covered | Phase::Queued)
            {
                continue;
            }
            self.resubscribe_one(i, now);
            queued += 1;
        }
        self.pump(now);
        queued
    }

    fn resubscribe_one(&mut self, i: SubId, now: Instant) {
        self.subs[i].failures = 0;
        self.subs[i].terminated = None;
        self.cancel_expiry(i);
        if self.server_up {
            self.set_status(i, SubscriptionStatus::Requesting, now);
            self.queue_new_dialog(i);
        } else {
            // Everything starts again when the server answers.
            self.forget_dialog(i);
            self.cancel_sub_timer(i);
            self.subs[i].wait();
        }
    }
}

fn sub_state(status: &SubscriptionStatus) -> SubState {
    match status {
        SubscriptionStatus::NotRequested => SubState::NotRequested,
        SubscriptionStatus::Requesting => SubState::Requesting,
        SubscriptionStatus::Active => SubState::Active,
        SubscriptionStatus::Pending => SubState::Pending,
        SubscriptionStatus::NotFound => SubState::NotFound,
        SubscriptionStatus::AccessDenied => SubState::AccessDenied,
        SubscriptionStatus::Unavailable(why) | SubscriptionStatus::Error(why) => {
            SubState::Error(why.to_string())
        }
    }
}
