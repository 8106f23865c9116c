//! The domain: what a contact's state is made of (see `docs` in the README).
//!
//! Three independent dimensions — presence (the person), line state (the
//! phone), notes — plus the health of the subscriptions that feed them.
//! These types are shared by the engine, the store, `watch` and the UI.

use serde::Serialize;

/// The person's presence, as shown in the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Available,
    Busy,
    Dnd,
    Away,
    Inactive,
    Offline,
    Unknown,
}

impl Presence {
    pub const ALL: [Presence; 7] = [
        Presence::Available,
        Presence::Busy,
        Presence::Dnd,
        Presence::Away,
        Presence::Inactive,
        Presence::Offline,
        Presence::Unknown,
    ];

    /// The wire/JSON name (`available`, `dnd`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Busy => "busy",
            Presence::Dnd => "dnd",
            Presence::Away => "away",
            Presence::Inactive => "inactive",
            Presence::Offline => "offline",
            Presence::Unknown => "unknown",
        }
    }

    /// A human label for panels and help.
    pub fn label(self) -> &'static str {
        match self {
            Presence::Available => "Available",
            Presence::Busy => "Busy",
            Presence::Dnd => "Do not disturb",
            Presence::Away => "Away",
            Presence::Inactive => "Inactive",
            Presence::Offline => "Offline",
            Presence::Unknown => "Unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Presence> {
        Presence::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
    }
}

/// The phone line's state (dialog event package, RFC 4235, plus forwarding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineState {
    Ready,
    Ringing,
    Active,
    Faulty,
    Redirected,
    Protected,
    Unknown,
}

impl LineState {
    pub const ALL: [LineState; 7] = [
        LineState::Ready,
        LineState::Ringing,
        LineState::Active,
        LineState::Faulty,
        LineState::Redirected,
        LineState::Protected,
        LineState::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LineState::Ready => "ready",
            LineState::Ringing => "ringing",
            LineState::Active => "active",
            LineState::Faulty => "faulty",
            LineState::Redirected => "redirected",
            LineState::Protected => "protected",
            LineState::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LineState::Ready => "Ready",
            LineState::Ringing => "Ringing",
            LineState::Active => "In a call",
            LineState::Faulty => "Faulty",
            LineState::Redirected => "Forwarded",
            LineState::Protected => "Call protection",
            LineState::Unknown => "Unknown",
        }
    }
}

/// The optional second marker a person adds to their presence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Availability {
    Break,
    BusinessTrip,
    HomeOffice,
    Vacation,
    Custom(String),
}

impl Availability {
    pub fn label(&self) -> &str {
        match self {
            Availability::Break => "Break",
            Availability::BusinessTrip => "Business trip",
            Availability::HomeOffice => "Home office",
            Availability::Vacation => "Vacation",
            Availability::Custom(s) => s,
        }
    }

    /// The JSON name: `break`, `business-trip`, `home-office`, `vacation`,
    /// or the custom text.
    pub fn as_str(&self) -> &str {
        match self {
            Availability::Break => "break",
            Availability::BusinessTrip => "business-trip",
            Availability::HomeOffice => "home-office",
            Availability::Vacation => "vacation",
            Availability::Custom(s) => s,
        }
    }
}

impl Serialize for Availability {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Which event package a subscription is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Presence,
    Dialog,
}

impl EventKind {
    /// Every package we subscribe to (and a NOTIFY may be for).
    pub const ALL: [EventKind; 2] = [EventKind::Presence, EventKind::Dialog];

    /// The kind named by an event package (lower case, as an Event
    /// header's parser gives it); `None`: a package we do not serve.
    pub fn from_package(package: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == package)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Presence => "presence",
            EventKind::Dialog => "dialog",
        }
    }
    /// The `Accept` header for a SUBSCRIBE of this package.
    pub fn accept(self) -> &'static str {
        match self {
            EventKind::Presence => "application/pidf+xml",
            EventKind::Dialog => "application/dialog-info+xml",
        }
    }
}

/// The health of the subscription(s) behind a contact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    NotRequested,
    Requesting,
    Active,
    Pending,
    NotFound,
    AccessDenied,
    /// Failed with a reason; the engine keeps retrying unless the reason is
    /// final (rejected, noresource).
    Error(String),
}

impl SubscriptionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            SubscriptionStatus::NotRequested => "not-requested",
            SubscriptionStatus::Requesting => "requesting",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Pending => "pending",
            SubscriptionStatus::NotFound => "not-found",
            SubscriptionStatus::AccessDenied => "access-denied",
            SubscriptionStatus::Error(_) => "error",
        }
    }

    pub fn label(&self) -> String {
        match self {
            SubscriptionStatus::NotRequested => "not requested".into(),
            SubscriptionStatus::Requesting => "requesting".into(),
            SubscriptionStatus::Active => "active".into(),
            SubscriptionStatus::Pending => "pending authorization".into(),
            SubscriptionStatus::NotFound => "not found".into(),
            SubscriptionStatus::AccessDenied => "access denied".into(),
            SubscriptionStatus::Error(e) => format!("error: {e}"),
        }
    }

    /// The prefix of an error that means the *server* reports the resource
    /// as temporarily unavailable (a dialog subscription ended on probation
    /// or giveup, a 480): for a line, that is a faulty line, not merely a
    /// lost subscription.
    pub const UNAVAILABLE: &'static str = "unavailable: ";

    /// An error status meaning "the server says it is unavailable".
    pub fn unavailable(detail: &str) -> SubscriptionStatus {
        SubscriptionStatus::Error(format!("{}{detail}", Self::UNAVAILABLE))
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, SubscriptionStatus::Error(e) if e.starts_with(Self::UNAVAILABLE))
    }

    /// True once the server gave a definite answer (used by `watch --once`).
    pub fn is_answered(&self) -> bool {
        !matches!(
            self,
            SubscriptionStatus::NotRequested | SubscriptionStatus::Requesting
        )
    }

    /// Ordering for combining the presence and dialog subscriptions of one
    /// contact into one shown status: the worse one wins.
    pub fn severity(&self) -> u8 {
        match self {
            // A package that is switched off must not hide the other one.
            SubscriptionStatus::NotRequested => 0,
            SubscriptionStatus::Active => 1,
            SubscriptionStatus::Pending => 2,
            SubscriptionStatus::Requesting => 3,
            SubscriptionStatus::Error(_) => 4,
            SubscriptionStatus::NotFound => 5,
            SubscriptionStatus::AccessDenied => 6,
        }
    }
}

impl Serialize for SubscriptionStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Where a shown state came from (the "why" of a cell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Nothing received yet.
    None,
    /// A PIDF document (event `presence`).
    Presence,
    /// A dialog-info document (event `dialog`).
    Dialog,
    /// The subscription's own state (not found, access denied, stale...).
    Subscription,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::None => "none",
            Source::Presence => "presence",
            Source::Dialog => "dialog",
            Source::Subscription => "subscription",
        }
    }
}

/// Whether what we show is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Freshness {
    /// Backed by a live subscription.
    Fresh,
    /// The subscription expired, or the server was lost: the last known
    /// state is kept but must be shown greyed with its age.
    Stale,
    /// Nothing ever received.
    Unknown,
}

/// A contact as configured (or from the demo directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInfo {
    pub name: String,
    pub uri: String,
    pub extension: Option<String>,
    pub department: Option<String>,
}

/// Index of a contact in the store (stable for the store's lifetime).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactId(pub u32);
