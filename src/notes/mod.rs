//! Attendant notes: what a note is, who wrote it, when it expires, its
//! history, and the optimistic versioning that refuses lost updates.
//!
//! This is the pure part (rank 3, beside `store`): no database, no clock.
//! Times are passed in as milliseconds since the Unix epoch. The backends
//! (SQLite, PostgreSQL) live in the `notes_db` module, which does the I/O and
//! implements [`NoteStore`]; both keep one behaviour, checked by the same
//! tests (`tests/notes_store.rs`).
//!
//! Decisions:
//! - A contact has one row per canonical URI, and a *version* that only
//!   grows. Clearing a note keeps the row (text `None`) and bumps the
//!   version, so "I edited version 3" can never match a note that was
//!   cleared and rewritten meanwhile (no ABA).
//! - A save names the version it was based on ([`Edit::base_version`]; 0 for
//!   "there was no note"). The backend compares it with the stored version in
//!   the same transaction as the write: a mismatch is a [`SaveOutcome::Conflict`]
//!   carrying their note, and nothing is written.
//! - An expired note stays in the table and in the history; [`Note::is_current`]
//!   decides what the grid and panel show.
//! - Text is made harmless with [`crate::text::multiline`] and capped at
//!   [`MAX_NOTE_BYTES`] before it is stored ([`clean_text`]).

pub mod date;
pub mod journal;
pub mod resolve;

use thiserror::Error;

/// The longest note, in bytes of UTF-8 (the 4 KB).
pub const MAX_NOTE_BYTES: usize = 4096;
/// The longest author name, in characters.
pub const MAX_AUTHOR_CHARS: usize = 64;
/// The schema version this build writes; a database with a newer one is
/// refused ([`NotesError::NewerSchema`]).
pub const SCHEMA_VERSION: i64 = 2;

/// The current note of one contact (cleared notes have `text == None`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Note {
    /// The contact's canonical URI (see `crate::sip::uri`).
    pub contact: String,
    /// `None`: cleared.
    pub text: Option<String>,
    pub author: String,
    /// When it was written (ms since the epoch).
    pub written_ms: i64,
    /// When it stops being shown (ms since the epoch).
    pub expires_ms: Option<i64>,
    /// Grows by one with every change of this contact's note.
    pub version: i64,
}

impl Note {
    /// Shown in the grid and panel at `now_ms`: has text and is not expired.
    pub fn is_current(&self, now_ms: i64) -> bool {
        self.text.is_some() && self.expires_ms.is_none_or(|e| now_ms < e)
    }

    /// The row as read from a database, made harmless: another program (or
    /// an older switchboard) may have written anything into it.
    pub fn made_harmless(mut self) -> Note {
        self.text = self
            .text
            .map(|t| crate::text::multiline(&t, MAX_NOTE_BYTES).into_owned());
        self.author = clean_author(&self.author);
        self.contact = crate::text::line(&self.contact, crate::text::MAX_LINE_CHARS).into_owned();
        self
    }

    /// The text when current.
    pub fn current_text(&self, now_ms: i64) -> Option<&str> {
        self.text.as_deref().filter(|_| self.is_current(now_ms))
    }
}

/// One change, as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HistoryEntry {
    pub contact: String,
    /// The version this change produced.
    pub version: i64,
    pub author: String,
    pub at_ms: i64,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
    pub expires_ms: Option<i64>,
}

impl HistoryEntry {
    /// As [`Note::made_harmless`].
    pub fn made_harmless(mut self) -> HistoryEntry {
        let clean =
            |t: Option<String>| t.map(|t| crate::text::multiline(&t, MAX_NOTE_BYTES).into_owned());
        self.old_text = clean(self.old_text);
        self.new_text = clean(self.new_text);
        self.author = clean_author(&self.author);
        self
    }
}

/// A change an operator wants to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub contact: String,
    /// `None`: clear the note.
    pub text: Option<String>,
    pub author: String,
    pub expires_ms: Option<i64>,
    /// The version the operator saw (0: no note at all).
    pub base_version: i64,
    pub now_ms: i64,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Written; the new current note.
    Saved(Note),
    /// Someone changed the note since `base_version`: nothing was written.
    Conflict {
        /// Their note as it is now.
        theirs: Note,
    },
}

/// What can go wrong with notes.
#[derive(Debug, Error)]
pub enum NotesError {
    #[error("the note is {len} bytes long; a note holds at most {MAX_NOTE_BYTES} bytes")]
    TooLong { len: usize },
    #[error(
        "the notes database {location} has schema version {found}, newer than this switchboard ({SCHEMA_VERSION}); upgrade switchboard (the database was not changed)"
    )]
    NewerSchema { location: String, found: i64 },
    #[error("notes database {location}: {reason}")]
    Backend { location: String, reason: String },
    #[error("notes are offline ({reason}); try again when the database is back")]
    Offline { reason: String },
}

/// Which database holds the notes (built by the `config` module from `[notes]`).
#[derive(Clone, PartialEq, Eq)]
pub enum NotesTarget {
    /// An embedded SQLite file (several operators on one host share it).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL server: the URL as written and the password, if any,
    /// from `password_env`/`password_file` (never shown by `Debug`).
    Postgres {
        url: String,
        password: Option<String>,
    },
}

impl std::fmt::Debug for NotesTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotesTarget::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            NotesTarget::Postgres { url, password } => f
                .debug_struct("Postgres")
                .field("url", &redact_url(url))
                .field("password", &password.as_ref().map(|_| "<redacted>"))
                .finish(),
        }
    }
}

/// A database URL without the password it may carry (`user:pw@` → `user@`).
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let host_start = rest.find('/').unwrap_or(rest.len());
    match rest[..host_start].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..scheme_end], &rest[at + 1..])
        }
        None => url.to_string(),
    }
}

/// One database of notes. Both backends implement it with the same
/// behaviour; every call is blocking (the console runs it on its own thread).
pub trait NoteStore: Send {
    /// Every contact's row (current, expired and cleared).
    fn all(&mut self) -> Result<Vec<Note>, NotesError>;
    /// One contact's row.
    fn get(&mut self, contact: &str) -> Result<Option<Note>, NotesError>;
    /// Write `edit` unless the stored version differs from its base.
    fn save(&mut self, edit: &Edit) -> Result<SaveOutcome, NotesError>;
    /// Every change of one contact's note, oldest first.
    fn history(&mut self, contact: &str) -> Result<Vec<HistoryEntry>, NotesError>;
    /// Where this is (a path, a URL without its password), for messages.
    fn location(&self) -> String;
    /// Append journal entries in one transaction; a missed call another
    /// console already journalled (same contact and dialog) is skipped.
    fn journal_append(&mut self, entries: &[journal::Entry]) -> Result<(), NotesError>;
    /// One contact's journal since `since_ms`, oldest first, with the last
    /// presence and line entry before it (what held when the window began).
    fn journal(&mut self, contact: &str, since_ms: i64) -> Result<Vec<journal::Entry>, NotesError>;
    /// Every missed call since `since_ms`, oldest first.
    fn journal_missed(&mut self, since_ms: i64) -> Result<Vec<journal::Entry>, NotesError>;
    /// Remove the entries older than `before_ms`; how many.
    fn journal_prune(&mut self, before_ms: i64) -> Result<u64, NotesError>;
}

/// The key a contact's note is stored under: its URI in the canonical form
/// of RFC 3261 19.1.4 (scheme and host in lower case, escapes in the user
/// part decoded, parameters dropped), so the note survives a directory that
/// writes the URI differently. A string that is no SIP URI is kept trimmed.
pub fn contact_key(uri: &str) -> String {
    match crate::sip::uri::SipUri::parse_loose(uri) {
        Some(u) => {
            let host = u.host.to_ascii_lowercase();
            let scheme = u.scheme.to_ascii_lowercase();
            let port = u.port.map(|p| format!(":{p}")).unwrap_or_default();
            match u.user_unescaped() {
                Some(user) => format!("{scheme}:{user}@{host}{port}"),
                None => format!("{scheme}:{host}{port}"),
            }
        }
        None => uri.trim().to_string(),
    }
}

/// The text an operator typed or pasted, made harmless and checked for size;
/// empty (or only whitespace) means "clear".
pub fn clean_text(raw: &str) -> Result<Option<String>, NotesError> {
    let len = raw.len();
    if len > MAX_NOTE_BYTES {
        return Err(NotesError::TooLong { len });
    }
    let cleaned = crate::text::multiline(raw, MAX_NOTE_BYTES);
    let trimmed = cleaned.trim_end();
    Ok((!trimmed.trim().is_empty()).then(|| trimmed.to_string()))
}

/// An author name made harmless (one line, capped).
pub fn clean_author(raw: &str) -> String {
    let s = crate::text::line(raw.trim(), MAX_AUTHOR_CHARS).into_owned();
    if s.is_empty() { "unknown".into() } else { s }
}

/// Whether a save based on `base_version` may overwrite `stored`.
pub fn may_write(stored: Option<&Note>, base_version: i64) -> bool {
    stored.map_or(0, |n| n.version) == base_version
}

/// The note after `edit` is applied over `stored` (the caller checked
/// [`may_write`]).
pub fn apply(stored: Option<&Note>, edit: &Edit) -> (Note, HistoryEntry) {
    let version = stored.map_or(0, |n| n.version) + 1;
    let note = Note {
        contact: edit.contact.clone(),
        text: edit.text.clone(),
        author: edit.author.clone(),
        written_ms: edit.now_ms,
        expires_ms: edit.text.as_ref().and(edit.expires_ms),
        version,
    };
    let entry = HistoryEntry {
        contact: edit.contact.clone(),
        version,
        author: edit.author.clone(),
        at_ms: edit.now_ms,
        old_text: stored.and_then(|n| n.text.clone()),
        new_text: edit.text.clone(),
        expires_ms: note.expires_ms,
    };
    (note, entry)
}

/// "just now", "5 min", "3 h", "2 d": how long ago `then_ms` was.
pub fn age(now_ms: i64, then_ms: i64) -> String {
    let s = (now_ms - then_ms).max(0) / 1000;
    match s {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", s / 60),
        3600..86_400 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests;
