//! Requests from the server: NOTIFY (every one answered, retransmissions
//! too, and one that arrives before our SUBSCRIBE's 2xx), OPTIONS, and a
//! clear refusal for anything else.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::{Engine, SubId, Transmit, policy};
use crate::body::notify::{self, Notified};
use crate::presence::{EventKind, SubscriptionStatus};
use crate::sip::codec::{Method, Request, write_response_to};
use crate::sip::events::EngineEvent;
use crate::sip::headers::{
    NameAddr, SubscriptionState, TerminationReason, parse_cseq, parse_event,
    parse_subscription_state,
};

/// The answer to a request, and why (for the log). It is all the engine
/// keeps for a retransmission: the response is built again from the
/// retransmitted request (see `transaction::cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Answer {
    status: u16,
    reason: &'static str,
}

const OK: Answer = Answer {
    status: 200,
    reason: "OK",
};

const GONE: Answer = Answer {
    status: 481,
    reason: "Subscription Does Not Exist",
};

impl Engine {
    pub(super) fn on_request(&mut self, now: Instant, from: Option<SocketAddr>, req: Request) {
        // The transaction key, hashed without building its string
        // (`transaction::cache`): this runs for every NOTIFY.
        let key = self.responses.key_of(&req);
        tracing::debug!(
            method = req.method.as_str(),
            call_id = req.headers.get("Call-ID").unwrap_or(""),
            key = ?key,
            "request"
        );
        if let Some(&answer) = key.and_then(|k| self.responses.get_hashed(k)) {
            tracing::debug!("retransmitted request: the same answer again");
            // A retransmission: the same answer again, nothing else.
            let bytes = self.answer_bytes(&req, answer);
            self.transmits.push_back(Transmit { to: from, bytes });
            return;
        }
        self.server_heard(now);
        let answer = match req.method {
            Method::Notify => self.on_notify(now, &req),
            Method::Options => OK,
            Method::Ack => return, // never answered
            _ => Answer {
                status: 405,
                reason: "Method Not Allowed",
            },
        };
        tracing::debug!(status = answer.status, "answered");
        let bytes = self.answer_bytes(&req, answer);
        if let Some(k) = key {
            self.responses.insert_hashed(now, k, answer);
            self.arm_responses_timer();
        }
        self.transmits.push_back(Transmit { to: from, bytes });
    }

    /// The response `answer` to `req`, as bytes to send: written straight
    /// into one buffer (no `Response` built), the same bytes as
    /// `response_to` plus the extra headers would give.
    fn answer_bytes(&self, req: &Request, answer: Answer) -> Vec<u8> {
        let ua = ("User-Agent", self.cfg.user_agent.as_str());
        match answer.status {
            405 => write_response_to(
                req,
                answer.status,
                answer.reason,
                &[("Allow", "NOTIFY, OPTIONS"), ua],
            ),
            489 => {
                let all = EventKind::ALL.map(EventKind::as_str).join(", ");
                write_response_to(
                    req,
                    answer.status,
                    answer.reason,
                    &[("Allow-Events", all.as_str()), ua],
                )
            }
            _ => write_response_to(req, answer.status, answer.reason, &[ua]),
        }
    }

    fn on_notify(&mut self, now: Instant, req: &Request) -> Answer {
        let bad = |reason: &'static str| Answer {
            status: 400,
            reason,
        };
        let Some(event) = req.headers.get("Event").and_then(|v| parse_event(v).ok()) else {
            return bad("Missing or bad Event header");
        };
        let kind = match event.kind() {
            Some(kind) => kind,
            None => {
                tracing::warn!(
                    package = event.package,
                    "NOTIFY for an event we never subscribed to"
                );
                return Answer {
                    status: 489,
                    reason: "Bad Event",
                };
            }
        };
        let Some(call_id) = req.headers.get("Call-ID") else {
            return bad("Missing Call-ID");
        };
        let to = req.headers.get("To").and_then(|v| NameAddr::parse(v).ok());
        let to_tag = to.as_ref().and_then(NameAddr::tag);
        let i = match self.by_call_id.get(call_id) {
            Some(&i)
                if Some(&*self.subs[i].dialog.local_tag) == to_tag
                    && self.subs[i].event == kind =>
            {
                i
            }
            _ => return GONE,
        };
        if self.is_test(i) {
            // Only the test subscription keeps its messages: no copy of
            // every NOTIFY otherwise.
            self.capture_test_message(i, &req.to_bytes(), true);
        }
        let Some(state) = req
            .headers
            .get("Subscription-State")
            .and_then(|v| parse_subscription_state(v).ok())
        else {
            return bad("Missing or bad Subscription-State");
        };
        // Order: a NOTIFY older than the last one is answered, not applied.
        let cseq = req
            .headers
            .get("CSeq")
            .and_then(|v| parse_cseq(v).ok())
            .map(|c| c.seq);
        let epoch = self.subs.epoch();
        let sub = &mut self.subs[i];
        if let (Some(seq), Some(last)) = (cseq, sub.dialog.remote_cseq)
            && seq <= last
        {
            tracing::debug!(uri = %sub.uri, seq, last, "out-of-order NOTIFY ignored");
            return OK;
        }
        sub.dialog.remote_cseq = cseq.or(sub.dialog.remote_cseq);
        sub.got_notify = true;
        sub.set_last_notify(epoch, now);
        if sub.dialog.remote_tag.is_none() {
            // NOTIFY before the SUBSCRIBE's 2xx: the dialog starts here,
            // with the NOTIFY's Record-Route as its route set (in order).
            let from = req
                .headers
                .get("From")
                .and_then(|v| NameAddr::parse(v).ok());
            sub.dialog.remote_tag = from.as_ref().and_then(|n| n.tag().map(Box::from));
            sub.dialog.route_set =
                super::sub::record_routes(req.headers.get_all("Record-Route")).into();
        }
        if let Some(c) = req
            .headers
            .get("Contact")
            .and_then(|v| NameAddr::parse(v).ok())
        {
            sub.dialog.remote_target = Some(c.uri.into());
        }
        if self.shutting_down {
            return self.notify_while_quitting(i, state, now);
        }
        if self.is_list(i) {
            self.apply_list_notify(i, kind, req, &state, now);
        } else {
            self.apply_notify_body(i, kind, req, &state, now);
        }
        self.apply_substate(i, state, now);
        OK
    }

    /// Quitting: what the body says is shown to nobody, so it is never
    /// read. A final NOTIFY (terminated) gets 200 and ends its dialog
    /// (RFC 6665 4.1.2.3). Any other NOTIFY belongs to a subscription we are
    /// ending: 481 (RFC 6665 4.1.3, 4.2.2) makes the notifier remove it at
    /// once — Kamailio's presence module and our demo server do — so under
    /// a flood of NOTIFYs every one of them ends a subscription instead of
    /// keeping it alive, and no un-SUBSCRIBE is needed for it any more.
    fn notify_while_quitting(
        &mut self,
        i: SubId,
        state: SubscriptionState,
        now: Instant,
    ) -> Answer {
        if matches!(state, SubscriptionState::Terminated { .. }) {
            self.apply_substate(i, state, now);
            return OK;
        }
        tracing::debug!(uri = %self.subs[i].uri, "NOTIFY while quitting: 481 ends the subscription");
        self.forget_dialog(i);
        GONE
    }

    /// What the body means is the body module's decision
    /// (`body::notify`); a body it cannot read is still answered 200 (the
    /// subscription lives) and reported as unreadable: the store keeps the
    /// last state it read, shown not current, never a guessed one.
    fn apply_notify_body(
        &mut self,
        i: SubId,
        kind: EventKind,
        req: &Request,
        state: &SubscriptionState,
        now: Instant,
    ) {
        let contact = self.subs[i].contact;
        let ctype = req.headers.get("Content-Type").unwrap_or("");
        let active = matches!(state, SubscriptionState::Active { .. });
        let result = notify::read(kind, ctype, &req.body, active);
        // A terminated NOTIFY's status is set by apply_substate; report
        // the state first so the body is applied to a live subscription.
        let live = match state {
            SubscriptionState::Active { .. } => Some(SubscriptionStatus::Active),
            SubscriptionState::Pending { .. } => Some(SubscriptionStatus::Pending),
            SubscriptionState::Terminated { .. } => None,
        };
        if let Some(status) = live {
            self.set_status(i, status, now);
        }
        let ev = match result {
            Ok(Notified::Presence(doc)) => EngineEvent::Presence {
                contact,
                doc,
                at: now,
            },
            Ok(Notified::Dialog(doc)) => EngineEvent::Dialog {
                contact,
                doc,
                at: now,
            },
            Ok(Notified::Reg(doc)) => EngineEvent::Registration {
                contact,
                line: 0,
                doc,
                at: now,
            },
            Ok(Notified::MessageSummary(summary)) => EngineEvent::MessageSummary {
                contact,
                summary,
                at: now,
            },
            Ok(Notified::Nothing) => return,
            Err(e) => {
                let reason = notify::unreadable_reason(kind, &e);
                tracing::warn!(uri = %self.subs[i].uri, event = kind.as_str(), %reason, "unreadable NOTIFY body");
                self.emit_for(
                    i,
                    EngineEvent::Unreadable {
                        contact,
                        event: kind,
                        reason,
                        at: now,
                    },
                );
                return;
            }
        };
        self.subs[i].has_state = true;
        self.emit_for(i, ev);
    }

    fn apply_substate(&mut self, i: SubId, state: SubscriptionState, now: Instant) {
        match state {
            SubscriptionState::Active { expires } | SubscriptionState::Pending { expires } => {
                if let Some(secs) = expires.filter(|&s| s > 0) {
                    self.established(i, now, secs);
                }
            }
            SubscriptionState::Terminated {
                reason,
                retry_after,
            } => {
                self.on_terminated(i, now, reason, retry_after);
            }
        }
    }

    /// RFC 6665 4.1.3: what a terminated subscription's reason asks of us.
    fn on_terminated(
        &mut self,
        i: SubId,
        now: Instant,
        reason: Option<TerminationReason>,
        retry_after: Option<u32>,
    ) {
        if self.shutting_down || self.subs[i].phase() == super::sub::Phase::Stopped {
            // Ending anyway (shutdown, or a contact removed from the
            // directory): nothing to start again.
            self.forget_dialog(i);
            return;
        }
        let uri = self.subs[i].uri.clone();
        tracing::info!(%uri, event = self.subs[i].event.as_str(), ?reason, "subscription terminated by the server");
        self.subs[i].terminated = Some(reason_name(&reason).into_boxed_str());
        if let Some(tx) = self.subs[i].tx.take() {
            self.drop_tx(tx);
            self.window.on_abandon();
        }
        self.cancel_expiry(i);
        self.cancel_sub_timer(i);
        let wait = retry_after.map(|s| Duration::from_secs(u64::from(s)));
        match reason {
            Some(TerminationReason::Deactivated) | Some(TerminationReason::Timeout) => {
                // Subscribe again at once (with backoff if it keeps happening).
                self.start_over_after_termination(i, now);
            }
            Some(TerminationReason::Probation) | Some(TerminationReason::Giveup) => {
                let why = format!(
                    "server ended the subscription ({}), retrying later",
                    reason_name(&reason)
                );
                // The server says the resource is unavailable for now: our
                // monitoring is down, which proves nothing about the phone.
                let status = SubscriptionStatus::Unavailable(why.into());
                self.retry(i, now, status, Some(wait.unwrap_or(policy::PROBATION_WAIT)));
            }
            Some(TerminationReason::Rejected) => {
                self.stop_after_notify(i, now, SubscriptionStatus::AccessDenied)
            }
            Some(TerminationReason::Noresource) => {
                self.stop_after_notify(i, now, SubscriptionStatus::NotFound)
            }
            _ => {
                // No reason (or one we do not know): try again, politely.
                let why = format!("server ended the subscription ({})", reason_name(&reason));
                self.retry(i, now, SubscriptionStatus::Error(why.into()), wait);
            }
        }
    }

    fn stop_after_notify(&mut self, i: SubId, now: Instant, status: SubscriptionStatus) {
        self.forget_dialog(i);
        self.subs[i].stop();
        self.mark_stale(i, now);
        self.set_status(i, status, now);
    }
}

fn reason_name(reason: &Option<TerminationReason>) -> String {
    match reason {
        None => "no reason given".into(),
        // Chosen by the server: made harmless before it is shown.
        Some(TerminationReason::Other(s)) => crate::text::harmless_line(s),
        Some(r) => format!("{r:?}").to_ascii_lowercase(),
    }
}
