//! `application/reginfo+xml` (RFC 3680) → [`RegDoc`]: is the phone there?
//!
//! What matters to an attendant is one bit per line: does the address of
//! record have at least one active contact (a registered phone)? The
//! document is kept small: each registration's AOR, its state and how
//! many of its contacts are active.
//!
//! Kamailio's `pua_reginfo`/`presence_reginfo` send every NOTIFY as
//! `version="0" state="full"` (see `tests/fixtures/kamailio/reg-notify-*`):
//! the version is read but never used to drop a document — each full state
//! is the truth, a partial one updates the registrations it names.

use roxmltree::Node;

use super::BodyError;
use super::xml::{self, local};
use crate::text::harmless_line;

pub const NS_REGINFO: &str = "urn:ietf:params:xml:ns:reginfo";

/// At most this many registrations are kept from one document (a phone
/// line has one AOR; a hostile document may name thousands).
const MAX_REGISTRATIONS: usize = 32;

/// One `<registration>`: an address of record and its contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The AOR (made harmless).
    pub aor: String,
    /// `state="active"` (`init` and `terminated` are not).
    pub active: bool,
    /// Contacts with `state="active"`.
    pub active_contacts: usize,
}

impl Registration {
    /// Registered: active, with at least one active contact.
    pub fn registered(&self) -> bool {
        self.active && self.active_contacts > 0
    }
}

/// A parsed reginfo document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegDoc {
    pub version: u64,
    pub full: bool,
    pub registrations: Vec<Registration>,
}

impl RegDoc {
    /// Any registration with an active contact.
    pub fn registered(&self) -> bool {
        self.registrations.iter().any(Registration::registered)
    }
}

/// Parses a reginfo body; every text kept is made harmless here.
pub fn parse(body: &[u8]) -> Result<RegDoc, BodyError> {
    let text = xml::decode(body, "reginfo")?;
    let doc = xml::parse_doc(&text)?;
    let root = doc.root_element();
    if local(root) != "reginfo" || !ours(root) {
        let found = match root.tag_name().namespace() {
            Some(ns) => format!("{{{ns}}}{}", local(root)),
            None => local(root).to_string(),
        };
        return Err(BodyError::WrongRoot {
            expected: "reginfo",
            found,
        });
    }
    let version = match root.attribute("version").map(str::trim) {
        Some(v) => v.parse::<u64>().map_err(|_| BodyError::Invalid {
            what: "reginfo version",
            value: harmless_line(v),
        })?,
        None => 0,
    };
    let full = match root.attribute("state").map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("full") => true,
        Some(s) if s.eq_ignore_ascii_case("partial") => false,
        other => {
            return Err(BodyError::Invalid {
                what: "reginfo state (full|partial)",
                value: harmless_line(other.unwrap_or("")),
            });
        }
    };
    let registrations = children(root, "registration")
        .take(MAX_REGISTRATIONS)
        .map(parse_registration)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RegDoc {
        version,
        full,
        registrations,
    })
}

fn parse_registration(node: Node<'_, '_>) -> Result<Registration, BodyError> {
    let aor = node.attribute("aor").map(str::trim).unwrap_or_default();
    let state = node.attribute("state").map(str::trim).unwrap_or_default();
    let active = match state.to_ascii_lowercase().as_str() {
        "active" => true,
        "init" | "terminated" => false,
        _ => {
            return Err(BodyError::Invalid {
                what: "registration state (init|active|terminated)",
                value: harmless_line(state),
            });
        }
    };
    let active_contacts = children(node, "contact")
        .filter(|c| {
            c.attribute("state")
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("active"))
        })
        .count();
    Ok(Registration {
        aor: harmless_line(aor),
        active,
        active_contacts,
    })
}

/// In the reginfo namespace, or unqualified.
fn ours(node: Node<'_, '_>) -> bool {
    matches!(node.tag_name().namespace(), None | Some(NS_REGINFO))
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && local(*c) == name && ours(*c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::xml::test_support::sip_body;

    const REGISTERED: &[u8] =
        include_bytes!("../../tests/fixtures/kamailio/reg-notify-registered.sip");
    const UNREGISTERED: &[u8] =
        include_bytes!("../../tests/fixtures/kamailio/reg-notify-unregistered.sip");
    const NOBODY: &[u8] =
        include_bytes!("../../tests/fixtures/kamailio/reg-notify-initial-nobody.sip");

    #[test]
    fn kamailio_registered_and_unregistered() {
        let on = parse(sip_body(REGISTERED)).unwrap();
        assert_eq!((on.version, on.full), (0, true));
        assert!(on.registered());
        assert_eq!(on.registrations[0].aor, "sip:eve@127.0.0.1");
        assert_eq!(on.registrations[0].active_contacts, 1);
        let off = parse(sip_body(UNREGISTERED)).unwrap();
        assert_eq!((off.version, off.full), (0, true), "the same version again");
        assert!(!off.registered());
        assert!(
            sip_body(NOBODY).is_empty(),
            "Kamailio's first NOTIFY has no body"
        );
    }

    #[test]
    fn an_active_registration_without_an_active_contact_is_not_registered() {
        let doc = br#"<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="3" state="partial">
            <registration aor="sip:a@x" id="r" state="active">
              <contact id="c" state="terminated" event="expired"><uri>sip:a@1.2.3.4</uri></contact>
            </registration></reginfo>"#;
        let d = parse(doc).unwrap();
        assert!(!d.full && !d.registered());
    }

    #[test]
    fn bad_documents_are_errors_not_states() {
        assert!(matches!(
            parse(br#"<presence xmlns="urn:ietf:params:xml:ns:pidf"/>"#),
            Err(BodyError::WrongRoot { .. })
        ));
        assert!(matches!(
            parse(br#"<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="odd"/>"#),
            Err(BodyError::Invalid { .. })
        ));
        let hostile = br#"<reginfo version="0" state="full"><registration aor="sip:a@x&#x202E;evil" state="active"/></reginfo>"#;
        let d = parse(hostile).unwrap();
        assert!(!d.registrations[0].aor.contains('\u{202e}'));
    }
}
