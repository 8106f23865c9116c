//! Notes in an SQLite file: WAL (readers never block the writer; several
//! consoles on one host share the file), `synchronous = FULL` (a save that
//! returned is on disk: a `kill -9` or power cut keeps it), every save in an
//! `IMMEDIATE` transaction that compares the version before writing.
//!
//! Several operators on one host: the file, its `-wal` and `-shm` files and
//! the directory holding them must be writable by each of them (a shared
//! group with the setgid bit on the directory and `umask 002`).

mod journal;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::notes::journal::Entry;
use crate::notes::{
    Edit, HistoryEntry, Note, NoteStore, NotesError, SCHEMA_VERSION, SaveOutcome, apply, may_write,
};

/// How long a writer waits for another one holding the lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema of each version, applied in order from the database's one.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
     CREATE TABLE notes (
         contact TEXT PRIMARY KEY, text TEXT, author TEXT NOT NULL,
         written_ms INTEGER NOT NULL, expires_ms INTEGER, version INTEGER NOT NULL);
     CREATE TABLE history (
         id INTEGER PRIMARY KEY AUTOINCREMENT, contact TEXT NOT NULL,
         version INTEGER NOT NULL, author TEXT NOT NULL, at_ms INTEGER NOT NULL,
         old_text TEXT, new_text TEXT, expires_ms INTEGER);
     CREATE INDEX history_contact ON history (contact, version);",
    // 1 -> 2: the journal (see `crate::notes::journal`).
    "CREATE TABLE journal (
         id INTEGER PRIMARY KEY, contact TEXT NOT NULL, at_ms INTEGER NOT NULL,
         kind TEXT NOT NULL, value TEXT NOT NULL, source TEXT NOT NULL,
         rule TEXT NOT NULL, peer TEXT, peer_uri TEXT, ref TEXT);
     CREATE INDEX journal_contact ON journal (contact, at_ms);
     CREATE INDEX journal_at ON journal (at_ms);
     CREATE INDEX journal_kind ON journal (kind, at_ms);
     CREATE UNIQUE INDEX journal_ref ON journal (contact, kind, ref) WHERE ref IS NOT NULL;",
];

/// An open SQLite notes database.
pub struct SqliteNotes {
    conn: Connection,
    path: PathBuf,
}

impl SqliteNotes {
    /// Open (creating the file and its directory) and migrate.
    pub fn open(path: &Path) -> Result<Self, NotesError> {
        let err = |e: &dyn std::fmt::Display| NotesError::Backend {
            location: path.display().to_string(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
        }
        let conn = Connection::open(path).map_err(|e| err(&e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| err(&e))?;
        let mut db = SqliteNotes {
            conn,
            path: path.to_path_buf(),
        };
        db.migrate()?;
        // The page cache is capped at 256 KiB (SQLite's default is 2 MiB):
        // the journal is appended to and read back a page at a time, and the
        // console's start-up burst (one row per contact) otherwise leaves
        // 2 MB of cached pages resident all day; the OS caches the file too.
        db.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -256;",
            )
            .map_err(|e| db.err(e))?;
        Ok(db)
    }

    /// The schema version stored in the file (0: empty file).
    pub fn schema_version(&self) -> Result<i64, NotesError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<(), NotesError> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(NotesError::NewerSchema {
                location: self.location(),
                found,
            });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        let location = self.location();
        let err = |e: rusqlite::Error| NotesError::Backend {
            location: location.clone(),
            reason: format!("migrating the schema: {e}"),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(err)?;
        // Another process may have migrated while we waited for the lock.
        let now: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        for (from, sql) in MIGRATIONS.iter().enumerate().skip(now.max(0) as usize) {
            tx.execute_batch(sql).map_err(err)?;
            let to = from as i64 + 1;
            tx.execute_batch(&format!("PRAGMA user_version = {to}"))
                .map_err(err)?;
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
                [to],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// A number that grows with every save by anyone: the last history
    /// row's id (an index lookup). The live watcher compares it after a file
    /// event; `PRAGMA data_version` proved unreliable when read while the
    /// writer's WAL index update is still under way.
    pub fn change_mark(&self) -> Result<i64, NotesError> {
        self.conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM history", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// `PRAGMA integrity_check` says "ok".
    pub fn integrity_ok(&self) -> Result<bool, NotesError> {
        let s: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(s == "ok")
    }

    /// The file (the live watcher watches its directory).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> NotesError {
        NotesError::Backend {
            location: self.location(),
            reason: e.to_string(),
        }
    }
}

fn note_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        contact: r.get(0)?,
        text: r.get(1)?,
        author: r.get(2)?,
        written_ms: r.get(3)?,
        expires_ms: r.get(4)?,
        version: r.get(5)?,
    }
    .made_harmless())
}

const NOTE_COLUMNS: &str = "contact, text, author, written_ms, expires_ms, version";

impl NoteStore for SqliteNotes {
    fn all(&mut self) -> Result<Vec<Note>, NotesError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {NOTE_COLUMNS} FROM notes ORDER BY contact"
            ))
            .map_err(|e| NotesError::Backend {
                location: self.path.display().to_string(),
                reason: e.to_string(),
            })?;
        let rows = stmt
            .query_map([], note_from_row)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        drop(stmt);
        rows.map_err(|e| self.err(e))
    }

    fn get(&mut self, contact: &str) -> Result<Option<Note>, NotesError> {
        self.conn
            .query_row(
                &format!("SELECT {NOTE_COLUMNS} FROM notes WHERE contact = ?1"),
                [contact],
                note_from_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    fn save(&mut self, edit: &Edit) -> Result<SaveOutcome, NotesError> {
        let location = self.location();
        let err = |e: rusqlite::Error| NotesError::Backend {
            location: location.clone(),
            reason: e.to_string(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let stored = tx
            .query_row(
                &format!("SELECT {NOTE_COLUMNS} FROM notes WHERE contact = ?1"),
                [&edit.contact],
                note_from_row,
            )
            .optional()
            .map_err(err)?;
        if !may_write(stored.as_ref(), edit.base_version) {
            // Checked above that stored is Some unless base_version != 0.
            let theirs = stored.unwrap_or_else(|| Note {
                contact: edit.contact.clone(),
                text: None,
                author: String::new(),
                written_ms: 0,
                expires_ms: None,
                version: 0,
            });
            return Ok(SaveOutcome::Conflict { theirs });
        }
        let (note, h) = apply(stored.as_ref(), edit);
        tx.execute(
            "INSERT INTO notes (contact, text, author, written_ms, expires_ms, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (contact) DO UPDATE SET text = ?2, author = ?3,
               written_ms = ?4, expires_ms = ?5, version = ?6",
            params![
                note.contact,
                note.text,
                note.author,
                note.written_ms,
                note.expires_ms,
                note.version
            ],
        )
        .map_err(err)?;
        tx.execute(
            "INSERT INTO history (contact, version, author, at_ms, old_text, new_text, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                h.contact,
                h.version,
                h.author,
                h.at_ms,
                h.old_text,
                h.new_text,
                h.expires_ms
            ],
        )
        .map_err(err)?;
        journal::note_saved(&tx, &h).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(SaveOutcome::Saved(note))
    }

    fn history(&mut self, contact: &str) -> Result<Vec<HistoryEntry>, NotesError> {
        let location = self.location();
        let err = |e: rusqlite::Error| NotesError::Backend {
            location: location.clone(),
            reason: e.to_string(),
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT contact, version, author, at_ms, old_text, new_text, expires_ms
                 FROM history WHERE contact = ?1 ORDER BY version, id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([contact], |r| {
                Ok(HistoryEntry {
                    contact: r.get(0)?,
                    version: r.get(1)?,
                    author: r.get(2)?,
                    at_ms: r.get(3)?,
                    old_text: r.get(4)?,
                    new_text: r.get(5)?,
                    expires_ms: r.get(6)?,
                }
                .made_harmless())
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(err)?;
        Ok(rows)
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn journal_append(&mut self, entries: &[Entry]) -> Result<(), NotesError> {
        journal::append(&mut self.conn, entries).map_err(|e| self.err(e))
    }

    fn journal(&mut self, contact: &str, since_ms: i64) -> Result<Vec<Entry>, NotesError> {
        journal::of_contact(&self.conn, contact, since_ms).map_err(|e| self.err(e))
    }

    fn journal_missed(&mut self, since_ms: i64) -> Result<Vec<Entry>, NotesError> {
        journal::missed(&self.conn, since_ms).map_err(|e| self.err(e))
    }

    fn journal_prune(&mut self, before_ms: i64) -> Result<u64, NotesError> {
        journal::prune(&self.conn, before_ms).map_err(|e| self.err(e))
    }
}
