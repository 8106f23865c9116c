//! What is published: the chosen state, or one formed automatically.
//!
//! The rules (ProCall's): a manual state other than Available/Chat wins over
//! the calendar; a running busy event gives Busy with "In a meeting until
//! 14:30" (never the subject unless configured), an out-of-office event
//! Away; an event never applies a profile. Inactive is formed after
//! `idle_after` without a key press, only over an Available result (a
//! person who said Busy stays Busy), and ends on the next key.

use std::time::{Duration, Instant};

use jiff::{Timestamp, Zoned};

use super::calendar::{EventKind, Span};
use super::{Chosen, OwnStatus};
use crate::presence::{Availability, Presence};

/// Where the published state comes from (the "why").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The person chose it.
    Chosen,
    /// No key press for `idle_after`.
    Idle,
    /// A calendar event is running.
    Calendar,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Chosen => "chosen",
            Source::Idle => "idle",
            Source::Calendar => "calendar",
        }
    }
}

/// The status we publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub presence: Presence,
    /// An `<rpid:other>` refining it (`chat`, `extended-away`).
    pub other: Option<&'static str>,
    pub availability: Option<Availability>,
    pub note: Option<String>,
    pub until: Option<Timestamp>,
    pub source: Source,
}

impl Published {
    /// Exactly what the person chose.
    pub fn chosen(s: &OwnStatus) -> Self {
        Published {
            presence: s.state.presence(),
            other: match s.state {
                Chosen::Chat => Some("chat"),
                Chosen::ExtendedAway => Some("extended-away"),
                _ => None,
            },
            availability: s.availability.clone(),
            note: s.note.clone(),
            until: s.until,
            source: Source::Chosen,
        }
    }
}

/// The published status for the chosen one, the running calendar event
/// (if any) and idleness, at `now`. `subjects`: the event's subject may be
/// the note (configured).
pub fn resolve(
    chosen: &OwnStatus,
    event: Option<&Span>,
    idle: bool,
    subjects: bool,
    now: &Zoned,
) -> Published {
    let manual_wins = !matches!(chosen.state, Chosen::Available | Chosen::Chat);
    let mut out = match event {
        Some(ev) if !manual_wins => from_event(ev, subjects, now),
        _ => Published::chosen(chosen),
    };
    if idle && out.presence == Presence::Available {
        out = Published {
            presence: Presence::Inactive,
            other: None,
            source: Source::Idle,
            ..out
        };
    }
    out
}

fn from_event(ev: &Span, subjects: bool, now: &Zoned) -> Published {
    let until = super::when::show(ev.end, now);
    let subject = ev.subject.as_deref().filter(|_| subjects);
    let (presence, availability, note) = match ev.kind {
        EventKind::Busy => (
            Presence::Busy,
            None,
            match subject {
                Some(s) => format!("{s} until {until}"),
                None => format!("In a meeting until {until}"),
            },
        ),
        EventKind::OutOfOffice => (
            Presence::Away,
            None,
            match subject {
                Some(s) => format!("{s} until {until}"),
                None => format!("Out of office until {until}"),
            },
        ),
    };
    Published {
        presence,
        other: None,
        availability,
        note: Some(note),
        until: Some(ev.end),
        source: Source::Calendar,
    }
}

/// The idle timer: Inactive after `after` without a key press. Pure: the
/// console's update passes the fake or real `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleTimer {
    pub after: Duration,
    last_key: Instant,
}

impl IdleTimer {
    pub fn new(after: Duration, now: Instant) -> Self {
        IdleTimer {
            after,
            last_key: now,
        }
    }

    /// A key was pressed.
    pub fn key(&mut self, now: Instant) {
        self.last_key = now;
    }

    pub fn is_idle(&self, now: Instant) -> bool {
        !self.after.is_zero() && now >= self.deadline()
    }

    /// When idleness begins (if no key comes).
    pub fn deadline(&self) -> Instant {
        self.last_key + self.after
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::calendar::{EventKind, Span};

    fn now() -> Zoned {
        "2026-12-05T14:00:00+01:00[Europe/Berlin]"
            .parse()
            .expect("zoned")
    }

    fn meeting(kind: EventKind) -> Span {
        Span {
            start: "2026-12-05T12:30:00Z".parse().expect("ts"),
            end: "2026-12-05T13:30:00Z".parse().expect("ts"),
            kind,
            subject: Some("Salary talks".into()),
        }
    }

    #[test]
    fn a_busy_event_gives_busy_without_the_subject() {
        let p = resolve(
            &OwnStatus::plain(Chosen::Available),
            Some(&meeting(EventKind::Busy)),
            false,
            false,
            &now(),
        );
        assert_eq!(p.presence, Presence::Busy);
        assert_eq!(p.note.as_deref(), Some("In a meeting until 14:30"));
        assert_eq!(p.source, Source::Calendar);
        let with = resolve(
            &OwnStatus::plain(Chosen::Available),
            Some(&meeting(EventKind::Busy)),
            false,
            true,
            &now(),
        );
        assert_eq!(with.note.as_deref(), Some("Salary talks until 14:30"));
    }

    #[test]
    fn out_of_office_gives_away_and_a_manual_state_wins() {
        let oof = meeting(EventKind::OutOfOffice);
        let p = resolve(
            &OwnStatus::plain(Chosen::Chat),
            Some(&oof),
            false,
            false,
            &now(),
        );
        assert_eq!(p.presence, Presence::Away);
        let dnd = resolve(
            &OwnStatus::plain(Chosen::Dnd),
            Some(&oof),
            false,
            false,
            &now(),
        );
        assert_eq!((dnd.presence, dnd.source), (Presence::Dnd, Source::Chosen));
    }

    #[test]
    fn idle_turns_available_into_inactive_but_not_busy() {
        let p = resolve(
            &OwnStatus::plain(Chosen::Available),
            None,
            true,
            false,
            &now(),
        );
        assert_eq!((p.presence, p.source), (Presence::Inactive, Source::Idle));
        let b = resolve(&OwnStatus::plain(Chosen::Busy), None, true, false, &now());
        assert_eq!(b.presence, Presence::Busy);
    }

    #[test]
    fn idle_timer_starts_after_the_last_key() {
        let t0 = Instant::now();
        let mut t = IdleTimer::new(Duration::from_secs(300), t0);
        assert!(!t.is_idle(t0 + Duration::from_secs(299)));
        assert!(t.is_idle(t0 + Duration::from_secs(300)));
        t.key(t0 + Duration::from_secs(301));
        assert!(!t.is_idle(t0 + Duration::from_secs(302)));
    }
}
