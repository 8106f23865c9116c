//! Resource list subscriptions (RFC 4662) to the whole directory, like
//! Kamailio's `rls` module: `SUBSCRIBE sip:<list_user>@<domain>` with
//! `Supported: eventlist` gets one dialog whose first NOTIFY is the full
//! state: the RLMI listing every user, without instances (nothing about
//! them yet, as Kamailio's first NOTIFY); the members' documents follow in
//! partial NOTIFYs of at most [`LIST_CHUNK`] members each, one after the
//! other as each is answered (Kamailio sends 500 per NOTIFY: a 10,000-member
//! full state with documents would be ~7 MB in one message). Later changes
//! go out the same way: only the members that changed since the last
//! NOTIFY (coalesced while one is in flight, like a single subscription's).
//! RLMI `version` counts the list's NOTIFYs (1, 2, …); every NOTIFY says
//! `Require: eventlist`. A list SUBSCRIBE without `Supported: eventlist`
//! gets `421 Extension Required` (RFC 4662 section 4.2).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::Server;
use crate::presence::EventKind;

/// At most this many member documents in one list NOTIFY.
pub const LIST_CHUNK: usize = 500;

/// The MIME boundary of our multipart bodies (never inside an XML document
/// we build: no document has two dashes followed by this).
const BOUNDARY: &str = "sb-list-boundary-7e3f";

/// What a list subscription still owes its subscriber.
#[derive(Debug, Clone, Default)]
pub(super) struct ListWatch {
    /// The full state went out (later NOTIFYs are partial).
    pub full_sent: bool,
    /// Users changed since the last NOTIFY.
    pub changed: BTreeSet<usize>,
}

impl Server {
    /// Whether `user` (a Request-URI user part) names the directory's list.
    pub(super) fn is_list_user(&self, user: &str) -> bool {
        self.cfg.list_user.as_deref() == Some(user) && self.user_index(user).is_none()
    }

    /// List subscription `id` still owes member documents.
    pub(super) fn list_pending(&self, id: u64) -> bool {
        self.subs
            .get(&id)
            .and_then(|s| s.list.as_ref())
            .is_some_and(|w| !w.changed.is_empty())
    }

    /// `user` changed: every list subscription of `event` owes it.
    pub(super) fn list_member_changed(&mut self, user: usize, event: EventKind) -> Vec<u64> {
        let mut ids = Vec::new();
        for id in &self.list_subs {
            let Some(sub) = self.subs.get_mut(id) else {
                continue;
            };
            if sub.event != event {
                continue;
            }
            if let Some(watch) = sub.list.as_mut() {
                watch.changed.insert(user);
                ids.push(*id);
            }
        }
        ids
    }

    /// The body of the next NOTIFY of list subscription `id`: the full
    /// state first, then the members changed since; `version` is the RLMI
    /// version. Clears what it sent.
    pub(super) fn list_body(&mut self, id: u64, version: u64) -> (String, Vec<u8>) {
        let Some(sub) = self.subs.get_mut(&id) else {
            return (String::new(), Vec::new());
        };
        let (event, list_uri) = (sub.event, sub.local_uri.clone());
        let Some(watch) = sub.list.as_mut() else {
            return (String::new(), Vec::new());
        };
        let full = !watch.full_sent;
        watch.full_sent = true;
        let members: Vec<usize> = if full {
            // Every member listed now, their documents in the partials.
            watch.changed = (0..self.users.len()).collect();
            (0..self.users.len()).collect()
        } else {
            let mut next = Vec::with_capacity(LIST_CHUNK.min(watch.changed.len()));
            while next.len() < LIST_CHUNK {
                let Some(user) = watch.changed.pop_first() else {
                    break;
                };
                next.push(user);
            }
            next
        };
        let mut rlmi = String::with_capacity(120 + members.len() * 160);
        let _ = write!(
            rlmi,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<list xmlns=\"urn:ietf:params:xml:ns:rlmi\" uri=\"{list_uri}\" version=\"{version}\" fullState=\"{full}\">"
        );
        let mut parts: Vec<u8> = Vec::with_capacity(members.len() * 700);
        for &user in &members {
            let Some(u) = self.users.get(user) else {
                continue;
            };
            if full {
                let _ = write!(rlmi, "<resource uri=\"{}\"/>", u.aor);
                continue;
            }
            let cid = format!("m{user}v{version}@switchboard-demo");
            let _ = write!(
                rlmi,
                "<resource uri=\"{}\"><instance id=\"i{user}\" state=\"active\" cid=\"{cid}\"/></resource>",
                u.aor
            );
            let (ctype, body) = match event {
                EventKind::Presence => self.presence_body(user),
                // A list is never subscribed for these (489).
                EventKind::Reg | EventKind::MessageSummary => continue,
                EventKind::Dialog => (
                    "application/dialog-info+xml".to_string(),
                    self.dialog_body(user, version),
                ),
            };
            let _ = write!(
                Bytes(&mut parts),
                "--{BOUNDARY}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <{cid}>\r\nContent-Type: {ctype}\r\n\r\n"
            );
            parts.extend_from_slice(&body);
            parts.extend_from_slice(b"\r\n");
        }
        rlmi.push_str("</list>");
        let mut out = Vec::with_capacity(rlmi.len() + parts.len() + 200);
        let _ = write!(
            Bytes(&mut out),
            "--{BOUNDARY}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root{version}@switchboard-demo>\r\nContent-Type: application/rlmi+xml;charset=\"UTF-8\"\r\n\r\n{rlmi}\r\n"
        );
        out.extend_from_slice(&parts);
        let _ = write!(Bytes(&mut out), "--{BOUNDARY}--\r\n");
        let ctype = format!(
            "multipart/related;type=\"application/rlmi+xml\";start=\"<root{version}@switchboard-demo>\";boundary=\"{BOUNDARY}\""
        );
        (ctype, out)
    }
}

/// `write!` into a byte buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}
