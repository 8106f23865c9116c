//! ICS text → events (content lines, VEVENT properties, RRULE).

use std::collections::HashMap;

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::rrule::{Event, Freq, Length, Rule};
use super::{Calendar, CalendarError, EventKind};

/// One content line: name, parameters, value, and where it started.
struct Line {
    at: usize,
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Line {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn err(line: usize, reason: impl Into<String>) -> CalendarError {
    CalendarError {
        line,
        reason: reason.into(),
    }
}

/// Unfolded content lines (RFC 5545 3.1).
fn lines(text: &str) -> Vec<Line> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if let Some(rest) = raw.strip_prefix([' ', '\t']) {
            if let Some((_, last)) = out.last_mut() {
                last.push_str(rest);
            }
            continue;
        }
        if !raw.trim().is_empty() {
            out.push((i + 1, raw.to_string()));
        }
    }
    out.into_iter()
        .filter_map(|(at, l)| split(at, &l))
        .collect()
}

fn split(at: usize, l: &str) -> Option<Line> {
    let mut quoted = false;
    let colon = l.char_indices().find(|&(_, c)| {
        if c == '"' {
            quoted = !quoted;
        }
        c == ':' && !quoted
    })?;
    let (head, value) = (&l[..colon.0], &l[colon.0 + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?.trim().to_ascii_uppercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(n, v)| {
            (
                n.trim().to_ascii_uppercase(),
                v.trim_matches('"').to_string(),
            )
        })
        .collect();
    Some(Line {
        at,
        name,
        params,
        value: value.to_string(),
    })
}

/// A DATE or DATE-TIME value with its zone; `all_day` for a DATE.
fn when(l: &Line, local: &TimeZone) -> Result<(DateTime, TimeZone, bool), CalendarError> {
    let v = l.value.trim();
    let bad = || {
        err(
            l.at,
            format!("{} {v:?} is not an ICS date or date-time", l.name),
        )
    };
    if l.param("VALUE")
        .is_some_and(|p| p.eq_ignore_ascii_case("DATE"))
        || v.len() == 8
    {
        let d = Date::strptime("%Y%m%d", v).map_err(|_| bad())?;
        return Ok((d.to_datetime(Time::midnight()), local.clone(), true));
    }
    let (v, utc) = match v.strip_suffix('Z') {
        Some(v) => (v, true),
        None => (v, false),
    };
    let dt = DateTime::strptime("%Y%m%dT%H%M%S", v).map_err(|_| bad())?;
    let tz = if utc {
        TimeZone::UTC
    } else if let Some(id) = l.param("TZID") {
        TimeZone::get(id).map_err(|_| {
            err(
                l.at,
                format!(
                    "unknown time zone {:?} (an IANA name like Europe/Berlin is expected)",
                    crate::text::line(id, 60)
                ),
            )
        })?
    } else {
        local.clone()
    };
    Ok((dt, tz, false))
}

fn instant(l: &Line, local: &TimeZone) -> Result<Timestamp, CalendarError> {
    let (dt, tz, _) = when(l, local)?;
    dt.to_zoned(tz)
        .map(|z| z.timestamp())
        .map_err(|e| err(l.at, e.to_string()))
}

/// RFC 5545 3.3.6 DURATION (`PT1H30M`, `P1D`, `P2W`).
fn duration(l: &Line) -> Result<SignedDuration, CalendarError> {
    let v = l.value.trim().trim_start_matches('+');
    let bad = || {
        err(
            l.at,
            format!("DURATION {v:?} is not an ICS duration like PT1H30M"),
        )
    };
    let rest = v.strip_prefix('P').ok_or_else(bad)?;
    let mut secs: i64 = 0;
    let mut n = String::new();
    for c in rest.chars() {
        let unit = match c {
            '0'..='9' => {
                n.push(c);
                continue;
            }
            'T' => continue,
            'W' => 604_800,
            'D' => 86_400,
            'H' => 3600,
            'M' => 60,
            'S' => 1,
            _ => return Err(bad()),
        };
        let k: i64 = n.parse().map_err(|_| bad())?;
        n.clear();
        secs += k * unit;
    }
    Ok(SignedDuration::from_secs(secs))
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return None,
    })
}

fn rule(l: &Line, local: &TimeZone) -> Result<Rule, CalendarError> {
    let mut r = Rule {
        freq: Freq::Daily,
        interval: 1,
        count: None,
        until: None,
        byday: Vec::new(),
        bymonthday: Vec::new(),
        bymonth: Vec::new(),
        bysetpos: Vec::new(),
    };
    let mut freq = None;
    for part in l.value.trim().split(';').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let bad = || {
            err(
                l.at,
                format!(
                    "RRULE part {part:?} is not one we read (FREQ DAILY/WEEKLY/MONTHLY/YEARLY, INTERVAL, COUNT, UNTIL, BYDAY such as MO or -1SU, BYMONTHDAY, BYMONTH, BYSETPOS, WKST)"
                ),
            )
        };
        match k.to_ascii_uppercase().as_str() {
            "FREQ" => {
                freq = Some(match v.to_ascii_uppercase().as_str() {
                    "DAILY" => Freq::Daily,
                    "WEEKLY" => Freq::Weekly,
                    "MONTHLY" => Freq::Monthly,
                    "YEARLY" => Freq::Yearly,
                    _ => return Err(bad()),
                })
            }
            "INTERVAL" => r.interval = v.parse().ok().filter(|i| *i > 0).ok_or_else(bad)?,
            "COUNT" => r.count = Some(v.parse().map_err(|_| bad())?),
            "UNTIL" => {
                let until = Line {
                    at: l.at,
                    name: "UNTIL".into(),
                    params: vec![],
                    value: v.into(),
                };
                r.until = Some(instant(&until, local)?);
            }
            "BYDAY" => {
                for d in v.split(',') {
                    r.byday.push(ordinal_weekday(d).ok_or_else(bad)?);
                }
            }
            "BYMONTHDAY" => r.bymonthday = numbers(v, 31).ok_or_else(bad)?,
            "BYMONTH" => {
                r.bymonth = numbers(v, 12)
                    .filter(|m| m.iter().all(|m| *m > 0))
                    .ok_or_else(bad)?
            }
            "BYSETPOS" => {
                r.bysetpos = numbers(v, 127)
                    .ok_or_else(bad)?
                    .into_iter()
                    .map(i32::from)
                    .collect()
            }
            "WKST" => {}
            _ => return Err(bad()),
        }
    }
    r.freq = freq.ok_or_else(|| err(l.at, "RRULE without FREQ"))?;
    check_rule(&r).map_err(|why| err(l.at, why))?;
    Ok(r)
}

/// The combinations we read (RFC 5545 3.3.10 allows more).
fn check_rule(r: &Rule) -> Result<(), &'static str> {
    let ordinals = r.byday.iter().any(|(n, _)| *n != 0);
    match r.freq {
        Freq::Daily | Freq::Weekly if ordinals => {
            Err("a BYDAY with a number (like -1SU) is read for MONTHLY and YEARLY rules only")
        }
        Freq::Weekly if !r.bymonthday.is_empty() => {
            Err("BYMONTHDAY is not allowed in a WEEKLY rule")
        }
        Freq::Daily | Freq::Weekly if !r.bysetpos.is_empty() => {
            Err("BYSETPOS is read for MONTHLY and YEARLY rules only")
        }
        Freq::Yearly
            if r.bymonth.is_empty() && (!r.byday.is_empty() || !r.bymonthday.is_empty()) =>
        {
            Err("a YEARLY rule with BYDAY or BYMONTHDAY is read with a BYMONTH only")
        }
        _ => Ok(()),
    }
}

/// `MO`, `2MO`, `+2MO`, `-1SU`: (ordinal, weekday); ordinals ±1..±5.
fn ordinal_weekday(v: &str) -> Option<(i8, Weekday)> {
    let v = v.trim().to_ascii_uppercase();
    let split = v.len().checked_sub(2)?;
    let (n, day) = (v.get(..split)?, v.get(split..)?);
    let n: i8 = if n.is_empty() { 0 } else { n.parse().ok()? };
    (n.abs() <= 5).then_some(())?;
    Some((n, weekday(day)?))
}

/// A comma list of non-zero numbers within ±`max`.
fn numbers(v: &str, max: i8) -> Option<Vec<i8>> {
    v.split(',')
        .map(|n| {
            n.trim()
                .parse::<i8>()
                .ok()
                .filter(|n| *n != 0 && n.unsigned_abs() <= max.unsigned_abs())
        })
        .collect()
}

/// The properties of one VEVENT, by name (first wins; EXDATE all).
#[derive(Default)]
struct Props {
    one: HashMap<String, Line>,
    exdates: Vec<Line>,
    begin: usize,
}

/// Parse ICS text; floating times are in `local`.
pub fn parse(text: &str, local: &TimeZone) -> Result<Calendar, CalendarError> {
    let mut events = Vec::new();
    let mut moved: Vec<(String, Timestamp)> = Vec::new();
    let mut current: Option<Props> = None;
    let mut depth_other = 0usize;
    for l in lines(text) {
        match (
            l.name.as_str(),
            l.value.trim().to_ascii_uppercase().as_str(),
        ) {
            ("BEGIN", "VEVENT") => {
                current = Some(Props {
                    begin: l.at,
                    ..Props::default()
                })
            }
            ("END", "VEVENT") => {
                let props = current
                    .take()
                    .ok_or_else(|| err(l.at, "END:VEVENT without BEGIN"))?;
                if let Some((uid, ev, rid)) = event(props, local)? {
                    if let Some(rid) = rid {
                        moved.push((uid.clone(), rid));
                    }
                    if let Some(ev) = ev {
                        events.push((ev, uid));
                    }
                }
            }
            ("BEGIN", _) if current.is_some() => depth_other += 1,
            ("END", _) if current.is_some() && depth_other > 0 => depth_other -= 1,
            _ => {
                if let Some(p) = current.as_mut().filter(|_| depth_other == 0) {
                    if l.name == "EXDATE" {
                        p.exdates.push(l);
                    } else {
                        p.one.entry(l.name.clone()).or_insert(l);
                    }
                }
            }
        }
    }
    if let Some(p) = current {
        return Err(err(p.begin, "BEGIN:VEVENT never ends (END:VEVENT missing)"));
    }
    // A moved occurrence (RECURRENCE-ID) replaces the original one.
    let mut out = Vec::with_capacity(events.len());
    for (mut ev, uid) in events {
        if ev.rule.is_some() {
            ev.exdates
                .extend(moved.iter().filter(|(u, _)| *u == uid).map(|(_, t)| *t));
        }
        out.push(ev);
    }
    Ok(Calendar { events: out })
}

type Parsed = (String, Option<Event>, Option<Timestamp>);

/// One VEVENT → (UID, the event unless it is free/cancelled, its
/// RECURRENCE-ID).
fn event(p: Props, local: &TimeZone) -> Result<Option<Parsed>, CalendarError> {
    let get = |n: &str| p.one.get(n);
    let upper = |n: &str| get(n).map(|l| l.value.trim().to_ascii_uppercase());
    let uid = get("UID")
        .map(|l| l.value.trim().to_string())
        .unwrap_or_default();
    let rid = get("RECURRENCE-ID")
        .map(|l| instant(l, local))
        .transpose()?;
    let status = upper("STATUS");
    let busy = upper("X-MICROSOFT-CDO-BUSYSTATUS").or(upper("X-MICROSOFT-CDO-INTENDEDSTATUS"));
    let kind = match busy.as_deref() {
        Some("OOF") => Some(EventKind::OutOfOffice),
        Some("FREE") => None,
        Some(_) => Some(EventKind::Busy),
        None if upper("TRANSP").as_deref() == Some("TRANSPARENT") => None,
        None => Some(EventKind::Busy),
    };
    let Some(kind) = kind.filter(|_| status.as_deref() != Some("CANCELLED")) else {
        return Ok(Some((uid, None, rid)));
    };
    let start_line = get("DTSTART").ok_or_else(|| err(p.begin, "VEVENT without DTSTART"))?;
    let (start, tz, all_day) = when(start_line, local)?;
    let length = if let Some(end) = get("DTEND") {
        let (end_dt, end_tz, _) = when(end, local)?;
        if all_day {
            Length::Days((end_dt.date() - start.date()).get_days())
        } else {
            let s = start
                .to_zoned(tz.clone())
                .map_err(|e| err(end.at, e.to_string()))?;
            let e = end_dt
                .to_zoned(end_tz)
                .map_err(|e| err(end.at, e.to_string()))?;
            Length::Exact(e.timestamp().duration_since(s.timestamp()))
        }
    } else if let Some(d) = get("DURATION") {
        Length::Exact(duration(d)?)
    } else if all_day {
        Length::Days(1)
    } else {
        Length::Exact(SignedDuration::ZERO)
    };
    let rule = get("RRULE").map(|l| rule(l, local)).transpose()?;
    let mut exdates = Vec::new();
    for l in &p.exdates {
        for v in l.value.split(',') {
            let one = Line {
                at: l.at,
                name: "EXDATE".into(),
                params: l.params.clone(),
                value: v.into(),
            };
            exdates.push(instant(&one, local)?);
        }
    }
    let subject = get("SUMMARY").map(|l| crate::text::line(&unescape(&l.value), 120).into_owned());
    let ev = Event {
        kind,
        subject,
        start,
        tz,
        length,
        rule,
        exdates,
    };
    Ok(Some((uid, Some(ev), rid)))
}

/// RFC 5545 3.3.11 TEXT escapes.
fn unescape(v: &str) -> String {
    v.replace("\\n", " ")
        .replace("\\N", " ")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
}
