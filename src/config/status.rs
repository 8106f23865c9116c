//! `[status]`: one's own status — the default state, idling, what to do on
//! start and exit, the per-state command, the calendar and the profiles
//! (`[[status.profile]]`). Every value is checked here, with file, line and
//! key; durations accept `s`, `m`, `h` (`"5m"`).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::error::Src;
use super::sections::Reader;
use crate::status::state::parse_availability;
use crate::status::{Chosen, Profile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStatus {
    pub default: Option<Spanned<String>>,
    pub idle_after: Option<Spanned<String>>,
    pub on_start: Option<Spanned<String>>,
    pub on_exit: Option<Spanned<String>>,
    pub action: Option<Spanned<String>>,
    pub action_timeout: Option<Spanned<String>>,
    pub calendar: Option<Spanned<String>>,
    pub calendar_subjects: Option<bool>,
    pub calendar_refresh: Option<Spanned<String>>,
    #[serde(default)]
    pub profile: Vec<Spanned<RawProfile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    pub name: Option<Spanned<String>>,
    pub state: Option<Spanned<String>>,
    pub availability: Option<Spanned<String>>,
    pub note: Option<Spanned<String>>,
    pub duration: Option<Spanned<String>>,
}

/// What happens to our publication when the console exits (also on SIGHUP
/// and SIGTERM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnExit {
    /// Keep whatever is published (the publisher keeps it).
    Leave,
    /// Remove our publication (watchers see Offline).
    Clear,
    /// Publish this state.
    Set(Chosen),
}

/// Where the calendar comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarSource {
    File(PathBuf),
    Url(String),
}

/// The checked `[status]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusConfig {
    /// Published when an until passes (Available unless configured).
    pub default: Chosen,
    /// Inactive after this long without a key press (zero: never).
    pub idle_after: Duration,
    /// Set when the console starts (None: leave what is published).
    pub on_start: Option<Chosen>,
    pub on_exit: OnExit,
    /// Run through `sh -c` when the own state changes.
    pub action: Option<String>,
    pub action_timeout: Duration,
    pub calendar: Option<CalendarSource>,
    /// The event's subject may be the note (off: "In a meeting until ...").
    pub calendar_subjects: bool,
    pub calendar_refresh: Duration,
    pub profiles: Vec<Profile>,
}

impl Default for StatusConfig {
    fn default() -> Self {
        StatusConfig {
            default: Chosen::Available,
            idle_after: Duration::from_secs(300),
            on_start: None,
            on_exit: OnExit::Leave,
            action: None,
            action_timeout: Duration::from_secs(10),
            calendar: None,
            calendar_subjects: false,
            calendar_refresh: Duration::from_secs(900),
            profiles: Vec::new(),
        }
    }
}

/// The example value of each `[status]` key (for messages and the test
/// that the example file shows every key).
pub(super) fn example(path: &str) -> Option<&'static str> {
    Some(match path {
        "status" => "[status] with idle_after = \"5m\"",
        "status.default" => "default = \"available\"",
        "status.idle_after" => "idle_after = \"5m\"",
        "status.on_start" => "on_start = \"available\"",
        "status.on_exit" => "on_exit = \"clear\"",
        "status.action" => "action = \"/usr/local/bin/pbx-dnd\"",
        "status.action_timeout" => "action_timeout = \"10s\"",
        "status.calendar" => "calendar = \"~/calendar.ics\"",
        "status.calendar_subjects" => "calendar_subjects = false",
        "status.calendar_refresh" => "calendar_refresh = \"15m\"",
        "status.profile" => "one [[status.profile]] table per profile",
        "status.profile.name" => "name = \"Lunch\"",
        "status.profile.state" => "state = \"away\"",
        "status.profile.availability" => "availability = \"break\"",
        "status.profile.note" => "note = \"Back at 13:00\"",
        "status.profile.duration" => "duration = \"45m\"",
        _ => return None,
    })
}

const STATES: &str = "available, chat, busy, dnd, away, xa, offline (appear offline)";

/// Reads and checks `[status]`; errors go to `r` (defaults stand in).
pub(super) fn check(r: &mut Reader<'_, '_>) -> StatusConfig {
    let d = StatusConfig::default();
    let Some(raw) = r.table::<RawStatus>("status").map(Spanned::into_inner) else {
        return d;
    };
    let src = r.src;
    let state = |r: &mut Reader<'_, '_>, v: &Spanned<String>, key: &str| {
        r.keep(
            Chosen::parse(v.get_ref())
                .map_err(|_| src.invalid(v.span(), key, format!("expected one of {STATES}"))),
        )
    };
    let default = raw
        .default
        .as_ref()
        .and_then(|v| state(r, v, "status.default"))
        .unwrap_or(d.default);
    let on_start = raw.on_start.as_ref().and_then(|v| {
        if v.get_ref().trim().eq_ignore_ascii_case("leave") {
            return None;
        }
        state(r, v, "status.on_start")
    });
    let on_exit = match raw.on_exit.as_ref() {
        None => OnExit::Leave,
        Some(v) => match v.get_ref().trim().to_ascii_lowercase().as_str() {
            "leave" => OnExit::Leave,
            "clear" => OnExit::Clear,
            _ => r
                .keep(Chosen::parse(v.get_ref()).map_err(|_| {
                    src.invalid(
                        v.span(),
                        "status.on_exit",
                        format!("expected leave, clear, or one of {STATES}"),
                    )
                }))
                .map_or(OnExit::Leave, OnExit::Set),
        },
    };
    let action = raw
        .action
        .as_ref()
        .map(|a| a.get_ref().trim().to_string())
        .filter(|a| !a.is_empty());
    let calendar = raw.calendar.as_ref().map(|c| calendar(c.get_ref()));
    StatusConfig {
        default,
        idle_after: duration(r, src, raw.idle_after.as_ref(), "status.idle_after", true)
            .unwrap_or(d.idle_after),
        on_start,
        on_exit,
        action,
        action_timeout: duration(
            r,
            src,
            raw.action_timeout.as_ref(),
            "status.action_timeout",
            false,
        )
        .unwrap_or(d.action_timeout),
        calendar,
        calendar_subjects: raw.calendar_subjects.unwrap_or(false),
        calendar_refresh: duration(
            r,
            src,
            raw.calendar_refresh.as_ref(),
            "status.calendar_refresh",
            false,
        )
        .unwrap_or(d.calendar_refresh),
        profiles: profiles(r, src, &raw.profile),
    }
}

fn calendar(v: &str) -> CalendarSource {
    let v = v.trim();
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return CalendarSource::Url(v.to_string());
    }
    let path = match (v.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(v),
    };
    CalendarSource::File(path)
}

/// A duration with s/m/h; `zero_ok`: "0" switches the feature off.
fn duration(
    r: &mut Reader<'_, '_>,
    src: &Src<'_>,
    v: Option<&Spanned<String>>,
    key: &str,
    zero_ok: bool,
) -> Option<Duration> {
    let v = v?;
    let text = v.get_ref().trim();
    if zero_ok && (text == "0" || text.eq_ignore_ascii_case("off")) {
        return Some(Duration::ZERO);
    }
    r.keep(crate::status::when::parse_duration(text, false).ok_or_else(|| {
        let off = if zero_ok { " (or \"off\")" } else { "" };
        src.invalid(
            v.span(),
            key,
            format!("{text:?} is not a duration: a number with s, m or h like \"30s\", \"5m\", \"1h\"{off}"),
        )
    }))
}

fn profiles(r: &mut Reader<'_, '_>, src: &Src<'_>, raw: &[Spanned<RawProfile>]) -> Vec<Profile> {
    let mut out: Vec<Profile> = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        let key = |k: &str| format!("status.profile[{}].{k}", i + 1);
        let span = p.span();
        let p = p.get_ref();
        let Some(name) = p
            .name
            .as_ref()
            .map(|n| crate::text::line(n.get_ref().trim(), 40).into_owned())
            .filter(|n| !n.is_empty())
        else {
            r.push(src.missing(span, key("name"), "name = \"Lunch\""));
            continue;
        };
        if out.iter().any(|o| o.name.eq_ignore_ascii_case(&name)) {
            let at = p.name.as_ref().map_or(span.clone(), |n| n.span());
            r.push(src.invalid(
                at,
                key("name"),
                format!("a second profile named {name:?}: names must differ"),
            ));
            continue;
        }
        let Some(state_v) = p.state.as_ref() else {
            r.push(src.missing(span, key("state"), "state = \"away\""));
            continue;
        };
        let Some(state) = r.keep(Chosen::parse(state_v.get_ref()).map_err(|_| {
            src.invalid(
                state_v.span(),
                key("state"),
                format!("expected one of {STATES}"),
            )
        })) else {
            continue;
        };
        let duration = match p.duration.as_ref() {
            None => None,
            Some(v) => match crate::status::when::parse_duration(v.get_ref().trim(), true) {
                Some(d) => Some(d),
                None => {
                    r.push(src.invalid(
                        v.span(),
                        key("duration"),
                        "expected a duration like \"45m\", \"2h\", \"1d\"",
                    ));
                    continue;
                }
            },
        };
        out.push(Profile {
            name,
            state,
            availability: p
                .availability
                .as_ref()
                .map(|a| parse_availability(a.get_ref())),
            note: p
                .note
                .as_ref()
                .map(|n| crate::text::line(n.get_ref().trim(), 200).into_owned())
                .filter(|n| !n.is_empty()),
            duration,
        });
    }
    out
}
