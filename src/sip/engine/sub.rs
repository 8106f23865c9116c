//! One subscription (one contact, one event package): its dialog and the
//! phase it is in. The engine drives it; this file only holds state.

use std::time::{Duration, Instant};

use crate::presence::ContactId;
use crate::presence::{EventKind, SubscriptionStatus};

/// What a subscription is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a slot in the window (initial or refresh request).
    Queued,
    /// A SUBSCRIBE transaction is in flight.
    Sending,
    /// The server accepted it; a refresh is scheduled.
    Established,
    /// Waiting out a backoff / Retry-After, or for the server to come back.
    Waiting,
    /// Final: not found, access denied, rejected, event not supported.
    Stopped,
}

/// The SIP dialog a subscription lives in.
#[derive(Debug, Clone, Default)]
pub struct DialogIds {
    pub call_id: String,
    pub local_tag: String,
    pub remote_tag: Option<String>,
    /// The Contact of the server's 2xx/NOTIFY: where refreshes go.
    pub remote_target: Option<String>,
    pub local_cseq: u32,
    pub remote_cseq: Option<u32>,
    /// Route headers for in-dialog requests (RFC 3261 12.1.2: the 2xx's
    /// Record-Route reversed, or a dialog-creating NOTIFY's in order).
    pub route_set: Vec<String>,
}

/// The entries of Record-Route header values (`<a;lr>, <b;lr>` → two),
/// splitting at commas outside angle brackets and quotes.
pub fn record_routes<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for value in values {
        let (mut depth, mut quoted, mut start) = (0i32, false, 0usize);
        for (k, c) in value.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '<' if !quoted => depth += 1,
                '>' if !quoted => depth -= 1,
                ',' if !quoted && depth == 0 => {
                    out.push(value.get(start..k).unwrap_or("").trim().to_string());
                    start = k + 1;
                }
                _ => {}
            }
        }
        out.push(value.get(start..).unwrap_or("").trim().to_string());
    }
    out.retain(|r| !r.is_empty());
    out
}

#[derive(Debug, Clone)]
pub struct Sub {
    pub contact: ContactId,
    pub event: EventKind,
    /// The contact's URI (Request-URI and To of the initial SUBSCRIBE).
    pub uri: String,
    pub dialog: DialogIds,
    pub phase: Phase,
    /// True when the queued/in-flight request is an in-dialog refresh.
    pub refresh: bool,
    /// The status last reported to the store.
    pub status: SubscriptionStatus,
    /// The duration we ask for (raised by a 423's Min-Expires).
    pub expires: u32,
    pub expires_at: Option<Instant>,
    /// When the current dialog was first established.
    pub established_at: Option<Instant>,
    /// When the scheduled refresh is due (while established).
    pub refresh_at: Option<Instant>,
    /// Consecutive failures, for the backoff.
    pub failures: u32,
    /// We reported state from this subscription (so it can go stale).
    pub has_state: bool,
    /// The in-flight request answers a challenge this subscription just got
    /// (a second 401 then means wrong credentials, not a stale reuse).
    pub challenged: bool,
    /// The in-flight transaction, if any.
    pub tx: Option<u64>,
    /// Generation of the action timer (refresh/retry); older timers are void.
    pub timer_gen: u64,
    /// Generation of the expiry timer.
    pub expiry_gen: u64,
    /// A NOTIFY arrived in the current dialog.
    pub got_notify: bool,
    /// Generation of the NOTIFY wait (Timer N).
    pub notify_gen: u64,
}

impl Sub {
    pub fn new(contact: ContactId, event: EventKind, uri: String, expires: u32) -> Self {
        Sub {
            contact,
            event,
            uri,
            dialog: DialogIds::default(),
            phase: Phase::Waiting,
            refresh: false,
            status: SubscriptionStatus::NotRequested,
            expires,
            expires_at: None,
            established_at: None,
            refresh_at: None,
            failures: 0,
            has_state: false,
            challenged: false,
            tx: None,
            timer_gen: 0,
            expiry_gen: 0,
            got_notify: false,
            notify_gen: 0,
        }
    }

    /// True when a dialog with the server exists (a refresh is possible).
    pub fn in_dialog(&self) -> bool {
        self.dialog.remote_tag.is_some()
    }
}

/// When to refresh a subscription granted for `expires` seconds: well
/// before expiry, spread out by `unit` in [0, 1) so that a thousand
/// subscriptions granted at the same second do not refresh together.
pub fn refresh_delay(expires: u32, unit: f64) -> Duration {
    let granted = Duration::from_secs(u64::from(expires));
    if expires <= 64 {
        // Short grants: refresh at 40..60 %.
        granted.mul_f64(0.4 + 0.2 * unit)
    } else {
        // Long grants: refresh at 55..80 %, at least 32 s before expiry.
        let at = granted.mul_f64(0.55 + 0.25 * unit);
        at.min(granted.saturating_sub(Duration::from_secs(32)))
    }
}

/// Exponential backoff with jitter: 2 s, 4 s, 8 s ... capped at 5 minutes.
pub fn backoff_delay(failures: u32, unit: f64) -> Duration {
    let base = 2u64.saturating_pow(failures.clamp(1, 9)).min(300);
    Duration::from_secs(base).mul_f64(0.5 + 0.5 * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_is_well_before_expiry_and_spread() {
        let a = refresh_delay(600, 0.0);
        let b = refresh_delay(600, 0.99);
        assert!(a >= Duration::from_secs(300) && b <= Duration::from_secs(568));
        assert!(b - a > Duration::from_secs(100), "spread over minutes");
        assert!(refresh_delay(60, 0.5) < Duration::from_secs(40));
    }

    #[test]
    fn record_routes_split_at_top_level_commas_only() {
        let got = record_routes(
            ["<sip:p1;lr>, \"a,b\" <sip:p2;lr>", "<sip:p3;lr;x=\"1,2\">"].into_iter(),
        );
        assert_eq!(
            got,
            [
                "<sip:p1;lr>",
                "\"a,b\" <sip:p2;lr>",
                "<sip:p3;lr;x=\"1,2\">"
            ]
        );
    }

    #[test]
    fn backoff_grows_and_caps_at_five_minutes() {
        assert!(backoff_delay(1, 0.99) <= Duration::from_secs(2));
        assert!(backoff_delay(3, 0.0) >= Duration::from_secs(4));
        assert!(backoff_delay(50, 0.99) <= Duration::from_secs(300));
        assert!(backoff_delay(50, 0.0) >= Duration::from_secs(150));
    }
}
