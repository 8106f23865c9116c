//! `application/rlmi+xml` (RFC 4662 section 5): the root part of a
//! resource list NOTIFY → [`Rlmi`].
//!
//! A list document is bigger than any presence document (a full state of
//! 10,000 members is ~450 KB of RLMI), so it has its own caps: size
//! [`MAX_RLMI`] and node count. Every URI, name, id and reason is made
//! harmless here.

use super::xml::{self, local};
use super::{BodyError, MAX_LIST_BODY};
use crate::text::harmless_line;

pub const NS_RLMI: &str = "urn:ietf:params:xml:ns:rlmi";
/// The RLMI part of a list NOTIFY is at most this big.
pub const MAX_RLMI: usize = MAX_LIST_BODY;
/// Nodes in one RLMI document (a member with name and instance is ~8).
const RLMI_NODES: u32 = 2_000_000;

/// A `<list>` document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rlmi {
    pub uri: String,
    pub version: u64,
    pub full_state: bool,
    pub resources: Vec<Resource>,
}

/// One `<resource>`: a member of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub uri: String,
    /// The first `<name>`, if any.
    pub name: Option<String>,
    pub instances: Vec<Instance>,
}

/// One `<instance>`: a back-end subscription to the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
    pub state: InstanceState,
    /// `reason` of a terminated instance (`noresource`, `rejected`, …).
    pub reason: Option<String>,
    /// The Content-ID of the part carrying its document.
    pub cid: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceState {
    Active,
    Pending,
    Terminated,
}

/// Parses an RLMI document.
pub fn parse(body: &[u8]) -> Result<Rlmi, BodyError> {
    if body.len() > MAX_RLMI {
        return Err(BodyError::TooLarge(body.len()));
    }
    let text = xml::decode_capped(body, "RLMI", MAX_RLMI)?;
    let doc = xml::parse_doc_limited(&text, RLMI_NODES)?;
    let root = doc.root_element();
    if local(root) != "list" || !matches!(root.tag_name().namespace(), None | Some(NS_RLMI)) {
        return Err(BodyError::WrongRoot {
            expected: "list",
            found: local(root).to_string(),
        });
    }
    let uri = harmless_line(root.attribute("uri").unwrap_or_default());
    let version = root
        .attribute("version")
        .ok_or_else(|| invalid("RLMI version", "missing"))?;
    let version = version
        .trim()
        .parse::<u64>()
        .map_err(|_| invalid("RLMI version", version))?;
    let full_state = match root.attribute("fullState").map(str::trim) {
        Some("true") | Some("1") => true,
        Some("false") | Some("0") => false,
        Some(other) => return Err(invalid("RLMI fullState", other)),
        None => return Err(invalid("RLMI fullState", "missing")),
    };
    let resources = root
        .children()
        .filter(|n| local(*n) == "resource")
        .filter_map(resource)
        .collect();
    Ok(Rlmi {
        uri,
        version,
        full_state,
        resources,
    })
}

/// A `<resource>`; one without a `uri` is skipped (nothing to show it as).
fn resource(node: roxmltree::Node<'_, '_>) -> Option<Resource> {
    let uri = node
        .attribute("uri")
        .map(str::trim)
        .filter(|u| !u.is_empty())?;
    let name = node
        .children()
        .find(|n| local(*n) == "name")
        .and_then(xml::text)
        .map(harmless_line);
    let instances = node
        .children()
        .filter(|n| local(*n) == "instance")
        .filter_map(|n| {
            let state = match n.attribute("state")?.trim() {
                s if s.eq_ignore_ascii_case("active") => InstanceState::Active,
                s if s.eq_ignore_ascii_case("pending") => InstanceState::Pending,
                s if s.eq_ignore_ascii_case("terminated") => InstanceState::Terminated,
                _ => return None,
            };
            Some(Instance {
                id: harmless_line(n.attribute("id").unwrap_or_default()),
                state,
                reason: n.attribute("reason").map(harmless_line),
                cid: n.attribute("cid").map(|c| c.trim().to_string()),
            })
        })
        .collect();
    Some(Resource {
        uri: harmless_line(uri),
        name,
        instances,
    })
}

fn invalid(what: &'static str, value: &str) -> BodyError {
    BodyError::Invalid {
        what,
        value: harmless_line(value),
    }
}
