//! The office day: arriving, meetings, lunch, focus time, forwarding,
//! appointments, going home, vacations, faulty lines; and rate mode.

use std::time::Duration;

use crate::body::Forwarding;
use crate::demo::state::{Change, PresenceState};
use crate::presence::{Availability, Presence};

use super::calendar::{CLOSES, date_label};
use super::{Action, MIN, Routine, SEC, Simulation};

const CITIES: [&str; 8] = [
    "Lyon",
    "München",
    "Kraków",
    "Göteborg",
    "Zürich",
    "Milano",
    "Rotterdam",
    "Wien",
];
const SHORT_AWAY: [&str; 4] = [
    "Back in 10 minutes",
    "Coffee break",
    "At the front desk",
    "Quick errand",
];

impl Simulation {
    /// The initial office (09:00 on the first day) and its schedule.
    pub(super) fn open_office(&mut self) {
        for person in 0..self.persons.len() {
            let r = self.rng.unit();
            let routine = if r < 0.04 {
                let days = 1 + self.rng.below(7) as u32;
                self.vacation(days)
            } else if r < 0.06 {
                Routine::Trip {
                    back: 1 + self.rng.below(3) as u32,
                    city: self.rng.below(CITIES.len()),
                }
            } else if r < 0.14 {
                Routine::HomeOffice
            } else {
                Routine::Office
            };
            let at_work = matches!(routine, Routine::Office | Routine::HomeOffice);
            let state = self.routine_state(&routine);
            if let Some(p) = self.persons.get_mut(person) {
                p.routine = routine;
                p.state = state;
            }
            if !at_work {
                continue;
            }
            if self.rng.chance(0.05) {
                // Not in yet: arrives within the hour.
                if let Some(p) = self.persons.get_mut(person) {
                    p.logged_on = false;
                    p.state = PresenceState::offline(None);
                }
                let delay = self.rng.range(0.0, 60.0) * MIN as f64;
                self.schedule(delay as u64, Action::LogOn { person, day: 0 });
            } else {
                self.plan_day(person);
            }
        }
        // At 09:00 some are already on the phone.
        for person in 0..self.persons.len() {
            let free = self
                .persons
                .get(person)
                .is_some_and(|p| p.logged_on && p.state.forwarding.is_none());
            if free && self.rng.chance(0.06) {
                let external = self.random_external();
                let call = if self.rng.chance(0.5) {
                    self.start_call(None, Some(person), Some(external))
                } else {
                    self.start_call(Some(person), None, Some(external))
                };
                self.answer(call);
            }
        }
        self.schedule_next_call();
        self.schedule_next_fault();
        let close = self.until_clock(CLOSES);
        self.schedule(close, Action::DayEnd);
    }

    fn vacation(&mut self, days: u32) -> Routine {
        Routine::Vacation {
            back: self.day + days,
            deputy: self.rng.below(self.people.len()),
            forward: self.rng.chance(0.5),
        }
    }

    /// What a person shows outside any temporary status.
    fn routine_state(&self, routine: &Routine) -> PresenceState {
        match routine {
            Routine::Office => PresenceState::available(),
            Routine::HomeOffice => PresenceState {
                availability: Some(Availability::HomeOffice),
                note: Some("Working from home today".into()),
                ..PresenceState::available()
            },
            Routine::Vacation {
                back,
                deputy,
                forward,
            } => {
                let deputy = self.people.get(*deputy);
                let ask = deputy.map_or(String::new(), |d| format!(", please ask {}", d.name));
                PresenceState {
                    presence: Presence::Away,
                    availability: Some(Availability::Vacation),
                    note: Some(format!(
                        "On vacation until {}{ask}",
                        date_label(back.saturating_sub(1))
                    )),
                    forwarding: forward.then(|| Forwarding::Redirected {
                        target: deputy.map(|d| d.extension.clone()),
                    }),
                }
            }
            Routine::Trip { back, city } => PresenceState {
                presence: Presence::Away,
                availability: Some(Availability::BusinessTrip),
                note: Some(format!(
                    "Business trip to {}, back on {}",
                    CITIES.get(*city).copied().unwrap_or("Lyon"),
                    date_label(*back)
                )),
                forwarding: None,
            },
        }
    }

    fn routine_state_of(&self, person: usize) -> PresenceState {
        self.persons
            .get(person)
            .map(|p| self.routine_state(&p.routine))
            .unwrap_or_else(PresenceState::available)
    }

    /// Today's status changes, lunch and going home for someone at work.
    fn plan_day(&mut self, person: usize) {
        let day = self.day;
        // When the office opens, some are already in a meeting or away.
        let first = if self.now_ms == 0 && self.rng.chance(0.15) {
            0
        } else {
            self.rng.exp(50.0 * MIN as f64) as u64 + 5 * MIN
        };
        self.schedule(first, Action::NextStatus { person, day });
        let lunch = (11 * 60 + 45) * MIN + (self.rng.range(0.0, 105.0) * MIN as f64) as u64;
        if self.clock() < lunch {
            self.schedule(self.until_clock(lunch), Action::Lunch { person, day });
        }
        let home = (16 * 60 + 45) * MIN + (self.rng.range(0.0, 74.0) * MIN as f64) as u64;
        self.schedule(self.until_clock(home), Action::GoHome { person, day });
    }

    /// Starts a temporary status for `minutes` and schedules its end.
    fn temporary(
        &mut self,
        person: usize,
        state: PresenceState,
        duration_ms: u64,
        logged_on: bool,
    ) {
        let Some(p) = self.persons.get_mut(person) else {
            return;
        };
        p.temporary = true;
        p.logged_on = logged_on;
        p.epoch += 1;
        let epoch = p.epoch;
        self.set_presence(person, state);
        self.schedule(duration_ms, Action::StatusEnd { person, epoch });
    }

    pub(super) fn next_status(&mut self, person: usize, day: u32) {
        let Some(p) = self.persons.get(person) else {
            return;
        };
        if day != self.day || (!p.logged_on && !p.temporary) {
            return; // gone home: tomorrow brings a new plan
        }
        if p.temporary || p.call.is_some() {
            let later = self.rng.range(5.0, 15.0) * MIN as f64;
            self.schedule(later as u64, Action::NextStatus { person, day });
            return;
        }
        let base = self.routine_state_of(person);
        let r = self.rng.unit();
        let (minutes, state, logged_on) = if r < 0.33 {
            let m = self.rng.range(30.0, 90.0);
            let until = self.clock_label_in((m * MIN as f64) as u64);
            (
                m,
                busy(Presence::Busy, format!("In a meeting until {until}")),
                true,
            )
        } else if r < 0.47 {
            let m = self.rng.range(20.0, 60.0);
            let until = self.clock_label_in((m * MIN as f64) as u64);
            (
                m,
                busy(Presence::Dnd, format!("Focus time until {until}")),
                true,
            )
        } else if r < 0.72 {
            let note = self.rng.pick(&SHORT_AWAY).copied().unwrap_or("Back soon");
            (
                self.rng.range(5.0, 15.0),
                busy(Presence::Away, note.to_string()),
                true,
            )
        } else if r < 0.84 {
            let mobile = format!("+49171{:07}", self.rng.below(10_000_000));
            let state = PresenceState {
                forwarding: Some(Forwarding::Redirected {
                    target: Some(mobile),
                }),
                note: Some("Calls forwarded to my mobile".into()),
                ..base
            };
            (self.rng.range(15.0, 60.0), state, true)
        } else if r < 0.88 {
            let state = PresenceState {
                forwarding: Some(Forwarding::Protected),
                ..base
            };
            (self.rng.range(15.0, 40.0), state, true)
        } else if r < 0.94 {
            // An appointment outside: logged off for a while.
            (
                self.rng.range(30.0, 120.0),
                PresenceState::offline(None),
                false,
            )
        } else {
            let m = self.rng.range(60.0, 180.0);
            let until = self.clock_label_in((m * MIN as f64) as u64);
            let state = PresenceState {
                presence: Presence::Away,
                availability: Some(Availability::BusinessTrip),
                note: Some(format!("At a customer until {until}")),
                forwarding: None,
            };
            (m, state, true)
        };
        let duration = (minutes * MIN as f64) as u64;
        self.temporary(person, state, duration, logged_on);
        let next = duration + self.rng.exp(50.0 * MIN as f64) as u64 + 5 * MIN;
        self.schedule(next, Action::NextStatus { person, day });
    }

    pub(super) fn status_end(&mut self, person: usize, epoch: u32) {
        let Some(p) = self.persons.get_mut(person) else {
            return;
        };
        if p.epoch != epoch || !p.temporary {
            return;
        }
        p.temporary = false;
        p.logged_on = true;
        let state = self.routine_state_of(person);
        self.set_presence(person, state);
    }

    pub(super) fn lunch(&mut self, person: usize, day: u32) {
        let Some(p) = self.persons.get(person) else {
            return;
        };
        if day != self.day || !p.logged_on {
            return;
        }
        if p.temporary || p.call.is_some() {
            // Lunch a little later.
            self.schedule(10 * MIN, Action::Lunch { person, day });
            return;
        }
        let minutes = self.rng.range(30.0, 50.0);
        let duration = (minutes * MIN as f64) as u64;
        let back = self.clock_label_in(duration);
        let state = PresenceState {
            presence: Presence::Away,
            availability: Some(Availability::Break),
            note: Some(format!("Lunch break, back at {back}")),
            forwarding: None,
        };
        self.temporary(person, state, duration, true);
    }

    pub(super) fn go_home(&mut self, person: usize, day: u32) {
        let Some(p) = self.persons.get_mut(person) else {
            return;
        };
        if day != self.day || (!p.logged_on && !p.temporary) {
            return;
        }
        if p.call.is_some() {
            self.schedule(5 * MIN, Action::GoHome { person, day });
            return;
        }
        p.epoch += 1;
        p.temporary = false;
        p.logged_on = false;
        self.set_presence(person, PresenceState::offline(None));
    }

    pub(super) fn log_on(&mut self, person: usize, day: u32) {
        let Some(p) = self.persons.get_mut(person) else {
            return;
        };
        if day != self.day {
            return;
        }
        p.logged_on = true;
        p.temporary = false;
        p.epoch += 1;
        let state = self.routine_state_of(person);
        self.set_presence(person, state);
        self.plan_day(person);
    }

    /// 18:00: the night is skipped; tomorrow's routines and arrivals.
    pub(super) fn day_end(&mut self) {
        self.day += 1;
        self.day_opened_at = self.now_ms as i64;
        for person in 0..self.persons.len() {
            let Some(routine) = self.persons.get(person).map(|p| p.routine.clone()) else {
                continue;
            };
            let next = match routine {
                Routine::Vacation { back, .. } | Routine::Trip { back, .. } if back <= self.day => {
                    Routine::Office
                }
                r @ (Routine::Vacation { .. } | Routine::Trip { .. }) => r,
                _ if self.rng.chance(0.01) => {
                    let days = 5 + self.rng.below(6) as u32;
                    self.vacation(days)
                }
                _ if self.rng.chance(0.10) => Routine::HomeOffice,
                _ => Routine::Office,
            };
            let at_work = matches!(next, Routine::Office | Routine::HomeOffice);
            let away_state = (!at_work).then(|| self.routine_state(&next));
            if let Some(p) = self.persons.get_mut(person) {
                p.routine = next;
            }
            match away_state {
                Some(state) => self.set_presence(person, state),
                None => {
                    let delay = self.rng.range(0.0, 90.0) * MIN as f64;
                    let day = self.day;
                    self.schedule(delay as u64, Action::LogOn { person, day });
                }
            }
        }
        self.schedule(CLOSES - super::calendar::OPENS, Action::DayEnd);
    }

    fn fault_gap_ms(&self) -> f64 {
        // About one faulty line every 10 minutes in an office of 200.
        (10 * MIN) as f64 * 200.0 / self.people.len().max(1) as f64
    }

    fn schedule_next_fault(&mut self) {
        let gap = self.rng.exp(self.fault_gap_ms()) as u64;
        self.schedule(gap.max(1), Action::NextFault);
    }

    pub(super) fn next_fault(&mut self) {
        self.schedule_next_fault();
        let pick = (0..8)
            .map(|_| self.rng.below(self.persons.len()))
            .find(|&p| {
                self.persons
                    .get(p)
                    .is_some_and(|p| !p.faulty && p.call.is_none())
            });
        let Some(person) = pick else { return };
        let secs = self.rng.range(30.0, 240.0);
        if let Some(p) = self.persons.get_mut(person) {
            p.faulty = true;
        }
        let real = Duration::try_from_secs_f64(secs / self.speed).unwrap_or(Duration::MAX);
        self.emit(Change::LineFault {
            user: person,
            faulty_for: Some(real),
        });
        self.schedule((secs * SEC as f64) as u64, Action::FaultEnd { person });
    }

    pub(super) fn fault_end(&mut self, person: usize) {
        let Some(p) = self.persons.get_mut(person) else {
            return;
        };
        if !p.faulty {
            return;
        }
        p.faulty = false;
        self.emit(Change::LineFault {
            user: person,
            faulty_for: None,
        });
    }

    /// Rate mode: exactly one change on a random person per tick.
    pub(super) fn rate_tick(&mut self) {
        let Some(interval) = self.rate_interval else {
            return;
        };
        self.ticks += 1;
        let next_at = (self.ticks as f64 * interval) as u64;
        self.schedule(next_at.saturating_sub(self.now_ms), Action::RateTick);
        let person = self.rng.below(self.persons.len());
        let Some(p) = self.persons.get(person) else {
            return;
        };
        if let Some(call) = p.call {
            let ringing = self
                .calls
                .get(&call)
                .is_some_and(|c| c.state == crate::body::DialogState::Early);
            if ringing {
                self.answer(call);
            } else {
                self.end_call(call);
            }
            return;
        }
        if self.rng.chance(0.4) {
            let external = self.random_external();
            self.start_call(None, Some(person), Some(external));
            return;
        }
        let current = p.state.clone();
        let options = [
            PresenceState::available(),
            busy(Presence::Busy, "In a meeting".into()),
            busy(Presence::Away, "Back in 10 minutes".into()),
            busy(Presence::Dnd, "Focus time".into()),
            PresenceState {
                availability: Some(Availability::HomeOffice),
                ..PresenceState::available()
            },
        ];
        let choices: Vec<&PresenceState> = options.iter().filter(|s| **s != current).collect();
        if let Some(state) = self.rng.pick(&choices).map(|s| (*s).clone()) {
            self.set_presence(person, state);
        }
    }
}

fn busy(presence: Presence, note: String) -> PresenceState {
    PresenceState {
        presence,
        note: Some(note),
        availability: None,
        forwarding: None,
    }
}
