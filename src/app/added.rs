//! Contacts learnt at run time and the resource list's state.
//!
//! A resource list (RFC 4662) may name people the directory does not
//! have: the engine announces them in one batch per NOTIFY
//! ([`EngineEvent::ContactsAdded`](crate::sip::events::EngineEvent)), and
//! they join the store, the search and the "Other" group here, with one
//! rebuild of the grid per batch (a 10,000-member list arrives in one).
//! The list's state goes to the status bar ([`Model::list_note`]).

use std::time::Instant;

use crate::app::model::{ContactMeta, Model, SubClass};
use crate::presence::{ContactId, ContactInfo};
use crate::search::SearchDoc;
use crate::sip::events::ListState;

/// The group of contacts without a department.
const OTHER: &str = "Other";

impl Model {
    /// Adds contacts the engine learnt (store, search, grid), in one go.
    pub fn add_contacts(&mut self, contacts: &[(ContactId, ContactInfo)], now: Instant) {
        if contacts.is_empty() {
            return;
        }
        let mut added = Vec::with_capacity(contacts.len());
        for (expected, info) in contacts {
            let id = self.store.add_contact(info.clone());
            if id != *expected {
                tracing::warn!(?expected, ?id, "an added contact got another id");
            }
            self.meta.push(ContactMeta {
                favourite: self.favourite_uris.iter().any(|u| same_uri(u, &info.uri)),
            });
            if self.own_id.is_none()
                && self
                    .own_uri
                    .as_deref()
                    .is_some_and(|u| same_uri(u, &info.uri))
            {
                // The operator is on the list: the status bar shows them.
                self.own_id = Some(id);
            }
            self.sub_class.push(SubClass::None);
            self.indexed_notes.push(None);
            self.search.update_doc(SearchDoc {
                id,
                name: info.name.clone(),
                extension: info.extension.clone().unwrap_or_default(),
                department: info.department.clone().unwrap_or_default(),
                uri: info.uri.clone(),
                note: String::new(),
                extra: String::new(),
            });
            added.push(id);
        }
        let pos = match self.departments.iter().position(|(d, _)| d == OTHER) {
            Some(p) => p,
            None => {
                self.departments.push((OTHER.into(), Vec::new()));
                self.departments.len() - 1
            }
        };
        let store = &self.store;
        let group = &mut self.departments[pos].1;
        group.extend(added.iter().copied());
        group.sort_by_cached_key(|id| (store.info(*id).name.to_lowercase(), *id));
        for id in added {
            self.refresh_contact(id, now);
        }
        self.directory_changed();
        self.rebuild_list(None);
    }

    /// The resource list's state, for the status bar.
    pub fn set_list_state(&mut self, state: &ListState) {
        let note = match state {
            ListState::Requesting => "list: subscribing".to_string(),
            ListState::Active { members } => format!("list: {members}"),
            ListState::Fallback(why) => {
                self.message = Some(format!(
                    "The resource list is not available ({why}): subscribing to each contact instead"
                ));
                "list refused: per contact".to_string()
            }
        };
        // A fallback stays shown: a list of another package cannot undo it.
        if !self
            .list_note
            .as_deref()
            .is_some_and(|n| n.starts_with("list refused"))
        {
            self.list_note = Some(note);
        }
        self.dirty = true;
    }
}

fn same_uri(a: &str, b: &str) -> bool {
    use crate::sip::uri::SipUri;
    match (SipUri::parse_loose(a), SipUri::parse_loose(b)) {
        (Some(a), Some(b)) => a.same_as(&b),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use crate::app::{Model, Msg, Settings, update};
    use crate::body::notify::nothing_published;
    use crate::presence::{ContactId, ContactInfo, EventKind, Presence};
    use crate::sip::events::{EngineEvent, ListState};

    fn member(name: &str, uri: &str) -> ContactInfo {
        ContactInfo::named(name.into(), uri.into())
    }

    #[test]
    fn list_members_join_the_grid_and_the_search_and_their_state_shows() {
        let at = Instant::now();
        let settings = Settings {
            own_uri: Some("sip:zed@x".into()),
            ..Settings::default()
        };
        let mut m = Model::new(vec![member("Ann", "sip:ann@x")], settings);
        assert_eq!(m.own_id, None);
        let added = vec![
            (ContactId(1), member("Zed", "sip:zed@x")),
            (ContactId(2), member("bob", "sip:bob@x")),
        ];
        update(
            &mut m,
            Msg::Engine(EngineEvent::ContactsAdded {
                contacts: added,
                at,
            }),
        );
        assert_eq!(m.store.len(), 3);
        assert_eq!(
            m.own_id,
            Some(ContactId(1)),
            "the operator found on the list"
        );
        let grid: Vec<&str> = m
            .list
            .cells
            .iter()
            .map(|c| m.store.info(c.id).name.as_str())
            .collect();
        assert_eq!(grid, ["Ann", "bob", "Zed"], "in the Other group, by name");
        let mut doc = nothing_published();
        doc.presence = Presence::Available;
        update(
            &mut m,
            Msg::Engine(EngineEvent::Presence {
                contact: ContactId(1),
                doc,
                at,
            }),
        );
        assert_eq!(m.store.shown(ContactId(1)).presence, Presence::Available);
        for c in "zed".chars() {
            update(
                &mut m,
                Msg::Key(crossterm::event::KeyEvent::from(
                    crossterm::event::KeyCode::Char(c),
                )),
            );
        }
        assert_eq!(
            m.search.hits().first().map(|h| h.id),
            Some(ContactId(1)),
            "found by search"
        );
    }

    #[test]
    fn a_list_fallback_is_said_in_the_status_bar_and_the_message_line() {
        let at = Instant::now();
        let mut m = Model::new(Vec::new(), Settings::default());
        let ev = |state| {
            Msg::Engine(EngineEvent::List {
                event: EventKind::Presence,
                state,
                at,
            })
        };
        update(&mut m, ev(ListState::Active { members: 12 }));
        assert_eq!(m.list_note.as_deref(), Some("list: 12"));
        update(&mut m, ev(ListState::Fallback("404 Not Found".into())));
        assert_eq!(m.list_note.as_deref(), Some("list refused: per contact"));
        assert!(
            m.message
                .as_deref()
                .is_some_and(|t| t.contains("404 Not Found")),
            "{:?}",
            m.message
        );
        update(
            &mut m,
            Msg::Engine(EngineEvent::List {
                event: EventKind::Dialog,
                state: ListState::Active { members: 12 },
                at,
            }),
        );
        assert_eq!(
            m.list_note.as_deref(),
            Some("list refused: per contact"),
            "stays said"
        );
    }
}
