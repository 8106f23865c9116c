//! The rules that combine a contact's sources into what the console shows
//! (`domain.md`, "Rules that combine sources"). A pure function over
//! borrowed inputs: nothing is allocated here, the store copies only what
//! changed.

use crate::body::{DialogEntry, DialogState, Direction, Forwarding, PresenceDoc};
use crate::presence::{Availability, Freshness, LineState, Presence, Source, SubscriptionStatus};

/// Everything the rules look at for one contact.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub presence: Option<&'a PresenceDoc>,
    pub presence_status: &'a SubscriptionStatus,
    pub presence_stale: bool,
    /// Live dialogs (terminated ones are already gone).
    pub dialogs: &'a [DialogEntry],
    /// Whether a dialog NOTIFY ever arrived.
    pub dialog_received: bool,
    pub dialog_status: &'a SubscriptionStatus,
    pub dialog_stale: bool,
}

/// The combined state, borrowing from the inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Combined<'a> {
    pub presence: Presence,
    pub availability: Option<&'a Availability>,
    pub line: LineState,
    pub note: Option<&'a str>,
    pub subscription: &'a SubscriptionStatus,
    pub freshness: Freshness,
    pub source: Source,
    pub rule: &'static str,
    /// The dialog that made the line ringing or active.
    pub peer: Option<&'a DialogEntry>,
}

pub const RULE_RINGING: &str = "ringing: incoming call";
pub const RULE_ON_THE_PHONE: &str = "on the phone (active call)";

/// Early/trying/proceeding towards the contact. An early dialog with no
/// direction is taken as incoming too (servers that omit the direction
/// do so for ringing lines; outgoing calls carry `initiator`).
fn is_ringing(d: &DialogEntry) -> bool {
    matches!(
        (d.state, d.direction),
        (
            DialogState::Trying | DialogState::Proceeding | DialogState::Early,
            Some(Direction::Recipient)
        ) | (DialogState::Early, None)
    )
}

/// The line state, the rule that decided it, its source and the dialog.
fn line<'a>(
    i: &Inputs<'a>,
    doc: Option<&'a PresenceDoc>,
) -> (LineState, &'static str, Source, Option<&'a DialogEntry>) {
    match i.dialog_status {
        // A transient failure after the line was known keeps the last
        // known state, shown stale; only a line we never learnt is faulty.
        SubscriptionStatus::Error(_) if !i.dialog_received || i.dialog_status.is_unavailable() => {
            return (
                LineState::Faulty,
                "dialog subscription failed",
                Source::Subscription,
                None,
            );
        }
        SubscriptionStatus::NotFound => {
            return (
                LineState::Faulty,
                "dialog subscription: not found",
                Source::Subscription,
                None,
            );
        }
        _ => {}
    }
    if let Some(d) = i.dialogs.iter().find(|d| is_ringing(d)) {
        return (LineState::Ringing, RULE_RINGING, Source::Dialog, Some(d));
    }
    let live = |s: DialogState| i.dialogs.iter().find(move |d| d.state == s);
    if let Some(d) = live(DialogState::Confirmed) {
        return (LineState::Active, "in a call", Source::Dialog, Some(d));
    }
    if let Some(d) = i
        .dialogs
        .iter()
        .find(|d| d.state != DialogState::Terminated)
    {
        return (LineState::Active, "placing a call", Source::Dialog, Some(d));
    }
    if let Some(doc) = doc {
        if doc.forwarding == Some(Forwarding::Protected) {
            return (
                LineState::Protected,
                "call protection on",
                Source::Presence,
                None,
            );
        }
        if doc.presence == Presence::Dnd {
            return (
                LineState::Protected,
                "do not disturb holds calls",
                Source::Presence,
                None,
            );
        }
        if matches!(doc.forwarding, Some(Forwarding::Redirected { .. })) {
            return (
                LineState::Redirected,
                "call forwarding on",
                Source::Presence,
                None,
            );
        }
    }
    if i.dialog_received {
        return (
            LineState::Ready,
            "no call on the line",
            Source::Dialog,
            None,
        );
    }
    match i.dialog_status {
        SubscriptionStatus::AccessDenied => (
            LineState::Unknown,
            "dialog subscription: access denied",
            Source::Subscription,
            None,
        ),
        _ => (
            LineState::Unknown,
            "no line information yet",
            Source::None,
            None,
        ),
    }
}

pub fn combine<'a>(i: &Inputs<'a>) -> Combined<'a> {
    // A presence subscription the server refuses hides what we had.
    let refused = match i.presence_status {
        SubscriptionStatus::NotFound => Some("presence subscription: not found"),
        SubscriptionStatus::AccessDenied => Some("presence subscription: access denied"),
        _ => None,
    };
    let doc = i.presence.filter(|_| refused.is_none());
    let (line, line_rule, line_source, peer) = line(i, doc);

    let (mut presence, mut rule, mut source) = match (refused, doc) {
        (Some(r), _) => (Presence::Unknown, r, Source::Subscription),
        (None, Some(d)) => (d.presence, d.rule, Source::Presence),
        (None, None) => match i.presence_status {
            SubscriptionStatus::Error(_) => (
                Presence::Unknown,
                "presence subscription failed",
                Source::Subscription,
            ),
            _ => (Presence::Unknown, "nothing received yet", Source::None),
        },
    };
    let line_failed = line == LineState::Faulty;
    let on_call = !line_failed && i.dialogs.iter().any(|d| d.state == DialogState::Confirmed);
    if presence == Presence::Available && on_call {
        // Rule 3: an active call shows an available person busy; the
        // person's own presence comes back when the call ends.
        (presence, rule, source) = (Presence::Busy, RULE_ON_THE_PHONE, Source::Dialog);
    }
    // The why of a ringing line comes first (rule 1); the line's also
    // stands in when nothing is known about the person.
    if line == LineState::Ringing || (source == Source::None && line_source != Source::None) {
        (rule, source) = (line_rule, line_source);
    }

    let stale_presence = doc.is_some()
        && (i.presence_stale || matches!(i.presence_status, SubscriptionStatus::Error(_)));
    let stale_dialog = i.dialog_received && !line_failed && i.dialog_stale;
    let freshness = if doc.is_none() && !i.dialog_received {
        Freshness::Unknown
    } else if stale_presence || stale_dialog {
        Freshness::Stale
    } else {
        Freshness::Fresh
    };
    let subscription = if i.dialog_status.severity() > i.presence_status.severity() {
        i.dialog_status
    } else {
        i.presence_status
    };
    Combined {
        presence,
        availability: doc.and_then(|d| d.availability.as_ref()),
        line,
        note: doc.and_then(|d| d.note.as_deref()),
        subscription,
        freshness,
        source,
        rule,
        peer,
    }
}

#[cfg(test)]
mod tests;
