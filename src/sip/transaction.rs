//! RFC 3261 17.1.2 non-INVITE client transactions (Timers E, F, K), and
//! the server-side cache of final responses, sans-IO: every call takes
//! `now`, nothing here reads a clock.

mod cache;
#[cfg(test)]
mod tests;

pub use cache::{ResponseCache, server_key};

use std::time::{Duration, Instant};

/// The RFC 3261 timer base values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// RTT estimate, 500 ms.
    pub t1: Duration,
    /// Maximum retransmit interval for non-INVITE requests, 4 s.
    pub t2: Duration,
    /// Maximum time a message stays in the network, 5 s.
    pub t4: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxState {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// What the caller does after [`ClientTransaction::handle_timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerAction {
    /// Nothing to do (no timer was due, or Timer K ended the transaction).
    None,
    /// Timer E: send the same request bytes again.
    Retransmit,
    /// Timer F: no final response in 64*T1; the transaction is terminated.
    /// Reported once.
    TimedOut,
}

/// One non-INVITE client transaction.
#[derive(Debug, Clone)]
pub struct ClientTransaction {
    timers: Timers,
    reliable: bool,
    state: TxState,
    /// Timer E: the next retransmission and the interval it was set with.
    timer_e: Option<(Instant, Duration)>,
    timer_f: Instant,
    timer_k: Option<Instant>,
    retransmissions: u32,
}

impl ClientTransaction {
    /// The caller sends the request once itself right after creating
    /// this. Over a reliable transport (TCP) there is no Timer E (no
    /// retransmission) and Timer K is 0.
    pub fn new(now: Instant, reliable: bool, timers: Timers) -> Self {
        ClientTransaction {
            timers,
            reliable,
            state: TxState::Trying,
            timer_e: (!reliable).then(|| (now + timers.t1, timers.t1)),
            timer_f: now + timers.t1 * 64,
            timer_k: None,
            retransmissions: 0,
        }
    }

    /// A response for this transaction. 1xx: Trying -> Proceeding (the
    /// pending Timer E still fires, then retransmissions come every T2,
    /// RFC 3261 17.1.2.2). >= 200: -> Completed, with Timer K = T4 over
    /// UDP; over TCP K is 0, so the state goes straight to Terminated.
    ///
    /// Returns true only for the first final response: retransmitted
    /// finals (and anything after the end) return false, so the caller
    /// ignores duplicates.
    pub fn on_response(&mut self, now: Instant, status: u16) -> bool {
        match self.state {
            TxState::Trying | TxState::Proceeding if status < 200 => {
                self.state = TxState::Proceeding;
                false
            }
            TxState::Trying | TxState::Proceeding => {
                self.timer_e = None;
                if self.reliable {
                    self.state = TxState::Terminated;
                } else {
                    self.state = TxState::Completed;
                    self.timer_k = Some(now + self.timers.t4);
                }
                true
            }
            TxState::Completed | TxState::Terminated => false,
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called;
    /// `None` once terminated.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            TxState::Trying | TxState::Proceeding => Some(match self.timer_e {
                Some((e, _)) => e.min(self.timer_f),
                None => self.timer_f,
            }),
            TxState::Completed => self.timer_k,
            TxState::Terminated => None,
        }
    }

    /// Runs the timers due at `now`. Timer F wins over a Timer E due at the
    /// same time. After a late wake-up only one retransmission is asked
    /// for, and the next one is scheduled from `now`.
    pub fn handle_timeout(&mut self, now: Instant) -> TimerAction {
        match self.state {
            TxState::Trying | TxState::Proceeding => {
                if now >= self.timer_f {
                    self.state = TxState::Terminated;
                    self.timer_e = None;
                    return TimerAction::TimedOut;
                }
                match self.timer_e {
                    Some((due, interval)) if now >= due => {
                        let next = if self.state == TxState::Proceeding {
                            self.timers.t2
                        } else {
                            (interval * 2).min(self.timers.t2)
                        };
                        self.timer_e = Some((now + next, next));
                        self.retransmissions += 1;
                        TimerAction::Retransmit
                    }
                    _ => TimerAction::None,
                }
            }
            TxState::Completed => {
                if self.timer_k.is_some_and(|k| now >= k) {
                    self.state = TxState::Terminated;
                    self.timer_k = None;
                }
                TimerAction::None
            }
            TxState::Terminated => TimerAction::None,
        }
    }

    pub fn state(&self) -> TxState {
        self.state
    }

    pub fn is_terminated(&self) -> bool {
        self.state == TxState::Terminated
    }

    /// How many times Timer E asked for a retransmission.
    pub fn retransmissions(&self) -> u32 {
        self.retransmissions
    }
}
