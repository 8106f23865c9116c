//! RPID activity names (and the dialects' equivalents) → presence signals.

use crate::presence::{Availability, Presence};

/// One signal from a document, ranked: DND beats Busy beats Away beats
/// an explicit "available" (chat).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Signal {
    pub presence: Presence,
    pub rule: &'static str,
    pub availability: Option<AvailabilityKind>,
}

impl Signal {
    pub fn rank(&self) -> u8 {
        match self.presence {
            Presence::Dnd => 4,
            Presence::Busy => 3,
            Presence::Away => 2,
            Presence::Available => 1,
            _ => 0,
        }
    }
}

/// The availability markers an activity implies (all but `Custom`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AvailabilityKind {
    Break,
    BusinessTrip,
    Vacation,
}

impl AvailabilityKind {
    pub fn to_availability(self) -> Availability {
        match self {
            AvailabilityKind::Break => Availability::Break,
            AvailabilityKind::BusinessTrip => Availability::BusinessTrip,
            AvailabilityKind::Vacation => Availability::Vacation,
        }
    }
}

const fn sig(
    presence: Presence,
    rule: &'static str,
    availability: Option<AvailabilityKind>,
) -> Signal {
    Signal {
        presence,
        rule,
        availability,
    }
}

use AvailabilityKind as K;
use Presence as P;

/// Activity names (RFC 4480 plus what servers and phones send), compared
/// case-insensitively. Names not listed (`unknown`, `working`, ...) carry
/// no presence signal.
const ACTIVITIES: &[(&str, Signal)] = &[
    (
        "do-not-disturb",
        sig(P::Dnd, "rpid activity do-not-disturb", None),
    ),
    ("dnd", sig(P::Dnd, "rpid activity dnd", None)),
    (
        "donotdisturb",
        sig(P::Dnd, "rpid activity do-not-disturb", None),
    ),
    (
        "on-the-phone",
        sig(P::Busy, "rpid activity on-the-phone", None),
    ),
    (
        "onthephone",
        sig(P::Busy, "rpid activity on-the-phone", None),
    ),
    ("busy", sig(P::Busy, "rpid activity busy", None)),
    ("meeting", sig(P::Busy, "rpid activity meeting", None)),
    (
        "appointment",
        sig(P::Busy, "rpid activity appointment", None),
    ),
    (
        "presentation",
        sig(P::Busy, "rpid activity presentation", None),
    ),
    (
        "performance",
        sig(P::Busy, "rpid activity performance", None),
    ),
    ("away", sig(P::Away, "rpid activity away", None)),
    ("xa", sig(P::Away, "extended away (xa)", None)),
    ("extended-away", sig(P::Away, "extended away (xa)", None)),
    ("meal", sig(P::Away, "rpid activity meal", Some(K::Break))),
    (
        "breakfast",
        sig(P::Away, "rpid activity meal", Some(K::Break)),
    ),
    ("lunch", sig(P::Away, "rpid activity meal", Some(K::Break))),
    ("dinner", sig(P::Away, "rpid activity meal", Some(K::Break))),
    (
        "travel",
        sig(P::Away, "rpid activity travel", Some(K::BusinessTrip)),
    ),
    (
        "vacation",
        sig(P::Away, "rpid activity vacation", Some(K::Vacation)),
    ),
    (
        "holiday",
        sig(P::Away, "rpid activity holiday", Some(K::Vacation)),
    ),
    (
        "permanent-absence",
        sig(P::Away, "rpid activity permanent-absence", None),
    ),
    ("in-transit", sig(P::Away, "rpid activity in-transit", None)),
    ("steering", sig(P::Away, "rpid activity steering", None)),
    ("sleeping", sig(P::Away, "rpid activity sleeping", None)),
    ("shopping", sig(P::Away, "rpid activity away", None)),
    ("playing", sig(P::Away, "rpid activity away", None)),
    ("spectator", sig(P::Away, "rpid activity away", None)),
    ("tv", sig(P::Away, "rpid activity away", None)),
    ("worship", sig(P::Away, "rpid activity away", None)),
    ("unavailable", sig(P::Away, "activity unavailable", None)),
    ("chat", sig(P::Available, "available (prefers chat)", None)),
];

/// The signal of one activity name (`on-the-phone`, `Away`, ...).
pub(super) fn classify(name: &str) -> Option<Signal> {
    ACTIVITIES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, s)| *s)
}

/// The signal of a free-text `<rpid:other>` ("Do not disturb", "DND",
/// "Extended away"): words joined by `-`, then looked up like a name.
pub(super) fn classify_text(text: &str) -> Option<Signal> {
    let mut key = String::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push('-');
        }
        key.push_str(word);
    }
    classify(&key).map(|s| match s.presence {
        Presence::Dnd => Signal {
            rule: "rpid other: do not disturb",
            ..s
        },
        _ => s,
    })
}

/// Asterisk's own presence states (`<digium_presence type=...>`).
pub(super) fn classify_digium(kind: &str) -> Option<Signal> {
    const TYPES: &[(&str, Signal)] = &[
        ("dnd", sig(P::Dnd, "asterisk presence dnd", None)),
        ("away", sig(P::Away, "asterisk presence away", None)),
        (
            "xa",
            sig(P::Away, "asterisk presence xa (extended away)", None),
        ),
        (
            "unavailable",
            sig(P::Away, "asterisk presence unavailable", None),
        ),
        ("chat", sig(P::Available, "asterisk presence chat", None)),
        (
            "available",
            sig(P::Available, "asterisk presence available", None),
        ),
    ];
    TYPES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(kind.trim()))
        .map(|(_, s)| *s)
}

/// RFC 3862 `<im:im>` status words.
pub(super) fn classify_im(status: &str) -> Option<Signal> {
    match status.trim() {
        s if s.eq_ignore_ascii_case("busy") => Some(sig(P::Busy, "pidf im status busy", None)),
        s if s.eq_ignore_ascii_case("away") => Some(sig(P::Away, "pidf im status away", None)),
        _ => None,
    }
}

/// Asterisk's PIDF without RPID says a line is in use only through the
/// presence note (with `basic` closed).
pub(super) fn asterisk_busy_note(note: &str) -> bool {
    ["On the phone", "Ringing", "On hold"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(note.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_dnd_is_recognised() {
        for t in [
            "Do not disturb",
            "do-not-disturb",
            "DND",
            " dnd! ",
            "Do_Not_Disturb",
        ] {
            assert_eq!(
                classify_text(t).map(|s| s.presence),
                Some(Presence::Dnd),
                "{t}"
            );
        }
        assert_eq!(classify_text("Gone fishing"), None);
        assert_eq!(
            classify_text("Extended away").map(|s| s.presence),
            Some(Presence::Away)
        );
    }

    #[test]
    fn ranks_follow_dnd_busy_away_available() {
        let r = |n| classify(n).unwrap().rank();
        assert!(r("dnd") > r("busy") && r("busy") > r("away") && r("away") > r("chat"));
    }
}
