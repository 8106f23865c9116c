//! The calendar reader on a fixture with recurring, moved, excluded, free,
//! cancelled and out-of-office events, asked at chosen (fake) times.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::*;

const FIXTURE: &str = include_str!("../../../tests/fixtures/calendar/recurring.ics");

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("the system has tzdata")
}

fn cal() -> Calendar {
    parse(FIXTURE, &berlin()).expect("the fixture parses")
}

fn at(local: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = local.parse().expect("civil time");
    dt.to_zoned(berlin()).expect("zoned").timestamp()
}

fn kind_at(local: &str) -> Option<EventKind> {
    cal().active_at(at(local)).map(|s| s.kind)
}

#[test]
fn a_weekly_meeting_is_busy_on_its_days_and_times_only() {
    // Mon, Wed, Fri 09:30-09:45 Berlin time.
    assert_eq!(kind_at("2026-10-19T09:30"), Some(EventKind::Busy));
    assert_eq!(kind_at("2026-10-21T09:40"), Some(EventKind::Busy));
    assert_eq!(kind_at("2026-10-23T09:44:59"), Some(EventKind::Busy));
    assert_eq!(kind_at("2026-10-23T09:45"), None, "ends at 09:45");
    assert_eq!(kind_at("2026-10-20T09:35"), None, "not on Tuesday");
    assert_eq!(kind_at("2026-10-19T09:29"), None);
}

#[test]
fn the_meeting_keeps_its_wall_time_across_the_dst_change() {
    // 25 Oct 2026: Berlin goes from +02:00 to +01:00.
    assert_eq!(kind_at("2026-10-26T09:35"), Some(EventKind::Busy));
    assert_eq!(kind_at("2026-10-26T08:35"), None);
}

#[test]
fn exdate_removes_and_recurrence_id_moves_an_occurrence() {
    assert_eq!(kind_at("2026-11-09T09:35"), None, "EXDATE");
    assert_eq!(kind_at("2026-11-16T09:35"), None, "moved away");
    let moved = cal().active_at(at("2026-11-16T11:05")).expect("moved here");
    assert_eq!(moved.subject.as_deref(), Some("Team stand-up (moved)"));
    assert_eq!(kind_at("2026-11-18T09:35"), Some(EventKind::Busy));
}

#[test]
fn the_rule_ends_at_until_and_count() {
    assert_eq!(kind_at("2026-12-30T09:35"), Some(EventKind::Busy));
    assert_eq!(kind_at("2027-01-04T09:35"), None, "UNTIL passed");
    // Monthly review, three times from 15 Oct 13:00 UTC.
    let utc = |s: &str| s.parse::<Timestamp>().expect("ts");
    assert!(cal().active_at(utc("2026-12-15T14:00:00Z")).is_some());
    assert!(
        cal().active_at(utc("2027-01-15T14:00:00Z")).is_none(),
        "COUNT=3"
    );
}

#[test]
fn free_and_cancelled_events_are_not_busy_and_oof_is_away() {
    let utc = |s: &str| s.parse::<Timestamp>().expect("ts");
    assert!(
        cal().active_at(utc("2026-10-20T16:30:00Z")).is_none(),
        "TRANSPARENT"
    );
    assert!(
        cal().active_at(utc("2026-10-20T12:30:00Z")).is_none(),
        "CANCELLED"
    );
    assert_eq!(kind_at("2026-12-23T15:00"), Some(EventKind::OutOfOffice));
    assert_eq!(kind_at("2026-12-24T00:00"), None, "DTEND is exclusive");
}

#[test]
fn the_subject_is_unescaped_and_the_span_says_when_it_ends() {
    let s = cal().active_at(at("2026-10-19T09:31")).expect("busy");
    assert_eq!(s.subject.as_deref(), Some("Team stand-up, secret agenda"));
    assert_eq!(s.end, at("2026-10-19T09:45"));
}

#[test]
fn next_change_is_the_next_start_or_end() {
    let c = cal();
    assert_eq!(
        c.next_change(at("2026-10-19T09:00")),
        Some(at("2026-10-19T09:30"))
    );
    assert_eq!(
        c.next_change(at("2026-10-19T09:31")),
        Some(at("2026-10-19T09:45"))
    );
    assert_eq!(
        c.next_change(at("2026-10-19T09:50")),
        Some(at("2026-10-21T09:30"))
    );
}

#[test]
fn an_unknown_rule_part_names_its_line() {
    let text = "BEGIN:VEVENT\nDTSTART:20261019T093000Z\nRRULE:FREQ=WEEKLY;BYSETPOS=1\nEND:VEVENT\n";
    let e = parse(text, &berlin()).expect_err("BYSETPOS is read for MONTHLY and YEARLY only");
    assert_eq!(e.line, 3);
    assert!(e.reason.contains("BYSETPOS"), "{e}");
    let e = parse("BEGIN:VEVENT\nDTSTART:nonsense\nEND:VEVENT\n", &berlin()).expect_err("bad");
    assert!(e.to_string().contains("line 2"), "{e}");
}

#[test]
fn the_recurring_meeting_publishes_busy_only_while_it_runs() {
    use crate::presence::Presence;
    use crate::status::auto::{Source, resolve};
    use crate::status::{Chosen, OwnStatus};
    let c = cal();
    let chosen = OwnStatus::plain(Chosen::Available);
    let at_zoned = |local: &str| at(local).to_zoned(berlin());
    let published = |local: &str| {
        let now = at_zoned(local);
        resolve(
            &chosen,
            c.active_at(now.timestamp()).as_ref(),
            false,
            false,
            &now,
        )
    };
    let during = published("2026-10-21T09:31");
    assert_eq!(during.presence, Presence::Busy);
    assert_eq!(during.source, Source::Calendar);
    assert_eq!(during.note.as_deref(), Some("In a meeting until 09:45"));
    assert_eq!(published("2026-10-21T09:45").presence, Presence::Available);
    assert_eq!(
        published("2026-10-22T09:31").presence,
        Presence::Available,
        "Thursday"
    );
    assert_eq!(
        published("2026-10-23T09:30").presence,
        Presence::Busy,
        "Friday"
    );
    // A manual Busy/DND is never replaced, and an event never applies a profile.
    let dnd = OwnStatus::plain(Chosen::Dnd);
    let now = at_zoned("2026-10-21T09:31");
    let p = resolve(
        &dnd,
        c.active_at(now.timestamp()).as_ref(),
        false,
        false,
        &now,
    );
    assert_eq!((p.presence, p.source), (Presence::Dnd, Source::Chosen));
}
