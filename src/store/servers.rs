//! Several presence servers: each contact keeps what every server said,
//! per event package, and one is shown.
//!
//! A server is a [`ServerId`] (the runtime's index, stable for the
//! process: a server added by a configuration reload gets a new one, a
//! removed one's is never reused). Server 0's state lives in the
//! contact's `src`, the others' in `more` (empty, so free, with one
//! server).
//!
//! Which server's state shows, per contact and package: the best
//! [`rank`] wins — current (a document read, not stale, readable, the
//! subscription up or waiting) beats a document read but not current
//! (stale, unreadable, failing: shown greyed, with its age) beats an
//! empty presence NOTIFY (the server has nothing published for the
//! person: no conflict with a server that has a document, and no reason
//! to show a confident "offline" over what another server last knew)
//! beats a subscription that says something without a document beats
//! nothing — and among equals the preferred
//! server, then the first configured. So the preferred server wins every
//! conflict while it is current, and when it is lost (down, expired,
//! refused) the other server's *current* state shows instead of the
//! preferred one's stale state: one server down never hides another's
//! states. Presence and line state may come from different servers (a
//! presence server and a PBX); the shown `server` is the one of the
//! shown `source`.

use super::{Contact, ContactId, Sources, Store, rules};
use crate::presence::{Severity, Source};

/// A presence server, as the runtime numbers them.
pub type ServerId = u16;

/// The servers the store knows: names by id, which one is preferred.
#[derive(Debug, Default)]
pub(super) struct Servers {
    /// Indexed by id; `None`: removed (or never named).
    names: Vec<Option<String>>,
    preferred: Option<ServerId>,
}

/// How much a source has to say for one package (higher wins).
fn rank(s: &Sources, slot: usize) -> u8 {
    let has_state = if slot == 0 {
        s.presence.is_some()
    } else {
        s.dialogs.received()
    };
    // An empty presence NOTIFY says the server has nothing for the person:
    // no conflict with a server that has a document.
    let nothing_published = slot == 0
        && s.presence
            .as_ref()
            .is_some_and(|d| d.rule == crate::body::notify::RULE_NOTHING_PUBLISHED);
    let status = &s.status[slot];
    let up = matches!(status.severity(), Severity::Live | Severity::Waiting);
    let current = up && !s.stale[slot] && s.unreadable[slot].is_none();
    match (has_state, nothing_published, current) {
        (true, false, true) => 4,
        (true, false, false) => 3,
        (true, true, true) => 2,
        (true, true, false) => 1,
        (false, ..) if status.severity() == Severity::Off && s.unreadable[slot].is_none() => 0,
        (false, ..) => 1,
    }
}

impl Contact {
    /// Server `server`'s sources, made on first use.
    pub(super) fn sources_mut(&mut self, server: ServerId) -> &mut Sources {
        match server.checked_sub(1) {
            None => &mut self.src,
            Some(k) => {
                let k = usize::from(k);
                if self.more.len() <= k {
                    self.more.resize_with(k + 1, Sources::default);
                }
                &mut self.more[k]
            }
        }
    }

    fn sources(&self, server: ServerId) -> Option<&Sources> {
        sources_of(&self.src, &self.more, server)
    }

    /// The server whose state shows for package `slot`.
    pub(super) fn chosen(&self, slot: usize, preferred: Option<ServerId>) -> ServerId {
        chosen(&self.src, &self.more, slot, preferred)
    }
}

fn sources_of<'a>(src: &'a Sources, more: &'a [Sources], server: ServerId) -> Option<&'a Sources> {
    match server.checked_sub(1) {
        None => Some(src),
        Some(k) => more.get(usize::from(k)),
    }
}

fn chosen(src: &Sources, more: &[Sources], slot: usize, preferred: Option<ServerId>) -> ServerId {
    if more.is_empty() {
        return 0;
    }
    let mut best: Option<(u8, bool, ServerId)> = None;
    for id in (0..=more.len()).filter_map(|i| ServerId::try_from(i).ok()) {
        let Some(s) = sources_of(src, more, id) else {
            continue;
        };
        let key = (rank(s, slot), preferred == Some(id));
        if best.is_none_or(|(r, p, _)| key > (r, p)) {
            best = Some((key.0, key.1, id));
        }
    }
    best.map_or(0, |(.., id)| id)
}

/// Every server's sources combined into what is shown: the chosen
/// server's presence and dialog parts, and the chosen ids.
pub(super) fn combine<'a>(
    src: &'a Sources,
    more: &'a [Sources],
    preferred: Option<ServerId>,
) -> ([ServerId; 2], rules::Combined<'a>) {
    let ids = [
        chosen(src, more, 0, preferred),
        chosen(src, more, 1, preferred),
    ];
    let p = sources_of(src, more, ids[0]).unwrap_or(src);
    let d = sources_of(src, more, ids[1]).unwrap_or(src);
    // The dialog part from its server, everything else from presence's
    // (with one server, both are the same).
    let dialog = d.inputs();
    let inputs = rules::Inputs {
        dialogs: dialog.dialogs,
        dialog_received: dialog.dialog_received,
        dialog_status: dialog.dialog_status,
        dialog_stale: dialog.dialog_stale,
        dialog_unreadable: dialog.dialog_unreadable,
        ..p.inputs()
    };
    (ids, rules::combine(&inputs))
}

/// The server named by the shown source (presence's for the
/// subscription's own state), `None` before anything is known.
pub(super) fn shown_server(source: Source, ids: [ServerId; 2]) -> Option<ServerId> {
    match source {
        Source::None => None,
        Source::Dialog => Some(ids[1]),
        Source::Presence | Source::Subscription => Some(ids[0]),
    }
}

impl Store {
    /// The servers by id (`(id, name)`) and which one is preferred. A
    /// server the store knew that is not listed any more (removed by a
    /// configuration reload) loses its state, and every contact it showed
    /// is recombined: the ids of those whose shown state changed.
    pub fn set_servers(
        &mut self,
        servers: &[(ServerId, String)],
        preferred: Option<ServerId>,
    ) -> Vec<ContactId> {
        let mut names: Vec<Option<String>> = Vec::new();
        for (id, name) in servers {
            let i = usize::from(*id);
            if names.len() <= i {
                names.resize(i + 1, None);
            }
            names[i] = Some(crate::text::harmless_line(name));
        }
        let gone: Vec<ServerId> = (0..self.servers.names.len())
            .filter(|&i| names.get(i).is_none_or(Option::is_none))
            .filter(|&i| self.servers.names[i].is_some())
            .filter_map(|i| ServerId::try_from(i).ok())
            .collect();
        let preferred_changed = self.servers.preferred != preferred;
        self.servers = Servers { names, preferred };
        if gone.is_empty() && !preferred_changed {
            return Vec::new();
        }
        let mut changed = Vec::new();
        for id in self.ids().collect::<Vec<_>>() {
            let Some(c) = self.contacts.get_mut(id.0 as usize) else {
                continue;
            };
            for &s in &gone {
                if c.sources(s).is_some() {
                    *c.sources_mut(s) = Sources::default();
                }
            }
            if self.recombine(id) {
                changed.push(id);
            }
        }
        changed
    }

    /// The name of server `id` (`None`: unknown or removed).
    pub fn server_name(&self, id: ServerId) -> Option<&str> {
        self.servers.names.get(usize::from(id))?.as_deref()
    }

    /// More than one server is configured (the why panel names them).
    pub fn several_servers(&self) -> bool {
        self.servers.names.iter().flatten().count() > 1
    }

    /// The preferred server, if one is.
    pub fn preferred_server(&self) -> Option<ServerId> {
        self.servers.preferred
    }

    /// The name of the server the contact's shown state came from.
    pub fn shown_server(&self, id: ContactId) -> Option<&str> {
        self.server_name(self.shown(id).server?)
    }

    /// The server whose state shows for one package of a contact.
    pub fn package_server(&self, id: ContactId, event: crate::presence::EventKind) -> Option<&str> {
        let c = self.contact(id)?;
        let slot = super::slot(event);
        (rank(c.sources(c.chosen(slot, self.servers.preferred))?, slot) > 0)
            .then(|| self.server_name(c.chosen(slot, self.servers.preferred)))
            .flatten()
    }

    pub(super) fn preferred(&self) -> Option<ServerId> {
        self.servers.preferred
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::body::{PresenceDoc, pidf};
    use crate::presence::{
        ContactInfo, EventKind, Freshness, LineState, Presence, SubscriptionStatus,
    };
    use crate::sip::events::EngineEvent;

    const ALICE: ContactId = ContactId(0);

    fn doc(p: Presence) -> PresenceDoc {
        pidf::parse(pidf::build("sip:alice@x.test", p, None, None, None).as_bytes()).unwrap()
    }

    /// Two servers, "presence" (0) and "pbx" (1), `preferred` one of them.
    fn two_servers(preferred: Option<ServerId>) -> Store {
        let mut s = Store::new(vec![ContactInfo {
            name: "Alice".into(),
            uri: "sip:alice@x.test".into(),
            extension: None,
            department: None,
        }]);
        s.set_servers(&[(0, "presence".into()), (1, "pbx".into())], preferred);
        s
    }

    fn says(s: &mut Store, server: ServerId, p: Presence, at: Instant) {
        let events = [
            EngineEvent::Subscription {
                contact: ALICE,
                event: EventKind::Presence,
                status: SubscriptionStatus::Active,
                at,
            },
            EngineEvent::Presence {
                contact: ALICE,
                doc: doc(p),
                at,
            },
        ];
        for ev in &events {
            s.apply_server_event(server, ev);
        }
    }

    fn stale(s: &mut Store, server: ServerId, at: Instant) -> Option<ContactId> {
        let ev = EngineEvent::Stale {
            contact: ALICE,
            event: EventKind::Presence,
            at,
        };
        s.apply_server_event(server, &ev)
    }

    #[test]
    fn the_preferred_server_wins_a_conflict_and_is_named() {
        let t = Instant::now();
        let mut s = two_servers(Some(1));
        says(&mut s, 0, Presence::Away, t);
        assert_eq!(s.shown(ALICE).presence, Presence::Away);
        assert_eq!(s.shown_server(ALICE), Some("presence"));
        says(&mut s, 1, Presence::Busy, t + Duration::from_secs(1));
        assert_eq!(s.shown(ALICE).presence, Presence::Busy);
        assert_eq!(s.shown_server(ALICE), Some("pbx"));
        // A later change on the other server does not override it.
        says(&mut s, 0, Presence::Available, t + Duration::from_secs(2));
        assert_eq!(s.shown(ALICE).presence, Presence::Busy);
    }

    #[test]
    fn nothing_published_on_the_preferred_server_is_no_conflict() {
        let t = Instant::now();
        let mut s = two_servers(Some(1));
        says(&mut s, 0, Presence::Away, t);
        let empty = crate::body::notify::read(EventKind::Presence, "", b"", true).unwrap();
        let crate::body::notify::Notified::Presence(doc) = empty else {
            panic!("an empty active NOTIFY reads as nothing published");
        };
        for ev in [
            EngineEvent::Subscription {
                contact: ALICE,
                event: EventKind::Presence,
                status: SubscriptionStatus::Active,
                at: t,
            },
            EngineEvent::Presence {
                contact: ALICE,
                doc,
                at: t,
            },
        ] {
            s.apply_server_event(1, &ev);
        }
        assert_eq!(s.shown(ALICE).presence, Presence::Away);
        assert_eq!(s.shown_server(ALICE), Some("presence"));
    }

    #[test]
    fn a_state_known_only_to_a_lost_server_stays_shown_stale_not_nothing_published() {
        let t = Instant::now();
        let mut s = two_servers(Some(1));
        says(&mut s, 1, Presence::Away, t);
        let empty = crate::body::notify::read(EventKind::Presence, "", b"", true).unwrap();
        let crate::body::notify::Notified::Presence(doc) = empty else {
            panic!("an empty active NOTIFY reads as nothing published");
        };
        let ev = EngineEvent::Presence {
            contact: ALICE,
            doc,
            at: t,
        };
        s.apply_server_event(0, &ev);
        assert_eq!(s.shown(ALICE).presence, Presence::Away);
        stale(&mut s, 1, t);
        let shown = s.shown(ALICE);
        assert_eq!(
            (shown.presence, shown.freshness),
            (Presence::Away, Freshness::Stale)
        );
        assert_eq!(s.shown_server(ALICE), Some("pbx"));
    }

    #[test]
    fn without_a_preferred_server_the_first_configured_wins() {
        let t = Instant::now();
        let mut s = two_servers(None);
        says(&mut s, 1, Presence::Busy, t);
        says(&mut s, 0, Presence::Away, t);
        assert_eq!(s.shown(ALICE).presence, Presence::Away);
        assert_eq!(s.shown_server(ALICE), Some("presence"));
    }

    #[test]
    fn a_lost_preferred_server_shows_the_others_current_state_not_its_stale_one() {
        let t = Instant::now();
        let mut s = two_servers(Some(1));
        says(&mut s, 0, Presence::Away, t);
        says(&mut s, 1, Presence::Busy, t);
        assert_eq!(stale(&mut s, 1, t), Some(ALICE));
        let shown = s.shown(ALICE);
        assert_eq!(shown.presence, Presence::Away);
        assert_eq!(shown.freshness, Freshness::Fresh);
        assert_eq!(s.shown_server(ALICE), Some("presence"));
        // Back: the preferred one wins again.
        says(&mut s, 1, Presence::Busy, t);
        assert_eq!(s.shown(ALICE).presence, Presence::Busy);
    }

    #[test]
    fn the_other_server_lost_leaves_the_preferred_ones_state_current() {
        let t = Instant::now();
        let mut s = two_servers(Some(1));
        says(&mut s, 0, Presence::Away, t);
        says(&mut s, 1, Presence::Busy, t);
        stale(&mut s, 0, t);
        let shown = s.shown(ALICE);
        assert_eq!(
            (shown.presence, shown.freshness),
            (Presence::Busy, Freshness::Fresh)
        );
    }

    #[test]
    fn both_lost_shows_the_preferred_ones_last_state_stale() {
        let t = Instant::now();
        let mut s = two_servers(Some(1));
        says(&mut s, 0, Presence::Away, t);
        says(&mut s, 1, Presence::Busy, t);
        stale(&mut s, 0, t);
        stale(&mut s, 1, t);
        let shown = s.shown(ALICE);
        assert_eq!(
            (shown.presence, shown.freshness),
            (Presence::Busy, Freshness::Stale)
        );
        assert_eq!(s.shown_server(ALICE), Some("pbx"));
    }

    #[test]
    fn presence_and_line_may_come_from_different_servers() {
        let t = Instant::now();
        let mut s = two_servers(None);
        says(&mut s, 0, Presence::Away, t);
        for ev in [
            EngineEvent::Subscription {
                contact: ALICE,
                event: EventKind::Dialog,
                status: SubscriptionStatus::Active,
                at: t,
            },
            EngineEvent::Dialog {
                contact: ALICE,
                doc: None,
                at: t,
            },
        ] {
            s.apply_server_event(1, &ev);
        }
        let shown = s.shown(ALICE);
        assert_eq!(
            (shown.presence, shown.line),
            (Presence::Away, LineState::Ready)
        );
        assert_eq!(
            s.package_server(ALICE, EventKind::Presence),
            Some("presence")
        );
        assert_eq!(s.package_server(ALICE, EventKind::Dialog), Some("pbx"));
    }

    #[test]
    fn a_removed_server_takes_its_state_with_it() {
        let t = Instant::now();
        let mut s = two_servers(Some(1));
        says(&mut s, 0, Presence::Away, t);
        says(&mut s, 1, Presence::Busy, t);
        let changed = s.set_servers(&[(0, "presence".into())], None);
        assert_eq!(changed, [ALICE]);
        assert_eq!(s.shown(ALICE).presence, Presence::Away);
        assert_eq!(s.server_name(1), None);
    }
}
