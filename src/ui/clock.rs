//! Time on screen: the status bar's clock and "until" times said relative
//! to now ("until 13:25, in 25 min"). The wall clock comes from the model
//! (`Msg::Clock`, sent by the runtime each minute); nothing here reads it.

use jiff::Zoned;

/// The clock as the status bar shows it (`13:05`).
pub fn clock_text(now: &Zoned) -> String {
    now.strftime("%H:%M").to_string()
}

/// How far `then` is from `now`, counted in whole minutes of the clock
/// shown: `in 25 min`, `in 2 h 5 min`, `in 3 days`, `now`, `10 min ago`.
pub fn relative(now: &Zoned, then: jiff::Timestamp) -> String {
    let now_min = now.timestamp().as_second().div_euclid(60);
    let then_min = then.as_second().div_euclid(60);
    let d = then_min - now_min;
    let words = |m: i64| match m {
        0..60 => format!("{m} min"),
        60..1440 if m % 60 == 0 => format!("{} h", m / 60),
        60..1440 => format!("{} h {} min", m / 60, m % 60),
        _ if m < 2880 => "1 day".to_string(),
        _ => format!("{} days", m / 1440),
    };
    match d {
        0 => "now".into(),
        d if d > 0 => format!("in {}", words(d)),
        d => format!("{} ago", words(-d)),
    }
}

/// A status line (`Busy · Customer call · until 14:30`) with its "until
/// HH:MM" also said relative: `until 14:30, in 25 min`. Other forms of
/// until (a date) are left as they are.
pub fn with_relative_until(line: &str, now: Option<&Zoned>) -> String {
    let Some(now) = now else {
        return line.to_string();
    };
    let Some(at) = line.find("until ") else {
        return line.to_string();
    };
    let start = at + "until ".len();
    let hhmm = line.get(start..start + 5).unwrap_or("");
    let end_ok = line
        .get(start + 5..)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '));
    let parsed = (end_ok && hhmm.as_bytes().get(2) == Some(&b':'))
        .then(|| {
            let h: i8 = hhmm.get(..2)?.parse().ok()?;
            let m: i8 = hhmm.get(3..)?.parse().ok()?;
            now.with()
                .hour(h)
                .minute(m)
                .second(0)
                .subsec_nanosecond(0)
                .build()
                .ok()
        })
        .flatten();
    match parsed {
        Some(then) => format!(
            "{}, {}{}",
            &line[..start + 5],
            relative(now, then.timestamp()),
            &line[start + 5..]
        ),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Zoned {
        s.parse().unwrap()
    }

    #[test]
    fn relative_times_count_whole_minutes_of_the_clock() {
        let now = at("2026-12-05T13:00:40+01:00[Europe/Berlin]");
        let t = |s: &str| at(s).timestamp();
        assert_eq!(
            relative(&now, t("2026-12-05T13:25:00+01:00[Europe/Berlin]")),
            "in 25 min"
        );
        assert_eq!(
            relative(&now, t("2026-12-05T15:05:00+01:00[Europe/Berlin]")),
            "in 2 h 5 min"
        );
        assert_eq!(
            relative(&now, t("2026-12-05T14:00:00+01:00[Europe/Berlin]")),
            "in 1 h"
        );
        assert_eq!(
            relative(&now, t("2026-12-08T09:00:00+01:00[Europe/Berlin]")),
            "in 2 days"
        );
        assert_eq!(
            relative(&now, t("2026-12-05T13:00:10+01:00[Europe/Berlin]")),
            "now"
        );
        assert_eq!(
            relative(&now, t("2026-12-05T12:50:00+01:00[Europe/Berlin]")),
            "10 min ago"
        );
        assert_eq!(clock_text(&now), "13:00");
    }

    #[test]
    fn an_until_in_a_status_line_is_also_relative() {
        let now = at("2026-12-05T13:00:00+01:00[Europe/Berlin]");
        assert_eq!(
            with_relative_until("Away · Lunch · until 13:25", Some(&now)),
            "Away · Lunch · until 13:25, in 25 min"
        );
        assert_eq!(
            with_relative_until("Busy · until 14:30 (calendar)", Some(&now)),
            "Busy · until 14:30, in 1 h 30 min (calendar)"
        );
        assert_eq!(
            with_relative_until("Busy · until Mon 09:00", Some(&now)),
            "Busy · until Mon 09:00"
        );
        assert_eq!(
            with_relative_until("Busy · until 13:25", None),
            "Busy · until 13:25"
        );
    }
}
