//! `switchboard check` and `switchboard trace`: the engine run as `watch`
//! runs it, printing its diagnostics or its SIP traffic instead of states.
//!
//! `check` asks the driver for its diagnostics every
//! [`CHECK_POLL`] until the connector status has settled and no
//! subscription is still being asked for (or the timeout passes), prints
//! one report per server and ends every subscription. Several servers
//! (one driver each) give one report each: [`check`] takes them all.
//!
//! `trace` turns the driver's live trace on and prints one line per
//! message (time, direction, method or status, Call-ID, Event, peer), the
//! whole message with `--full`; secrets are masked by `sip::trace` before
//! anything leaves the driver. It stops on SIGINT/SIGTERM/SIGHUP, ending
//! the subscriptions as `watch` does.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

use super::console::stop_signals;
use super::servers::ServerHub;
use super::sip_driver::{Clock, Command};
use crate::presence::EventKind;
use crate::sip::engine::diagnostics::{ConnectorStatus, ServerReport, SubState};
use crate::sip::events::EngineEvent;
use crate::sip::trace::TraceEntry;
use crate::store::ServerId;

/// How often `check` asks for the diagnostics.
pub const CHECK_POLL: Duration = Duration::from_millis(200);

/// What `check` found: one report per server.
pub struct CheckResult {
    pub reports: Vec<ServerReport>,
    /// The timeout passed before every server settled.
    pub timed_out: bool,
}

impl CheckResult {
    /// Every server is up and running.
    pub fn all_up(&self) -> bool {
        !self.reports.is_empty()
            && self
                .reports
                .iter()
                .all(|r| r.status == ConnectorStatus::UpAndRunning)
    }
}

/// Ask every server until each one's status settles (at most
/// `timeout`), then end the subscriptions. Reports come in the servers'
/// configuration order.
pub async fn check(mut hub: ServerHub, timeout: Duration) -> CheckResult {
    let deadline = tokio::time::Instant::now() + timeout;
    let ids: Vec<ServerId> = hub.servers().iter().map(|(id, _)| *id).collect();
    let mut last: Vec<Option<ServerReport>> = vec![None; ids.len()];
    let settled =
        |last: &[Option<ServerReport>]| last.iter().all(|r| r.as_ref().is_some_and(is_settled));
    let mut timed_out = false;
    'ask: loop {
        if hub.commands().send(Command::Diagnose).is_err() {
            break;
        }
        let next = tokio::time::Instant::now() + CHECK_POLL;
        loop {
            let ev = tokio::select! {
                ev = hub.next_event() => ev,
                () = tokio::time::sleep_until(next.min(deadline)) => break,
            };
            match ev {
                None => break 'ask,
                Some((id, EngineEvent::Diagnostics(d))) => {
                    if let Some(i) = ids.iter().position(|s| *s == id) {
                        last[i] = Some(d.report);
                    }
                    if settled(&last) {
                        break 'ask;
                    }
                }
                Some(_) => {}
            }
        }
        if tokio::time::Instant::now() >= deadline {
            timed_out = true;
            break;
        }
    }
    let d = hub.shutdown_deadline();
    hub.shutdown(d).await;
    CheckResult {
        reports: last.into_iter().flatten().collect(),
        timed_out,
    }
}

/// The status is final and, when up, no subscription is still asked for.
pub fn is_settled(r: &ServerReport) -> bool {
    r.status.is_settled()
        && (r.status != ConnectorStatus::UpAndRunning
            || r.subscriptions
                .iter()
                .all(|s| !matches!(s.state, SubState::Requesting | SubState::NotRequested)))
}

/// The report of a `check` without any server configured.
pub fn not_configured() -> CheckResult {
    CheckResult {
        reports: vec![ServerReport::not_configured("(no server)", Instant::now())],
        timed_out: false,
    }
}

/// [`format_check`] now.
pub fn check_text(result: &CheckResult) -> String {
    format_check(result, &Clock::now(), Instant::now())
}

/// The report `check` prints: per server its status (with the error and
/// since when), then per event package how many contacts are in each state.
pub fn format_check(result: &CheckResult, clock: &Clock, now: Instant) -> String {
    let mut out = String::new();
    for r in &result.reports {
        let since = clock.wall(r.since);
        let ago = now.saturating_duration_since(r.since);
        out.push_str(&format!(
            "server {}: {} (since {}, {} ago)\n",
            crate::text::harmless_line(&r.server),
            r.status.label(),
            local_time(since),
            short_duration(ago),
        ));
        if let Some(e) = &r.error {
            out.push_str(&format!(
                "  last error: {}\n",
                crate::text::harmless_line(e)
            ));
        }
        for event in [EventKind::Presence, EventKind::Dialog] {
            let counts = counts(r, event);
            if counts.is_empty() {
                continue;
            }
            let list: Vec<String> = counts.iter().map(|(l, n)| format!("{n} {l}")).collect();
            out.push_str(&format!("  {}: {}\n", event.as_str(), list.join(", ")));
        }
        for s in r.subscriptions.iter().filter(|s| s.contact.is_none()) {
            out.push_str(&format!(
                "  {} list {}: {}\n",
                s.event.as_str(),
                crate::text::harmless_line(&s.uri),
                s.state.label()
            ));
        }
    }
    if result.timed_out {
        out.push_str("(some answers were still missing when the timeout passed)\n");
    }
    out
}

/// Contacts of `event` per state, in [`SubState::LABELS`] order.
fn counts(r: &ServerReport, event: EventKind) -> Vec<(&'static str, usize)> {
    SubState::LABELS
        .iter()
        .map(|l| {
            let n = r
                .subscriptions
                .iter()
                .filter(|s| s.contact.is_some() && s.event == event && s.state.label() == *l)
                .count();
            (*l, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Print the live trace until a stop signal (or the driver ends).
pub async fn trace(
    mut driver: ServerHub,
    full: bool,
    out: &mut (impl Write + Send),
) -> anyhow::Result<()> {
    let stop = stop_signals()?;
    tokio::pin!(stop);
    let clock = Clock::now();
    let _ = driver.commands().send(Command::TraceLive(true));
    let result = loop {
        let ev = tokio::select! {
            ev = driver.next_event() => ev,
            why = &mut stop => {
                tracing::info!("{why}: ending the subscriptions");
                break Ok(());
            }
        };
        let Some((_, ev)) = ev else { break Ok(()) };
        if let EngineEvent::Trace(entry) = ev {
            let text = trace_text(&entry, &clock, full);
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    break Ok(());
                }
                break Err(e.into());
            }
        }
    };
    let d = driver.shutdown_deadline();
    driver.shutdown(d).await;
    result
}

/// One line per message (and the whole message with `full`).
pub fn trace_text(e: &TraceEntry, clock: &Clock, full: bool) -> String {
    let line = trace_line(e, local_time(clock.wall(e.at)));
    if !full {
        return line + "\n";
    }
    let body = e.text.replace("\r\n", "\n");
    format!("{line}\n{}\n\n", body.trim_end())
}

/// `10:15:02.123 -> SUBSCRIBE  call-id  presence  127.0.0.1:5060`.
pub fn trace_line(e: &TraceEntry, time: String) -> String {
    let peer = e.peer.map_or_else(|| "-".to_string(), |p| p.to_string());
    let event = if e.event.is_empty() { "-" } else { &e.event };
    let what = e.summary();
    format!(
        "{time} {} {:<28} {} {} {}",
        e.direction.arrow(),
        crate::text::harmless_line(&what),
        crate::text::harmless_line(&e.call_id),
        crate::text::harmless_line(event),
        peer
    )
}

/// `HH:MM:SS.mmm` in the local time zone.
pub fn local_time(t: SystemTime) -> String {
    match jiff::Timestamp::try_from(t) {
        Ok(ts) => ts
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%H:%M:%S%.3f")
            .to_string(),
        Err(_) => "--:--:--.---".into(),
    }
}

/// `3 s`, `4 min`, `2 h`.
pub fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::trace::{Direction, entry};

    #[test]
    fn a_trace_line_has_time_direction_what_call_id_event_and_peer() {
        let msg = "SIP/2.0 401 Unauthorized\r\nCall-ID: c1\r\nCSeq: 1 SUBSCRIBE\r\nEvent: presence\r\n\r\n";
        let peer = Some("127.0.0.1:5060".parse().unwrap());
        let e = entry(Instant::now(), Direction::In, peer, msg.as_bytes(), &[]);
        let line = trace_line(&e, "10:15:02.123".into());
        assert!(
            line.starts_with("10:15:02.123 <- 401 Unauthorized (SUBSCRIBE)"),
            "{line}"
        );
        assert!(line.ends_with("c1 presence 127.0.0.1:5060"), "{line}");
    }

    #[test]
    fn check_counts_contacts_per_package_and_state() {
        use crate::presence::ContactId;
        use crate::sip::engine::diagnostics::SubReport;
        let now = Instant::now();
        let sub = |c: u32, event, state| SubReport {
            contact: Some(ContactId(c)),
            event,
            uri: format!("sip:u{c}@x"),
            state,
            last_code: None,
            last_notify: None,
            via_list: false,
        };
        let mut r = ServerReport::not_configured("127.0.0.1:5060", now);
        r.status = ConnectorStatus::UpAndRunning;
        r.subscriptions = vec![
            sub(0, EventKind::Presence, SubState::Active),
            sub(1, EventKind::Presence, SubState::NotFound),
            sub(0, EventKind::Dialog, SubState::Active),
            sub(1, EventKind::Dialog, SubState::Active),
        ];
        let result = CheckResult {
            reports: vec![r],
            timed_out: false,
        };
        assert!(result.all_up());
        let text = format_check(&result, &Clock::now(), now);
        assert!(
            text.contains("server 127.0.0.1:5060: up and running"),
            "{text}"
        );
        assert!(
            text.contains("  presence: 1 active, 1 not found\n"),
            "{text}"
        );
        assert!(text.contains("  dialog: 2 active\n"), "{text}");
    }

    #[test]
    fn a_report_with_requests_in_flight_is_not_settled() {
        let now = Instant::now();
        let mut r = ServerReport::not_configured("s", now);
        assert!(is_settled(&r), "not configured is final");
        r.status = ConnectorStatus::Connecting;
        assert!(!is_settled(&r));
    }
}
