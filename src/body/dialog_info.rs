//! `application/dialog-info+xml` (RFC 4235) → [`DialogDoc`], and back.
//!
//! Tolerated dialects: states in any case (Kamailio's pua_dialoginfo sends
//! `Trying`), a dialog without `id` identified by its `call-id`, a
//! `<remote>` with only a `<target uri>` (the URI then stands for the
//! identity).

#[cfg(test)]
mod tests;

use roxmltree::Node;

use super::xml::{self, local, push_attr, push_text, text};
use super::{BodyError, DialogDoc, DialogEntry, DialogState, Direction};
use crate::text::harmless_line;

pub const NS_DIALOG_INFO: &str = "urn:ietf:params:xml:ns:dialog-info";

/// Parses a dialog-info body. Every text taken from the document (entity,
/// dialog id, the other party's identity and display name, which any caller
/// chooses) is made harmless here.
pub fn parse(body: &[u8]) -> Result<DialogDoc, BodyError> {
    let text = xml::decode(body, "dialog-info")?;
    let doc = xml::parse_doc(&text)?;
    let root = doc.root_element();
    if local(root) != "dialog-info" || !ours(root) {
        let found = match root.tag_name().namespace() {
            Some(ns) => format!("{{{ns}}}{}", local(root)),
            None => local(root).to_string(),
        };
        return Err(BodyError::WrongRoot {
            expected: "dialog-info",
            found,
        });
    }
    let version = match root.attribute("version").map(str::trim) {
        Some(v) => v.parse::<u64>().map_err(|_| BodyError::Invalid {
            what: "dialog-info version",
            value: v.to_string(),
        })?,
        None => {
            return Err(BodyError::Invalid {
                what: "dialog-info version (required attribute missing)",
                value: String::new(),
            });
        }
    };
    let full = match root.attribute("state").map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("full") => true,
        Some(s) if s.eq_ignore_ascii_case("partial") => false,
        other => {
            return Err(BodyError::Invalid {
                what: "dialog-info state (full|partial)",
                value: other.unwrap_or("").to_string(),
            });
        }
    };
    let dialogs = children(root, "dialog")
        .map(parse_dialog)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DialogDoc {
        version,
        full,
        entity: root.attribute("entity").map(harmless_line),
        dialogs,
    })
}

/// In the dialog-info namespace, or unqualified.
fn ours(node: Node<'_, '_>) -> bool {
    matches!(node.tag_name().namespace(), None | Some(NS_DIALOG_INFO))
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && local(*c) == name && ours(*c))
}

fn parse_dialog(node: Node<'_, '_>) -> Result<DialogEntry, BodyError> {
    let id = node
        .attribute("id")
        .or_else(|| node.attribute("call-id"))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| BodyError::Invalid {
            what: "dialog id (required attribute missing)",
            value: String::new(),
        })?;
    let state_text = children(node, "state").next().and_then(text);
    let state = state_text
        .and_then(state_from_name)
        .ok_or_else(|| BodyError::Invalid {
            what: "dialog state",
            value: state_text.unwrap_or("").to_string(),
        })?;
    let direction = match node.attribute("direction").map(str::trim) {
        None | Some("") => None,
        Some(d) if d.eq_ignore_ascii_case("initiator") => Some(Direction::Initiator),
        Some(d) if d.eq_ignore_ascii_case("recipient") => Some(Direction::Recipient),
        Some(d) => {
            return Err(BodyError::Invalid {
                what: "dialog direction (initiator|recipient)",
                value: d.to_string(),
            });
        }
    };
    let remote = children(node, "remote").next();
    let identity = remote.and_then(|r| children(r, "identity").next());
    let remote_identity = identity.and_then(text).or_else(|| {
        remote
            .and_then(|r| children(r, "target").next())
            .and_then(|t| t.attribute("uri"))
            .map(str::trim)
            .filter(|u| !u.is_empty())
    });
    let remote_display = identity
        .and_then(|i| i.attribute("display"))
        .map(str::trim)
        .filter(|d| !d.is_empty());
    Ok(DialogEntry {
        id: harmless_line(id),
        state,
        direction,
        remote_identity: remote_identity.map(harmless_line).filter(|s| !s.is_empty()),
        remote_display: remote_display.map(harmless_line).filter(|s| !s.is_empty()),
    })
}

fn state_from_name(s: &str) -> Option<DialogState> {
    [
        ("trying", DialogState::Trying),
        ("proceeding", DialogState::Proceeding),
        ("early", DialogState::Early),
        ("confirmed", DialogState::Confirmed),
        ("terminated", DialogState::Terminated),
    ]
    .into_iter()
    .find(|(n, _)| n.eq_ignore_ascii_case(s))
    .map(|(_, st)| st)
}

fn state_name(s: DialogState) -> &'static str {
    match s {
        DialogState::Trying => "trying",
        DialogState::Proceeding => "proceeding",
        DialogState::Early => "early",
        DialogState::Confirmed => "confirmed",
        DialogState::Terminated => "terminated",
    }
}

/// A dialog-info document that [`parse`] reads back to the same dialogs.
pub fn build(entity: &str, version: u64, full: bool, dialogs: &[DialogEntry]) -> String {
    let mut out = String::with_capacity(200 + 200 * dialogs.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<dialog-info xmlns=\"");
    out.push_str(NS_DIALOG_INFO);
    out.push_str("\" version=\"");
    out.push_str(&version.to_string());
    out.push_str(if full {
        "\" state=\"full\" entity=\""
    } else {
        "\" state=\"partial\" entity=\""
    });
    push_attr(&mut out, entity);
    out.push_str("\">\n");
    for d in dialogs {
        out.push_str("  <dialog id=\"");
        push_attr(&mut out, &d.id);
        out.push('"');
        match d.direction {
            Some(Direction::Initiator) => out.push_str(" direction=\"initiator\""),
            Some(Direction::Recipient) => out.push_str(" direction=\"recipient\""),
            None => {}
        }
        out.push_str(">\n    <state>");
        out.push_str(state_name(d.state));
        out.push_str("</state>\n");
        if d.remote_identity.is_some() || d.remote_display.is_some() {
            out.push_str("    <remote><identity");
            if let Some(display) = &d.remote_display {
                out.push_str(" display=\"");
                push_attr(&mut out, display);
                out.push('"');
            }
            out.push('>');
            push_text(&mut out, d.remote_identity.as_deref().unwrap_or(""));
            out.push_str("</identity></remote>\n");
        }
        out.push_str("  </dialog>\n");
    }
    out.push_str("</dialog-info>\n");
    out
}
