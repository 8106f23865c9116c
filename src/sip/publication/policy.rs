//! Every timing number of the publication, each with its reason.

use std::time::Duration;

/// The lifetime we ask for: an hour, Kamailio's default maximum. With the
/// `until` cap the server forgets us by itself at most this long after our
/// publisher died.
pub const DEFAULT_EXPIRES: u32 = 3600;

/// A long grant is refreshed this long before it expires: room for a whole
/// transaction timeout (64*T1 = 32 s) and a retry.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(40);

/// Grants up to this long are refreshed at half their life instead.
pub const SHORT_GRANT: Duration = Duration::from_secs(80);

/// No refresh this close to the `until`: the publication may lapse there.
pub const UNTIL_SLACK: Duration = Duration::from_secs(1);

/// When a server's Min-Expires made a grant outlive the `until`: how long
/// after the until the owner has to publish something else before the
/// publication removes itself (`Expires: 0`).
pub const UNTIL_GRACE: Duration = Duration::from_secs(2);

/// The largest Min-Expires (423) we follow: a day.
pub const MAX_MIN_EXPIRES: u32 = 86_400;

/// First retry after a timeout or 5xx, doubled per failure, capped.
pub const RETRY_BASE: Duration = Duration::from_secs(2);

/// The longest wait before trying again (also caps a Retry-After).
pub const MAX_RETRY: Duration = Duration::from_secs(300);

/// When to refresh a grant, counted from its 2xx.
pub fn refresh_after(granted: Duration) -> Duration {
    if granted <= SHORT_GRANT {
        granted / 2
    } else {
        granted - REFRESH_MARGIN
    }
}

/// The wait before retry number `failures` (1, 2, ...): 2 s, 4 s, ... 300 s.
pub fn retry_after(failures: u32) -> Duration {
    let step = RETRY_BASE.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    step.min(MAX_RETRY)
}
