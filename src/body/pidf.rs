//! `application/pidf+xml` (RFC 3863) with RPID (RFC 4480) and the data
//! model's `dm:person` (RFC 4479) → [`PresenceDoc`].
//!
//! Elements are matched by namespace and local name, with the tolerance
//! real senders need: Kamailio/FreeSWITCH/Linphone/baresip write RFC 4480
//! `<dm:person><rpid:activities><rpid:away/>`; Asterisk writes the old
//! Eyebeam form `<pp:person><status><ep:activities>ep:away</ep:activities>`
//! (activity as text, `...:rpid-person` namespaces), a presence-level
//! `<note>`, and `<digium_presence type="xa">` for Digium phones; some send
//! `<rpid:other>Do not disturb</rpid:other>`.
//!
//! Our own line extension (namespace [`NS_LINE`]) carries forwarding,
//! call protection and the availability marker exactly.

mod activity;
mod build;
#[cfg(test)]
mod tests;

pub use build::{Extras, build, build_with};

use roxmltree::Node;

use super::xml::{self, local, text};
use super::{Basic, BodyError, Forwarding, PresenceDoc};
use crate::presence::{Availability, Presence};
use crate::text::{harmless_line, harmless_text};
use activity::Signal;

pub const NS_PIDF: &str = "urn:ietf:params:xml:ns:pidf";
pub const NS_DATA_MODEL: &str = "urn:ietf:params:xml:ns:pidf:data-model";
pub const NS_RPID: &str = "urn:ietf:params:xml:ns:pidf:rpid";
/// Switchboard's line extension: `<sb:forwarding target="..">on</sb:forwarding>`,
/// `<sb:protection>on</sb:protection>`, `<sb:availability>break</sb:availability>`.
pub const NS_LINE: &str = "urn:x-switchboard:params:xml:ns:line";
const NS_CPIM_PIDF: &str = "urn:ietf:params:xml:ns:cpim-pidf";
const NS_IM: &str = "urn:ietf:params:xml:ns:pidf:im";
/// Every PIDF-family namespace starts with this (RPID drafts included).
const NS_PIDF_FAMILY: &str = "urn:ietf:params:xml:ns:pidf";

/// More activity names than any sender writes: past this they are dropped.
const MAX_ACTIVITIES: usize = 32;

/// Parses a PIDF body and maps it onto the domain (see `domain.md`,
/// "Reading PIDF/RPID"). Every text taken from the document (note, entity,
/// activity names, custom availability, forwarding target) is made harmless
/// here, so nothing above ever sees a control or bidi character.
pub fn parse(body: &[u8]) -> Result<PresenceDoc, BodyError> {
    let text = xml::decode(body, "PIDF")?;
    let doc = xml::parse_doc(&text)?;
    let root = doc.root_element();
    let ns = root.tag_name().namespace();
    if local(root) != "presence" || !matches!(ns, None | Some(NS_PIDF) | Some(NS_CPIM_PIDF)) {
        return Err(BodyError::WrongRoot {
            expected: "presence",
            found: qualified(root),
        });
    }
    let mut scan = Scan::default();
    for node in root.descendants().filter(Node::is_element) {
        scan.visit(root, node)?;
    }
    Ok(scan.finish(root.attribute("entity")))
}

fn qualified(node: Node<'_, '_>) -> String {
    match node.tag_name().namespace() {
        Some(ns) => format!("{{{ns}}}{}", local(node)),
        None => local(node).to_string(),
    }
}

/// In the PIDF family (or unqualified, as some phones write it).
fn pidf_family(node: Node<'_, '_>) -> bool {
    node.tag_name()
        .namespace()
        .is_none_or(|ns| ns.starts_with(NS_PIDF_FAMILY))
}

fn in_ns(node: Node<'_, '_>, ns: &str) -> bool {
    node.tag_name().namespace() == Some(ns)
}

fn parent_local<'i>(node: Node<'_, 'i>) -> &'i str {
    node.parent_element().map(local).unwrap_or("")
}

/// What one pass over the document collects.
#[derive(Default)]
struct Scan<'a> {
    open: bool,
    closed: bool,
    idle: bool,
    activities: Vec<String>,
    best: Option<Signal>,
    activity_availability: Option<Availability>,
    line_availability: Option<Availability>,
    person_note: Option<&'a str>,
    tuple_note: Option<&'a str>,
    presence_note: Option<&'a str>,
    digium_note: Option<&'a str>,
    redirected: Option<Forwarding>,
    protected: bool,
    /// `<sb:source>calendar</sb:source>`: a calendar formed the state.
    calendar: bool,
    /// The activities' `until` (RFC 3339 UTC).
    until: Option<String>,
}

impl<'a> Scan<'a> {
    fn visit(&mut self, root: Node<'a, '_>, node: Node<'a, '_>) -> Result<(), BodyError> {
        if in_ns(node, NS_LINE) {
            return self.visit_line(node);
        }
        match local(node) {
            "basic" if pidf_family(node) => match text(node) {
                Some(t) if t.eq_ignore_ascii_case("open") => self.open = true,
                Some(t) if t.eq_ignore_ascii_case("closed") => self.closed = true,
                other => {
                    return Err(BodyError::Invalid {
                        what: "PIDF <basic> (open|closed)",
                        value: other.unwrap_or("").to_string(),
                    });
                }
            },
            "activities" if pidf_family(node) => self.visit_activities(node),
            "user-input" if pidf_family(node) => {
                self.idle |= text(node).is_some_and(|t| t.eq_ignore_ascii_case("idle"));
            }
            "note" if pidf_family(node) => {
                let slot = match parent_local(node) {
                    "person" => &mut self.person_note,
                    "tuple" => &mut self.tuple_note,
                    _ if node.parent_element() == Some(root) => &mut self.presence_note,
                    _ => return Ok(()), // device notes, activity notes
                };
                if slot.is_none() {
                    *slot = text(node);
                }
            }
            "im" if in_ns(node, NS_IM) => {
                if let Some(s) = text(node).and_then(activity::classify_im) {
                    self.signal(s);
                }
            }
            "digium_presence" => {
                if let Some(s) = node.attribute("type").and_then(activity::classify_digium) {
                    self.signal(s);
                }
                if self.digium_note.is_none() {
                    self.digium_note = text(node);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_activities(&mut self, node: Node<'a, '_>) {
        if let Some(t) = node
            .attribute("until")
            .and_then(|u| u.trim().parse::<jiff::Timestamp>().ok())
        {
            self.until = Some(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        let mut any_child = false;
        for child in node.children().filter(Node::is_element) {
            any_child = true;
            match local(child) {
                "note" => {}
                // Old RPID drafts: `<es:activity>on-the-phone</es:activity>`.
                "activity" => {
                    if let Some(name) = text(child) {
                        self.activity(name);
                        if let Some(s) = activity::classify(name) {
                            self.signal(s);
                        }
                    }
                }
                "other" => {
                    let t = text(child).unwrap_or("other");
                    self.activity(t);
                    if let Some(s) = activity::classify_text(t) {
                        self.signal(s);
                    }
                }
                name => {
                    self.activity(name);
                    if let Some(s) = activity::classify(name) {
                        self.signal(s);
                    }
                }
            }
        }
        if any_child {
            return;
        }
        // Asterisk/Eyebeam: `<ep:activities>ep:on-the-phone</ep:activities>`.
        for token in node
            .text()
            .unwrap_or("")
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
        {
            let name = token.rsplit(':').next().unwrap_or(token);
            self.activity(name);
            if let Some(s) = activity::classify(name) {
                self.signal(s);
            }
        }
    }

    fn visit_line(&mut self, node: Node<'a, '_>) -> Result<(), BodyError> {
        match local(node) {
            "forwarding" if switch_on(node, "sb:forwarding")? => {
                let target = node
                    .attribute("target")
                    .map(str::trim)
                    .filter(|t| !t.is_empty());
                self.redirected = Some(Forwarding::Redirected {
                    target: target.map(harmless_line),
                });
            }
            "protection" => self.protected |= switch_on(node, "sb:protection")?,
            "source" => {
                self.calendar |= text(node).is_some_and(|t| t.eq_ignore_ascii_case("calendar"));
            }
            "availability" => {
                self.line_availability = match (node.attribute("custom"), text(node)) {
                    (Some(custom), _) => Some(Availability::Custom(harmless_line(custom))),
                    (None, Some(t)) => Some(availability_from_name(t)),
                    (None, None) => None,
                };
            }
            _ => {}
        }
        Ok(())
    }

    fn activity(&mut self, name: &str) {
        if self.activities.len() < MAX_ACTIVITIES {
            self.activities.push(harmless_line(name));
        }
    }

    fn signal(&mut self, s: Signal) {
        if self.activity_availability.is_none() {
            self.activity_availability = s.availability.map(|k| k.to_availability());
        }
        if self.best.is_none_or(|b| s.rank() > b.rank()) {
            self.best = Some(s);
        }
    }

    fn finish(self, entity: Option<&str>) -> PresenceDoc {
        let note = self
            .person_note
            .or(self.tuple_note)
            .or(self.presence_note)
            .or(self.digium_note);
        let basic = match (self.open, self.closed) {
            (true, _) => Some(Basic::Open),
            (false, true) => Some(Basic::Closed),
            (false, false) => None,
        };
        let (presence, rule) = match self.best {
            Some(s) if s.presence != Presence::Available => (s.presence, s.rule),
            _ if basic == Some(Basic::Closed) => match note {
                Some(n) if activity::asterisk_busy_note(n) => {
                    (Presence::Busy, "basic closed, note says in use (Asterisk)")
                }
                _ => (Presence::Offline, "basic closed"),
            },
            _ if self.idle => (Presence::Inactive, "rpid user-input idle"),
            Some(s) => (s.presence, s.rule),
            None if basic == Some(Basic::Open) => (Presence::Available, "basic open, no activity"),
            None => (Presence::Unknown, "no status in document"),
        };
        let rule = match presence {
            Presence::Busy | Presence::Away if self.calendar => "a calendar event (their calendar)",
            _ => rule,
        };
        let forwarding = if self.protected {
            Some(Forwarding::Protected)
        } else {
            self.redirected
        };
        PresenceDoc {
            entity: entity.map(|e| harmless_line(e).into()),
            basic,
            presence,
            availability: self.line_availability.or(self.activity_availability),
            note: note.map(|n| harmless_text(n).into()),
            until: self.until.map(Box::from),
            activities: self.activities,
            forwarding,
            rule,
        }
    }
}

/// `on`/`off` (also `true`/`false`, `1`/`0`) of an `sb:` switch element.
fn switch_on(node: Node<'_, '_>, what: &'static str) -> Result<bool, BodyError> {
    let t = text(node).unwrap_or("on");
    if ["on", "true", "1", "yes"]
        .iter()
        .any(|v| v.eq_ignore_ascii_case(t))
    {
        Ok(true)
    } else if ["off", "false", "0", "no"]
        .iter()
        .any(|v| v.eq_ignore_ascii_case(t))
    {
        Ok(false)
    } else {
        Err(BodyError::Invalid {
            what,
            value: t.to_string(),
        })
    }
}

/// `break`, `business-trip`, `home-office`, `vacation`, else custom text.
fn availability_from_name(name: &str) -> Availability {
    [
        Availability::Break,
        Availability::BusinessTrip,
        Availability::HomeOffice,
        Availability::Vacation,
    ]
    .into_iter()
    .find(|a| a.as_str().eq_ignore_ascii_case(name))
    .unwrap_or_else(|| Availability::Custom(harmless_line(name)))
}
