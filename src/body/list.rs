//! What a resource list NOTIFY body (RFC 4662) says: the list's version,
//! whether it is the full state, and per member its instance state and the
//! document its part carries, read by the same rules as a single
//! subscription's body ([`super::notify::read`]).
//!
//! Parts are matched to instances by `cid`. A member whose part is itself a
//! `multipart/related` is a nested list: its members are read the same way
//! and reported in place of it (the console shows people, not lists), up to
//! [`MAX_DEPTH`] levels. A member without an instance is reported as such:
//! the list server has nothing yet (unknown, never offline). A part is
//! read for the first member naming its `cid` only: a second member naming
//! it gets an unreadable document, so reading a body costs at most its own
//! size per nesting level, never members × part size.

use std::collections::{HashMap, HashSet};

use super::multipart::{self, Part};
use super::notify::{self, Notified};
use super::rlmi::{self, InstanceState};
use super::{BodyError, MAX_LIST_BODY};
use crate::presence::EventKind;
use crate::text::harmless_line;

/// Nested lists deeper than this are not followed.
pub const MAX_DEPTH: usize = 4;

/// A list NOTIFY body.
#[derive(Debug, Clone, PartialEq)]
pub struct ListNotify {
    pub uri: String,
    pub version: u64,
    pub full_state: bool,
    pub members: Vec<Member>,
}

/// One member as this NOTIFY reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub uri: String,
    pub name: Option<String>,
    pub state: MemberState,
    /// The document of its part: `None` when the NOTIFY carries none
    /// for it; `Some(Err)` when the part could not be read.
    pub doc: Option<Result<Notified, BodyError>>,
}

/// The member's back-end subscription as the list server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberState {
    /// Listed without an instance: the server has no state yet.
    NoInstance,
    Active,
    Pending,
    /// Terminated, with the server's reason.
    Terminated(Option<String>),
}

/// Reads a list NOTIFY body of `event`'s package.
pub fn read(event: EventKind, content_type: &str, body: &[u8]) -> Result<ListNotify, BodyError> {
    if body.len() > MAX_LIST_BODY {
        return Err(BodyError::TooLarge(body.len()));
    }
    let mut members = Vec::new();
    let root = read_level(event, content_type, body, 0, &mut members)?;
    Ok(ListNotify {
        uri: root.uri,
        version: root.version,
        full_state: root.full_state,
        members,
    })
}

/// One level of (possibly nested) list: its RLMI; members appended to `out`.
fn read_level(
    event: EventKind,
    content_type: &str,
    body: &[u8],
    depth: usize,
    out: &mut Vec<Member>,
) -> Result<rlmi::Rlmi, BodyError> {
    let Some(related) = multipart::related(content_type) else {
        return Err(BodyError::ContentType {
            expected: "multipart/related",
            found: harmless_line(content_type),
        });
    };
    let parts = multipart::split(body, &related.boundary)?;
    let root = root_part(&parts, related.start.as_deref())?;
    let list = rlmi::parse(root.body)?;
    let by_cid: HashMap<&str, &Part<'_>> = parts
        .iter()
        .filter_map(|p| Some((p.content_id.as_deref()?, p)))
        .collect();
    // Each part is read for one member only: a body whose members all
    // name one big part would otherwise be read members × part bytes.
    let mut used: HashSet<&str> = HashSet::new();
    for resource in &list.resources {
        // The last instance counts (a server lists one per back-end
        // subscription; a new one follows an ended one).
        let Some(instance) = resource.instances.last() else {
            out.push(Member {
                uri: resource.uri.clone(),
                name: resource.name.clone(),
                state: MemberState::NoInstance,
                doc: None,
            });
            continue;
        };
        let cid = instance.cid.as_deref();
        let reused = cid.is_some_and(|c| by_cid.contains_key(c) && !used.insert(c));
        let part = cid.and_then(|c| by_cid.get(c)).filter(|_| !reused);
        if let Some(part) = part
            && multipart::related(&part.content_type).is_some()
        {
            if depth + 1 < MAX_DEPTH {
                read_level(event, &part.content_type, part.body, depth + 1, out)?;
            }
            continue;
        }
        let state = match instance.state {
            InstanceState::Active => MemberState::Active,
            InstanceState::Pending => MemberState::Pending,
            InstanceState::Terminated => MemberState::Terminated(instance.reason.clone()),
        };
        let active = state == MemberState::Active;
        let doc = match part {
            Some(p) => Some(notify::read(event, &p.content_type, p.body, active)),
            None if reused => Some(Err(BodyError::Invalid {
                what: "list part",
                value: "named by an earlier member too (each part is one member's)".into(),
            })),
            None => None,
        };
        out.push(Member {
            uri: resource.uri.clone(),
            name: resource.name.clone(),
            state,
            doc,
        });
    }
    Ok(list)
}

/// The root part: the one named by `start`, else the first (RFC 2387).
fn root_part<'p, 'a>(
    parts: &'p [Part<'a>],
    start: Option<&str>,
) -> Result<&'p Part<'a>, BodyError> {
    let found = match start {
        Some(cid) => parts.iter().find(|p| p.content_id.as_deref() == Some(cid)),
        None => parts.first(),
    };
    found.ok_or_else(|| BodyError::Invalid {
        what: "multipart root part",
        value: harmless_line(start.unwrap_or("(first)")),
    })
}

#[cfg(test)]
mod tests;
