//! Keys → named actions. The one source of key bindings: the status bar hints
//! and the help overlay are generated from it, and the config's `[keys]`
//! table rebinds actions by name.
//!
//! Plain letters, digits and space are never bindable: typing them starts a
//! search at once.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent};

mod key;
pub use key::Key;

/// Every command the console knows, by the name used in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Open,
    Back,
    NextPanel,
    PrevPanel,
    ToggleFavourite,
    SearchBackspace,
    ClearSearch,
    EditNote,
    NoteHistory,
    StatusPicker,
    /// F8: the selected contact's timeline (the journal).
    History,
    /// Read the configuration file again and apply it (Ctrl-R).
    ReloadConfig,
    /// F7: the diagnostics view (connector status, subscriptions, trace).
    Diagnostics,
    /// F3: show only contacts available right now (with any search).
    AvailableOnly,
    /// F6: select the next ringing phone and open its details.
    NextRinging,
    /// Quit at once, without the question `Quit` asks.
    QuitNow,
    /// Choose the group the grid shows (Ctrl-1…9 / Alt-1…9 pick directly).
    GroupPicker,
}

impl Action {
    pub const ALL: &[Action] = &[
        Action::Open,
        Action::Back,
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::PageUp,
        Action::PageDown,
        Action::Home,
        Action::End,
        Action::NextPanel,
        Action::PrevPanel,
        Action::SearchBackspace,
        Action::ClearSearch,
        Action::ToggleFavourite,
        Action::EditNote,
        Action::NoteHistory,
        Action::StatusPicker,
        Action::AvailableOnly,
        Action::NextRinging,
        Action::Diagnostics,
        Action::History,
        Action::GroupPicker,
        Action::Help,
        Action::Quit,
        Action::QuitNow,
        // Rarely used: last, so quit stays on the help's first page.
        Action::ReloadConfig,
    ];

    /// The name used in the config's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left",
            Action::Right => "right",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Home => "home",
            Action::End => "end",
            Action::Open => "open",
            Action::Back => "back",
            Action::NextPanel => "next_panel",
            Action::PrevPanel => "prev_panel",
            Action::ToggleFavourite => "toggle_favourite",
            Action::SearchBackspace => "search_backspace",
            Action::ClearSearch => "clear_search",
            Action::EditNote => "edit_note",
            Action::NoteHistory => "note_history",
            Action::StatusPicker => "status_picker",
            Action::History => "history",
            Action::ReloadConfig => "reload_config",
            Action::Diagnostics => "diagnostics",
            Action::AvailableOnly => "available_only",
            Action::NextRinging => "next_ringing",
            Action::QuitNow => "quit_now",
            Action::GroupPicker => "groups",
        }
    }

    /// One line for the help overlay (at most 23 columns: with the keys
    /// and the action name it fits beside the legend at 80 columns).
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "Quit (asks first)",
            Action::Help => "Show or hide this help",
            Action::Up => "Up / scroll details",
            Action::Down => "Down / scroll details",
            Action::Left => "Move left",
            Action::Right => "Move right",
            Action::PageUp => "Page up",
            Action::PageDown => "Page down",
            Action::Home => "First contact",
            Action::End => "Last contact",
            Action::Open => "Show details",
            Action::Back => "Clear search or close",
            Action::NextPanel => "Next panel",
            Action::PrevPanel => "Previous panel",
            Action::ToggleFavourite => "Add/remove favourite",
            Action::SearchBackspace => "Delete a search letter",
            Action::ClearSearch => "Clear the search",
            Action::EditNote => "Edit attendant note",
            Action::NoteHistory => "Note history",
            Action::StatusPicker => "Set my own status",
            Action::History => "Contact's day (history)",
            Action::ReloadConfig => "Reload configuration",
            Action::Diagnostics => "Diagnostics, SIP trace",
            Action::AvailableOnly => "Available only on/off",
            Action::NextRinging => "Next ringing phone",
            Action::QuitNow => "Quit at once",
            Action::GroupPicker => "Groups (Ctrl/Alt-1-9)",
        }
    }

    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

/// A `[keys]` entry that cannot be used: the action name as written and
/// what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[keys] {action}: {problem}")]
pub struct KeymapError {
    /// The entry's action name, as written in the file.
    pub action: String,
    pub problem: KeyProblem,
}

/// What is wrong with one `[keys]` entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    #[error("unknown action (known actions: {known})")]
    UnknownAction { known: String },
    #[error("unknown key {key:?} (e.g. \"F2\", \"Ctrl-Q\", \"Alt-x\", \"Enter\", \"PgDn\")")]
    UnknownKey { key: String },
    #[error(
        "key {key:?} cannot carry a command: plain letters, digits and space type into the search (use a function key, Ctrl- or Alt-)"
    )]
    TypingKey { key: String },
    #[error("key {key:?} is already bound to {first}; give each key to one action")]
    Duplicate { key: String, first: String },
    #[error("no key given, e.g. quit = [\"F10\", \"Ctrl-q\"]")]
    Empty,
}

/// The bindings in force: action → keys (first key is the one hinted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        use KeyCode as K;
        let p = Key::plain;
        let shift = |code| Key {
            shift: true,
            ..Key::plain(code)
        };
        let defaults: Vec<(Action, Vec<Key>)> = vec![
            // Ctrl-C asks too: pressed by reflex (to copy), it must not
            // end the console mid-call.
            (Action::Quit, vec![p(K::F(10)), Key::ctrl('c')]),
            (Action::QuitNow, vec![Key::ctrl('q')]),
            (Action::Help, vec![p(K::F(1)), p(K::Char('?'))]),
            (Action::Up, vec![p(K::Up)]),
            (Action::Down, vec![p(K::Down)]),
            (Action::Left, vec![p(K::Left)]),
            (Action::Right, vec![p(K::Right)]),
            (Action::PageUp, vec![p(K::PageUp)]),
            (Action::PageDown, vec![p(K::PageDown)]),
            (Action::Home, vec![p(K::Home)]),
            (Action::End, vec![p(K::End)]),
            (Action::Open, vec![p(K::Enter)]),
            (Action::Back, vec![p(K::Esc)]),
            (Action::NextPanel, vec![p(K::Tab)]),
            (Action::PrevPanel, vec![p(K::BackTab)]),
            (Action::ToggleFavourite, vec![p(K::F(2))]),
            (Action::SearchBackspace, vec![p(K::Backspace)]),
            (Action::ClearSearch, vec![Key::ctrl('u')]),
            (Action::EditNote, vec![p(K::F(4))]),
            // F6 is the next ringing phone: the history moved to Shift-F4
            // (beside the note's F4).
            (Action::NoteHistory, vec![shift(K::F(4))]),
            (Action::StatusPicker, vec![p(K::F(5))]),
            (Action::History, vec![p(K::F(8))]),
            (Action::ReloadConfig, vec![Key::ctrl('r')]),
            (Action::Diagnostics, vec![p(K::F(7))]),
            (Action::AvailableOnly, vec![p(K::F(3))]),
            (Action::NextRinging, vec![p(K::F(6))]),
            (Action::GroupPicker, vec![p(K::F(9)), Key::ctrl('g')]),
        ];
        Keymap {
            bindings: defaults.into_iter().collect(),
        }
    }
}

impl Keymap {
    /// The defaults with the config's `[keys]` applied; the first problem
    /// when there is one (see [`Keymap::from_entries`]).
    pub fn from_config(keys: &BTreeMap<String, Vec<String>>) -> Result<Keymap, KeymapError> {
        let entries: Vec<(&str, &[String])> = keys
            .iter()
            .map(|(a, k)| (a.as_str(), k.as_slice()))
            .collect();
        let (map, mut errors) = Keymap::from_entries(&entries);
        match errors.is_empty() {
            true => Ok(map),
            false => Err(errors.swap_remove(0)),
        }
    }

    /// The defaults with `[keys]` entries (in file order) applied: each
    /// named action gets exactly the keys given; a key taken from another
    /// action's defaults moves to the new action. Every problem comes back,
    /// in entry order, each naming its entry; entries with a problem are
    /// left out of the map.
    pub fn from_entries(entries: &[(&str, &[String])]) -> (Keymap, Vec<KeymapError>) {
        let mut map = Keymap::default();
        let mut configured: HashMap<Key, Action> = HashMap::new();
        let mut overrides = Vec::new();
        let mut errors = Vec::new();
        for (name, specs) in entries {
            match parse_entry(name, specs, &configured) {
                Ok((action, keys)) => {
                    for key in &keys {
                        configured.insert(*key, action);
                    }
                    overrides.push((action, keys));
                }
                Err(problem) => errors.push(KeymapError {
                    action: name.to_string(),
                    problem,
                }),
            }
        }
        for (action, keys) in overrides {
            map.bindings.insert(action, keys);
        }
        for (action, keys) in map.bindings.iter_mut() {
            keys.retain(|k| configured.get(k).is_none_or(|a| a == action));
        }
        (map, errors)
    }

    /// The action a key event triggers, if any.
    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev);
        self.bindings
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(a, _)| *a)
    }

    /// The keys bound to an action (may be empty if all were rebound away).
    pub fn keys(&self, action: Action) -> &[Key] {
        self.bindings.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// One `[keys]` entry: its action and keys (duplicates dropped), checked
/// against the keys earlier entries took.
fn parse_entry(
    name: &str,
    specs: &[String],
    configured: &HashMap<Key, Action>,
) -> Result<(Action, Vec<Key>), KeyProblem> {
    let action = Action::parse(name).ok_or_else(|| KeyProblem::UnknownAction {
        known: Action::ALL
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    if specs.is_empty() {
        return Err(KeyProblem::Empty);
    }
    let mut parsed = Vec::new();
    for spec in specs {
        let key = Key::parse(spec).ok_or_else(|| KeyProblem::UnknownKey { key: spec.clone() })?;
        if key.is_typing() {
            return Err(KeyProblem::TypingKey { key: spec.clone() });
        }
        if let Some(first) = configured.get(&key)
            && *first != action
        {
            return Err(KeyProblem::Duplicate {
                key: spec.clone(),
                first: first.name().into(),
            });
        }
        if !parsed.contains(&key) {
            parsed.push(key);
        }
    }
    Ok((action, parsed))
}

#[cfg(test)]
mod tests;
