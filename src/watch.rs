//! `switchboard watch`: the store as JSON lines, no terminal UI.
//!
//! First one object per contact (the snapshot, once every contact has an
//! answer or the timeout passed), then one per change. `--once` exits after
//! the snapshot.

use std::time::SystemTime;

use serde::Serialize;

use crate::presence::{Availability, Freshness, LineState, Presence, Source, SubscriptionStatus};
use crate::store::{ContactId, Store};

/// One output line.
#[derive(Debug, Serialize)]
pub struct Line<'a> {
    pub contact: &'a str,
    pub name: &'a str,
    pub presence: Presence,
    pub availability: Option<&'a Availability>,
    pub line: LineState,
    pub note: Option<&'a str>,
    pub subscription: &'a SubscriptionStatus,
    /// Why the state is failing or not current: the text of an `error` or
    /// `unavailable` subscription, else why the last body could not be
    /// read (`unreadable dialog document: …`); null when all is well.
    pub reason: Option<&'a str>,
    /// True when the shown state is no longer backed by a live subscription.
    pub stale: bool,
    pub source: Source,
    pub rule: &'a str,
    /// When the shown state last changed (RFC 3339, UTC, milliseconds).
    pub at: String,
}

/// The JSON line for one contact. `wall` maps the store's instants.
pub fn line(
    store: &Store,
    id: ContactId,
    wall: impl Fn(std::time::Instant) -> SystemTime,
    now: SystemTime,
) -> String {
    let info = store.info(id);
    let shown = store.shown(id);
    let at = shown.since.map(&wall).unwrap_or(now);
    let l = Line {
        contact: &info.uri,
        name: &info.name,
        presence: shown.presence,
        availability: shown.availability.as_ref(),
        line: shown.line,
        note: shown.note.as_deref(),
        subscription: &shown.subscription,
        reason: shown.reason(),
        stale: shown.freshness == Freshness::Stale,
        source: shown.source,
        rule: shown.rule,
        at: rfc3339(at),
    };
    serde_json::to_string(&l).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// True once every contact's subscriptions gave a definite answer.
pub fn all_answered(store: &Store) -> bool {
    store
        .ids()
        .all(|id| store.shown(id).subscription.is_answered())
}

/// `2026-11-21T10:15:02.123Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let millis = d.subsec_millis();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_utc_with_millis() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_256_102_123);
        assert_eq!(rfc3339(t), "2026-11-21T10:15:02.123Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&rfc3339(leap)[..10], "2000-02-29");
    }
}
