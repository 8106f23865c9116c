//! Month and year rules on a fixture: BYDAY with ordinals (`-1FR`, `2MO`),
//! BYMONTHDAY (with `-1`), BYMONTH, BYSETPOS; and the combinations refused
//! with a message naming the line.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::*;

const FIXTURE: &str = include_str!("../../../tests/fixtures/calendar/monthly-rules.ics");

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("the system has tzdata")
}

fn at(local: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = local.parse().expect("civil time");
    dt.to_zoned(berlin()).expect("zoned").timestamp()
}

/// The subject of the event running at `local` (Berlin time).
fn what(local: &str) -> Option<String> {
    let c = parse(FIXTURE, &berlin()).expect("the fixture parses");
    c.active_at(at(local)).and_then(|s| s.subject)
}

fn is(local: &str, subject_starts: &str) -> bool {
    what(local).is_some_and(|s| s.starts_with(subject_starts))
}

#[test]
fn the_last_friday_of_each_month() {
    for day in [
        "2026-10-30",
        "2026-11-27",
        "2026-12-25",
        "2027-01-29",
        "2027-02-26",
    ] {
        assert!(
            is(&format!("{day}T15:30"), "Board"),
            "{day}: {:?}",
            what(&format!("{day}T15:30"))
        );
    }
    assert_eq!(what("2026-11-20T15:30"), None, "not the last Friday");
    assert_eq!(what("2026-10-23T15:30"), None, "before the start");
}

#[test]
fn the_second_monday_of_each_month() {
    for day in [
        "2026-10-12",
        "2026-11-09",
        "2026-12-14",
        "2027-01-11",
        "2027-02-08",
    ] {
        assert!(is(&format!("{day}T10:15"), "Jour fixe"), "{day}");
    }
    assert_eq!(what("2026-11-02T10:15"), None, "the first Monday");
    assert_eq!(what("2026-11-16T10:15"), None, "the third Monday");
}

#[test]
fn the_15th_and_the_last_day_five_times() {
    for day in [
        "2026-10-15",
        "2026-10-31",
        "2026-11-15",
        "2026-11-30",
        "2026-12-15",
    ] {
        assert!(is(&format!("{day}T08:10"), "Payroll"), "{day}");
    }
    assert_eq!(what("2026-11-29T08:10"), None, "not the last day");
    assert_eq!(what("2026-12-31T08:10"), None, "COUNT=5 reached");
}

#[test]
fn the_first_tuesday_of_june_and_december_is_out_of_office() {
    let c = parse(FIXTURE, &berlin()).expect("parses");
    for day in ["2026-12-01", "2027-06-01", "2027-12-07"] {
        let s = c.active_at(at(&format!("{day}T12:00"))).expect(day);
        assert_eq!(s.kind, EventKind::OutOfOffice, "{day}");
    }
    assert!(
        c.active_at(at("2026-12-08T12:00")).is_none(),
        "second Tuesday"
    );
    assert!(c.active_at(at("2027-03-02T12:00")).is_none(), "not March");
}

#[test]
fn bysetpos_minus_one_is_the_last_workday() {
    for day in [
        "2026-10-30",
        "2026-11-30",
        "2026-12-31",
        "2027-01-29",
        "2027-04-30",
    ] {
        assert!(is(&format!("{day}T17:10"), "Wrap-up"), "{day}");
    }
    assert_eq!(
        what("2026-11-27T17:10"),
        None,
        "a Friday, not the last workday"
    );
    assert_eq!(what("2027-01-31T17:10"), None, "a Sunday");
}

#[test]
fn bymonth_limits_a_monthly_rule() {
    // Every third month from November: Nov, Feb, May, Aug — August is not
    // in BYMONTH.
    for day in ["2026-11-03", "2027-02-03", "2027-05-03", "2027-11-03"] {
        assert!(is(&format!("{day}T14:30"), "Quarter close"), "{day}");
    }
    assert_eq!(what("2027-08-03T14:30"), None, "August is not in BYMONTH");
    assert_eq!(what("2026-12-03T14:30"), None, "not every month");
}

#[test]
fn the_next_change_follows_an_ordinal_rule() {
    let c = parse(FIXTURE, &berlin()).expect("parses");
    // After the jour fixe of 9 Nov, the earliest edge of all events is the
    // payroll of 15 Nov.
    assert_eq!(
        c.next_change(at("2026-11-09T11:00")),
        Some(at("2026-11-15T08:00"))
    );
}

#[test]
fn rules_we_do_not_read_are_refused_with_their_line() {
    for (rule, says) in [
        ("FREQ=WEEKLY;BYDAY=-1FR", "MONTHLY and YEARLY"),
        ("FREQ=YEARLY;BYDAY=-1SU", "BYMONTH"),
        ("FREQ=MONTHLY;BYMONTH=13", "BYMONTH"),
        ("FREQ=MONTHLY;BYDAY=6MO", "BYDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", "WEEKLY"),
        ("FREQ=DAILY;BYSETPOS=1", "BYSETPOS"),
    ] {
        let text = format!("BEGIN:VEVENT\nDTSTART:20261019T093000Z\nRRULE:{rule}\nEND:VEVENT\n");
        let e = parse(&text, &berlin()).expect_err(rule);
        assert_eq!(e.line, 3, "{rule}: {e}");
        assert!(e.reason.contains(says), "{rule}: {e}");
    }
}
