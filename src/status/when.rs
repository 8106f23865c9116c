//! `--until` times and config durations.
//!
//! Until accepts `HH:MM` (today, local time; a time already past is an
//! error, never tomorrow), a date `YYYY-MM-DD` (its start, local time), a
//! date-time `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DDTHH:MM[:SS]` (local, or
//! with an offset/`Z`), or a duration (`90s`, `45m`, `2h`, `3d`, `1h30m`).
//! Pure: the caller passes `now` with its time zone.

use std::time::Duration;

use jiff::civil::{Date, DateTime, Time};
use jiff::{Timestamp, Zoned};

/// What `--until` accepts, for every error message.
pub const UNTIL_FORMS: &str =
    "accepted: HH:MM (today), YYYY-MM-DD, YYYY-MM-DD HH:MM, or a duration like 90s, 45m, 2h, 3d";

/// Why an until is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UntilError {
    #[error("--until {input:?} is not a time ({UNTIL_FORMS})")]
    Unreadable { input: String },
    #[error(
        "--until {input:?} is already past (it is {now} now; a time of day means today, never tomorrow)"
    )]
    Past { input: String, now: String },
    #[error("--until {input:?} is too far ahead")]
    TooFar { input: String },
}

/// The instant `input` names, seen at `now`.
pub fn parse_until(input: &str, now: &Zoned) -> Result<Timestamp, UntilError> {
    let s = input.trim();
    let unreadable = || UntilError::Unreadable {
        input: crate::text::line(input, 60).into_owned(),
    };
    let at = if let Some(d) = parse_duration(s, true) {
        let d = jiff::SignedDuration::try_from(d).map_err(|_| UntilError::TooFar {
            input: s.to_string(),
        })?;
        now.timestamp()
            .checked_add(d)
            .map_err(|_| UntilError::TooFar {
                input: s.to_string(),
            })?
    } else {
        local_instant(s, now).ok_or_else(unreadable)?
    };
    if at <= now.timestamp() {
        return Err(UntilError::Past {
            input: crate::text::line(input, 60).into_owned(),
            now: now.strftime("%H:%M").to_string(),
        });
    }
    Ok(at)
}

/// A time of day, date or date-time, in `now`'s zone unless it names one.
fn local_instant(s: &str, now: &Zoned) -> Option<Timestamp> {
    let tz = now.time_zone();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    if s.len() <= 5
        && s.contains(':')
        && let Ok(t) = s.parse::<Time>()
    {
        return now
            .date()
            .to_datetime(t)
            .to_zoned(tz.clone())
            .ok()
            .map(|z| z.timestamp());
    }
    if s.contains(':') {
        let dt = s.replacen(' ', "T", 1).parse::<DateTime>().ok()?;
        return dt.to_zoned(tz.clone()).ok().map(|z| z.timestamp());
    }
    let d = s.parse::<Date>().ok()?;
    d.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
}

/// `90s`, `45m`, `2h`, `3d` (`d` only when `days`), and sums like `1h30m`.
/// None when it is not such a duration (or is zero).
pub fn parse_duration(s: &str, days: bool) -> Option<Duration> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    if s.is_empty() {
        return None;
    }
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' if days => 86_400,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !digits.is_empty() || total == 0 {
        return None;
    }
    Some(Duration::from_secs(total))
}

/// A time for people, seen at `now`: `14:30` today, `Mon 14 Dec 09:00`
/// another day.
pub fn show(at: Timestamp, now: &Zoned) -> String {
    let z = at.to_zoned(now.time_zone().clone());
    if z.date() == now.date() {
        z.strftime("%H:%M").to_string()
    } else {
        z.strftime("%a %d %b %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Zoned {
        "2026-12-05T10:00:00+01:00[Europe/Berlin]"
            .parse()
            .expect("a zoned time")
    }

    fn at(s: &str) -> Timestamp {
        s.parse().expect("a timestamp")
    }

    #[test]
    fn every_accepted_form() {
        let n = now();
        assert_eq!(parse_until("14:30", &n), Ok(at("2026-12-05T13:30:00Z")));
        assert_eq!(parse_until("90s", &n), Ok(at("2026-12-05T09:01:30Z")));
        assert_eq!(parse_until("45m", &n), Ok(at("2026-12-05T09:45:00Z")));
        assert_eq!(parse_until("2h", &n), Ok(at("2026-12-05T11:00:00Z")));
        assert_eq!(parse_until("3d", &n), Ok(at("2026-12-08T09:00:00Z")));
        assert_eq!(parse_until("1h30m", &n), Ok(at("2026-12-05T10:30:00Z")));
        assert_eq!(
            parse_until("2026-12-14", &n),
            Ok(at("2026-12-13T23:00:00Z"))
        );
        assert_eq!(
            parse_until("2026-12-14 09:15", &n),
            Ok(at("2026-12-14T08:15:00Z"))
        );
        assert_eq!(
            parse_until("2026-12-14T09:15", &n),
            Ok(at("2026-12-14T08:15:00Z"))
        );
    }

    #[test]
    fn a_time_already_past_is_an_error_not_tomorrow() {
        let e = parse_until("09:30", &now()).expect_err("past");
        assert!(matches!(e, UntilError::Past { .. }), "{e}");
        assert!(e.to_string().contains("never tomorrow"), "{e}");
    }

    #[test]
    fn nonsense_says_what_is_accepted() {
        for bad in ["soon", "25:00", "14.30", "-5m", "0s", "5x", ""] {
            let e = parse_until(bad, &now()).expect_err(bad);
            assert!(matches!(e, UntilError::Unreadable { .. }), "{bad}: {e}");
            assert!(e.to_string().contains("HH:MM"), "{e}");
        }
    }

    #[test]
    fn config_durations() {
        assert_eq!(parse_duration("5m", false), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("30s", false), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1d", false), None);
        assert_eq!(parse_duration("5", false), None);
    }
}
