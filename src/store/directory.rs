//! The directory changing under a running console: contacts added,
//! removed and edited in place, everything else untouched.
//!
//! Ids stay stable: an unchanged or edited contact keeps its id and all
//! its live state (documents, subscriptions' status, what is shown); a
//! removed contact's slot is retired, never reused (a contact that comes
//! back later gets a new id and starts unknown, as a new one would), so
//! an id held by the engine, the search or the model can never come to
//! mean another person. Contacts are matched by the canonical URI (RFC
//! 3261 19.1.4), the one rule every source was merged by.

use super::{Contact, ContactId, Shown, Sources, Store};
use crate::presence::{ContactInfo, DirectoryEntry};
use crate::sip::uri::{SipUri, UriMap};

/// What [`Store::apply_directory`] did, by id; each list in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryChange {
    /// New contacts (new slots): subscribe to them.
    pub added: Vec<ContactId>,
    /// Contacts no source names any more (their slots are retired):
    /// unsubscribe.
    pub removed: Vec<ContactId>,
    /// Same URI, other name, extension, department or extra columns:
    /// redraw and reindex, the subscriptions stay.
    pub changed: Vec<ContactId>,
}

impl DirectoryChange {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

impl Contact {
    pub(super) fn new(info: ContactInfo, extra: Vec<(String, String)>) -> Self {
        Contact {
            info,
            extra,
            retired: false,
            src: Sources::default(),
            more: Vec::new(),
            shown: Shown::INITIAL,
        }
    }
}

impl Store {
    /// Make the directory `entries` (already merged: one per canonical
    /// URI; a later duplicate is ignored). See the module documentation.
    pub fn apply_directory(&mut self, entries: Vec<DirectoryEntry>) -> DirectoryChange {
        let mut wanted: UriMap<usize> = UriMap::with_capacity(entries.len());
        let mut slots: Vec<Option<DirectoryEntry>> = Vec::with_capacity(entries.len());
        for entry in entries {
            let Some(uri) = SipUri::parse_loose(&entry.info.uri) else {
                tracing::warn!(uri = %entry.info.uri, "directory: URI cannot be read, left out");
                continue;
            };
            if wanted.insert(uri, slots.len()).is_ok() {
                slots.push(Some(entry));
            }
        }
        let mut change = DirectoryChange::default();
        for (i, c) in self.contacts.iter_mut().enumerate() {
            if c.retired {
                continue;
            }
            let id = ContactId(u32::try_from(i).unwrap_or(u32::MAX));
            let found = SipUri::parse_loose(&c.info.uri)
                .and_then(|u| wanted.get(&u).copied())
                .and_then(|k| slots.get_mut(k)?.take());
            match found {
                Some(entry) if entry.info == c.info && entry.extra == c.extra => {}
                Some(entry) => {
                    c.info = entry.info;
                    c.extra = entry.extra;
                    change.changed.push(id);
                }
                None => {
                    c.retired = true;
                    change.removed.push(id);
                }
            }
        }
        for id in &change.removed {
            let uri = self.info(*id).uri.clone();
            self.by_uri.remove(&uri, *id);
        }
        for entry in slots.into_iter().flatten() {
            let Ok(n) = u32::try_from(self.contacts.len()) else {
                tracing::warn!("directory: no more contact ids");
                break;
            };
            let id = ContactId(n);
            self.by_uri.add(&entry.info.uri, id, &self.contacts);
            self.contacts.push(Contact::new(entry.info, entry.extra));
            change.added.push(id);
        }
        change
    }

    /// The contact's extra directory columns (none for an unknown id).
    pub fn extra(&self, id: ContactId) -> &[(String, String)] {
        self.contact(id).map_or(&[], |c| &c.extra)
    }

    /// Removed from the directory (or never given out).
    pub fn is_retired(&self, id: ContactId) -> bool {
        self.contact(id).is_none_or(|c| c.retired)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::body::pidf;
    use crate::presence::{EventKind, Presence, SubscriptionStatus};

    fn entry(name: &str, uri: &str) -> DirectoryEntry {
        DirectoryEntry::from(ContactInfo {
            name: name.into(),
            uri: uri.into(),
            extension: None,
            department: None,
        })
    }

    fn busy_store(now: Instant) -> Store {
        let mut s = Store::new(vec![
            entry("Alice", "sip:alice@example.test").info,
            entry("Bob", "sip:bob@example.test").info,
            entry("Carol", "sip:carol@example.test").info,
        ]);
        let doc = pidf::parse(
            pidf::build("sip:alice@example.test", Presence::Busy, None, None, None).as_bytes(),
        )
        .unwrap();
        s.apply_presence(ContactId(0), doc, now);
        s.set_subscription(
            ContactId(0),
            EventKind::Presence,
            SubscriptionStatus::Active,
            now,
        );
        s
    }

    #[test]
    fn a_reload_keeps_the_state_of_unchanged_contacts_and_retires_removed_ones() {
        let now = Instant::now();
        let mut s = busy_store(now);
        let before = s.shown(ContactId(0)).clone();
        let mut bob = entry("Bob Brown", "sip:bob@EXAMPLE.test");
        bob.extra.push(("Room".into(), "2.14".into()));
        let change = s.apply_directory(vec![
            entry("Alice", "sip:alice@example.test"),
            bob,
            entry("Dave", "sip:dave@example.test"),
        ]);
        assert_eq!(
            change,
            DirectoryChange {
                added: vec![ContactId(3)],
                removed: vec![ContactId(2)],
                changed: vec![ContactId(1)],
            }
        );
        assert_eq!(
            s.shown(ContactId(0)),
            &before,
            "Alice's live state is untouched"
        );
        assert_eq!(s.shown(ContactId(0)).presence, Presence::Busy);
        assert_eq!(s.info(ContactId(1)).name, "Bob Brown");
        assert_eq!(
            s.extra(ContactId(1)),
            [("Room".to_string(), "2.14".to_string())]
        );
        assert!(s.is_retired(ContactId(2)));
        assert_eq!(
            s.find("sip:carol@example.test"),
            None,
            "a retired URI is not found"
        );
        assert_eq!(s.find("sip:dave@example.test"), Some(ContactId(3)));
        let ids: Vec<ContactId> = s.ids().collect();
        assert_eq!(ids, [ContactId(0), ContactId(1), ContactId(3)]);
        // News for a retired contact (a late NOTIFY) changes nothing.
        assert!(!s.set_subscription(
            ContactId(2),
            EventKind::Presence,
            SubscriptionStatus::Active,
            now
        ));
    }

    #[test]
    fn a_contact_that_comes_back_gets_a_new_id_never_the_old_slot() {
        let mut s = busy_store(Instant::now());
        let gone = s.apply_directory(vec![entry("Bob", "sip:bob@example.test")]);
        assert_eq!(gone.removed, [ContactId(0), ContactId(2)]);
        let back = s.apply_directory(vec![
            entry("Bob", "sip:bob@example.test"),
            entry("Alice", "sip:alice@example.test"),
        ]);
        assert_eq!(back.added, [ContactId(3)]);
        assert_eq!(s.find("sip:alice@example.test"), Some(ContactId(3)));
        assert_eq!(
            s.shown(ContactId(3)).presence,
            Presence::Unknown,
            "starts unknown"
        );
        assert!(
            s.apply_directory(vec![
                entry("Bob", "sip:bob@example.test"),
                entry("Alice", "sip:alice@example.test"),
            ])
            .is_empty()
        );
    }
}
