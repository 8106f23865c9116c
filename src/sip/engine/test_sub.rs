//! The diagnostics view's test subscription: one SUBSCRIBE to any URI the
//! operator types, its raw answer (the final response to the SUBSCRIBE and
//! the first NOTIFY, masked and harmless) and the state parsed from it;
//! removed after [`policy::TEST_SUBSCRIPTION_LIFETIME`] (as Imagicle does),
//! with an un-SUBSCRIBE when it is live.
//!
//! It is an ordinary subscription of the engine (same transactions,
//! digest, pacing) under a contact id no directory hands out
//! ([`TEST_CONTACT`]); what it would report goes into the [`TestReport`]
//! instead of the event queue (see `Engine::emit`), so the store never
//! sees it. One at a time: a new one replaces the last.

use std::time::Instant;

use super::sub::Sub;
use super::timers::TimerKey;
use super::{Engine, SubId, policy};
use crate::presence::{ContactId, EventKind, SubscriptionStatus};
use crate::sip::events::EngineEvent;

/// The contact id of the test subscription (never a directory's: lists
/// use `u32::MAX`, directories count up from 0).
pub const TEST_CONTACT: ContactId = ContactId(u32::MAX - 1);

/// What the view shows of the test subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestReport {
    pub uri: String,
    pub event: EventKind,
    pub started: Instant,
    /// When it is removed.
    pub ends: Instant,
    /// The subscription's status.
    pub status: SubscriptionStatus,
    /// The final response to our SUBSCRIBE (status line, headers, body),
    /// masked and harmless.
    pub answer: Option<String>,
    /// The last NOTIFY, masked and harmless.
    pub notify: Option<String>,
    /// The state read from the last NOTIFY's body (or why it could not be).
    pub parsed: Option<String>,
}

/// The engine's bookkeeping of the test subscription.
#[derive(Debug)]
pub(super) struct TestSub {
    pub id: SubId,
    pub report: TestReport,
    pub generation: u64,
}

impl Engine {
    /// Start a test subscription to `uri` for `event` (a new one replaces
    /// the last). `Err`: the URI is not a SIP URI (nothing was sent).
    pub fn test_subscribe(
        &mut self,
        uri: &str,
        event: EventKind,
        now: Instant,
    ) -> Result<(), String> {
        let uri = uri.trim();
        if crate::sip::uri::SipUri::parse_loose(uri).is_none() {
            return Err(format!(
                "not a SIP URI: {} (e.g. sip:alice@example.test)",
                crate::text::harmless_line(uri)
            ));
        }
        if self.shutting_down {
            return Err("the console is shutting down".into());
        }
        self.end_test(now);
        let id = self.subs.push(Sub::new(
            TEST_CONTACT,
            event,
            uri.to_string(),
            self.cfg.expires,
        ));
        self.test_generation += 1;
        let generation = self.test_generation;
        let ends = now + policy::TEST_SUBSCRIPTION_LIFETIME;
        self.test = Some(TestSub {
            id,
            generation,
            report: TestReport {
                uri: crate::text::harmless_line(uri),
                event,
                started: now,
                ends,
                status: SubscriptionStatus::Requesting,
                answer: None,
                notify: None,
                parsed: None,
            },
        });
        self.timers.push(ends, TimerKey::TestEnd, generation);
        if self.server_up {
            self.queue_new_dialog(id);
        }
        self.pump(now);
        Ok(())
    }

    /// The test subscription, while it lasts.
    pub fn test_report(&self) -> Option<&TestReport> {
        self.test.as_ref().map(|t| &t.report)
    }

    /// True for the test subscription's id.
    pub(super) fn is_test(&self, i: SubId) -> bool {
        self.test.as_ref().is_some_and(|t| t.id == i)
    }

    pub(super) fn on_test_end(&mut self, generation: u64, now: Instant) {
        if self
            .test
            .as_ref()
            .is_some_and(|t| t.generation == generation)
        {
            self.end_test(now);
        }
    }

    /// Remove the test subscription (an un-SUBSCRIBE when it is live).
    fn end_test(&mut self, now: Instant) {
        let Some(test) = self.test.take() else {
            return;
        };
        let i = test.id;
        self.cancel_sub_timer(i);
        self.cancel_expiry(i);
        if let Some(tx) = self.subs[i].tx.take() {
            self.drop_tx(tx);
            self.window.on_abandon();
        }
        let live = self.subs[i].in_dialog() && self.subs[i].is_live() && self.server_up;
        self.subs[i].stop();
        self.subs[i].removed = true;
        if live {
            self.unsubscribe_queue.push_back(i);
        } else {
            self.forget_dialog(i);
        }
        self.pump(now);
    }

    /// An event about the test subscription goes into its report; `true`
    /// when `ev` was one (and must not be emitted).
    pub(super) fn capture_test_event(&mut self, ev: &EngineEvent) -> bool {
        let Some(test) = self.test.as_mut() else {
            return false;
        };
        let report = &mut test.report;
        match ev {
            EngineEvent::Subscription {
                contact, status, ..
            } if *contact == TEST_CONTACT => report.status = status.clone(),
            EngineEvent::Presence { contact, doc, .. } if *contact == TEST_CONTACT => {
                let mut s = format!("presence: {}", doc.presence.as_str());
                if let Some(a) = &doc.availability {
                    s.push_str(&format!(", {}", a.as_str()));
                }
                if !doc.activities.is_empty() {
                    s.push_str(&format!(" (activities: {})", doc.activities.join(", ")));
                }
                if let Some(n) = &doc.note {
                    s.push_str(&format!(", note {n:?}"));
                }
                report.parsed = Some(s);
            }
            EngineEvent::Dialog { contact, doc, .. } if *contact == TEST_CONTACT => {
                let s = match doc {
                    None => "dialog-info: no body (idle)".to_string(),
                    Some(d) if d.dialogs.is_empty() => "dialog-info: no dialog (ready)".into(),
                    Some(d) => {
                        let states: Vec<String> = d
                            .dialogs
                            .iter()
                            .map(|e| format!("{:?}", e.state).to_ascii_lowercase())
                            .collect();
                        format!(
                            "dialog-info: {} dialog(s): {}",
                            d.dialogs.len(),
                            states.join(", ")
                        )
                    }
                };
                report.parsed = Some(s);
            }
            EngineEvent::Unreadable {
                contact, reason, ..
            } if *contact == TEST_CONTACT => report.parsed = Some(reason.clone()),
            EngineEvent::Stale { contact, .. } if *contact == TEST_CONTACT => {}
            _ => return false,
        }
        true
    }

    /// Keep a message of the test subscription's, masked and harmless.
    pub(super) fn capture_test_message(&mut self, i: SubId, bytes: &[u8], notify: bool) {
        if !self.is_test(i) {
            return;
        }
        let secrets: Vec<String> = self.cfg.password.iter().cloned().collect();
        let raw = String::from_utf8_lossy(bytes);
        let text = crate::text::harmless_text(&crate::sip::trace::mask(&raw, &secrets));
        if let Some(test) = self.test.as_mut() {
            if notify {
                test.report.notify = Some(text);
            } else {
                test.report.answer = Some(text);
            }
        }
    }
}
