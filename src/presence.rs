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
    /// The server states that the phone itself is out of order. Only such
    /// an explicit statement may produce it: a subscription that fails, is
    /// refused or cannot be read is our monitoring failing, shown unknown.
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
    /// Registration state (RFC 3680, `Event: reg`): is the phone there?
    Reg,
    /// Message waiting (RFC 3842, `Event: message-summary`).
    #[serde(rename = "message-summary")]
    MessageSummary,
}

impl EventKind {
    /// Every package we subscribe to (and a NOTIFY may be for).
    pub const ALL: [EventKind; 4] = [
        EventKind::Presence,
        EventKind::Dialog,
        EventKind::Reg,
        EventKind::MessageSummary,
    ];

    /// The kind named by an event package (lower case, as an Event
    /// header's parser gives it); `None`: a package we do not serve.
    pub fn from_package(package: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == package)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Presence => "presence",
            EventKind::Dialog => "dialog",
            EventKind::Reg => "reg",
            EventKind::MessageSummary => "message-summary",
        }
    }
    /// The `Accept` header for a SUBSCRIBE of this package.
    pub fn accept(self) -> &'static str {
        match self {
            EventKind::Presence => "application/pidf+xml",
            EventKind::Dialog => "application/dialog-info+xml",
            EventKind::Reg => "application/reginfo+xml",
            EventKind::MessageSummary => "application/simple-message-summary",
        }
    }
}

/// The health of the subscription(s) behind a contact.
///
/// Every text a variant carries was made harmless (see `text.rs`) where it
/// was built: it may hold a reason phrase chosen by a remote party.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    NotRequested,
    Requesting,
    Active,
    Pending,
    NotFound,
    AccessDenied,
    /// The server says the resource is temporarily unavailable (a 480, a
    /// subscription ended on probation or giveup). Our monitoring is down,
    /// which proves nothing about the phone; the engine retries.
    Unavailable(Reason),
    /// Failed with a reason; the engine keeps retrying unless the reason is
    /// final (rejected, noresource).
    Error(Reason),
}

/// The text of a failed subscription status, behind one thin pointer: the
/// store keeps five statuses per contact and the engine one per
/// subscription, nearly all of them without a text, and this keeps a
/// status at 16 bytes instead of 32 (10,000 contacts: about 1.3 MB).
#[derive(Clone, PartialEq, Eq, Hash)]
#[allow(
    clippy::box_collection,
    reason = "one thin pointer is the point: a String inline would make every status 32 bytes"
)]
pub struct Reason(Box<String>);

impl std::ops::Deref for Reason {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Reason {
    fn from(s: String) -> Self {
        Reason(Box::new(s))
    }
}

impl From<&str> for Reason {
    fn from(s: &str) -> Self {
        Reason(Box::new(s.to_string()))
    }
}

impl PartialEq<str> for Reason {
    fn eq(&self, other: &str) -> bool {
        self.0.as_str() == other
    }
}

impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_str() == *other
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0.as_str(), f)
    }
}

/// How bad a subscription status is, worst last: combining the presence and
/// dialog subscriptions of one contact shows the worse one, and the details
/// panel colours by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Switched off (a package that is off must not hide the other one).
    Off,
    /// Up and backed by the server.
    Live,
    /// Asked, no definite answer yet (pending authorization, requesting).
    Waiting,
    /// Failed for now (error, unavailable); retried.
    Failing,
    /// Refused for good (not found, access denied).
    Refused,
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
            SubscriptionStatus::Unavailable(_) => "unavailable",
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
            SubscriptionStatus::Unavailable(e) => format!("unavailable: {e}"),
            SubscriptionStatus::Error(e) => format!("error: {e}"),
        }
    }

    /// The text of a failure that carries one (error, unavailable).
    pub fn reason(&self) -> Option<&str> {
        match self {
            SubscriptionStatus::Unavailable(e) | SubscriptionStatus::Error(e) => Some(e),
            _ => None,
        }
    }

    /// True once the server gave a definite answer (used by `watch --once`).
    pub fn is_answered(&self) -> bool {
        !matches!(
            self,
            SubscriptionStatus::NotRequested | SubscriptionStatus::Requesting
        )
    }

    /// Refused for good: what was read before is no longer shown.
    pub fn is_refused(&self) -> bool {
        self.severity() == Severity::Refused
    }

    /// Not (or no longer) backed by the server: failing or refused.
    pub fn is_failure(&self) -> bool {
        self.severity() >= Severity::Failing
    }

    pub fn severity(&self) -> Severity {
        match self {
            SubscriptionStatus::NotRequested => Severity::Off,
            SubscriptionStatus::Active => Severity::Live,
            SubscriptionStatus::Pending | SubscriptionStatus::Requesting => Severity::Waiting,
            SubscriptionStatus::Unavailable(_) | SubscriptionStatus::Error(_) => Severity::Failing,
            SubscriptionStatus::NotFound | SubscriptionStatus::AccessDenied => Severity::Refused,
        }
    }

    /// The worse of two statuses (`self` when they are equally bad).
    pub fn worse<'a>(&'a self, other: &'a SubscriptionStatus) -> &'a SubscriptionStatus {
        if other.severity() > self.severity() {
            other
        } else {
            self
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
    /// A reginfo document (event `reg`): the phone is (not) registered.
    Registration,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::None => "none",
            Source::Presence => "presence",
            Source::Dialog => "dialog",
            Source::Subscription => "subscription",
            Source::Registration => "registration",
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

/// A contact from a directory source (`[[contact]]`, a CSV row, a vCard),
/// with the columns the console has no field for: shown in the details
/// panel and searchable, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub info: ContactInfo,
    pub extra: Vec<(String, String)>,
}

impl From<ContactInfo> for DirectoryEntry {
    fn from(info: ContactInfo) -> Self {
        DirectoryEntry {
            info,
            extra: Vec::new(),
        }
    }
}

impl ContactInfo {
    /// A contact known only by name and URI (a resource list member that
    /// is not in the directory).
    pub fn named(name: String, uri: String) -> Self {
        ContactInfo {
            name,
            uri,
            extension: None,
            department: None,
        }
    }
}

/// Index of a contact in the store (stable for the store's lifetime).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactId(pub u32);

#[cfg(test)]
mod reason_tests {
    use super::{Reason, SubscriptionStatus};

    /// Five statuses per contact in the store and one per subscription in
    /// the engine: a status is two words, its rare text behind a pointer.
    #[test]
    fn a_status_is_16_bytes_and_keeps_its_text() {
        assert_eq!(std::mem::size_of::<SubscriptionStatus>(), 16);
        let st = SubscriptionStatus::Error("503 Service Unavailable".into());
        assert_eq!(st.reason(), Some("503 Service Unavailable"));
        assert_eq!(st.label(), "error: 503 Service Unavailable");
        let r = Reason::from(String::from("480 Gone"));
        assert!(r == "480 Gone" && r.contains("Gone"));
        assert_eq!(format!("{r:?}"), "\"480 Gone\"");
    }
}
