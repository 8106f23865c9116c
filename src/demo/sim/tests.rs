use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::*;
use crate::body::{DialogState, Direction, Forwarding};
use crate::demo::directory;
use crate::presence::{Availability, Presence};

const HOUR: u64 = 60 * MIN;

fn office(seed: u64) -> Simulation {
    Simulation::new(directory::load(0).unwrap(), "127.0.0.1", seed, 1.0, None)
}

fn run(sim: &mut Simulation, until: u64) -> Vec<(u64, Change)> {
    sim.run_until(until);
    std::iter::from_fn(|| sim.poll_change_at()).collect()
}

#[test]
fn same_seed_gives_the_same_day() {
    let a = run(&mut office(42), 3 * HOUR);
    let b = run(&mut office(42), 3 * HOUR);
    assert!(a.len() > 500, "a lively office: {} changes in 3 h", a.len());
    assert_eq!(a, b);
    let c = run(&mut office(43), 3 * HOUR);
    assert_ne!(a, c, "another seed, another day");
}

#[test]
fn real_timing_does_not_change_the_events() {
    // Stepping in many small real-time steps or one big one gives the same
    // changes: only the simulated time matters.
    let t0 = Instant::now();
    let mut a = Simulation::new(directory::load(0).unwrap(), "127.0.0.1", 9, 60.0, None);
    let mut b = Simulation::new(directory::load(0).unwrap(), "127.0.0.1", 9, 60.0, None);
    a.start(t0);
    b.start(t0);
    let mut from_a = Vec::new();
    for i in 1..=600 {
        a.handle_timeout(t0 + Duration::from_millis(100 * i));
        from_a.extend(std::iter::from_fn(|| a.poll_change()));
    }
    b.handle_timeout(t0 + Duration::from_secs(60));
    let from_b: Vec<Change> = std::iter::from_fn(|| b.poll_change()).collect();
    assert_eq!(from_a, from_b);
    // One real minute at speed 60 is one office hour.
    assert!(from_b.len() > 100, "{}", from_b.len());
    let next = a.poll_timeout().expect("more to come");
    assert!(next >= t0 + Duration::from_secs(60));
}

#[test]
fn calls_ring_between_2_and_20_seconds_and_talk_realistically() {
    let mut sim = office(7);
    let changes = run(&mut sim, 9 * HOUR);
    let mut ring_start: HashMap<String, u64> = HashMap::new();
    let mut talk_start: HashMap<String, u64> = HashMap::new();
    let (mut rings, mut answered, mut unanswered, mut internal, mut external) = (0, 0, 0, 0, 0);
    let mut talks = Vec::new();
    for (at, change) in &changes {
        let Change::Dialogs { dialogs, .. } = change else {
            continue;
        };
        for d in dialogs {
            match d.state {
                DialogState::Early => {
                    ring_start.insert(d.id.clone(), *at);
                    if d.direction == Some(Direction::Recipient) {
                        rings += 1;
                        let remote = d.remote_identity.as_deref().unwrap_or_default();
                        if remote.contains("user=phone") {
                            external += 1;
                        } else {
                            internal += 1;
                        }
                    }
                }
                DialogState::Confirmed => {
                    let start = ring_start.remove(&d.id).expect("rang before answered");
                    let ring = at - start;
                    assert!((2 * SEC..=20 * SEC).contains(&ring), "rang {ring} ms");
                    talk_start.insert(d.id.clone(), *at);
                    answered += 1;
                }
                DialogState::Terminated => {
                    if let Some(start) = ring_start.remove(&d.id) {
                        let ring = at - start;
                        assert!(
                            (2 * SEC..=20 * SEC).contains(&ring),
                            "rang {ring} ms unanswered"
                        );
                        unanswered += 1;
                    } else if let Some(start) = talk_start.remove(&d.id) {
                        talks.push(at - start);
                    }
                }
                _ => {}
            }
            assert!(d.remote_identity.is_some(), "every call has a remote party");
        }
    }
    assert!(
        rings > 1000,
        "{rings} calls rang in a 9 h day of 200 people"
    );
    assert!(
        answered > unanswered && unanswered > rings / 20,
        "{answered} answered, {unanswered} not"
    );
    assert!(
        internal > 100 && external > 100,
        "internal {internal}, external {external}"
    );
    talks.sort_unstable();
    let median = talks[talks.len() / 2];
    assert!(
        (60 * SEC..=5 * MIN).contains(&median),
        "median conversation {median} ms"
    );
    assert!(talks.iter().all(|t| (15 * SEC..=30 * MIN).contains(t)));
}

#[test]
fn a_day_has_meetings_lunch_dnd_vacation_forwarding_faults_and_log_offs() {
    let mut sim = office(3);
    let initial: Vec<PresenceState> = (0..sim.len())
        .map(|u| sim.presence(u).unwrap().clone())
        .collect();
    let vacation = initial
        .iter()
        .find(|s| s.availability == Some(Availability::Vacation))
        .expect("someone is on vacation");
    let note = vacation.note.as_deref().unwrap();
    assert!(
        note.starts_with("On vacation until ") && note.contains("please ask"),
        "{note}"
    );
    let on_the_phone = (0..sim.len())
        .filter(|u| !sim.dialogs(*u).is_empty())
        .count();
    assert!(
        (3..40).contains(&on_the_phone),
        "{on_the_phone} on the phone at 09:00"
    );
    assert!(
        sim.poll_change().is_none(),
        "the initial office is not reported as changes"
    );
    let opening = run(&mut sim, 1000);
    let busy_at_once = opening
        .iter()
        .filter(|(_, c)| matches!(c, Change::Presence { state, .. } if state.presence != Presence::Available))
        .count();
    assert!(
        busy_at_once >= 10,
        "{busy_at_once} already in a meeting or away at 09:00"
    );
    let changes = run(&mut sim, 11 * HOUR);
    let presences: Vec<&PresenceState> = changes
        .iter()
        .filter_map(|(_, c)| match c {
            Change::Presence { state, .. } => Some(state),
            _ => None,
        })
        .collect();
    let has = |f: &dyn Fn(&PresenceState) -> bool| presences.iter().any(|s| f(s));
    let note_starts =
        |s: &PresenceState, p: &str| s.note.as_deref().is_some_and(|n| n.starts_with(p));
    assert!(has(
        &|s| s.presence == Presence::Busy && note_starts(s, "In a meeting until ")
    ));
    assert!(has(&|s| s.presence == Presence::Dnd));
    assert!(has(
        &|s| s.availability == Some(Availability::Break) && note_starts(s, "Lunch")
    ));
    assert!(has(&|s| matches!(
        s.forwarding,
        Some(Forwarding::Redirected { .. })
    )));
    assert!(has(&|s| s.forwarding == Some(Forwarding::Protected)));
    assert!(has(&|s| s.presence == Presence::Offline));
    assert!(has(
        &|s| s.presence == Presence::Available && s.forwarding.is_none()
    ));
    // By 18:00 + a bit everyone went home, and the next morning they are back.
    let offline_after_close = presences
        .iter()
        .filter(|s| s.presence == Presence::Offline)
        .count();
    assert!(offline_after_close > 150, "{offline_after_close}");
    // Faulty lines recover.
    let mut faulty: HashMap<usize, bool> = HashMap::new();
    let mut faults = 0;
    for (_, c) in &changes {
        if let Change::LineFault { user, faulty_for } = c {
            let was = faulty.insert(*user, faulty_for.is_some()).unwrap_or(false);
            assert_ne!(was, faulty_for.is_some(), "fault toggles");
            if let Some(d) = faulty_for {
                faults += 1;
                assert!((Duration::from_secs(30)..=Duration::from_secs(240)).contains(d));
            }
        }
    }
    assert!(faults >= 20, "{faults} faults in 11 h");
    assert!(
        faulty.values().filter(|f| **f).count() <= 3,
        "faults recover"
    );
}

#[test]
fn rate_mode_makes_exactly_the_asked_number_of_changes() {
    let people = directory::load(1000).unwrap();
    let mut sim = Simulation::new(people, "127.0.0.1", 1, 1.0, Some(500.0));
    let changes = run(&mut sim, 10 * SEC);
    // Ticks at 0, 2, 4 ... 10000 ms: 5001 changes, one per tick.
    assert_eq!(changes.len(), 5001);
    let kinds = changes.iter().fold([0; 2], |mut k, (_, c)| {
        match c {
            Change::Presence { .. } => k[0] += 1,
            _ => k[1] += 1,
        }
        k
    });
    assert!(kinds[0] > 1000 && kinds[1] > 1000, "{kinds:?}");
    // Speed does not change the real rate.
    let t0 = Instant::now();
    let mut fast = Simulation::new(directory::load(100).unwrap(), "x", 1, 10.0, Some(100.0));
    fast.start(t0);
    fast.handle_timeout(t0 + Duration::from_secs(2));
    assert_eq!(std::iter::from_fn(|| fast.poll_change()).count(), 201);
}
