//! What the console shows for one contact ([`Shown`]): the combination of
//! every source, updated from the rules' result and the line's extras.

use std::time::Instant;

use super::ServerId;
use super::line::LineExtras;
use super::rules;
use crate::body::{DialogEntry, Direction};
use crate::presence::{Availability, Freshness, LineState, Presence, Source, SubscriptionStatus};

/// The other party of a call on a contact's line (while ringing or active).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub identity: Option<String>,
    pub display: Option<String>,
    pub direction: Option<Direction>,
}

/// What the console shows for one contact: the combination of every source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub presence: Presence,
    pub availability: Option<Availability>,
    pub line: LineState,
    /// The person's own status note.
    pub note: Option<Box<str>>,
    /// Until when their status holds (their return time, RFC 3339 UTC).
    pub until: Option<Box<str>>,
    /// The combined (worst) status of the presence subscription and the
    /// dialog subscription of every line.
    pub subscription: SubscriptionStatus,
    /// Why a live subscription's last body could not be read (`unreadable
    /// dialog document: …`); the state read before is kept, not current.
    pub unreadable: Option<Box<str>>,
    pub freshness: Freshness,
    /// Which event produced the shown presence/line, and by which rule.
    pub source: Source,
    pub rule: &'static str,
    /// When the shown state last changed.
    pub since: Option<Instant>,
    /// When the last NOTIFY (either event) arrived.
    pub last_notify: Option<Instant>,
    /// Caller/callee while ringing or active.
    pub peer: Option<Box<Peer>>,
    /// When the line state last changed: "ringing for 12 min", "not
    /// registered since 10:42".
    pub line_since: Option<Instant>,
    /// The rule behind the line state alone ("not registered", "call
    /// forwarding on", "in a call"…); `rule` is the cell's.
    pub line_rule: &'static str,
    /// Where calls go while the line is forwarded: `voicemail` (the
    /// configured pilot or the person's own mailbox) or the number.
    pub forwarded_to: Option<Box<str>>,
    /// New voice messages waiting (RFC 3842), when the server says any.
    pub messages: Option<u32>,
    /// Ringing for longer than `ringing_suspect_after`: the hang-up may
    /// have been missed (see [`Store::mark_stuck_ringing`]).
    pub suspect: bool,
    /// The server the shown `source` came from (`None`: nothing known
    /// yet); its name: [`Store::server_name`].
    pub server: Option<ServerId>,
    /// Each line's state, packed ([`rules::Combined::each_line`]; 0 for
    /// one line or before the first combination): one of several lines
    /// changing is a change even when the cell stays.
    pub each_line: u64,
}

impl Default for Shown {
    fn default() -> Self {
        Shown::INITIAL
    }
}

impl Shown {
    /// Before anything is known.
    pub const INITIAL: Shown = Shown {
        presence: Presence::Unknown,
        availability: None,
        line: LineState::Unknown,
        note: None,
        until: None,
        subscription: SubscriptionStatus::NotRequested,
        unreadable: None,
        freshness: Freshness::Unknown,
        source: Source::None,
        rule: "nothing received yet",
        since: None,
        last_notify: None,
        peer: None,
        line_since: None,
        line_rule: "no line information yet",
        forwarded_to: None,
        messages: None,
        suspect: false,
        server: None,
        each_line: 0,
    };

    /// Copies the combined state in; true when anything visible changed.
    /// `since` moves only when the state itself (presence, availability,
    /// line, note, peer) changes, not for subscription bookkeeping; a
    /// contact still unknown gets one when its subscriptions first say why
    /// (failed, refused, unreadable): "unknown since".
    pub(super) fn update(
        &mut self,
        c: &rules::Combined<'_>,
        line: &LineExtras,
        now: Instant,
    ) -> bool {
        let line_changed = self.line != c.line;
        let extras_changed = self.forwarded_to.as_deref() != line.forwarded_to.as_deref()
            || self.messages != line.messages
            || self.line_rule != c.line_rule
            // One of several lines changed (the first combination only
            // sets where the lines start from).
            || (self.each_line != 0 && self.each_line != c.each_line);
        self.each_line = c.each_line;
        if line_changed {
            self.line_since = Some(now);
            self.suspect = false;
        }
        if extras_changed {
            self.forwarded_to = line.forwarded_to.as_deref().map(Box::from);
            self.messages = line.messages;
            self.line_rule = c.line_rule;
        }
        let state_changed = self.presence != c.presence
            || self.availability.as_ref() != c.availability
            || line_changed
            || extras_changed
            || self.note.as_deref() != c.note
            || self.until.as_deref() != c.until
            || !peer_is(self.peer.as_deref(), c.peer);
        let meta_changed = self.subscription != *c.subscription
            || self.unreadable.as_deref() != c.unreadable
            || self.freshness != c.freshness
            || self.source != c.source
            || self.rule != c.rule;
        if state_changed {
            self.presence = c.presence;
            self.availability = c.availability.cloned();
            self.line = c.line;
            if self.note.as_deref() != c.note {
                self.note = c.note.map(Box::from);
            }
            if self.until.as_deref() != c.until {
                self.until = c.until.map(Box::from);
            }
            if !peer_is(self.peer.as_deref(), c.peer) {
                // Boxed: only while a line rings or is in a call (48 bytes
                // fewer per contact the rest of the day).
                self.peer = c.peer.map(|d| {
                    Box::new(Peer {
                        identity: d.remote_identity.clone(),
                        display: d.remote_display.clone(),
                        direction: d.direction,
                    })
                });
            }
            self.since = Some(now);
        }
        if meta_changed && self.since.is_none() && c.source == Source::Subscription {
            self.since = Some(now);
        }
        if meta_changed {
            if self.subscription != *c.subscription {
                self.subscription = c.subscription.clone();
            }
            if self.unreadable.as_deref() != c.unreadable {
                self.unreadable = c.unreadable.map(Box::from);
            }
            self.freshness = c.freshness;
            self.source = c.source;
            self.rule = c.rule;
        }
        state_changed || meta_changed
    }
}

impl Shown {
    /// Why what is shown is failing or not current: the failed
    /// subscription's reason, else why the last body could not be read.
    pub fn reason(&self) -> Option<&str> {
        self.subscription.reason().or(self.unreadable.as_deref())
    }
}

fn peer_is(shown: Option<&Peer>, dialog: Option<&DialogEntry>) -> bool {
    match (shown, dialog) {
        (None, None) => true,
        (Some(p), Some(d)) => {
            p.identity == d.remote_identity
                && p.display == d.remote_display
                && p.direction == d.direction
        }
        _ => false,
    }
}
