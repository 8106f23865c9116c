//! Writing a PIDF document (PUBLISH, the demo server) that [`super::parse`]
//! reads back to the same presence, availability, note and forwarding.
//!
//! Standard RPID carries what other watchers understand (DND is written as
//! `busy` plus `<rpid:other>do-not-disturb</rpid:other>`, so a watcher that
//! knows no DND still shows busy); the `sb:` extension carries the exact
//! availability marker and the line's forwarding.

use super::{NS_DATA_MODEL, NS_LINE, NS_PIDF, NS_RPID};
use crate::body::Forwarding;
use crate::body::xml::{push_attr, push_text};
use crate::presence::{Availability, Presence};

/// What a person's own status adds to a document (PUBLISH): an
/// `<rpid:other>` activity that refines the presence (`chat` for an
/// available person who prefers chat, `extended-away`) and the RFC 4480
/// `until` of the activities (an RFC 3339 time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extras<'a> {
    pub other: Option<&'a str>,
    pub until: Option<&'a str>,
    /// `<sb:source>`: what formed the state when not the person
    /// (`calendar`), so a watcher's "why" can say so.
    pub source: Option<&'a str>,
}

/// A PIDF document for `entity`.
pub fn build(
    entity: &str,
    presence: Presence,
    note: Option<&str>,
    availability: Option<&Availability>,
    forwarding: Option<&Forwarding>,
) -> String {
    build_with(
        entity,
        presence,
        note,
        availability,
        forwarding,
        Extras::default(),
    )
}

/// As [`build`], with the [`Extras`] of an own status.
pub fn build_with(
    entity: &str,
    presence: Presence,
    note: Option<&str>,
    availability: Option<&Availability>,
    forwarding: Option<&Forwarding>,
    extras: Extras<'_>,
) -> String {
    let note = note.filter(|n| !n.trim().is_empty());
    let mut out = String::with_capacity(640);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<presence xmlns=\"");
    out.push_str(NS_PIDF);
    out.push_str("\" xmlns:dm=\"");
    out.push_str(NS_DATA_MODEL);
    out.push_str("\" xmlns:rpid=\"");
    out.push_str(NS_RPID);
    out.push_str("\" xmlns:sb=\"");
    out.push_str(NS_LINE);
    out.push_str("\" entity=\"");
    push_attr(&mut out, entity);
    out.push_str("\">\n<tuple id=\"t1\">\n<status>");
    match presence {
        Presence::Offline => out.push_str("<basic>closed</basic>"),
        Presence::Unknown => {}
        _ => out.push_str("<basic>open</basic>"),
    }
    out.push_str("</status>\n<contact>");
    push_text(&mut out, entity);
    out.push_str("</contact>\n");
    if let Some(n) = note {
        out.push_str("<note>");
        push_text(&mut out, n);
        out.push_str("</note>\n");
    }
    out.push_str("</tuple>\n<dm:person id=\"p1\">\n");
    let activities = activities(presence, availability);
    let other = extras.other.filter(|o| !o.trim().is_empty());
    if !activities.is_empty() || other.is_some() {
        out.push_str("<rpid:activities");
        if let Some(until) = extras.until {
            out.push_str(" until=\"");
            push_attr(&mut out, until);
            out.push('"');
        }
        out.push('>');
        out.push_str(activities);
        if let Some(o) = other {
            out.push_str("<rpid:other>");
            push_text(&mut out, o);
            out.push_str("</rpid:other>");
        }
        out.push_str("</rpid:activities>\n");
    }
    if presence == Presence::Inactive {
        out.push_str("<rpid:user-input>idle</rpid:user-input>\n");
    }
    if let Some(n) = note {
        out.push_str("<dm:note>");
        push_text(&mut out, n);
        out.push_str("</dm:note>\n");
    }
    match availability {
        Some(Availability::Custom(text)) => {
            out.push_str("<sb:availability custom=\"");
            push_attr(&mut out, text);
            out.push_str("\"/>\n");
        }
        Some(a) => {
            out.push_str("<sb:availability>");
            out.push_str(a.as_str());
            out.push_str("</sb:availability>\n");
        }
        None => {}
    }
    if let Some(src) = extras.source {
        out.push_str("<sb:source>");
        push_text(&mut out, src);
        out.push_str("</sb:source>\n");
    }
    match forwarding {
        Some(Forwarding::Protected) => out.push_str("<sb:protection>on</sb:protection>\n"),
        Some(Forwarding::Redirected { target: Some(t) }) => {
            out.push_str("<sb:forwarding target=\"");
            push_attr(&mut out, t);
            out.push_str("\">on</sb:forwarding>\n");
        }
        Some(Forwarding::Redirected { target: None }) => {
            out.push_str("<sb:forwarding>on</sb:forwarding>\n")
        }
        None => {}
    }
    out.push_str("</dm:person>\n</presence>\n");
    out
}

/// The `<rpid:activities>` content for a presence; an Away availability
/// picks the activity that says why (meal, travel, vacation).
fn activities(presence: Presence, availability: Option<&Availability>) -> &'static str {
    match presence {
        Presence::Busy => "<rpid:busy/>",
        Presence::Dnd => "<rpid:busy/><rpid:other>do-not-disturb</rpid:other>",
        Presence::Away => match availability {
            Some(Availability::Break) => "<rpid:meal/>",
            Some(Availability::BusinessTrip) => "<rpid:travel/>",
            Some(Availability::Vacation) => "<rpid:vacation/>",
            _ => "<rpid:away/>",
        },
        Presence::Available | Presence::Inactive | Presence::Offline | Presence::Unknown => "",
    }
}
