//! Event-framework headers (RFC 6665, RFC 3903): Event,
//! Subscription-State, Expires, Retry-After, SIP-ETag; and Content-Type.

use super::{HeaderError, find_param, invalid, parse_params};

/// Why a subscription was terminated (RFC 6665 4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminationReason {
    Deactivated,
    Probation,
    Rejected,
    Timeout,
    Giveup,
    Noresource,
    Invariant,
    /// An extension reason, lower case.
    Other(String),
}

impl TerminationReason {
    /// Case-insensitive.
    pub fn parse(s: &str) -> TerminationReason {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "deactivated" => TerminationReason::Deactivated,
            "probation" => TerminationReason::Probation,
            "rejected" => TerminationReason::Rejected,
            "timeout" => TerminationReason::Timeout,
            "giveup" => TerminationReason::Giveup,
            "noresource" => TerminationReason::Noresource,
            "invariant" => TerminationReason::Invariant,
            _ => TerminationReason::Other(s),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            TerminationReason::Deactivated => "deactivated",
            TerminationReason::Probation => "probation",
            TerminationReason::Rejected => "rejected",
            TerminationReason::Timeout => "timeout",
            TerminationReason::Giveup => "giveup",
            TerminationReason::Noresource => "noresource",
            TerminationReason::Invariant => "invariant",
            TerminationReason::Other(s) => s,
        }
    }
}

/// A Subscription-State value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionState {
    Active {
        expires: Option<u32>,
    },
    Pending {
        expires: Option<u32>,
    },
    Terminated {
        reason: Option<TerminationReason>,
        retry_after: Option<u32>,
    },
}

/// Parses `active;expires=120`, `pending`, `terminated;reason=timeout`,
/// `terminated;reason=probation;retry-after=30` (case-insensitive).
///
/// An unknown substate (an extension value) is read as `Pending` with its
/// `expires`: the subscription stays alive but nothing it says is taken as
/// authorised state, the conservative reading of RFC 6665's rule that
/// unknown extension values must not break the subscription. Unknown
/// parameters are ignored; a malformed `expires`/`retry-after` is an error.
pub fn parse_subscription_state(s: &str) -> Result<SubscriptionState, HeaderError> {
    const H: &str = "Subscription-State";
    let (substate, rest) = match s.find(';') {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let substate = substate.trim();
    if !is_token(substate) {
        return Err(invalid(H, s, "missing or bad substate"));
    }
    let params = parse_params(rest).map_err(|reason| invalid(H, s, reason))?;
    let number = |name: &str| -> Result<Option<u32>, HeaderError> {
        find_param(&params, name)
            .map(|v| delta_seconds(v).ok_or_else(|| invalid(H, s, "bad expires/retry-after")))
            .transpose()
    };
    let expires = number("expires")?;
    Ok(if substate.eq_ignore_ascii_case("active") {
        SubscriptionState::Active { expires }
    } else if substate.eq_ignore_ascii_case("terminated") {
        SubscriptionState::Terminated {
            reason: find_param(&params, "reason")
                .filter(|r| !r.is_empty())
                .map(TerminationReason::parse),
            retry_after: number("retry-after")?,
        }
    } else {
        tracing::debug!(
            substate,
            "unknown Subscription-State substate, read as pending"
        );
        SubscriptionState::Pending { expires }
    })
}

/// An Event header value: `presence`, `dialog;id=42`, `presence.winfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventHeader {
    /// The package (with template, e.g. `presence.winfo`), lower case.
    pub package: String,
    pub id: Option<String>,
}

impl EventHeader {
    /// The package as one of ours; `None` for any other package
    /// (`presence.winfo` included).
    pub fn kind(&self) -> Option<crate::presence::EventKind> {
        crate::presence::EventKind::from_package(&self.package)
    }
}

/// Parses an Event value (also the compact `o` header's value).
pub fn parse_event(s: &str) -> Result<EventHeader, HeaderError> {
    const H: &str = "Event";
    let (package, rest) = match s.find(';') {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let package = package.trim();
    if !is_token(package) {
        return Err(invalid(H, s, "missing or bad event package"));
    }
    let params = parse_params(rest).map_err(|reason| invalid(H, s, reason))?;
    Ok(EventHeader {
        package: package.to_ascii_lowercase(),
        id: find_param(&params, "id")
            .filter(|v| !v.is_empty())
            .map(str::to_string),
    })
}

/// Expires and Min-Expires: delta-seconds. Values beyond `u32::MAX` are
/// read as `u32::MAX`.
pub fn parse_expires(s: &str) -> Result<u32, HeaderError> {
    delta_seconds(s).ok_or_else(|| invalid("Expires", s, "not a number of seconds"))
}

/// Retry-After: `120`, `120 (lunch)`, `120;duration=60` -> 120.
pub fn parse_retry_after(s: &str) -> Result<u32, HeaderError> {
    let t = s.trim();
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, rest) = t.split_at(end);
    let rest = rest.trim_start();
    if !(rest.is_empty() || rest.starts_with('(') || rest.starts_with(';')) {
        return Err(invalid("Retry-After", s, "not a number of seconds"));
    }
    delta_seconds(digits).ok_or_else(|| invalid("Retry-After", s, "not a number of seconds"))
}

/// SIP-ETag / SIP-If-Match: one token.
pub fn parse_etag(s: &str) -> Result<String, HeaderError> {
    let t = s.trim();
    if is_token(t) {
        Ok(t.to_string())
    } else {
        Err(invalid("SIP-ETag", s, "not a token"))
    }
}

/// Whether a Content-Type value is `mime`, ignoring parameters, case and
/// surrounding whitespace: `application/pidf+xml;charset=UTF-8` is
/// `application/pidf+xml`.
pub fn content_type_is(value: &str, mime: &str) -> bool {
    let base = value.split(';').next().unwrap_or_default();
    let base: String = base.chars().filter(|c| !c.is_whitespace()).collect();
    base.eq_ignore_ascii_case(mime.trim())
}

fn delta_seconds(s: &str) -> Option<u32> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(t.parse::<u32>().unwrap_or(u32::MAX))
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
                )
        })
}
