//! The driver's UDP side: datagrams read in batches, and the send backlog
//! a full socket leaves.

use std::io;
use std::net::SocketAddr;

use super::*;

impl Driver {
    /// The datagram that woke us, then whatever else the socket already
    /// holds (up to [`UDP_BATCH`]): one wake-up per datagram cannot keep
    /// up with a NOTIFY flood, and while quitting the answers to our
    /// un-SUBSCRIBEs wait behind it in the socket.
    pub(super) fn on_udp_received(&mut self, first: io::Result<(usize, SocketAddr)>) {
        let mut r = first;
        for _ in 0..UDP_BATCH {
            if !self.on_udp_datagram(r) {
                return;
            }
            let Io::Udp { socket, buf, .. } = &mut self.io else {
                return;
            };
            r = match socket.try_recv_from(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                r => r,
            };
        }
    }

    /// One datagram (or receive error) to the engine; false after an error.
    pub(super) fn on_udp_datagram(&mut self, r: io::Result<(usize, SocketAddr)>) -> bool {
        let Io::Udp { buf, .. } = &self.io else {
            return false;
        };
        let now = Instant::now();
        match r {
            Ok((n, from)) => {
                let data = buf.get(..n).unwrap_or(&[]);
                if data.iter().all(|b| b.is_ascii_whitespace()) {
                    return true; // keepalive CRLFs
                }
                trace(
                    &mut self.trace,
                    self.trace_live,
                    &self.events,
                    Some(from),
                    data,
                );
                self.engine.handle_datagram(now, Some(from), data);
                true
            }
            Err(e) => {
                // ICMP port unreachable on a connected socket.
                tracing::warn!(error = %e, "UDP receive error");
                let why = format!("nothing answers over UDP ({e})");
                self.engine.transport_error(now, &why);
                false
            }
        }
    }

    pub(super) fn flush_udp_backlog(&mut self) {
        let Io::Udp {
            socket, backlog, ..
        } = &mut self.io
        else {
            return;
        };
        while let Some(t) = backlog.front() {
            match socket.try_send(&t.bytes) {
                Ok(_) => {
                    backlog.pop_front();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    backlog.pop_front();
                }
            }
        }
    }
}
