//! The users the server knows, their state and publications, and the
//! NOTIFY bodies rendered from them.

use std::time::Instant;

use super::Server;
use crate::body::{DialogEntry, dialog_info, pidf};
use crate::demo::state::PresenceState;

#[derive(Debug, Clone)]
pub(super) struct UserEntry {
    /// The user part, as configured.
    pub user: String,
    /// `sip:<user>@<domain>`: the entity of every body.
    pub aor: String,
    pub presence: PresenceState,
    pub dialogs: Vec<DialogEntry>,
    pub faulty_until: Option<Instant>,
    /// ETags of live publications, the newest last (it decides).
    pub publications: Vec<String>,
    /// Subscriptions watching this user (either event).
    pub watchers: Vec<u64>,
}

impl UserEntry {
    pub fn new(user: String, aor: String) -> Self {
        UserEntry {
            user,
            aor,
            presence: PresenceState::offline(None),
            dialogs: Vec::new(),
            faulty_until: None,
            publications: Vec::new(),
            watchers: Vec::new(),
        }
    }
}

/// One PUBLISH-ed presence document (RFC 3903).
#[derive(Debug, Clone)]
pub(super) struct Publication {
    pub user: usize,
    pub body: Vec<u8>,
    pub content_type: String,
    pub expires_at: Instant,
}

impl Server {
    /// The presence body watchers of `user` get: the newest live
    /// publication as published, else the simulated state as PIDF.
    pub(super) fn presence_body(&self, user: usize) -> (String, Vec<u8>) {
        let Some(u) = self.users.get(user) else {
            return ("application/pidf+xml".into(), Vec::new());
        };
        if let Some(p) = u
            .publications
            .last()
            .and_then(|etag| self.publications.get(etag))
        {
            return (p.content_type.clone(), p.body.clone());
        }
        let s = &u.presence;
        let body = pidf::build(
            &u.aor,
            s.presence,
            s.note.as_deref(),
            s.availability.as_ref(),
            s.forwarding.as_ref(),
        );
        ("application/pidf+xml".into(), body.into_bytes())
    }

    /// A full dialog-info document of `user`'s line.
    pub(super) fn dialog_body(&self, user: usize, version: u64) -> Vec<u8> {
        let Some(u) = self.users.get(user) else {
            return Vec::new();
        };
        dialog_info::build(&u.aor, version, true, &u.dialogs).into_bytes()
    }
}
