//! The states a person can choose and the status they make up.

use jiff::Timestamp;

use crate::presence::{Availability, Presence};

/// A state a person can choose (ProCall's four, FreePBX's chat and
/// extended away, and appear offline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chosen {
    Available,
    Chat,
    Busy,
    Dnd,
    Away,
    ExtendedAway,
    AppearOffline,
}

impl Chosen {
    pub const ALL: [Chosen; 7] = [
        Chosen::Available,
        Chosen::Chat,
        Chosen::Busy,
        Chosen::Dnd,
        Chosen::Away,
        Chosen::ExtendedAway,
        Chosen::AppearOffline,
    ];

    /// The word on the command line, in the config and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Chosen::Available => "available",
            Chosen::Chat => "chat",
            Chosen::Busy => "busy",
            Chosen::Dnd => "dnd",
            Chosen::Away => "away",
            Chosen::ExtendedAway => "xa",
            Chosen::AppearOffline => "offline",
        }
    }

    /// The words a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Chosen::Available => "Available",
            Chosen::Chat => "Chat",
            Chosen::Busy => "Busy",
            Chosen::Dnd => "Do not disturb",
            Chosen::Away => "Away",
            Chosen::ExtendedAway => "Extended away",
            Chosen::AppearOffline => "Appear offline",
        }
    }

    /// The letter that picks it in the console's picker.
    pub fn key(self) -> char {
        match self {
            Chosen::Available => 'a',
            Chosen::Chat => 'c',
            Chosen::Busy => 'b',
            Chosen::Dnd => 'd',
            Chosen::Away => 'w',
            Chosen::ExtendedAway => 'x',
            Chosen::AppearOffline => 'o',
        }
    }

    /// Case-insensitive, with the usual spellings (`do-not-disturb`,
    /// `extended-away`, `appear-offline`).
    pub fn parse(s: &str) -> Result<Chosen, String> {
        let key: String = s
            .trim()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let found = match key.as_str() {
            "available" | "online" => Some(Chosen::Available),
            "chat" => Some(Chosen::Chat),
            "busy" => Some(Chosen::Busy),
            "dnd" | "donotdisturb" => Some(Chosen::Dnd),
            "away" => Some(Chosen::Away),
            "xa" | "extendedaway" => Some(Chosen::ExtendedAway),
            "offline" | "appearoffline" | "invisible" => Some(Chosen::AppearOffline),
            _ => None,
        };
        found.ok_or_else(|| {
            format!(
                "unknown state {:?}: one of available, chat, busy, dnd, away, xa (extended away), offline (appear offline); inactive and offline-by-absence are formed automatically",
                crate::text::line(s, 40)
            )
        })
    }

    /// How watchers see it.
    pub fn presence(self) -> Presence {
        match self {
            Chosen::Available | Chosen::Chat => Presence::Available,
            Chosen::Busy => Presence::Busy,
            Chosen::Dnd => Presence::Dnd,
            Chosen::Away | Chosen::ExtendedAway => Presence::Away,
            Chosen::AppearOffline => Presence::Offline,
        }
    }
}

/// An availability word from the command line or config: `break`,
/// `business-trip`, `home-office`, `vacation`, or free text.
pub fn parse_availability(s: &str) -> Availability {
    let key: String = s
        .trim()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match key.as_str() {
        "break" => Availability::Break,
        "businesstrip" | "trip" => Availability::BusinessTrip,
        "homeoffice" => Availability::HomeOffice,
        "vacation" | "holiday" => Availability::Vacation,
        _ => Availability::Custom(crate::text::line(s, 80).into_owned()),
    }
}

/// What a person chose: state, optional availability and note, and until
/// when (None: until changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnStatus {
    pub state: Chosen,
    pub availability: Option<Availability>,
    pub note: Option<String>,
    pub until: Option<Timestamp>,
}

impl OwnStatus {
    /// A bare state: no availability, note or until.
    pub fn plain(state: Chosen) -> Self {
        OwnStatus {
            state,
            availability: None,
            note: None,
            until: None,
        }
    }

    /// One line for a status bar or `status show`: "Away · Vacation · Back
    /// Monday · until 2026-12-14 00:00".
    pub fn summary(&self, now: &jiff::Zoned) -> String {
        let mut parts = vec![self.state.label().to_string()];
        if let Some(a) = &self.availability {
            parts.push(a.label().to_string());
        }
        if let Some(n) = &self.note {
            parts.push(n.clone());
        }
        if let Some(u) = self.until {
            parts.push(format!("until {}", super::when::show(u, now)));
        }
        parts.join(" · ")
    }
}

/// A prepared status from the config: "Lunch — away, Break, 45 min".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub state: Chosen,
    pub availability: Option<Availability>,
    pub note: Option<String>,
    pub duration: Option<std::time::Duration>,
}

impl Profile {
    /// The status this profile sets at `now`.
    pub fn status_at(&self, now: Timestamp) -> OwnStatus {
        OwnStatus {
            state: self.state,
            availability: self.availability.clone(),
            note: self.note.clone(),
            until: self
                .duration
                .and_then(|d| jiff::SignedDuration::try_from(d).ok())
                .and_then(|d| now.checked_add(d).ok()),
        }
    }
}
