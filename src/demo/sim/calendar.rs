//! The office clock and calendar: what time the notes speak of
//! ("In a meeting until 10:30", "back on Monday 9 June").

use super::{MIN, Simulation};

/// 08:00 in ms since midnight.
pub const OPENS: u64 = 8 * 60 * MIN;
/// 18:00: the office closes and the night is skipped.
pub const CLOSES: u64 = 18 * 60 * MIN;

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [(&str, u32); 12] = [
    ("January", 31),
    ("February", 28),
    ("March", 31),
    ("April", 30),
    ("May", 31),
    ("June", 30),
    ("July", 31),
    ("August", 31),
    ("September", 30),
    ("October", 31),
    ("November", 30),
    ("December", 31),
];

impl Simulation {
    /// The office clock now, in ms since midnight.
    pub(super) fn clock(&self) -> u64 {
        let since_open = (self.now_ms as i64 - self.day_opened_at).max(0) as u64;
        OPENS + since_open
    }

    /// Simulated ms from now until the office clock shows `at` (ms since
    /// midnight) today; 0 if that is past.
    pub(super) fn until_clock(&self, at: u64) -> u64 {
        at.saturating_sub(self.clock())
    }

    /// "10:35": the office clock `delay_ms` from now, rounded up to 5 min.
    pub(super) fn clock_label_in(&self, delay_ms: u64) -> String {
        hhmm(self.clock() + delay_ms)
    }
}

/// "10:35" for a time of day in ms, rounded up to five minutes.
pub fn hhmm(ms: u64) -> String {
    let five = 5 * MIN;
    let rounded = ms.div_ceil(five) * five;
    let minutes = (rounded / MIN) % (24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "Monday 9 June": the calendar date of office day `day` (day 0 is
/// Tuesday 3 June; weekends are not office days).
pub fn date_label(day: u32) -> String {
    // Walk calendar days from Tuesday 3 June, counting weekdays only.
    let (mut weekday, mut month, mut mday) = (1usize, 5usize, 3u32);
    let mut left = day;
    while left > 0 {
        weekday = (weekday + 1) % 7;
        mday += 1;
        if mday > MONTHS.get(month).map_or(30, |m| m.1) {
            mday = 1;
            month = (month + 1) % 12;
        }
        if weekday < 5 {
            left -= 1;
        }
    }
    let wd = WEEKDAYS.get(weekday).copied().unwrap_or("Monday");
    let mn = MONTHS.get(month).map_or("June", |m| m.0);
    format!("{wd} {mday} {mn}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_skip_weekends_and_months_roll_over() {
        assert_eq!(date_label(0), "Tuesday 3 June");
        assert_eq!(date_label(3), "Friday 6 June");
        assert_eq!(date_label(4), "Monday 9 June");
        assert_eq!(date_label(20), "Tuesday 1 July");
    }

    #[test]
    fn clock_labels_round_up_to_five_minutes() {
        assert_eq!(hhmm(9 * 60 * MIN), "09:00");
        assert_eq!(hhmm(9 * 60 * MIN + 1), "09:05");
        assert_eq!(hhmm(10 * 60 * MIN + 31 * MIN), "10:35");
    }
}
