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

use std::time::Instant;

use super::{Contact, ContactId, Sources, Store, rules, slot};
use crate::presence::EventKind;
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
    let current = up && !s.stale[slot] && !s.unreadable.is_some(slot);
    match (has_state, nothing_published, current) {
        (true, false, true) => 4,
        (true, false, false) => 3,
        (true, true, true) => 2,
        (true, true, false) => 1,
        (false, ..) if status.severity() == Severity::Off && !s.unreadable.is_some(slot) => 0,
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
                    // Every server watches the same lines of the contact.
                    let uris: Vec<String> = self.src.lines.iter().map(|l| l.uri.clone()).collect();
                    self.more.resize_with(k + 1, || Sources {
                        lines: uris
                            .iter()
                            .cloned()
                            .map(super::line::ExtraLine::new)
                            .collect(),
                        ..Sources::default()
                    });
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

/// The rules' inputs from every server's sources: the chosen server's
/// presence and dialog parts, and the chosen ids.
pub(super) fn inputs<'a>(
    src: &'a Sources,
    more: &'a [Sources],
    preferred: Option<ServerId>,
) -> ([ServerId; 2], rules::Inputs<'a>) {
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
        // Registration and the other lines are telephony too.
        registered: dialog.registered,
        lines: dialog.lines,
        ..p.inputs()
    };
    (ids, inputs)
}

/// Every server's sources combined into what is shown, and the chosen
/// ids.
pub(super) fn combine<'a>(
    src: &'a Sources,
    more: &'a [Sources],
    preferred: Option<ServerId>,
) -> ([ServerId; 2], rules::Combined<'a>) {
    let (ids, inputs) = self::inputs(src, more, preferred);
    (ids, rules::combine(&inputs))
}

/// The server named by the shown source (presence's for the
/// subscription's own state), `None` before anything is known.
pub(super) fn shown_server(source: Source, ids: [ServerId; 2]) -> Option<ServerId> {
    match source {
        Source::None => None,
        Source::Dialog | Source::Registration => Some(ids[1]),
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

    /// Server `id` was restarted (its table changed): what it said is no
    /// longer backed by a live subscription until its new engine's
    /// NOTIFYs come, so it turns stale. The contacts whose shown state
    /// changed.
    pub fn mark_server_stale(
        &mut self,
        server: ServerId,
        now: std::time::Instant,
    ) -> Vec<ContactId> {
        let preferred = self.preferred();
        let line = super::line::LineCtx {
            hide_peers: self.hide_peers,
            voicemail: self.voicemail.as_deref(),
        };
        let mut changed = Vec::new();
        for (i, c) in self.contacts.iter_mut().enumerate() {
            if c.retired || c.sources(server).is_none() {
                continue;
            }
            let s = c.sources_mut(server);
            let had = [s.presence.is_some(), s.dialogs.received()];
            let mut marked = false;
            for (stale, had) in s.stale.iter_mut().zip(had) {
                if had && !*stale {
                    *stale = true;
                    marked = true;
                }
            }
            if marked && c.show(preferred, now, &line) {
                changed.push(ContactId(u32::try_from(i).unwrap_or(u32::MAX)));
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

    /// Apply one event of server `server`'s engine (see `servers`).
    pub fn apply_server_event(
        &mut self,
        server: ServerId,
        ev: &crate::sip::events::EngineEvent,
    ) -> Option<ContactId> {
        self.current_server = server;
        let changed = self.apply_event_inner(ev);
        self.current_server = 0;
        changed
    }

    /// The sources of the server whose state shows for `event`.
    pub(super) fn shown_sources(&self, id: ContactId, event: EventKind) -> Option<&Sources> {
        let c = self.contact(id)?;
        let chosen = c.chosen(slot(event), self.preferred());
        match chosen.checked_sub(1) {
            None => Some(&c.src),
            Some(k) => c.more.get(usize::from(k)),
        }
    }

    /// Recombine one contact (the servers changed); true when the shown
    /// state changed.
    fn recombine(&mut self, id: ContactId) -> bool {
        let preferred = self.preferred();
        let now = self.contact(id).and_then(|c| c.shown.since);
        let line = super::line::LineCtx {
            hide_peers: self.hide_peers,
            voicemail: self.voicemail.as_deref(),
        };
        match (self.contacts.get_mut(id.0 as usize), now) {
            (Some(c), Some(now)) => c.show(preferred, now, &line),
            _ => false,
        }
    }
}

impl Contact {
    /// Every server's sources into what is shown; true when it changed.
    pub(super) fn show(
        &mut self,
        preferred: Option<ServerId>,
        now: Instant,
        line: &super::line::LineCtx<'_>,
    ) -> bool {
        let (ids, mut combined) = combine(&self.src, &self.more, preferred);
        if line.hide_peers {
            combined.peer = None;
        }
        let extras = super::line::LineExtras {
            forwarded_to: combined.forwarded_to.map(|t| {
                super::line::forward_target_label(t, line.voicemail, self.info.extension.as_deref())
            }),
            // Message waiting is telephony: the line's server says it.
            messages: sources_of(&self.src, &self.more, ids[1]).and_then(Sources::new_messages),
        };
        let server = shown_server(combined.source, ids);
        let mut changed = self.shown.update(&combined, &extras, now);
        if self.shown.server != server {
            self.shown.server = server;
            changed = true;
        }
        changed
    }
}

#[cfg(test)]
mod tests;
