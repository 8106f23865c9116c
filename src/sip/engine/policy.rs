//! Every timing number of the subscription engine, each with why it is what
//! it is. Nothing else in the engine writes a literal duration: a change of
//! policy is a change of this file (and of the fake-clock tests that hold
//! it to its promises).
//!
//! RFC 3261 transaction timers (T1, T2, T4) are not here: they are
//! configuration ([`crate::sip::transaction::Timers`]); the numbers derived
//! from them (Timer N, the response cache) are functions of T1 below.

use std::time::Duration;

// ---- subscriptions -------------------------------------------------------

/// A subscription the server ended (deactivated/timeout) after living this
/// long is started again at once; a shorter life gets backoff, so a server
/// that accepts and ends at once is no loop.
pub const LIVED: Duration = Duration::from_secs(30);

/// A long grant is refreshed at least this long before it expires: room for
/// a full transaction timeout (64*T1 = 32 s) so a lost refresh is retried
/// before anything goes stale.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(32);

/// Refreshes of long grants fall on a grid of this step (from the engine's
/// epoch): those due within one step go out together, so an idle console
/// wakes once a step for all of them, not once for each. With 20,000
/// subscriptions at `expires = 3600` about eight refreshes a second came
/// due, each its own timer wake-up, SUBSCRIBE, answer and NOTIFY round trip
/// through the driver and the console: most of the idle CPU. A refresh
/// moves at most this much later, far inside [`REFRESH_MARGIN`].
pub const REFRESH_STEP: Duration = Duration::from_secs(4);

/// Grants up to this long count as short: refreshed at 40..60 % of the grant
/// (the margin above would leave no time at all).
pub const SHORT_GRANT: Duration = Duration::from_secs(64);

/// The longest wait before trying again, for anything: exponential backoff,
/// a server's Retry-After, the pause after refused credentials. Five
/// minutes: long enough not to hammer a sick server, short enough that a
/// receptionist sees a repaired line within a coffee break.
pub const MAX_WAIT: Duration = Duration::from_secs(300);

/// The first step of the backoff after a failed SUBSCRIBE (doubled per
/// consecutive failure, jittered to 50..100 %, capped at [`MAX_WAIT`]).
pub const BACKOFF_BASE: Duration = Duration::from_secs(2);

/// Probation / giveup without Retry-After: RFC 6665 4.1.3 asks for a pause
/// before the next try; half a minute.
pub const PROBATION_WAIT: Duration = Duration::from_secs(30);

/// The first pause after refused credentials (doubled per refusal, capped at
/// [`MAX_WAIT`]): a wrong password costs one request a minute or so, not one
/// per contact.
pub const AUTH_PAUSE: Duration = Duration::from_secs(30);

/// A NOTIFY repeating the remaining time within this tolerance does not move
/// the expiry or refresh timers (two heap entries per NOTIFY otherwise).
pub const EXPIRY_TOLERANCE: Duration = Duration::from_secs(2);

/// The largest Min-Expires (423) we follow: a day. Beyond that the server
/// asks for something no console should hold.
pub const MAX_MIN_EXPIRES: u32 = 86_400;

/// RFC 6665 Timer N: the first NOTIFY must follow an accepted SUBSCRIBE
/// within 64*T1; the same wait bounds the final NOTIFY after an
/// un-SUBSCRIBE (RFC 6665 4.1.2.3 keeps the dialog until it arrives).
pub fn timer_n(t1: Duration) -> Duration {
    t1 * 64
}

/// How long a final answer to a server's request is kept to answer its
/// retransmissions (RFC 3261 17.2.2: 64*T1).
pub fn response_cache(t1: Duration) -> Duration {
    t1 * 64
}

/// Exponential backoff with jitter: 2 s, 4 s, 8 s ... capped at [`MAX_WAIT`];
/// `unit` in [0, 1) spreads a thousand retries over the second half.
pub fn backoff(failures: u32, unit: f64) -> Duration {
    let base = BACKOFF_BASE
        .saturating_mul(1u32 << (failures.clamp(1, 9) - 1))
        .min(MAX_WAIT);
    base.mul_f64(0.5 + 0.5 * unit)
}

/// The pause after the `refusals`-th refused credentials.
pub fn auth_pause(refusals: u32) -> Duration {
    AUTH_PAUSE
        .saturating_mul(1u32 << refusals.min(4))
        .min(MAX_WAIT)
}

// ---- the server's health -------------------------------------------------

/// Interval of keepalive OPTIONS. With [`KEEPALIVE_TIMEOUT`] a server that
/// dies just after answering is noticed within 5 + 4 = 9 s (< 10 s, the
/// promise). One OPTIONS every 5 s is nothing for a presence server.
/// A configured interval longer than this is shortened to it (the config's
/// value is a NAT-binding keepalive; server health needs this one).
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);

/// How long a keepalive may stay unanswered before the server counts as
/// lost: several UDP retransmissions (Timer E: 0.5, 1, 2 s) fit in it.
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(4);

/// While the server is lost, probes go out 1, 2, 4 ... s apart, never
/// further apart than this: a server back is noticed within it.
pub const LOST_PROBE_MAX: Duration = Duration::from_secs(4);

/// The wait before the next probe after the `misses`-th unanswered one:
/// 1, 2, 4, 4 ... s.
pub fn lost_probe_delay(misses: u32) -> Duration {
    Duration::from_secs(1u64 << misses.min(5)).min(LOST_PROBE_MAX)
}

/// Added (times a unit in [0, 1)) to a server's Retry-After, so that
/// everything it refused does not come back in the same instant.
pub const RETRY_AFTER_JITTER: Duration = Duration::from_secs(1);

/// TCP reconnect schedule: 0.25, 0.5, 1, 2, then every 2 s. A server
/// restarted after any outage is connected again within 2 s of coming
/// back (plus one OPTIONS and one SUBSCRIBE round trip: current within 5 s).
/// Not immediately: a server that accepts and closes at once is no busy
/// loop. Every 2 s is one SYN per console: nothing for a server.
pub fn reconnect_delay(attempt: u32) -> Duration {
    const FIRST: Duration = Duration::from_millis(250);
    const MAX: Duration = Duration::from_secs(2);
    FIRST.saturating_mul(1u32 << attempt.min(4)).min(MAX)
}

/// A TCP connect attempt that takes longer than this failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long after a resource list's full state a member may stay without
/// any state before it gets a subscription of its own. Kamailio's list
/// server was seen to leave 3–10 of 1,000 members without state for over a
/// minute, and delivering the last member 4.5–8.8 s after the SUBSCRIBE;
/// the console must show a 1,000-member list within 3 s of start, so the
/// list gets 1.5 s after its full state before stragglers are asked singly.
pub const LIST_MEMBER_GRACE: Duration = Duration::from_millis(1500);

/// How long quitting may spend ending `subscriptions` subscriptions: 1.5 s,
/// plus 0.1 ms for each (the un-SUBSCRIBEs go out paced by the window of
/// 64, so they take subscriptions × RTT / 64: at a loaded loopback's
/// 3–6 ms RTT, 20,000 need 1–2 s, and the fixed 1.5 s left 61 of 20,000
/// open), at most 4 s so leaving stays prompt. Only a bound: quitting ends
/// as soon as the last un-SUBSCRIBE is answered.
pub fn shutdown_deadline(subscriptions: usize) -> Duration {
    const BASE: Duration = Duration::from_millis(1500);
    const EACH: Duration = Duration::from_micros(100);
    const MAX: Duration = Duration::from_secs(4);
    let n = u32::try_from(subscriptions).unwrap_or(u32::MAX);
    BASE.saturating_add(EACH.saturating_mul(n)).min(MAX)
}

/// Un-SUBSCRIBEs in flight at once while quitting, whatever the window
/// (which an overloaded server may have shrunk to one): the window's own
/// default maximum. Each un-SUBSCRIBE brings two datagrams back (its 200
/// and the final NOTIFY); 256 at once overran a default 208 KB UDP receive
/// buffer on an idle demo server (twice as many receive-buffer drops, and
/// 37–166 of 20,000 left open where 64 left none). One that is lost is
/// sent again (Timer E: 0.5, 1.5 s) within [`shutdown_deadline`].
pub const QUIT_IN_FLIGHT: usize = 64;

/// Messages the SIP trace keeps by default (`[diagnostics] trace_messages`):
/// a few minutes of a quiet console's traffic, about 1 MB at most.
pub const TRACE_MESSAGES: usize = 500;

/// How long a test subscription from the diagnostics view lives (as
/// Imagicle's does): long enough to read its answer, then it goes.
pub const TEST_SUBSCRIPTION_LIFETIME: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps_at_five_minutes() {
        assert!(backoff(1, 0.99) <= Duration::from_secs(2));
        assert!(backoff(3, 0.0) >= Duration::from_secs(4));
        assert!(backoff(50, 0.99) <= MAX_WAIT);
        assert!(backoff(50, 0.0) >= MAX_WAIT / 2);
    }

    #[test]
    fn reconnect_schedule_is_short_and_capped_at_two_seconds() {
        let got: Vec<u128> = (0..7).map(|a| reconnect_delay(a).as_millis()).collect();
        assert_eq!(got, [250, 500, 1000, 2000, 2000, 2000, 2000]);
    }

    #[test]
    fn a_dead_server_is_noticed_within_ten_seconds() {
        assert!(KEEPALIVE_INTERVAL + KEEPALIVE_TIMEOUT < Duration::from_secs(10));
    }

    #[test]
    fn quitting_waits_longer_for_more_subscriptions_but_at_most_four_seconds() {
        assert_eq!(shutdown_deadline(0), Duration::from_millis(1500));
        assert_eq!(shutdown_deadline(2_000), Duration::from_millis(1700));
        assert_eq!(shutdown_deadline(20_000), Duration::from_millis(3500));
        assert_eq!(shutdown_deadline(usize::MAX), Duration::from_secs(4));
    }

    #[test]
    fn auth_pause_grows_to_the_common_cap() {
        assert_eq!(auth_pause(1), Duration::from_secs(60));
        assert_eq!(auth_pause(9), MAX_WAIT);
    }
}
