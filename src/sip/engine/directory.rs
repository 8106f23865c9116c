//! The directory changing under a running engine: contacts to subscribe
//! to and contacts to let go, as the console's directory reload asks.
//!
//! New subscriptions join the same queue as every other SUBSCRIBE, and the
//! un-SUBSCRIBEs of removed contacts go through the same window: a CSV
//! that gains or loses a thousand rows is no storm. A removed contact's
//! subscriptions are stopped at once (nothing more is refreshed or
//! retried for it) and its `SubId`s are never reused.

use std::time::Instant;

use super::sub::{Phase, Sub};
use super::{Engine, policy};
use crate::presence::{ContactId, EventKind};

impl Engine {
    /// Subscribe to new contacts (one subscription per enabled package),
    /// paced by the window; before the server answers they wait, like
    /// every other subscription, for it to.
    pub fn add_contacts(&mut self, contacts: &[(ContactId, String)], now: Instant) {
        if self.shutting_down {
            return;
        }
        for (id, uri) in contacts {
            let mut subs = [None, None];
            for (slot, (on, event)) in [
                (self.cfg.presence, EventKind::Presence),
                (self.cfg.dialog, EventKind::Dialog),
            ]
            .into_iter()
            .enumerate()
            {
                if on {
                    let i = self
                        .subs
                        .push(Sub::new(*id, event, uri.clone(), self.cfg.expires));
                    subs[slot] = Some(i);
                    if self.server_up {
                        self.queue_new_dialog(i);
                    }
                }
            }
            // Registration and message waiting: never on a list.
            for (on, event) in [
                (self.cfg.reg, EventKind::Reg),
                (self.cfg.message_summary, EventKind::MessageSummary),
            ] {
                if on {
                    let i = self
                        .subs
                        .push(Sub::new(*id, event, uri.clone(), self.cfg.expires));
                    if self.server_up {
                        self.queue_new_dialog(i);
                    }
                }
            }
            // With a resource list, ids handed to list members come after
            // this one, and a member with this URI is this contact.
            self.lists.register_contact(*id, uri, subs, &self.subs);
        }
        self.pump(now);
    }

    /// End every subscription of `contacts`: a live one gets an
    /// un-SUBSCRIBE (paced by the window, never waiting for a final
    /// NOTIFY), the others are simply forgotten.
    pub fn remove_contacts(&mut self, contacts: &[ContactId], now: Instant) {
        if self.shutting_down || contacts.is_empty() {
            return;
        }
        let gone: std::collections::HashSet<ContactId> = contacts.iter().copied().collect();
        for i in self.subs.ids() {
            let sub = &self.subs[i];
            if !gone.contains(&sub.contact) || sub.phase() == Phase::Stopped {
                continue;
            }
            let live = sub.in_dialog() && sub.is_live() && self.server_up;
            let uri = sub.uri.clone();
            self.lists.forget_contact(&uri, sub.contact);
            self.cancel_sub_timer(i);
            self.cancel_expiry(i);
            if let Some(tx) = self.subs[i].tx.take() {
                self.drop_tx(tx);
                self.window.on_abandon();
            }
            self.subs[i].stop();
            self.subs[i].removed = true;
            if live {
                self.unsubscribe_queue.push_back(i);
            } else {
                self.forget_dialog(i);
            }
        }
        self.pump(now);
    }

    /// Send queued un-SUBSCRIBEs while the window allows; when quitting,
    /// up to [`policy::QUIT_IN_FLIGHT`] at once, whatever the window
    /// (shrunk by an overloaded server, it would leave most of them
    /// unsent when the deadline passes).
    pub(super) fn pump_unsubscribes(&mut self, now: Instant) {
        while self.may_send_unsubscribe() {
            let Some(i) = self.unsubscribe_queue.pop_front() else {
                break;
            };
            // The server may have ended it meanwhile (a final NOTIFY).
            if self.subs[i].in_dialog() {
                self.send_unsubscribe(i, now);
            }
        }
    }

    fn may_send_unsubscribe(&self) -> bool {
        if self.shutting_down {
            self.window.in_flight() < policy::QUIT_IN_FLIGHT
        } else {
            self.window.can_send()
        }
    }
}
