//! Resource list subscriptions (RFC 4662): one SUBSCRIBE per event package
//! for the whole directory.
//!
//! A list subscription is an ordinary [`Sub`] (refresh, 481, terminated and
//! expiry follow the same rules as a contact's); what differs lives here:
//!
//! - every contact keeps its own subscription, [`Phase::Covered`] while the
//!   list carries its state: nothing is sent for it. A contact the list does
//!   not report (not a member, removed, or still without state
//!   [`policy::LIST_MEMBER_GRACE`] after the full state: the list server
//!   lost it) gets its own subscription, paced by the window like any;
//! - the list's status is not a contact's: it is reported as
//!   [`EngineEvent::List`]; when the list ends or goes stale, every member
//!   it covered goes stale with it;
//! - RLMI `version`: a stale or repeated one is ignored; a gap (or a first
//!   NOTIFY that is not the full state) starts a fresh list subscription;
//! - fallback: a server that answers without `Require: eventlist`, or
//!   refuses the list (404, 489, any final refusal), gets one subscription
//!   per contact instead, and the status bar says so;
//! - members not in the directory become contacts ([`EngineEvent::ContactsAdded`]),
//!   named by the RLMI `<name>` or their URI, each with covered subscriptions
//!   of its own so a fallback reaches them too;
//! - an un-SUBSCRIBE of a list waits for no final NOTIFY (Kamailio sends none).
//!
//! Here: the list's own status, versions and fallback; `members`: what a
//! NOTIFY says about each member, and who gets a subscription of their own.

mod members;

use std::collections::HashSet;
use std::time::Instant;

use super::sub::{Phase, Sub, Subs};
use super::{Engine, SubId};
use crate::body::list;
use crate::presence::{ContactId, EventKind, SubscriptionStatus};
use crate::sip::codec::Request;
use crate::sip::events::{EngineEvent, ListState};
use crate::sip::headers::SubscriptionState;
use crate::sip::uri::UriLookup;
use crate::text::harmless_line;

/// Media types a list subscription accepts (RFC 4662 section 4.3).
pub(super) const LIST_ACCEPT_EXTRA: &str = "multipart/related, application/rlmi+xml";

/// Every list subscription of an engine and the contacts they may name.
#[derive(Debug, Default)]
pub(super) struct Lists {
    lists: Vec<ListSub>,
    /// Every contact (directory and added) by URI, RFC 3261 19.1.4 (the
    /// URIs themselves are the contacts' subscriptions': [`uri_of`]).
    by_uri: UriLookup<ContactId>,
    /// Each contact's own subscriptions: `[presence, dialog]`.
    singles: Vec<[Option<SubId>; 2]>,
    /// A list is configured: `by_uri` is kept (without one it stays
    /// empty: nothing would ever look a member up; 10,000 contacts' URIs
    /// parsed again are about 1.4 MB).
    named_by_uri: bool,
}

/// One list subscription's RLMI bookkeeping.
#[derive(Debug)]
struct ListSub {
    sub: SubId,
    event: EventKind,
    /// The dialog (Call-ID) `version` belongs to; a new dialog starts over.
    call_id: String,
    version: Option<u64>,
    /// The members of the last full state (and added since).
    members: HashSet<ContactId>,
    /// The list gave up: its contacts have their own subscriptions.
    fallback: bool,
}

/// Only presence and dialog go on a list (see [`on_list`]).
fn slot(event: EventKind) -> usize {
    match event {
        EventKind::Presence => 0,
        EventKind::Dialog | EventKind::Reg | EventKind::MessageSummary => 1,
    }
}

/// The packages a resource list carries: registration and message
/// waiting are subscribed per contact, always.
fn on_list(event: EventKind) -> bool {
    matches!(event, EventKind::Presence | EventKind::Dialog)
}

impl Lists {
    /// The list bookkeeping of `contacts` whose subscriptions are `subs`.
    /// `with_list`: a list URI is configured (else no member is ever
    /// looked up by URI and the map is not built).
    pub(super) fn new(contacts: &[(ContactId, String)], all: &Subs, with_list: bool) -> Self {
        let mut by_uri = UriLookup::default();
        let mut singles = Vec::new();
        for (id, sub, event) in subs_of(all) {
            let k = id.0 as usize;
            if singles.len() <= k {
                singles.resize(k + 1, [None, None]);
            }
            singles[k][slot(event)] = Some(sub);
        }
        if with_list {
            by_uri = UriLookup::with_capacity(contacts.len());
            for (id, uri) in contacts {
                let _ = by_uri.insert(uri, *id, uri_of(&singles, all));
            }
        }
        Lists {
            lists: Vec::new(),
            by_uri,
            singles,
            named_by_uri: with_list,
        }
    }

    fn get(&self, i: SubId) -> Option<&ListSub> {
        self.lists.iter().find(|l| l.sub == i)
    }

    fn get_mut(&mut self, i: SubId) -> Option<&mut ListSub> {
        self.lists.iter_mut().find(|l| l.sub == i)
    }

    /// True when `i` is a list subscription.
    pub(super) fn is_list(&self, i: SubId) -> bool {
        self.get(i).is_some()
    }

    fn single(&self, contact: ContactId, event: EventKind) -> Option<SubId> {
        self.singles.get(contact.0 as usize)?[slot(event)]
    }

    /// A contact added at run time by a directory reload: its URI now names
    /// it (a list member with that URI is the same contact), and the next
    /// id the list hands out comes after it.
    pub(super) fn register_contact(
        &mut self,
        id: ContactId,
        uri: &str,
        subs: [Option<SubId>; 2],
        all: &Subs,
    ) {
        let k = id.0 as usize;
        if self.singles.len() <= k {
            self.singles.resize(k + 1, [None, None]);
        }
        self.singles[k] = subs;
        if self.named_by_uri {
            let _ = self.by_uri.insert(uri, id, uri_of(&self.singles, all));
        }
    }

    /// A contact removed by a directory reload: its URI names nobody now.
    pub(super) fn forget_contact(&mut self, uri: &str, id: ContactId) {
        self.by_uri.remove(uri, id);
    }

    /// The next contact id nobody has.
    fn next_contact(&self) -> ContactId {
        ContactId(u32::try_from(self.singles.len()).unwrap_or(u32::MAX))
    }
}

impl Engine {
    /// Adds a list subscription per enabled package and covers every
    /// contact's own subscriptions (called once, from [`Engine::new`]).
    pub(super) fn add_lists(&mut self, uri: &str) {
        for i in self.subs.ids() {
            if on_list(self.subs[i].event) && self.subs[i].line == 0 {
                self.subs[i].cover();
            }
        }
        for (on, event) in [
            (self.cfg.presence, EventKind::Presence),
            (self.cfg.dialog, EventKind::Dialog),
        ] {
            if !on {
                continue;
            }
            // The list's "contact" is never reported: its status goes out
            // as `EngineEvent::List` (see `set_status`).
            let sub = Sub::new(
                ContactId(u32::MAX),
                event,
                uri.to_string(),
                self.cfg.expires,
            );
            let id = self.subs.push(sub);
            self.lists.lists.push(ListSub {
                sub: id,
                event,
                call_id: String::new(),
                version: None,
                members: HashSet::new(),
                fallback: false,
            });
        }
    }

    pub(super) fn is_list(&self, i: SubId) -> bool {
        self.lists.is_list(i)
    }

    /// A list subscription's status changed: reported as the list's state;
    /// a final refusal falls back to single subscriptions.
    pub(super) fn list_status(&mut self, i: SubId, status: SubscriptionStatus, now: Instant) {
        if self.subs[i].status == status {
            return;
        }
        self.subs[i].status = status.clone();
        let event = self.subs[i].event;
        let stopped = self.subs[i].phase() == Phase::Stopped;
        let state = match &status {
            _ if stopped && !self.shutting_down => {
                let why = match &status {
                    SubscriptionStatus::NotFound => "the server has no such list".to_string(),
                    SubscriptionStatus::AccessDenied => "the server refuses us the list".into(),
                    other => other
                        .reason()
                        .map_or_else(|| "the list was refused".to_string(), str::to_string),
                };
                return self.list_fallback(i, &why, now);
            }
            SubscriptionStatus::Active | SubscriptionStatus::Pending => match self.lists.get(i) {
                // Accepted, but no full state yet: the members are unknown.
                Some(l) if l.version.is_some() => ListState::Active {
                    members: l.members.len(),
                },
                _ => ListState::Requesting,
            },
            _ => ListState::Requesting,
        };
        self.emit(EngineEvent::List {
            event,
            state,
            at: now,
        });
    }

    /// What a list subscription showed is no longer backed: every contact
    /// it covers goes stale.
    pub(super) fn list_stale(&mut self, i: SubId, now: Instant) {
        let Some(list) = self.lists.get(i) else {
            return;
        };
        let event = list.event;
        let covered: Vec<SubId> = list
            .members
            .iter()
            .filter_map(|c| self.lists.single(*c, event))
            .filter(|s| self.subs[*s].phase() == Phase::Covered)
            .collect();
        for s in covered {
            self.mark_stale(s, now);
        }
        if let Some(list) = self.lists.get_mut(i) {
            list.version = None;
        }
    }

    /// The list cannot be had: one subscription per contact instead.
    pub(super) fn list_fallback(&mut self, i: SubId, why: &str, now: Instant) {
        let why = harmless_line(why);
        let Some(list) = self.lists.get_mut(i) else {
            return;
        };
        if list.fallback {
            return;
        }
        list.fallback = true;
        let event = list.event;
        tracing::warn!(event = event.as_str(), %why, "resource list unavailable: one subscription per contact");
        if self.subs[i].phase() != Phase::Stopped {
            self.cancel_sub_timer(i);
            self.cancel_expiry(i);
            if self.subs[i].in_dialog() && self.subs[i].tx.is_none() {
                self.send_unsubscribe(i, now);
            }
            self.subs[i].stop();
        }
        for s in self.subs.ids() {
            if self.subs[s].event == event && self.subs[s].phase() == Phase::Covered {
                self.queue_new_dialog(s);
            }
        }
        self.emit(EngineEvent::List {
            event,
            state: ListState::Fallback(why),
            at: now,
        });
    }

    /// A NOTIFY in a list subscription's dialog: the RLMI and its parts.
    pub(super) fn apply_list_notify(
        &mut self,
        i: SubId,
        kind: EventKind,
        req: &Request,
        state: &SubscriptionState,
        now: Instant,
    ) {
        let live = match state {
            SubscriptionState::Active { .. } => Some(SubscriptionStatus::Active),
            SubscriptionState::Pending { .. } => Some(SubscriptionStatus::Pending),
            SubscriptionState::Terminated { .. } => None,
        };
        if req.body.is_empty() {
            // Nothing about members (a pending or final NOTIFY).
            if let Some(status) = live {
                self.set_status(i, status, now);
            }
            return;
        }
        if !requires_eventlist(req) {
            return self.list_fallback(
                i,
                "the server does not support resource lists (no Require: eventlist)",
                now,
            );
        }
        let ctype = req.headers.get("Content-Type").unwrap_or("");
        let doc = match list::read(kind, ctype, &req.body) {
            Ok(doc) => doc,
            Err(e) => {
                let why = harmless_line(&format!("unreadable list document: {e}"));
                tracing::warn!(uri = %self.subs[i].uri, %why, "list NOTIFY");
                return self.list_resync(i, now, &why, false);
            }
        };
        let call_id = self.subs[i].dialog.call_id.clone();
        let Some(ls) = self.lists.get_mut(i) else {
            return;
        };
        if *ls.call_id != *call_id {
            ls.call_id = call_id.to_string();
            ls.version = None;
        }
        match ls.version {
            Some(v) if doc.version <= v => {
                tracing::debug!(
                    version = doc.version,
                    last = v,
                    "stale or repeated list version ignored"
                );
                return;
            }
            Some(v) if doc.version > v + 1 && !doc.full_state => {
                let why = format!("list version gap ({v} then {})", doc.version);
                return self.list_resync(i, now, &why, true);
            }
            None if !doc.full_state => {
                let why = "the list's first NOTIFY is not its full state";
                return self.list_resync(i, now, why, true);
            }
            _ => ls.version = Some(doc.version),
        }
        // Members first: the list counts as answered once they are known.
        self.apply_members(i, kind, doc, now);
        if let Some(status) = live {
            self.set_status(i, status, now);
        }
    }

    /// A NOTIFY we cannot follow: start the list over in a new dialog.
    /// A gap (a lost NOTIFY) at once; an unreadable list with backoff, so
    /// a server that keeps sending one is no loop.
    fn list_resync(&mut self, i: SubId, now: Instant, why: &str, at_once: bool) {
        tracing::warn!(uri = %self.subs[i].uri, %why, "resubscribing to the list");
        if let Some(ls) = self.lists.get_mut(i) {
            ls.version = None;
        }
        self.cancel_expiry(i);
        self.subs[i].refresh = false;
        if at_once {
            // What the members show stays until the new full state.
            self.queue_new_dialog(i);
            self.set_status(i, SubscriptionStatus::Requesting, now);
        } else {
            self.retry(
                i,
                now,
                SubscriptionStatus::Error(why.to_string().into()),
                None,
            );
        }
    }

    /// Our un-SUBSCRIBE of a list was answered: the dialog ends now
    /// (Kamailio sends no final NOTIFY for a list).
    pub(super) fn list_unsubscribed(&mut self, i: SubId) {
        self.forget_dialog(i);
    }
}

/// The `Require` header names `eventlist` (RFC 4662 section 4.2).
fn requires_eventlist(req: &Request) -> bool {
    req.headers
        .get_all("Require")
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("eventlist"))
}

/// Each contact's own subscriptions, for [`Lists::new`].
fn subs_of(subs: &Subs) -> impl Iterator<Item = (ContactId, SubId, EventKind)> + '_ {
    subs.ids()
        .filter(|&i| on_list(subs[i].event) && subs[i].line == 0)
        .map(|i| (subs[i].contact, i, subs[i].event))
}

/// The URI of contact `c`: what its own subscriptions were made for.
fn uri_of<'a>(
    singles: &'a [[Option<SubId>; 2]],
    subs: &'a Subs,
) -> impl Fn(ContactId) -> Option<&'a str> {
    move |c| {
        let s = singles.get(c.0 as usize)?.iter().flatten().next()?;
        Some(&*subs[*s].uri)
    }
}
