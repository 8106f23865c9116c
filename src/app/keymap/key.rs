//! One key as bound: parsed from the config's names ("F2", "Ctrl-Q",
//! "Alt-x", "PgDn"), matched against a terminal key event, and labelled for
//! the hints and the help.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as bound: code plus the modifiers that matter (Ctrl, Alt; Shift
/// only for non-character keys, a character carries its own case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
            shift: false,
        }
    }

    /// Normalise a terminal key event so it compares equal to a bound key.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let m = ev.modifiers;
        let ctrl = m.contains(KeyModifiers::CONTROL);
        let alt = m.contains(KeyModifiers::ALT);
        match ev.code {
            KeyCode::Char(c) => {
                let c = if ctrl || alt {
                    c.to_ascii_lowercase()
                } else {
                    c
                };
                Key {
                    code: KeyCode::Char(c),
                    ctrl,
                    alt,
                    shift: false,
                }
            }
            KeyCode::BackTab => Key {
                code: KeyCode::BackTab,
                ctrl,
                alt,
                shift: false,
            },
            code => Key {
                code,
                ctrl,
                alt,
                shift: m.contains(KeyModifiers::SHIFT),
            },
        }
    }

    /// True for keys that type into the search (plain letters, digits, space).
    pub fn is_typing(&self) -> bool {
        matches!(self.code, KeyCode::Char(c) if !self.ctrl && !self.alt && (c.is_alphanumeric() || c == ' '))
    }

    /// Parse a key spec from the config: `F2`, `Ctrl-Q`, `Ctrl+q`, `Alt-x`,
    /// `Shift-Tab`, `Enter`, `Esc`, `PgDn`, `?`...
    pub fn parse(spec: &str) -> Option<Key> {
        let mut key = Key::plain(KeyCode::Null);
        let mut rest = spec.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            let skip = [
                "ctrl-", "ctrl+", "c-", "alt-", "alt+", "a-", "shift-", "shift+", "s-",
            ]
            .into_iter()
            .find(|p| lower.starts_with(p) && rest.len() > p.len());
            let Some(prefix) = skip else { break };
            match prefix.as_bytes().first() {
                Some(b'c') => key.ctrl = true,
                Some(b'a') => key.alt = true,
                _ => key.shift = true,
            }
            rest = rest.get(prefix.len()..)?;
        }
        let lower = rest.to_ascii_lowercase();
        key.code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if key.shift => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" | "page_up" => KeyCode::PageUp,
            "pgdn" | "pagedown" | "page_down" | "pgdown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if key.ctrl || key.alt => KeyCode::Char(c.to_ascii_lowercase()),
                    (Some(c), None) => KeyCode::Char(c),
                    _ => match lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                        Some(n @ 1..=24) => KeyCode::F(n),
                        _ => return None,
                    },
                }
            }
        };
        if matches!(key.code, KeyCode::Char(_) | KeyCode::BackTab) {
            key.shift = false;
        }
        Some(key)
    }

    /// How the key is written in hints and help.
    pub fn label(&self, ascii: bool) -> String {
        let base = match self.code {
            KeyCode::Up if !ascii => "↑".to_string(),
            KeyCode::Down if !ascii => "↓".to_string(),
            KeyCode::Left if !ascii => "←".to_string(),
            KeyCode::Right if !ascii => "→".to_string(),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Insert => "Ins".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) if self.ctrl || self.alt => c.to_ascii_uppercase().to_string(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("Ctrl-");
        }
        if self.alt {
            s.push_str("Alt-");
        }
        if self.shift {
            s.push_str("Shift-");
        }
        s.push_str(&base);
        s
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label(true))
    }
}
