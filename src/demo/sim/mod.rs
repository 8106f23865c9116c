//! The simulated office: a deterministic event generator, sans-IO.
//!
//! Two modes:
//! - **day** (default): a realistic office day. Calls ring for 2–20 s and
//!   are answered or not, conversations last from 15 s to 30 min (median
//!   2.5 min), people go to meetings, lunch, focus time (DND), switch
//!   forwarding on and off, log off for an appointment and at the end of
//!   the day, go on vacation (with a note and a return date); a few lines
//!   go faulty and recover. The office clock starts at 09:00; at 18:00 the
//!   night is skipped and the next day starts at 08:00.
//! - **rate** (`--rate N`): exactly N changes per real second, each on a
//!   random person (a call ringing, answered or hung up, or a presence
//!   change) — for load tests.
//!
//! Time: the simulation runs on its own clock in milliseconds, `speed`
//! times faster than real time once [`Simulation::start`] anchors it to an
//! `Instant`. The same seed gives the same sequence of changes at the same
//! simulated times, whatever the real timing of the calls to
//! [`Simulation::handle_timeout`].

mod calendar;
mod calls;
mod office;
mod rng;

#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::body::DialogEntry;
use crate::demo::directory::Person;
use crate::demo::state::{Change, PresenceState};

pub use calls::External;
use rng::Rng;

/// One simulated second in milliseconds.
const SEC: u64 = 1000;
const MIN: u64 = 60 * SEC;

/// What the simulation does next, at a simulated time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    NextCall,
    Answer { call: u64 },
    Unanswered { call: u64 },
    Hangup { call: u64 },
    NextStatus { person: usize, day: u32 },
    StatusEnd { person: usize, epoch: u32 },
    Lunch { person: usize, day: u32 },
    NextFault,
    FaultEnd { person: usize },
    GoHome { person: usize, day: u32 },
    LogOn { person: usize, day: u32 },
    DayEnd,
    RateTick,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Scheduled {
    at: u64,
    seq: u64,
    action: Action,
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: the earliest (then the first scheduled) on top.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A person's standing situation, to which temporary statuses return.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Routine {
    Office,
    HomeOffice,
    /// Away until the morning of office day `back`; `deputy` takes the
    /// calls (forwarded to them when `forward`).
    Vacation {
        back: u32,
        deputy: usize,
        forward: bool,
    },
    /// Away on a business trip to `city` until the morning of day `back`.
    Trip {
        back: u32,
        city: usize,
    },
}

#[derive(Debug, Clone)]
struct PersonSim {
    routine: Routine,
    state: PresenceState,
    logged_on: bool,
    /// In a temporary status (meeting, lunch, ...) that `StatusEnd` ends.
    temporary: bool,
    /// Bumped by every temporary status: a stale `StatusEnd` does nothing.
    epoch: u32,
    call: Option<u64>,
    faulty: bool,
}

/// The simulated office.
#[derive(Debug)]
pub struct Simulation {
    rng: Rng,
    speed: f64,
    /// Simulated milliseconds between two changes in rate mode.
    rate_interval: Option<f64>,
    domain: String,
    people: Vec<Person>,
    persons: Vec<PersonSim>,
    calls: HashMap<u64, calls::Call>,
    next_call_id: u64,
    queue: BinaryHeap<Scheduled>,
    seq: u64,
    /// Simulated time reached so far.
    now_ms: u64,
    /// Office day number (0 = the first day) and the simulated time at which
    /// its clock showed 08:00 (negative: the first day starts at 09:00).
    day: u32,
    day_opened_at: i64,
    /// Ticks done in rate mode (to place the next one without drift).
    ticks: u64,
    start: Option<Instant>,
    out: VecDeque<(u64, Change)>,
}

impl Simulation {
    /// An office of `people` on `domain`. `speed` > 0 scales simulated time
    /// (2.0: twice as fast as real time); `rate` switches to rate mode
    /// (changes per real second).
    pub fn new(
        people: Vec<Person>,
        domain: &str,
        seed: u64,
        speed: f64,
        rate: Option<f64>,
    ) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed.clamp(1e-6, 1e6)
        } else {
            1.0
        };
        let rate_interval = rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| 1000.0 * speed / r);
        let persons = people
            .iter()
            .map(|_| PersonSim {
                routine: Routine::Office,
                state: PresenceState::available(),
                logged_on: true,
                temporary: false,
                epoch: 0,
                call: None,
                faulty: false,
            })
            .collect();
        let mut sim = Simulation {
            rng: Rng::new(seed),
            speed,
            rate_interval,
            domain: domain.to_string(),
            people,
            persons,
            calls: HashMap::new(),
            next_call_id: 1,
            queue: BinaryHeap::new(),
            seq: 0,
            now_ms: 0,
            day: 0,
            day_opened_at: -(60 * MIN as i64),
            ticks: 0,
            start: None,
            out: VecDeque::new(),
        };
        match sim.rate_interval {
            Some(_) => sim.schedule(0, Action::RateTick),
            None => sim.open_office(),
        }
        // The initial office is read with `presence` and `dialogs`.
        sim.out.clear();
        sim
    }

    /// Number of people.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The presence a person shows now (before `start`: the initial office,
    /// which is not reported as changes).
    pub fn presence(&self, user: usize) -> Option<&PresenceState> {
        self.persons.get(user).map(|p| &p.state)
    }

    /// The dialogs on a person's line now.
    pub fn dialogs(&self, user: usize) -> Vec<DialogEntry> {
        let Some(call) = self.persons.get(user).and_then(|p| p.call) else {
            return Vec::new();
        };
        self.calls
            .get(&call)
            .and_then(|c| c.entry_for(user, self))
            .into_iter()
            .collect()
    }

    /// Whether a person's line is faulty now.
    pub fn is_faulty(&self, user: usize) -> bool {
        self.persons.get(user).is_some_and(|p| p.faulty)
    }

    /// Anchors simulated time 0 at `now`. Before this, nothing happens.
    pub fn start(&mut self, now: Instant) {
        self.start = Some(now);
    }

    /// When `handle_timeout` should be called next (`None`: not started,
    /// or nothing left to do).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let start = self.start?;
        let next = self.queue.peek()?;
        start.checked_add(self.real(next.at))
    }

    /// Runs everything due by `now`; the changes are then in `poll_change`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(start) = self.start else {
            return;
        };
        let elapsed = now.saturating_duration_since(start).as_secs_f64();
        let until = (elapsed * self.speed * 1000.0) as u64;
        self.run_until(until);
    }

    /// The next change, in order.
    pub fn poll_change(&mut self) -> Option<Change> {
        self.out.pop_front().map(|(_, c)| c)
    }

    /// Runs simulated time up to `until` ms (also without `start`: tests
    /// and benchmarks step the office this way).
    pub fn run_until(&mut self, until: u64) {
        while let Some(next) = self.queue.peek() {
            if next.at > until {
                break;
            }
            let Some(item) = self.queue.pop() else { break };
            self.now_ms = item.at;
            self.act(item.action);
        }
        self.now_ms = self.now_ms.max(until);
    }

    /// Like `poll_change`, with the simulated time of the change in ms.
    pub fn poll_change_at(&mut self) -> Option<(u64, Change)> {
        self.out.pop_front()
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::NextCall => self.next_call(),
            Action::Answer { call } => self.answer(call),
            Action::Unanswered { call } | Action::Hangup { call } => self.end_call(call),
            Action::NextStatus { person, day } => self.next_status(person, day),
            Action::StatusEnd { person, epoch } => self.status_end(person, epoch),
            Action::Lunch { person, day } => self.lunch(person, day),
            Action::NextFault => self.next_fault(),
            Action::FaultEnd { person } => self.fault_end(person),
            Action::GoHome { person, day } => self.go_home(person, day),
            Action::LogOn { person, day } => self.log_on(person, day),
            Action::DayEnd => self.day_end(),
            Action::RateTick => self.rate_tick(),
        }
    }

    /// Simulated ms → real time since start.
    fn real(&self, ms: u64) -> Duration {
        Duration::try_from_secs_f64(ms as f64 / 1000.0 / self.speed).unwrap_or(Duration::MAX)
    }

    fn schedule(&mut self, delay_ms: u64, action: Action) {
        self.seq += 1;
        self.queue.push(Scheduled {
            at: self.now_ms.saturating_add(delay_ms),
            seq: self.seq,
            action,
        });
    }

    fn emit(&mut self, change: Change) {
        self.out.push_back((self.now_ms, change));
    }

    fn set_presence(&mut self, person: usize, state: PresenceState) {
        let Some(p) = self.persons.get_mut(person) else {
            return;
        };
        if p.state == state {
            return;
        }
        p.state = state.clone();
        self.emit(Change::Presence {
            user: person,
            state,
        });
    }

    fn uri_of(&self, person: usize) -> Option<String> {
        self.people.get(person).map(|p| p.uri(&self.domain))
    }
}
