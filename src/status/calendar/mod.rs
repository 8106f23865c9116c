//! A person's calendar (ICS, RFC 5545) → the busy and out-of-office spans
//! the automatic status uses.
//!
//! Our own small reader, not a crate: of the maintained ones, `icalendar`
//! parses but does not expand recurrences, and `rrule` brings `chrono` and
//! `chrono-tz` for one job `jiff` (already ours for `--until`) does. What a
//! presence status needs is small: VEVENT's DTSTART/DTEND/DURATION (UTC,
//! TZID or floating, all-day dates), TRANSP, STATUS, the Outlook busy status
//! (`X-MICROSOFT-CDO-BUSYSTATUS`: FREE, BUSY, TENTATIVE, OOF), SUMMARY,
//! EXDATE, RECURRENCE-ID (a moved occurrence replaces its original) and
//! RRULE with FREQ DAILY/WEEKLY/MONTHLY/YEARLY, INTERVAL, COUNT, UNTIL,
//! BYDAY (plain weekdays for every frequency; with an ordinal such as `2MO`
//! or `-1FR` — within the month — for MONTHLY, and YEARLY with BYMONTH),
//! BYMONTHDAY (`15`, `-1`: the last day), BYMONTH and BYSETPOS (MONTHLY,
//! YEARLY: "the last workday" is `BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1`).
//! Refused, with the line named: BYDAY/BYMONTHDAY in a YEARLY rule without
//! BYMONTH (days of the whole year), BYWEEKNO, BYYEARDAY, BYHOUR and
//! smaller. Recurrences expand in the event's own zone, so a 09:00 meeting
//! stays at 09:00 across a DST change. An RRULE part we do not know is an
//! error naming the line, never a silently wrong calendar.
//!
//! Pure: text and a time zone in, spans out; fetching is the runtime's.

mod parse;
mod rrule;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_rules;

use jiff::Timestamp;

pub use parse::parse;

/// What an event means for the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    Busy,
    OutOfOffice,
}

/// One occurrence of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: Timestamp,
    pub end: Timestamp,
    pub kind: EventKind,
    /// The event's SUMMARY (shown only when configured).
    pub subject: Option<String>,
}

/// Why a calendar cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("calendar line {line}: {reason}")]
pub struct CalendarError {
    pub line: usize,
    pub reason: String,
}

/// The events of one calendar.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    events: Vec<rrule::Event>,
}

impl Calendar {
    /// The event running at `now` (out of office before busy, then the one
    /// that ends last).
    pub fn active_at(&self, now: Timestamp) -> Option<Span> {
        self.events
            .iter()
            .filter_map(|e| e.occurrence_at(now).map(|(s, end)| (e, s, end)))
            .max_by_key(|(e, _, end)| (e.kind, *end))
            .map(|(e, start, end)| Span {
                start,
                end,
                kind: e.kind,
                subject: e.subject.clone(),
            })
    }

    /// The next instant after `now` at which an event starts or ends.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        self.events.iter().filter_map(|e| e.next_edge(now)).min()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
