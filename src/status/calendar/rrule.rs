//! One event and its recurrence (RRULE subset, see the module docs).

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::EventKind;

/// The most occurrences looked at for one question: a daily rule from 1990
/// is ~13 000; beyond this the rule is cut (logged once by the parser).
const MAX_STEPS: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rule {
    pub freq: Freq,
    pub interval: i32,
    pub count: Option<usize>,
    pub until: Option<Timestamp>,
    /// Weekdays, each with its ordinal in the month (0: every one; 2: the
    /// second; -1: the last).
    pub byday: Vec<(i8, Weekday)>,
    /// Days of the month (-1: the last).
    pub bymonthday: Vec<i8>,
    /// Months (1-12).
    pub bymonth: Vec<i8>,
    /// Positions in each period's set (1: the first; -1: the last).
    pub bysetpos: Vec<i32>,
}

impl Rule {
    fn weekday_ok(&self, d: Date) -> bool {
        self.byday.is_empty()
            || self.byday.iter().any(|&(n, w)| {
                let len = i32::from(d.days_in_month());
                let day = i32::from(d.day());
                w == d.weekday()
                    && match n {
                        0 => true,
                        n if n > 0 => (day - 1) / 7 + 1 == i32::from(n),
                        n => (len - day) / 7 + 1 == -i32::from(n),
                    }
            })
    }

    fn monthday_ok(&self, d: Date) -> bool {
        let len = d.days_in_month();
        self.bymonthday.is_empty()
            || self.bymonthday.iter().any(|&m| {
                let day = if m > 0 { m } else { len + 1 + m };
                day == d.day()
            })
    }

    fn month_ok(&self, d: Date) -> bool {
        self.bymonth.is_empty() || self.bymonth.contains(&d.month())
    }

    /// The dates of one month the rule gives (BYDAY, BYMONTHDAY; else the
    /// start's day of the month), in order.
    fn in_month(&self, first: Date, start_day: i8) -> Vec<Date> {
        if self.byday.is_empty() && self.bymonthday.is_empty() {
            return Date::new(first.year(), first.month(), start_day)
                .ok()
                .into_iter()
                .collect();
        }
        (0..first.days_in_month())
            .filter_map(|i| first.checked_add(i32::from(i).days()).ok())
            .filter(|d| self.weekday_ok(*d) && self.monthday_ok(*d))
            .collect()
    }

    /// BYSETPOS: the chosen positions of a period's sorted set.
    fn set_positions(&self, dates: Vec<Date>) -> Vec<Date> {
        if self.bysetpos.is_empty() {
            return dates;
        }
        let len = i32::try_from(dates.len()).unwrap_or(i32::MAX);
        let mut chosen: Vec<Date> = self
            .bysetpos
            .iter()
            .filter_map(|&p| {
                let i = if p > 0 { p - 1 } else { len + p };
                usize::try_from(i).ok().and_then(|i| dates.get(i).copied())
            })
            .collect();
        chosen.sort();
        chosen.dedup();
        chosen
    }
}

/// How long an occurrence lasts: exactly, or whole days (all-day events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Length {
    Exact(SignedDuration),
    Days(i32),
}

#[derive(Debug, Clone)]
pub(super) struct Event {
    pub kind: EventKind,
    pub subject: Option<String>,
    pub start: DateTime,
    pub tz: TimeZone,
    pub length: Length,
    pub rule: Option<Rule>,
    pub exdates: Vec<Timestamp>,
}

impl Event {
    fn instant(&self, dt: DateTime) -> Option<Timestamp> {
        dt.to_zoned(self.tz.clone()).ok().map(|z| z.timestamp())
    }

    fn end_of(&self, start: DateTime) -> Option<Timestamp> {
        match self.length {
            Length::Exact(d) => self.instant(start)?.checked_add(d).ok(),
            Length::Days(n) => self.instant(start.checked_add(n.days()).ok()?),
        }
    }

    /// Occurrence starts in order (civil time in the event's zone), without
    /// the excluded ones.
    fn starts(&self) -> impl Iterator<Item = (Timestamp, DateTime)> + '_ {
        let mut k: i32 = 0;
        let mut produced = 0usize;
        let mut batch: Vec<DateTime> = Vec::new();
        let mut steps = 0usize;
        std::iter::from_fn(move || {
            loop {
                if let Some(dt) = batch.pop() {
                    produced += 1;
                    let rule = self.rule.as_ref();
                    if rule.and_then(|r| r.count).is_some_and(|c| produced > c) {
                        return None;
                    }
                    let at = self.instant(dt)?;
                    if rule.and_then(|r| r.until).is_some_and(|u| at > u) {
                        return None;
                    }
                    if self.exdates.contains(&at) {
                        continue;
                    }
                    return Some((at, dt));
                }
                steps += 1;
                if steps > MAX_STEPS {
                    return None;
                }
                let Some(rule) = &self.rule else {
                    if k > 0 {
                        return None;
                    }
                    k = 1;
                    batch.push(self.start);
                    continue;
                };
                batch = self.period(rule, k)?;
                batch.reverse();
                k = k.checked_add(1)?;
            }
        })
    }

    /// The occurrences of period `k` (the k-th day/week/month/year of the
    /// rule), earliest first.
    fn period(&self, rule: &Rule, k: i32) -> Option<Vec<DateTime>> {
        let d0 = self.start.date();
        let time = self.start.time();
        let n = k.checked_mul(rule.interval)?;
        let dates: Vec<Date> = match rule.freq {
            Freq::Daily => {
                let d = d0.checked_add(n.days()).ok()?;
                let ok = rule.weekday_ok(d) && rule.monthday_ok(d) && rule.month_ok(d);
                if ok { vec![d] } else { vec![] }
            }
            Freq::Weekly => {
                let monday = d0
                    .checked_sub(i32::from(d0.weekday().to_monday_zero_offset()).days())
                    .ok()?;
                let week = monday.checked_add((n * 7).days()).ok()?;
                let mut days: Vec<Weekday> = if rule.byday.is_empty() {
                    vec![d0.weekday()]
                } else {
                    rule.byday.iter().map(|&(_, w)| w).collect()
                };
                days.sort_by_key(|w| w.to_monday_zero_offset());
                days.dedup();
                days.iter()
                    .filter_map(|w| {
                        week.checked_add(i32::from(w.to_monday_zero_offset()).days())
                            .ok()
                    })
                    .filter(|d| *d >= d0 && rule.month_ok(*d))
                    .collect()
            }
            Freq::Monthly => {
                let first = d0.first_of_month().checked_add(n.months()).ok()?;
                if rule.month_ok(first) {
                    rule.set_positions(rule.in_month(first, d0.day()))
                } else {
                    vec![]
                }
            }
            Freq::Yearly => {
                let year = d0.year().checked_add(i16::try_from(n).ok()?)?;
                let months: Vec<i8> = if rule.bymonth.is_empty() {
                    vec![d0.month()]
                } else {
                    let mut m = rule.bymonth.clone();
                    m.sort_unstable();
                    m.dedup();
                    m
                };
                let dates = months
                    .into_iter()
                    .filter_map(|m| Date::new(year, m, 1).ok())
                    .flat_map(|first| rule.in_month(first, d0.day()))
                    .collect();
                rule.set_positions(dates)
            }
        };
        // The start is the first occurrence: nothing of its period before it.
        let dates: Vec<Date> = dates.into_iter().filter(|d| *d >= d0).collect();
        Some(dates.into_iter().map(|d| d.to_datetime(time)).collect())
    }

    /// The occurrence running at `now`: (start, end).
    pub fn occurrence_at(&self, now: Timestamp) -> Option<(Timestamp, Timestamp)> {
        for (start, dt) in self.starts() {
            if start > now {
                return None;
            }
            let end = self.end_of(dt)?;
            if now < end {
                return Some((start, end));
            }
        }
        None
    }

    /// The first start or end after `now`.
    pub fn next_edge(&self, now: Timestamp) -> Option<Timestamp> {
        let mut best: Option<Timestamp> = None;
        for (start, dt) in self.starts() {
            if start > now {
                return Some(best.map_or(start, |b| b.min(start)));
            }
            if let Some(end) = self.end_of(dt).filter(|e| *e > now) {
                best = Some(best.map_or(end, |b| b.min(end)));
            }
        }
        best
    }
}
