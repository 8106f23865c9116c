//! The console's part of one's own status: the F5 picker, the line in the
//! status bar, and the idle timer (Inactive after `idle_after` without a key
//! press, back on the next key). Pure: `update` calls in here with the
//! model's clock; what must reach the keeper goes out as [`Cmd`]s.
//!
//! The picker: a letter chooses a state (`a`vailable, `c`hat, `b`usy,
//! `d`o not disturb, a`w`ay, e`x`tended away, appear `o`ffline), a digit a
//! profile; Tab moves through the optional fields (note, availability,
//! until), where letters type; Enter in a field goes back to the letters;
//! Esc closes. Unavailable in `--read-only` mode.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::cmd::{Cmd, StatusChoice};
use crate::app::model::Model;
use crate::status::auto::IdleTimer;
use crate::status::{Chosen, Profile};

/// Which part of the picker has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    #[default]
    Choice,
    Note,
    Availability,
    Until,
}

impl Field {
    fn next(self) -> Field {
        match self {
            Field::Choice => Field::Note,
            Field::Note => Field::Availability,
            Field::Availability => Field::Until,
            Field::Until => Field::Choice,
        }
    }
}

/// The open picker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picker {
    pub field: Field,
    pub note: String,
    pub availability: String,
    pub until: String,
}

/// The own-status state of the console.
#[derive(Debug, Clone, Default)]
pub struct OwnStatusState {
    /// A keeper is reachable (a configured account, or the demo).
    pub enabled: bool,
    pub picker: Option<Picker>,
    /// What we publish, for the status bar ("Busy · Customer call · until 14:30").
    pub line: Option<String>,
    /// The last failure (setting, the server, the per-state command).
    pub error: Option<String>,
    pub profiles: Vec<Profile>,
    pub idle: Option<IdleTimer>,
    /// Inactive was asked for and not yet ended.
    pub idle_on: bool,
}

impl OwnStatusState {
    /// Enabled with these profiles; `idle_after` zero: no idle timer.
    pub fn new(profiles: Vec<Profile>, idle_after: Duration, now: Instant) -> Self {
        OwnStatusState {
            enabled: true,
            profiles,
            idle: (!idle_after.is_zero()).then(|| IdleTimer::new(idle_after, now)),
            ..OwnStatusState::default()
        }
    }

    /// When the idle timer fires (None: no timer, or already idle).
    pub fn deadline(&self) -> Option<Instant> {
        if self.idle_on {
            return None;
        }
        self.idle.map(|t| t.deadline())
    }
}

/// F5: open the picker (not in read-only mode, not without a keeper).
pub fn open(model: &mut Model) {
    if model.read_only {
        model.message = Some("Read-only console: your own status cannot be set here".into());
    } else if !model.own.enabled {
        model.message =
            Some("No account to publish for: set your status with a configuration".into());
    } else {
        model.own.picker = Some(Picker::default());
    }
    model.dirty = true;
}

/// A key press at `now` (before anything else sees it): ends Inactive.
pub fn activity(model: &mut Model, now: Instant) -> Vec<Cmd> {
    let Some(timer) = model.own.idle.as_mut() else {
        return Vec::new();
    };
    timer.key(now);
    if model.own.idle_on {
        model.own.idle_on = false;
        model.dirty = true;
        return vec![Cmd::StatusIdle(false)];
    }
    Vec::new()
}

/// A tick at `now`: Inactive once the idle timer has run out.
pub fn tick(model: &mut Model, now: Instant) -> Vec<Cmd> {
    let idle = model.own.idle.is_some_and(|t| t.is_idle(now));
    if idle && !model.own.idle_on {
        model.own.idle_on = true;
        model.dirty = true;
        return vec![Cmd::StatusIdle(true)];
    }
    Vec::new()
}

/// The keeper's answer to a change: the new status line, or what failed.
pub fn reply(model: &mut Model, result: Result<String, String>) {
    match result {
        Ok(line) => {
            model.own.line = Some(line);
            model.own.error = None;
        }
        Err(e) => {
            model.message = Some(format!("Status: {e}"));
            model.own.error = Some(e);
        }
    }
    model.dirty = true;
}

/// A key while the picker is open. `None`: the picker is closed (the key
/// is the console's).
pub fn key(model: &mut Model, key: &KeyEvent) -> Option<Vec<Cmd>> {
    let picker = model.own.picker.as_mut()?;
    model.dirty = true;
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match (key.code, picker.field) {
        (KeyCode::Esc, _) => model.own.picker = None,
        (KeyCode::Tab, f) => picker.field = f.next(),
        (KeyCode::Enter, Field::Choice) => {}
        (KeyCode::Enter, _) => picker.field = Field::Choice,
        (KeyCode::Backspace, f) => {
            if let Some(text) = text_of(picker, f) {
                text.pop();
            }
        }
        (KeyCode::Char(c), Field::Choice) if plain => return Some(choose(model, c)),
        (KeyCode::Char(c), f) if plain && !c.is_control() => {
            if let Some(text) = text_of(picker, f)
                && text.chars().count() < 120
            {
                text.push(c);
            }
        }
        _ => {}
    }
    Some(Vec::new())
}

fn text_of(p: &mut Picker, f: Field) -> Option<&mut String> {
    match f {
        Field::Choice => None,
        Field::Note => Some(&mut p.note),
        Field::Availability => Some(&mut p.availability),
        Field::Until => Some(&mut p.until),
    }
}

/// A letter (state) or digit (profile) in the picker.
fn choose(model: &mut Model, c: char) -> Vec<Cmd> {
    let Some(picker) = model.own.picker.clone() else {
        return Vec::new();
    };
    let filled = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let choice = if let Some(d) = c.to_digit(10) {
        let Some(p) = (d as usize)
            .checked_sub(1)
            .and_then(|i| model.own.profiles.get(i))
        else {
            return Vec::new();
        };
        StatusChoice {
            state: p.state,
            availability: p.availability.as_ref().map(|a| a.as_str().to_string()),
            note: p.note.clone(),
            until: p.duration.map(|d| format!("{}s", d.as_secs())),
            profile: Some(p.name.clone()),
        }
    } else {
        let Some(state) = Chosen::ALL
            .into_iter()
            .find(|s| s.key() == c.to_ascii_lowercase())
        else {
            return Vec::new();
        };
        StatusChoice {
            state,
            availability: filled(&picker.availability),
            note: filled(&picker.note),
            until: filled(&picker.until),
            profile: None,
        }
    };
    model.own.picker = None;
    model.own.line = Some(format!("{}…", choice.state.label()));
    vec![Cmd::SetStatus(choice)]
}

#[cfg(test)]
mod tests;
