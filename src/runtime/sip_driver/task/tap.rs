//! The driver's diagnostics tap: every message in and out goes into the
//! SIP trace ring (masked by `sip::trace`), live to the loops when asked
//! (`switchboard trace`); the diagnostics are sent on `Command::Diagnose`.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::sync::mpsc;

use super::Driver;
use crate::sip::events::EngineEvent;
use crate::sip::trace::{Direction, Trace};

impl Driver {
    /// The engine's snapshot and the trace, as an event.
    pub(super) fn send_diagnostics(&mut self) {
        let diagnostics = crate::sip::engine::diagnostics::Diagnostics {
            report: self.engine.diagnostics(),
            trace: self.trace.entries().cloned().collect(),
        };
        let _ = self
            .events
            .send(EngineEvent::Diagnostics(Box::new(diagnostics)));
    }
}

/// Keep a message that came in (and send it out live when asked). A free
/// function: the callers still borrow the receive buffer.
pub(super) fn trace(
    trace: &mut Trace,
    live: bool,
    events: &mpsc::UnboundedSender<EngineEvent>,
    from: Option<SocketAddr>,
    bytes: &[u8],
) {
    if trace.capacity() == 0 && !live {
        return; // `trace_messages = 0`: no trace, no cost
    }
    let entry = trace.record(Instant::now(), Direction::In, from, bytes);
    if live {
        let _ = events.send(EngineEvent::Trace(Box::new(entry)));
    }
}
