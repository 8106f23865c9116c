//! NOTIFY: building them, sending them as client transactions
//! (retransmitted over UDP until answered), coalescing changes, and what
//! the subscriber's answer means for the subscription.

use std::time::{Duration, Instant};

use super::subscribe::Resource;
use super::{Server, Timer, Transmit};
use crate::presence::EventKind;
use crate::sip::codec::{Method, Request, Response};
use crate::sip::headers::{parse_cseq, via_branch};
use crate::sip::transaction::{ClientTransaction, TimerAction};

/// What a NOTIFY says about the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NotifyKind {
    /// `active;expires=N` with the current state.
    Update,
    /// `terminated;reason=..` with the current state; the subscription
    /// ends when it is answered.
    Final {
        reason: &'static str,
        retry_after: Option<u32>,
    },
}

impl NotifyKind {
    pub fn timeout() -> Self {
        NotifyKind::Final {
            reason: "timeout",
            retry_after: None,
        }
    }

    /// Two pending NOTIFYs become one: a final one wins.
    fn merge(self, later: NotifyKind) -> NotifyKind {
        match (self, later) {
            (NotifyKind::Final { .. }, NotifyKind::Update) => self,
            _ => later,
        }
    }
}

/// A NOTIFY waiting for its answer.
#[derive(Debug, Clone)]
pub(super) struct InFlight {
    pub branch: String,
    /// Numbers this transaction's timers.
    pub number: u64,
    pub tx: ClientTransaction,
    pub bytes: Vec<u8>,
}

impl Server {
    /// Notifies every `event` watcher of `user`.
    pub(super) fn notify_watchers(
        &mut self,
        now: Instant,
        user: usize,
        event: EventKind,
        kind: NotifyKind,
    ) {
        let Some(u) = self.users.get(user) else {
            return;
        };
        let ids: Vec<u64> = u
            .watchers
            .iter()
            .copied()
            .filter(|id| self.subs.get(id).is_some_and(|s| s.event == event))
            .collect();
        for id in ids {
            self.notify(now, id, kind);
        }
        // A list reports the member changed (a fault included) in its next
        // partial NOTIFY.
        for id in self.list_member_changed(user, event) {
            self.notify(now, id, NotifyKind::Update);
        }
    }

    /// Sends a NOTIFY now, or after the one in flight is answered.
    pub(super) fn notify(&mut self, now: Instant, id: u64, kind: NotifyKind) {
        let Some(sub) = self.subs.get_mut(&id) else {
            return;
        };
        if sub.terminating {
            return;
        }
        if sub.in_flight.is_some() {
            sub.queued = Some(match sub.queued {
                Some(q) => q.merge(kind),
                None => kind,
            });
            return;
        }
        self.send_notify(now, id, kind);
    }

    fn send_notify(&mut self, now: Instant, id: u64, kind: NotifyKind) {
        let branch = format!("z9hG4bK{}", self.token());
        let number = self.next_number();
        let Some(sub) = self.subs.get(&id) else {
            return;
        };
        let is_list = sub.list.is_some();
        let (content_type, body) = match (sub.resource, sub.event) {
            // A list's final NOTIFY carries no body.
            (_, _) if is_list && matches!(kind, NotifyKind::Final { .. }) => {
                (String::new(), Vec::new())
            }
            (Resource::List, _) => {
                let version = sub.version + 1;
                self.list_body(id, version)
            }
            (Resource::User(user), EventKind::Presence) => self.presence_body(user),
            // Never subscribed (refused with 489 in `subscribe`).
            (Resource::User(_), EventKind::Reg | EventKind::MessageSummary) => {
                (String::new(), Vec::new())
            }
            (Resource::User(user), EventKind::Dialog) => (
                "application/dialog-info+xml".into(),
                self.dialog_body(user, sub.version),
            ),
        };
        let Some(sub) = self.subs.get(&id) else {
            return;
        };
        let state = match kind {
            NotifyKind::Update => {
                let left = sub.expires_at.saturating_duration_since(now).as_secs();
                format!("active;expires={left}")
            }
            NotifyKind::Final {
                reason,
                retry_after,
            } => match retry_after {
                Some(secs) => format!("terminated;reason={reason};retry-after={secs}"),
                None => format!("terminated;reason={reason}"),
            },
        };
        let transport = sub.peer.transport;
        let mut req = Request::new(Method::Notify, sub.target.clone());
        let h = &mut req.headers;
        h.push(
            "Via",
            format!(
                "SIP/2.0/{} {};branch={branch}",
                transport.as_str(),
                self.cfg.local
            ),
        );
        h.push("Max-Forwards", "70");
        h.push("From", format!("<{}>;tag={}", sub.local_uri, sub.local_tag));
        h.push("To", format!("<{}>;tag={}", sub.remote_uri, sub.remote_tag));
        h.push("Call-ID", sub.call_id.clone());
        h.push("CSeq", format!("{} NOTIFY", sub.cseq));
        h.push("Contact", self.contact(transport));
        h.push("User-Agent", "switchboard-demo");
        match &sub.event_id {
            Some(eid) => h.push("Event", format!("{};id={eid}", sub.event.as_str())),
            None => h.push("Event", sub.event.as_str()),
        }
        h.push("Subscription-State", state);
        if is_list {
            h.push("Require", "eventlist");
        }
        if !content_type.is_empty() {
            h.push("Content-Type", content_type);
        }
        req.body = body;
        let bytes = req.to_bytes();
        let peer = sub.peer;
        let tx = ClientTransaction::new(now, transport.reliable(), self.cfg.timers);
        if let Some(at) = tx.poll_timeout() {
            self.push_timer(at, Timer::Tx(id, number));
        }
        if let Some(sub) = self.subs.get_mut(&id) {
            sub.cseq += 1;
            if sub.event == EventKind::Dialog || is_list {
                sub.version += 1;
            }
            sub.terminating = matches!(kind, NotifyKind::Final { .. });
            sub.in_flight = Some(InFlight {
                branch: branch.clone(),
                number,
                tx,
                bytes: bytes.clone(),
            });
        }
        self.by_branch.insert(branch, id);
        self.stats.notifies += 1;
        self.out.push_back(Transmit { to: peer, bytes });
    }

    /// A response: if it answers one of our NOTIFYs, the subscription
    /// goes on, sends what was queued, or ends.
    pub(super) fn on_notify_response(&mut self, now: Instant, resp: &Response) {
        let branch = resp.headers.get("Via").and_then(via_branch);
        let is_notify = resp
            .headers
            .get("CSeq")
            .and_then(|c| parse_cseq(c).ok())
            .is_some_and(|c| c.method == Method::Notify);
        let id = branch.as_ref().and_then(|b| self.by_branch.get(b)).copied();
        let (Some(branch), Some(id), true) = (branch, id, is_notify) else {
            tracing::debug!(
                status = resp.status,
                "response to no NOTIFY in flight (a retransmission?)"
            );
            return;
        };
        let Some(sub) = self.subs.get_mut(&id) else {
            self.by_branch.remove(&branch);
            return;
        };
        let Some(flight) = sub.in_flight.as_mut() else {
            return;
        };
        if !flight.tx.on_response(now, resp.status) {
            return; // provisional, or a repeated final
        }
        sub.in_flight = None;
        self.by_branch.remove(&branch);
        let status = resp.status;
        let (terminating, queued) = (sub.terminating, sub.queued.take());
        let gone = matches!(status, 404 | 408 | 410 | 481)
            || (400..500).contains(&status) && status != 491;
        if gone {
            self.stats.notify_refusals += 1;
            tracing::info!(id, status, "NOTIFY refused: subscription dropped");
            return self.remove_subscription(id);
        }
        if !(200..300).contains(&status) {
            tracing::warn!(id, status, reason = %resp.reason, "NOTIFY failed; subscription kept");
        }
        if terminating {
            return self.remove_subscription(id);
        }
        if let Some(kind) = queued {
            self.send_notify(now, id, kind);
        } else if self.list_pending(id) {
            // The next chunk of a list's member documents.
            self.send_notify(now, id, NotifyKind::Update);
        }
    }

    /// Timer E/F of a NOTIFY.
    pub(super) fn on_tx_timer(&mut self, now: Instant, id: u64, number: u64) {
        let Some(sub) = self.subs.get_mut(&id) else {
            return;
        };
        let Some(flight) = sub.in_flight.as_mut().filter(|f| f.number == number) else {
            return; // answered since
        };
        let action = flight.tx.handle_timeout(now);
        let next = flight.tx.poll_timeout();
        let (peer, bytes) = (sub.peer, flight.bytes.clone());
        match action {
            TimerAction::Retransmit => {
                self.stats.retransmissions += 1;
                self.out.push_back(Transmit { to: peer, bytes });
            }
            TimerAction::TimedOut => {
                tracing::info!(id, "NOTIFY never answered: subscription dropped");
                self.stats.notify_timeouts += 1;
                return self.remove_subscription(id);
            }
            TimerAction::None => {}
        }
        if let Some(at) = next {
            self.push_timer(
                at.max(now + Duration::from_millis(1)),
                Timer::Tx(id, number),
            );
        }
    }
}
