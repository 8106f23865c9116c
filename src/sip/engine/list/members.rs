//! Members of a list NOTIFY onto the contacts' covered subscriptions:
//! contacts added for members not in the directory, each member's state
//! and document, and who gets a subscription of their own (not on the list,
//! removed from it, or still without state after the grace).

use std::collections::HashSet;
use std::time::Instant;

use super::super::sub::{Phase, Sub};
use super::super::timers::TimerKey;
use super::super::{Engine, SubId, policy};
use super::{slot, uri_of};
use crate::body::list::{self, MemberState};
use crate::body::notify::Notified;
use crate::presence::{ContactId, ContactInfo, EventKind, SubscriptionStatus};
use crate::sip::events::{EngineEvent, ListState};
use crate::sip::uri::SipUri;
use crate::text::harmless_line;

impl Engine {
    pub(super) fn apply_members(
        &mut self,
        i: SubId,
        kind: EventKind,
        doc: list::ListNotify,
        now: Instant,
    ) {
        // Contacts first: new ones are announced before any state for them.
        let mut added = Vec::new();
        let mut resolved = Vec::with_capacity(doc.members.len());
        for m in doc.members {
            let Some((contact, info)) = self.member_contact(&m.uri, m.name.as_deref()) else {
                continue;
            };
            if let Some(info) = info {
                added.push((contact, info));
            }
            resolved.push((contact, m));
        }
        if !added.is_empty() {
            tracing::info!(
                count = added.len(),
                "list members not in the directory added as contacts"
            );
            self.emit(EngineEvent::ContactsAdded {
                contacts: added,
                at: now,
            });
        }
        let mut seen = HashSet::with_capacity(resolved.len());
        for (contact, m) in resolved {
            seen.insert(contact);
            if let Some(s) = self.lists.single(contact, kind) {
                self.apply_member(s, m.state, m.doc, now);
            }
        }
        let Some(ls) = self.lists.get_mut(i) else {
            return;
        };
        let before = ls.members.len();
        if doc.full_state {
            ls.members = seen;
        } else {
            ls.members.extend(seen);
        }
        let count = ls.members.len();
        if doc.full_state {
            self.uncovered_get_their_own(i, kind);
            let generation = u64::from(self.subs[i].notify_gen);
            self.timers.push(
                now + policy::LIST_MEMBER_GRACE,
                TimerKey::ListGrace(i),
                generation,
            );
        }
        if count != before || doc.full_state {
            self.emit(EngineEvent::List {
                event: kind,
                state: ListState::Active { members: count },
                at: now,
            });
        }
    }

    /// The contact a member URI names; a new one (with its info) when it
    /// is not in the directory. `None`: not a SIP URI.
    fn member_contact(
        &mut self,
        uri: &str,
        name: Option<&str>,
    ) -> Option<(ContactId, Option<ContactInfo>)> {
        let parsed = SipUri::parse_loose(uri)?;
        let by_uri = &self.lists.by_uri;
        if let Some(c) = by_uri.get_parsed(uri, &parsed, uri_of(&self.lists.singles, &self.subs)) {
            return Some((c, None));
        }
        let contact = self.lists.next_contact();
        if contact.0 == u32::MAX {
            return None;
        }
        let mut singles = [None, None];
        // One allocation for both packages' subscriptions (as for
        // directory contacts).
        let shared: std::sync::Arc<str> = uri.into();
        for (on, event) in [
            (self.cfg.presence, EventKind::Presence),
            (self.cfg.dialog, EventKind::Dialog),
        ] {
            if on {
                let mut sub = Sub::new(contact, event, shared.clone(), self.cfg.expires);
                sub.cover();
                singles[slot(event)] = Some(self.subs.push(sub));
            }
        }
        self.lists.singles.push(singles);
        let lists = &mut self.lists;
        let _ =
            lists
                .by_uri
                .insert_parsed(uri, &parsed, contact, uri_of(&lists.singles, &self.subs));
        let name = name.map_or_else(|| display_of(uri), str::to_string);
        let info = ContactInfo::named(name, uri.to_string());
        Some((contact, Some(info)))
    }

    /// One member's state and document onto its (covered) subscription.
    fn apply_member(
        &mut self,
        s: SubId,
        state: MemberState,
        doc: Option<Result<Notified, crate::body::BodyError>>,
        now: Instant,
    ) {
        let covered = self.subs[s].phase() == Phase::Covered;
        if covered {
            let status = match &state {
                MemberState::NoInstance => SubscriptionStatus::Requesting,
                MemberState::Active => SubscriptionStatus::Active,
                MemberState::Pending => SubscriptionStatus::Pending,
                MemberState::Terminated(reason) => member_terminated(reason.as_deref()),
            };
            if matches!(state, MemberState::Terminated(_)) {
                self.mark_stale(s, now);
            }
            self.set_status(s, status, now);
        }
        let (contact, event) = (self.subs[s].contact, self.subs[s].event);
        let ev = match doc {
            // A list carries presence and dialog only.
            None | Some(Ok(Notified::Nothing | Notified::Reg(_) | Notified::MessageSummary(_))) => {
                return;
            }
            Some(Ok(Notified::Presence(doc))) => EngineEvent::Presence {
                contact,
                doc,
                at: now,
            },
            Some(Ok(Notified::Dialog(doc))) => EngineEvent::Dialog {
                contact,
                doc,
                at: now,
            },
            Some(Err(e)) => EngineEvent::Unreadable {
                contact,
                event,
                reason: crate::body::notify::unreadable_reason(event, &e),
                at: now,
            },
        };
        if !matches!(ev, EngineEvent::Unreadable { .. }) {
            self.subs[s].has_state = true;
        }
        self.emit(ev);
    }

    /// After a full state: a covered contact the list does not name gets
    /// its own subscription (never left unknown because it is not a member).
    fn uncovered_get_their_own(&mut self, i: SubId, event: EventKind) {
        let Some(ls) = self.lists.get(i) else { return };
        let outside: Vec<SubId> = self
            .lists
            .singles
            .iter()
            .enumerate()
            .filter(|(c, _)| !ls.members.contains(&ContactId(*c as u32)))
            .filter_map(|(_, s)| s[slot(event)])
            .filter(|s| self.subs[*s].phase() == Phase::Covered)
            .collect();
        if !outside.is_empty() {
            tracing::info!(
                count = outside.len(),
                event = event.as_str(),
                "contacts not in the list: subscribing to each"
            );
        }
        for s in outside {
            self.queue_new_dialog(s);
        }
    }

    /// [`policy::LIST_MEMBER_GRACE`] after a full state: members still
    /// without any state were lost by the list server; each gets its own.
    pub(in crate::sip::engine) fn on_list_grace(&mut self, i: SubId, generation: u64) {
        if self.shutting_down || u64::from(self.subs[i].notify_gen) != generation {
            return;
        }
        let Some(ls) = self.lists.get(i) else { return };
        if ls.fallback {
            return;
        }
        let lost: Vec<SubId> = ls
            .members
            .iter()
            .filter_map(|c| self.lists.single(*c, ls.event))
            .filter(|s| {
                let sub = &self.subs[*s];
                sub.phase() == Phase::Covered
                    && !sub.has_state
                    && matches!(
                        sub.status,
                        SubscriptionStatus::Requesting
                            | SubscriptionStatus::Active
                            | SubscriptionStatus::NotRequested
                    )
            })
            .collect();
        if !lost.is_empty() {
            tracing::warn!(
                count = lost.len(),
                "list members without state: subscribing to each"
            );
        }
        for s in lost {
            self.queue_new_dialog(s);
        }
    }
}

/// A member's back-end subscription ended, by the RFC 6665 reason.
fn member_terminated(reason: Option<&str>) -> SubscriptionStatus {
    match reason.map(str::to_ascii_lowercase).as_deref() {
        Some("noresource") => SubscriptionStatus::NotFound,
        Some("rejected") => SubscriptionStatus::AccessDenied,
        Some(other) => SubscriptionStatus::Error(
            harmless_line(&format!("the list server ended this member ({other})")).into(),
        ),
        None => SubscriptionStatus::Error("the list server ended this member".into()),
    }
}

/// A contact's name from its URI: the user part, else the URI.
fn display_of(uri: &str) -> String {
    SipUri::parse_loose(uri)
        .and_then(|u| u.user)
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| uri.to_string())
}
