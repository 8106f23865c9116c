//! Calls in the simulated office: who calls whom, ringing, answering,
//! conversations, hanging up. One call at a time per line.

use crate::body::{DialogEntry, DialogState, Direction};
use crate::presence::Presence;

use super::{Action, MIN, SEC, Simulation};

/// A party outside the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    /// E.164 number, e.g. `+4930555012345`.
    pub number: String,
    /// The caller's name when the network delivers one.
    pub display: Option<String>,
}

/// Companies and people calling in from outside (some names need XML
/// escaping on purpose).
const EXTERNAL_NAMES: [&str; 12] = [
    "Meyer & Söhne GmbH",
    "Bäckerei Schröder",
    "Dr. Elif Kaya",
    "Hôtel du Lac",
    "ACME Logistics \"Nord\"",
    "Taxi Zentrale",
    "Stadtwerke",
    "Nordlicht Consulting",
    "José Pereira",
    "O'Brien & Partners",
    "Ευτυχία Λάμπρου",
    "山田商事",
];
const PREFIXES: [&str; 6] = ["+4930", "+4989", "+4940", "+33142", "+4312", "+4179"];

#[derive(Debug, Clone)]
pub(super) struct Call {
    pub id: u64,
    /// The person whose line rings (None for an outgoing external call).
    pub callee: Option<usize>,
    /// The person who dialled (None for an incoming external call).
    pub caller: Option<usize>,
    pub external: Option<External>,
    pub state: DialogState,
}

impl Call {
    /// This call's dialog on `person`'s line, as the dialog event package
    /// describes it.
    pub fn entry_for(&self, person: usize, sim: &Simulation) -> Option<DialogEntry> {
        let (direction, other) = if self.callee == Some(person) {
            (Direction::Recipient, self.caller)
        } else if self.caller == Some(person) {
            (Direction::Initiator, self.callee)
        } else {
            return None;
        };
        let (remote_identity, remote_display) = match (other, &self.external) {
            (Some(o), _) => (sim.uri_of(o), sim.people.get(o).map(|p| p.name.clone())),
            (None, Some(ext)) => (
                Some(format!("sip:{}@{};user=phone", ext.number, sim.domain)),
                ext.display.clone(),
            ),
            (None, None) => (None, None),
        };
        let side = if direction == Direction::Recipient {
            'b'
        } else {
            'a'
        };
        Some(DialogEntry {
            id: format!("call{}{side}", self.id),
            state: self.state,
            direction: Some(direction),
            remote_identity,
            remote_display,
        })
    }

    fn parties(&self) -> impl Iterator<Item = usize> {
        self.caller.into_iter().chain(self.callee)
    }
}

impl Simulation {
    /// Mean simulated time between two calls in the whole office: each
    /// person is involved in a call about every 25 minutes.
    fn call_gap_ms(&self) -> f64 {
        (25 * MIN) as f64 / self.people.len().max(1) as f64
    }

    pub(super) fn schedule_next_call(&mut self) {
        let gap = self.rng.exp(self.call_gap_ms()) as u64;
        self.schedule(gap.max(1), Action::NextCall);
    }

    /// Whether a person can take part in a new call now.
    fn line_free(&self, person: usize) -> bool {
        self.persons
            .get(person)
            .is_some_and(|p| p.logged_on && p.call.is_none() && !p.faulty)
    }

    /// Whether a call to this person rings (no DND, no forwarding).
    fn reachable(&self, person: usize) -> bool {
        self.line_free(person)
            && self.persons.get(person).is_some_and(|p| {
                p.state.forwarding.is_none()
                    && !matches!(p.state.presence, Presence::Dnd | Presence::Offline)
            })
    }

    /// A random person satisfying `ok` (a few tries; None if unlucky).
    fn pick_person(&mut self, ok: impl Fn(&Simulation, usize) -> bool) -> Option<usize> {
        for _ in 0..8 {
            let p = self.rng.below(self.people.len());
            if ok(self, p) {
                return Some(p);
            }
        }
        None
    }

    pub(super) fn random_external(&mut self) -> External {
        let prefix = self.rng.pick(&PREFIXES).copied().unwrap_or("+4930");
        let number = format!("{prefix}{}", 1_000_000 + self.rng.below(9_000_000));
        let display = if self.rng.chance(0.6) {
            self.rng.pick(&EXTERNAL_NAMES).map(|s| s.to_string())
        } else {
            None
        };
        External { number, display }
    }

    /// A new call somewhere in the office (and the next one scheduled).
    pub(super) fn next_call(&mut self) {
        self.schedule_next_call();
        let kind = self.rng.unit();
        let (caller, callee, external) = if kind < 0.5 {
            // From outside to someone.
            let Some(callee) = self.pick_person(|s, p| s.reachable(p)) else {
                return;
            };
            (None, Some(callee), Some(self.random_external()))
        } else if kind < 0.8 {
            // Between two colleagues.
            let Some(caller) = self.pick_person(|s, p| s.line_free(p)) else {
                return;
            };
            let Some(callee) = self.pick_person(|s, p| p != caller && s.reachable(p)) else {
                return;
            };
            (Some(caller), Some(callee), None)
        } else {
            // Someone calls out.
            let Some(caller) = self.pick_person(|s, p| s.line_free(p)) else {
                return;
            };
            (Some(caller), None, Some(self.random_external()))
        };
        let answer_p = match callee
            .and_then(|c| self.persons.get(c))
            .map(|p| p.state.presence)
        {
            Some(Presence::Available) => 0.8,
            Some(Presence::Busy) => 0.3,
            Some(_) => 0.15,
            None => 0.75, // an outside party
        };
        let answered = self.rng.chance(answer_p);
        // Answered calls are picked up after 2–12 s; unanswered ones ring
        // 12–20 s before the caller gives up (or voicemail takes it).
        let ring = if answered {
            self.rng.range(2.0, 12.0)
        } else {
            self.rng.range(12.0, 20.0)
        };
        let id = self.start_call(caller, callee, external);
        let ring_ms = (ring * SEC as f64) as u64;
        let action = if answered {
            Action::Answer { call: id }
        } else {
            Action::Unanswered { call: id }
        };
        self.schedule(ring_ms, action);
    }

    /// Puts a ringing (`early`) call on the parties' lines.
    pub(super) fn start_call(
        &mut self,
        caller: Option<usize>,
        callee: Option<usize>,
        external: Option<External>,
    ) -> u64 {
        let id = self.next_call_id;
        self.next_call_id += 1;
        let call = Call {
            id,
            callee,
            caller,
            external,
            state: DialogState::Early,
        };
        for p in call.parties() {
            if let Some(person) = self.persons.get_mut(p) {
                person.call = Some(id);
            }
        }
        self.calls.insert(id, call);
        self.report_call(id);
        id
    }

    /// The callee picks up: a conversation of realistic length follows.
    pub(super) fn answer(&mut self, id: u64) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.state = DialogState::Confirmed;
        self.report_call(id);
        if self.rate_interval.is_none() {
            let talk = self.rng.lognormal(150.0, 0.9, 15.0, 1800.0);
            self.schedule((talk * SEC as f64) as u64, Action::Hangup { call: id });
        }
    }

    /// The call ends (hung up, or never answered).
    pub(super) fn end_call(&mut self, id: u64) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.state = DialogState::Terminated;
        self.report_call(id);
        if let Some(call) = self.calls.remove(&id) {
            for p in call.parties() {
                if let Some(person) = self.persons.get_mut(p)
                    && person.call == Some(id)
                {
                    person.call = None;
                }
            }
        }
    }

    /// Emits the call's current dialog on each party's line.
    fn report_call(&mut self, id: u64) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let entries: Vec<(usize, DialogEntry)> = call
            .parties()
            .filter_map(|p| call.entry_for(p, self).map(|e| (p, e)))
            .collect();
        for (user, entry) in entries {
            self.emit(crate::demo::state::Change::Dialogs {
                user,
                dialogs: vec![entry],
            });
        }
    }
}
