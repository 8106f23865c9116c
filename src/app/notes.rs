//! The attendant notes in the console: what the notes thread reported (the
//! current note of every contact, online or not), and the three overlays an
//! operator works in: the editor (F4), the history (F6) and the conflict
//! view that a refused save opens.
//!
//! All pure: times are the wall-clock milliseconds the notes thread sends
//! with each report ([`NotesEvent`]); saves go out as [`Cmd::SaveNote`].
//! Typed and pasted text is made harmless ([`crate::notes::clean_text`])
//! before it becomes an [`Edit`].

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::cmd::Cmd;
use crate::app::model::Model;
use crate::notes::date::{format_day, parse_day};
use crate::notes::{Edit, HistoryEntry, Note, clean_text, contact_key};
use crate::store::ContactId;

pub mod editor;

/// What the notes thread tells the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotesEvent {
    /// Every row, at start and after another console changed something.
    All { notes: Vec<Note>, now_ms: i64 },
    /// Our save went through.
    Saved { note: Note, now_ms: i64 },
    /// Our save was refused: someone else changed the note meanwhile.
    Conflict { mine: Edit, theirs: Note },
    /// The history asked for.
    History {
        contact: String,
        entries: Vec<HistoryEntry>,
    },
    /// The database is unreachable; `queued` saves wait for it.
    Offline { reason: String, queued: usize },
    /// The database is back (queued saves follow as `Saved`/`Conflict`).
    Online,
    /// A save that could not be made and will not be retried.
    Failed { contact: String, reason: String },
    /// The wall clock moved (expiries, ages); sent at most once a minute
    /// while a note with an expiry is shown.
    Clock { now_ms: i64 },
    /// One contact's journal, as asked for (`Cmd::LoadJournal`).
    Journal {
        contact: String,
        since_ms: i64,
        entries: Vec<crate::notes::journal::Entry>,
    },
    /// Missed calls read from the journal (at start: today's).
    Missed {
        entries: Vec<crate::notes::journal::Entry>,
    },
}

/// The editor overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    pub contact: ContactId,
    pub key: String,
    pub text: String,
    /// Where typing goes in `text` (a byte offset on a char boundary).
    pub cursor: usize,
    /// Where typing goes in `until`.
    pub until_cursor: usize,
    /// The expiry field as typed (`YYYY-MM-DD`, empty: none).
    pub until: String,
    /// Which field has the keyboard.
    pub on_until: bool,
    /// The version the operator started from.
    pub base_version: i64,
    /// A problem with the last attempt to save (shown in the editor).
    pub problem: Option<String>,
}

/// Both texts after a refused save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub contact: ContactId,
    pub mine: Edit,
    pub theirs: Note,
}

/// Which overlay is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Editor(Editor),
    History {
        contact: ContactId,
        entries: Option<Vec<HistoryEntry>>,
    },
    Conflict(Conflict),
}

/// The notes as the console knows them.
#[derive(Debug, Clone, Default)]
pub struct NotesState {
    /// Whether the console has a notes database at all.
    pub enabled: bool,
    /// The author of notes written here.
    pub operator: String,
    /// Contact key → its row (current, expired or cleared).
    pub rows: HashMap<String, Note>,
    /// Contact → key (canonical URI), computed once.
    pub keys: Vec<String>,
    /// The wall clock as last reported (ms since the epoch).
    pub now_ms: i64,
    /// `Some(reason)`: the database is unreachable.
    pub offline: Option<String>,
    /// Saves waiting for the database.
    pub queued: usize,
    pub overlay: Option<Overlay>,
    /// The operator was told that quitting now drops unsaved notes.
    pub quit_warned: bool,
}

impl NotesState {
    /// The current note of `id` (not expired, not cleared).
    pub fn current(&self, id: ContactId) -> Option<&Note> {
        let key = self.keys.get(id.0 as usize)?;
        self.rows.get(key).filter(|n| n.is_current(self.now_ms))
    }
}

/// Apply a report from the notes thread.
pub fn on_event(model: &mut Model, ev: NotesEvent) {
    model.dirty = true;
    let changed: Vec<String> = match ev {
        NotesEvent::All { notes, now_ms } => {
            model.notes.now_ms = model.notes.now_ms.max(now_ms);
            model.notes.offline = None;
            let keys = notes.iter().map(|n| n.contact.clone()).collect();
            model.notes.rows = notes.into_iter().map(|n| (n.contact.clone(), n)).collect();
            keys
        }
        NotesEvent::Saved { note, now_ms } => {
            model.notes.now_ms = model.notes.now_ms.max(now_ms);
            model.notes.queued = model.notes.queued.saturating_sub(1);
            let key = note.contact.clone();
            model.message = Some(format!(
                "Note {} for {}",
                if note.text.is_some() {
                    "saved"
                } else {
                    "cleared"
                },
                name_of(model, &key)
            ));
            keep_newer(model, note);
            vec![key]
        }
        NotesEvent::Conflict { mine, theirs } => {
            model.notes.queued = model.notes.queued.saturating_sub(1);
            let key = theirs.contact.clone();
            if let Some(contact) = id_of(model, &key) {
                model.notes.overlay = Some(Overlay::Conflict(Conflict {
                    contact,
                    mine,
                    theirs: theirs.clone(),
                }));
            }
            keep_newer(model, theirs);
            vec![key]
        }
        NotesEvent::History { contact, entries } => {
            if let Some(Overlay::History {
                contact: id,
                entries: slot,
            }) = &mut model.notes.overlay
                && model.notes.keys.get(id.0 as usize) == Some(&contact)
            {
                *slot = Some(entries);
            }
            Vec::new()
        }
        NotesEvent::Offline { reason, queued } => {
            // It may quote the server: made harmless before it is drawn.
            model.notes.offline = Some(crate::text::harmless_line(&reason));
            model.notes.queued = queued;
            Vec::new()
        }
        NotesEvent::Online => {
            model.notes.offline = None;
            Vec::new()
        }
        NotesEvent::Journal {
            contact,
            since_ms,
            entries,
        } => {
            crate::app::journal::loaded(model, &contact, since_ms, entries);
            Vec::new()
        }
        NotesEvent::Missed { entries } => {
            crate::app::journal::loaded_missed(model, entries);
            Vec::new()
        }
        NotesEvent::Failed { contact, reason } => {
            model.notes.queued = model.notes.queued.saturating_sub(1);
            model.message = Some(format!(
                "Note for {} NOT saved: {reason}",
                name_of(model, &contact)
            ));
            Vec::new()
        }
        NotesEvent::Clock { now_ms } => {
            model.notes.now_ms = model.notes.now_ms.max(now_ms);
            (0..model.notes.keys.len())
                .filter_map(|i| model.notes.keys.get(i).cloned())
                .filter(|k| {
                    model
                        .notes
                        .rows
                        .get(k)
                        .is_some_and(|n| n.expires_ms.is_some())
                })
                .collect()
        }
    };
    for key in changed {
        if let Some(id) = id_of(model, &key) {
            model.reindex_note(id);
        }
    }
}

/// A row replaces ours unless ours is newer (reports may cross).
fn keep_newer(model: &mut Model, note: Note) {
    let newer = model
        .notes
        .rows
        .get(&note.contact)
        .is_none_or(|old| old.version <= note.version);
    if newer {
        model.notes.rows.insert(note.contact.clone(), note);
    }
}

fn id_of(model: &Model, key: &str) -> Option<ContactId> {
    model
        .notes
        .keys
        .iter()
        .position(|k| k == key)
        .map(|i| ContactId(i as u32))
}

fn name_of(model: &Model, key: &str) -> String {
    id_of(model, key).map_or_else(|| key.to_string(), |id| model.store.info(id).name.clone())
}

/// The contact keys of a directory, in its order.
pub fn keys_of(uris: impl Iterator<Item = String>) -> Vec<String> {
    uris.map(|u| contact_key(&u)).collect()
}

/// Quit asked while notes wait for the database: the first time, say so
/// and stay (`true`); a second quit leaves (the notes are dropped, as said).
pub fn hold_quit(model: &mut Model) -> bool {
    if model.notes.queued == 0 || model.notes.quit_warned {
        return false;
    }
    model.notes.quit_warned = true;
    model.message = Some(format!(
        "{} note(s) not saved yet: notes offline. Quit again to leave without them",
        model.notes.queued
    ));
    true
}

/// F4: open the editor on the selected contact.
pub fn open_editor(model: &mut Model) {
    model.dirty = true;
    if !model.notes.enabled {
        model.message = Some("Notes are off: no notes database".into());
        return;
    }
    if model.read_only {
        model.message = Some("Read-only mode: notes cannot be edited".into());
        return;
    }
    let Some(id) = model.selected() else { return };
    let Some(key) = model.notes.keys.get(id.0 as usize).cloned() else {
        return;
    };
    let row = model.notes.rows.get(&key);
    let current = row.filter(|n| n.is_current(model.notes.now_ms));
    let text = current.and_then(|n| n.text.clone()).unwrap_or_default();
    let until = current
        .and_then(|n| n.expires_ms)
        .map(format_day)
        .unwrap_or_default();
    model.notes.overlay = Some(Overlay::Editor(Editor {
        contact: id,
        key,
        cursor: text.len(),
        until_cursor: until.len(),
        text,
        until,
        on_until: false,
        base_version: row.map_or(0, |n| n.version),
        problem: None,
    }));
}

/// F6: the history of the selected contact's note.
pub fn open_history(model: &mut Model) -> Vec<Cmd> {
    model.dirty = true;
    if !model.notes.enabled {
        model.message = Some("Notes are off: no notes database".into());
        return Vec::new();
    }
    let Some(id) = model.selected() else {
        return Vec::new();
    };
    let Some(key) = model.notes.keys.get(id.0 as usize).cloned() else {
        return Vec::new();
    };
    model.notes.overlay = Some(Overlay::History {
        contact: id,
        entries: None,
    });
    vec![Cmd::LoadNoteHistory { contact: key }]
}

/// A key while an overlay is open; `None`: no overlay, the key is not ours.
pub fn on_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Cmd>> {
    let overlay = model.notes.overlay.take()?;
    model.dirty = true;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let (next, cmds) = match overlay {
        Overlay::Editor(mut ed) => match key.code {
            KeyCode::Esc => (None, Vec::new()),
            KeyCode::Char('s') if ctrl => match save(model, &mut ed) {
                Some(cmd) => (None, vec![cmd]),
                None => (Some(Overlay::Editor(ed)), Vec::new()),
            },
            KeyCode::Char('e') if ctrl => {
                ed.until.clear();
                (Some(Overlay::Editor(ed)), Vec::new())
            }
            KeyCode::Tab | KeyCode::BackTab => {
                ed.on_until = !ed.on_until;
                (Some(Overlay::Editor(ed)), Vec::new())
            }
            _ => {
                editor::on_key(&mut ed, key);
                (Some(Overlay::Editor(ed)), Vec::new())
            }
        },
        Overlay::History { .. } => (None, Vec::new()),
        Overlay::Conflict(c) => match key.code {
            // Keep mine: write it over theirs, knowingly.
            KeyCode::Char('m' | 'M') => {
                let mine = Edit {
                    base_version: c.theirs.version,
                    now_ms: model.notes.now_ms.max(c.mine.now_ms),
                    ..c.mine
                };
                model.notes.queued += 1;
                (None, vec![Cmd::SaveNote(mine)])
            }
            // Keep theirs: nothing to write.
            KeyCode::Char('t' | 'T') | KeyCode::Esc => (None, Vec::new()),
            // Merge by hand: both texts in the editor, based on theirs.
            KeyCode::Char('e' | 'E') => {
                let theirs = c.theirs.text.clone().unwrap_or_default();
                let mine = c.mine.text.clone().unwrap_or_default();
                let text = format!("{theirs}\n{mine}").trim().to_string();
                let until = c.mine.expires_ms.map(format_day).unwrap_or_default();
                let ed = Editor {
                    contact: c.contact,
                    key: c.theirs.contact.clone(),
                    cursor: text.len(),
                    until_cursor: until.len(),
                    text,
                    until,
                    on_until: false,
                    base_version: c.theirs.version,
                    problem: None,
                };
                (Some(Overlay::Editor(ed)), Vec::new())
            }
            _ => (Some(Overlay::Conflict(c)), Vec::new()),
        },
    };
    model.notes.overlay = next;
    Some(cmds)
}

/// Pasted text goes into an open editor; `false`: no editor open.
pub fn on_paste(model: &mut Model, text: &str) -> bool {
    let Some(Overlay::Editor(ed)) = &mut model.notes.overlay else {
        return false;
    };
    editor::paste(ed, text);
    model.dirty = true;
    true
}

/// The editor's contents as a save, or a problem shown in the editor.
fn save(model: &mut Model, ed: &mut Editor) -> Option<Cmd> {
    let text = match clean_text(&ed.text) {
        Ok(t) => t,
        Err(e) => {
            ed.problem = Some(e.to_string());
            return None;
        }
    };
    let until = ed.until.trim();
    let expires_ms = if until.is_empty() {
        None
    } else {
        match parse_day(until) {
            Ok(ms) => Some(ms),
            Err(e) => {
                ed.problem = Some(format!("Until: {e}"));
                return None;
            }
        }
    };
    model.notes.queued += 1;
    Some(Cmd::SaveNote(Edit {
        contact: ed.key.clone(),
        text,
        author: model.notes.operator.clone(),
        expires_ms,
        base_version: ed.base_version,
        now_ms: model.notes.now_ms,
    }))
}

#[cfg(test)]
mod tests;
