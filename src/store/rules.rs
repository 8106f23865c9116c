//! The rules that combine a contact's sources into what the console shows
//! (`domain.md`, "Rules that combine sources"). A pure function over
//! borrowed inputs: nothing is allocated here, the store copies only what
//! changed.

use crate::body::{DialogEntry, DialogState, Direction, Forwarding, PresenceDoc};
use crate::presence::{
    Availability, EventKind, Freshness, LineState, Presence, Source, SubscriptionStatus,
};

/// Everything the rules look at for one contact.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub presence: Option<&'a PresenceDoc>,
    pub presence_status: &'a SubscriptionStatus,
    pub presence_stale: bool,
    /// Why the last PIDF body could not be read (cleared by a readable one).
    pub presence_unreadable: Option<&'a str>,
    /// Live dialogs (terminated ones are already gone).
    pub dialogs: &'a [DialogEntry],
    /// Whether a dialog NOTIFY ever arrived.
    pub dialog_received: bool,
    pub dialog_status: &'a SubscriptionStatus,
    pub dialog_stale: bool,
    /// Why the last dialog-info body could not be read.
    pub dialog_unreadable: Option<&'a str>,
    /// What the registrar says about the line (RFC 3680): `Some(false)`
    /// no active contact (the phone is not there), `None` no registration
    /// information (not subscribed, refused with 489, failing, stale).
    pub registered: Option<bool>,
    /// The contact's other lines (`lines`): each combined like the first
    /// and then aggregated (ringing beats active beats ready; faulty only
    /// if every line is). Their dialog subscriptions count in the
    /// contact's subscription, freshness and reason like the first line's:
    /// a stale second line makes the contact stale.
    pub lines: &'a [super::line::ExtraLine],
}

/// The combined state, borrowing from the inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Combined<'a> {
    pub presence: Presence,
    pub availability: Option<&'a Availability>,
    pub line: LineState,
    pub note: Option<&'a str>,
    /// The person's return time (RFC 3339 UTC), from their document.
    pub until: Option<&'a str>,
    pub subscription: &'a SubscriptionStatus,
    /// Why a live subscription's last body could not be read.
    pub unreadable: Option<&'a str>,
    pub freshness: Freshness,
    pub source: Source,
    pub rule: &'static str,
    /// The dialog that made the line ringing or active.
    pub peer: Option<&'a DialogEntry>,
    /// The rule that decided the line state alone (`rule` is the cell's,
    /// usually the person's): "not registered", "call forwarding on"…
    pub line_rule: &'static str,
    /// Where calls go while the line is forwarded (as published; `None`
    /// when the document names no target or the line is not forwarded).
    pub forwarded_to: Option<&'a str>,
    /// Each line's state packed three bits a line (its rank + 1, the
    /// contact's own line highest; 0 for a contact with one line): tells
    /// a change of one of several lines that leaves the aggregate as it
    /// was.
    pub each_line: u64,
}

pub const RULE_RINGING: &str = "ringing: incoming call";
pub const RULE_ON_THE_PHONE: &str = "on the phone (active call)";
pub const RULE_NOT_REGISTERED: &str = "not registered";
pub const RULE_FORWARDED: &str = "call forwarding on";

/// One event package's part in "is what we show current?": the same rule
/// for presence and dialog. What was read is current only while its
/// subscription is up, not marked stale, and its last body was readable.
struct Package<'a> {
    /// Something was read and is still shown.
    has_state: bool,
    stale: bool,
    unreadable: Option<&'a str>,
    status: &'a SubscriptionStatus,
}

impl Package<'_> {
    fn not_current(&self) -> bool {
        self.has_state && (self.stale || self.unreadable.is_some() || self.status.is_failure())
    }
}

/// The rule shown when a package tells us nothing: why not. A failing,
/// refused or unreadable subscription is our monitoring failing, never a
/// statement about the person or the phone.
fn nothing_read(
    event: EventKind,
    status: &SubscriptionStatus,
    unreadable: Option<&str>,
) -> (&'static str, Source) {
    let rule = match (event, status) {
        (EventKind::Presence, SubscriptionStatus::NotFound) => "presence subscription: not found",
        (EventKind::Presence, SubscriptionStatus::AccessDenied) => {
            "presence subscription: access denied"
        }
        (EventKind::Presence, SubscriptionStatus::Unavailable(_)) => {
            "presence subscription: server says unavailable"
        }
        (EventKind::Presence, SubscriptionStatus::Error(_)) => "presence subscription failed",
        (EventKind::Dialog, SubscriptionStatus::NotFound) => "dialog subscription: not found",
        (EventKind::Dialog, SubscriptionStatus::AccessDenied) => {
            "dialog subscription: access denied"
        }
        (EventKind::Dialog, SubscriptionStatus::Unavailable(_)) => {
            "dialog subscription: server says unavailable"
        }
        (EventKind::Dialog, SubscriptionStatus::Error(_)) => "dialog subscription failed",
        (EventKind::Presence, _) if unreadable.is_some() => "unreadable presence document",
        (EventKind::Dialog, _) if unreadable.is_some() => "unreadable dialog document",
        (EventKind::Presence, _) => return ("nothing received yet", Source::None),
        (EventKind::Dialog | EventKind::Reg | EventKind::MessageSummary, _) => {
            return ("no line information yet", Source::None);
        }
    };
    (rule, Source::Subscription)
}

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
/// `dialogs` are the ones still shown (none once the subscription is
/// refused). Only the registrar's statement (`registered == Some(false)`:
/// no active contact) yields [`LineState::Faulty`]: a failed, refused or
/// unreadable subscription leaves the line unknown (or its last read
/// state, not current). Order: ringing, protected, forwarded, a call,
/// not registered, ready.
fn line<'a>(
    i: &Inputs<'a>,
    dialogs: &'a [DialogEntry],
    doc: Option<&'a PresenceDoc>,
) -> (LineState, &'static str, Source, Option<&'a DialogEntry>) {
    let refused = i.dialog_status.is_refused();
    if let Some(d) = dialogs.iter().find(|d| is_ringing(d)) {
        return (LineState::Ringing, RULE_RINGING, Source::Dialog, Some(d));
    }
    // Rule 2 (Imagicle): do not disturb beats forwarded, forwarded beats
    // available and busy, also during an active call.
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
                RULE_FORWARDED,
                Source::Presence,
                None,
            );
        }
    }
    let live = |s: DialogState| dialogs.iter().find(move |d| d.state == s);
    if let Some(d) = live(DialogState::Confirmed) {
        return (LineState::Active, "in a call", Source::Dialog, Some(d));
    }
    if let Some(d) = dialogs.iter().find(|d| d.state != DialogState::Terminated) {
        return (LineState::Active, "placing a call", Source::Dialog, Some(d));
    }
    // The registrar's own statement: the phone is not there.
    if i.registered == Some(false) {
        return (
            LineState::Faulty,
            RULE_NOT_REGISTERED,
            Source::Registration,
            None,
        );
    }
    if i.dialog_received && !refused {
        return (
            LineState::Ready,
            "no call on the line",
            Source::Dialog,
            None,
        );
    }
    if i.registered == Some(true) {
        return (
            LineState::Ready,
            "registered, no call information",
            Source::Registration,
            None,
        );
    }
    let (rule, source) = nothing_read(EventKind::Dialog, i.dialog_status, i.dialog_unreadable);
    (LineState::Unknown, rule, source, None)
}

/// Which line state wins across a contact's lines (lowest first): a
/// ringing line makes the contact ring, any call makes it active, one
/// ready line is enough to be reachable, and faulty only when every line
/// is (`domain.md`). Forwarding and protection are the person's, the same
/// on every line.
fn rank(state: LineState) -> u8 {
    match state {
        LineState::Ringing => 0,
        LineState::Protected => 1,
        LineState::Redirected => 2,
        LineState::Active => 3,
        LineState::Ready => 4,
        LineState::Unknown => 5,
        LineState::Faulty => 6,
    }
}

/// One line's state, the rule that decided it, its source and dialog.
type OneLine<'a> = (LineState, &'static str, Source, Option<&'a DialogEntry>);

/// Each line's state, rule, source and dialog: the contact's own URI
/// first, then its `lines`.
pub fn every_line<'a>(
    i: &Inputs<'a>,
    doc: Option<&'a PresenceDoc>,
) -> impl Iterator<Item = OneLine<'a>> {
    let first = {
        let dialogs = if i.dialog_status.is_refused() {
            &[]
        } else {
            i.dialogs
        };
        line(i, dialogs, doc)
    };
    let base = *i;
    let others = i.lines.iter().map(move |l| {
        let li = Inputs {
            dialogs: l.shown_dialogs(),
            dialog_received: l.dialogs.received(),
            dialog_status: &l.status[0],
            dialog_stale: l.stale[0],
            dialog_unreadable: l.unreadable.get(0),
            registered: l.registered_now(),
            ..base
        };
        line(&li, li.dialogs, doc)
    });
    std::iter::once(first).chain(others)
}

pub fn combine<'a>(i: &Inputs<'a>) -> Combined<'a> {
    // A subscription the server refuses hides what we had, on both sides.
    let doc = i.presence.filter(|_| !i.presence_status.is_refused());
    let dialogs = if i.dialog_status.is_refused() {
        &[]
    } else {
        i.dialogs
    };
    // The first line of the best rank wins; every line's state is kept.
    let (best, each_line) = every_line(i, doc).fold((None::<OneLine>, 0u64), |(best, key), l| {
        let key = key.wrapping_mul(8) | u64::from(rank(l.0) + 1);
        match best {
            Some(b) if rank(l.0) >= rank(b.0) => (Some(b), key),
            _ => (Some(l), key),
        }
    });
    let (line, line_rule, line_source, peer) = best.unwrap_or((
        LineState::Unknown,
        "no line information yet",
        Source::None,
        None,
    ));

    let (mut presence, mut rule, mut source) = match doc {
        Some(d) => (d.presence, d.rule, Source::Presence),
        None => {
            let (rule, source) = nothing_read(
                EventKind::Presence,
                i.presence_status,
                i.presence_unreadable,
            );
            (Presence::Unknown, rule, source)
        }
    };
    let on_call = dialogs.iter().any(|d| d.state == DialogState::Confirmed)
        || i.lines.iter().any(|l| {
            l.shown_dialogs()
                .iter()
                .any(|d| d.state == DialogState::Confirmed)
        });
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

    // Every line's dialog package counts, the other lines' too: a stale
    // or failing second line makes the contact not current, as the first
    // line's does (rule 6).
    let others = i.lines.iter().map(|l| Package {
        has_state: l.dialogs.received() && !l.status[0].is_refused(),
        stale: l.stale[0],
        unreadable: l.unreadable.get(0),
        status: &l.status[0],
    });
    let (read, not_current) = [
        Package {
            has_state: doc.is_some(),
            stale: i.presence_stale,
            unreadable: i.presence_unreadable,
            status: i.presence_status,
        },
        Package {
            has_state: i.dialog_received && !i.dialog_status.is_refused(),
            stale: i.dialog_stale,
            unreadable: i.dialog_unreadable,
            status: i.dialog_status,
        },
    ]
    .into_iter()
    .chain(others)
    .fold((false, false), |(read, stale), p| {
        (read || p.has_state, stale || p.not_current())
    });
    let freshness = if !read {
        Freshness::Unknown
    } else if not_current {
        Freshness::Stale
    } else {
        Freshness::Fresh
    };
    let subscription = i
        .lines
        .iter()
        .fold(i.presence_status.worse(i.dialog_status), |w, l| {
            w.worse(&l.status[0])
        });
    let unreadable = i
        .dialog_unreadable
        .or_else(|| i.lines.iter().find_map(|l| l.unreadable.get(0)))
        .or(i.presence_unreadable);
    Combined {
        presence,
        availability: doc.and_then(|d| d.availability.as_ref()),
        line,
        note: doc.and_then(|d| d.note.as_deref()),
        until: doc.and_then(|d| d.until.as_deref()),
        subscription,
        unreadable,
        each_line: if i.lines.is_empty() { 0 } else { each_line },
        freshness,
        source,
        rule,
        peer,
        line_rule,
        forwarded_to: match doc.and_then(|d| d.forwarding.as_ref()) {
            Some(Forwarding::Redirected { target }) if line == LineState::Redirected => {
                target.as_deref()
            }
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests;
