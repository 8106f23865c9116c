//! Notes on a PostgreSQL server, for consoles on several hosts.
//!
//! Every save runs in one transaction that takes a per-contact advisory lock
//! (`pg_advisory_xact_lock`), compares the version and writes the note and
//! its history row, then `NOTIFY switchboard_notes, '<contact>'`: PostgreSQL
//! delivers the notification to every listening console at commit, never
//! before and never for a rolled-back save. A [`PgListener`] is a second
//! connection that only `LISTEN`s (a blocking wait on its socket: no polling).
//!
//! TLS: the URL's `sslmode` decides, as with libpq: `disable` never,
//! `prefer` (the default) when the server offers it, `require` or else the
//! connection fails. The TLS is rustls (`tokio-postgres-rustls`, the
//! program's one TLS stack): the server certificate is always checked,
//! identity included, against the system's trusted roots and the URL's
//! `sslrootcert` ([`super::pg_tls`]).

mod journal;

use std::str::FromStr;
use std::time::Duration;

use postgres::{Client, Config};

use crate::notes::journal::Entry;
use crate::notes::{
    Edit, HistoryEntry, Note, NoteStore, NotesError, SCHEMA_VERSION, SaveOutcome, apply, may_write,
    redact_url,
};

/// The channel every save notifies.
pub const CHANNEL: &str = "switchboard_notes";
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

const MIGRATIONS: &[&str] = &[
    // 0 -> 1
    "CREATE TABLE IF NOT EXISTS switchboard_notes (
         contact TEXT PRIMARY KEY, text TEXT, author TEXT NOT NULL,
         written_ms BIGINT NOT NULL, expires_ms BIGINT, version BIGINT NOT NULL);
     CREATE TABLE IF NOT EXISTS switchboard_notes_history (
         id BIGSERIAL PRIMARY KEY, contact TEXT NOT NULL, version BIGINT NOT NULL,
         author TEXT NOT NULL, at_ms BIGINT NOT NULL, old_text TEXT, new_text TEXT,
         expires_ms BIGINT);
     CREATE INDEX IF NOT EXISTS switchboard_notes_history_contact
         ON switchboard_notes_history (contact, version);",
    // 1 -> 2: the journal (see `crate::notes::journal`).
    "CREATE TABLE IF NOT EXISTS switchboard_journal (
         id BIGSERIAL PRIMARY KEY, contact TEXT NOT NULL, at_ms BIGINT NOT NULL,
         kind TEXT NOT NULL, value TEXT NOT NULL, source TEXT NOT NULL,
         rule TEXT NOT NULL, peer TEXT, peer_uri TEXT, ref TEXT);
     CREATE INDEX IF NOT EXISTS switchboard_journal_contact
         ON switchboard_journal (contact, at_ms);
     CREATE INDEX IF NOT EXISTS switchboard_journal_at ON switchboard_journal (at_ms);
     CREATE INDEX IF NOT EXISTS switchboard_journal_kind ON switchboard_journal (kind, at_ms);
     CREATE UNIQUE INDEX IF NOT EXISTS switchboard_journal_ref
         ON switchboard_journal (contact, kind, ref) WHERE ref IS NOT NULL;",
];

/// A connected PostgreSQL notes database.
pub struct PgNotes {
    client: Client,
    location: String,
}

fn config(url: &str, password: Option<&str>) -> Result<Config, NotesError> {
    let mut cfg = Config::from_str(url).map_err(|e| NotesError::Backend {
        location: redact_url(url),
        reason: format!("not a PostgreSQL URL: {e}"),
    })?;
    if let Some(pw) = password {
        cfg.password(pw);
    }
    cfg.connect_timeout(CONNECT_TIMEOUT);
    Ok(cfg)
}

fn connect_client(url: &str, password: Option<&str>) -> Result<Client, NotesError> {
    let (plain_url, root) = super::pg_tls::split_root_cert(url);
    let cfg = config(&plain_url, password)?;
    let tls = super::pg_tls::connector(url, root.as_ref())?;
    cfg.connect(tls).map_err(|e| {
        let mut reason = format!("{}: {}", redact_url(url), error_text(&e));
        if reason.contains("invalid peer certificate") {
            reason.push_str(UNTRUSTED_HINT);
        }
        NotesError::Offline { reason }
    })
}

/// What to do when the server's certificate is not trusted.
const UNTRUSTED_HINT: &str = " [the server's TLS certificate is not trusted here: add sslrootcert=/path/to/ca.pem to the URL, or install its CA into the system's trusted roots (or point SSL_CERT_FILE at it)]";

/// The error with its cause (the `postgres` crate's own text is often
/// only "error performing TLS handshake" or "db error").
fn error_text(e: &postgres::Error) -> String {
    use std::error::Error as _;
    match (e.as_db_error(), e.source()) {
        (Some(db), _) => db.message().to_string(),
        (None, Some(cause)) => format!("{e}: {cause}"),
        (None, None) => e.to_string(),
    }
}

fn pg_err(location: &str, e: postgres::Error) -> NotesError {
    // Class 08: connection exception; 57: operator intervention (shutdown,
    // restart): the server is away, not the request wrong.
    let server_away = e
        .code()
        .is_some_and(|c| c.code().starts_with("08") || c.code().starts_with("57"));
    if e.is_closed() || e.as_db_error().is_none() || server_away {
        NotesError::Offline {
            reason: format!("{location}: {e}"),
        }
    } else {
        NotesError::Backend {
            location: location.to_string(),
            reason: e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string()),
        }
    }
}

impl PgNotes {
    /// Connect and migrate the schema.
    pub fn connect(url: &str, password: Option<&str>) -> Result<Self, NotesError> {
        let client = connect_client(url, password)?;
        let mut db = PgNotes {
            client,
            location: redact_url(url),
        };
        db.migrate()?;
        Ok(db)
    }

    fn migrate(&mut self) -> Result<(), NotesError> {
        let loc = self.location.clone();
        let e = |err| pg_err(&loc, err);
        let mut tx = self.client.transaction().map_err(e)?;
        tx.execute("SELECT pg_advisory_xact_lock(7339001)", &[])
            .map_err(e)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS switchboard_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        )
        .map_err(e)?;
        let found: i64 = tx
            .query_opt(
                "SELECT value FROM switchboard_meta WHERE key = 'schema_version'",
                &[],
            )
            .map_err(e)?
            .map_or(0, |r| r.get(0));
        if found > SCHEMA_VERSION {
            return Err(NotesError::NewerSchema {
                location: loc.clone(),
                found,
            });
        }
        for (from, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            tx.batch_execute(sql).map_err(e)?;
            tx.execute(
                "INSERT INTO switchboard_meta (key, value) VALUES ('schema_version', $1)
                 ON CONFLICT (key) DO UPDATE SET value = $1",
                &[&(from as i64 + 1)],
            )
            .map_err(e)?;
        }
        tx.commit().map_err(e)
    }

    /// Whether the connection is still up.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

fn note_from_row(r: &postgres::Row) -> Note {
    Note {
        contact: r.get(0),
        text: r.get(1),
        author: r.get(2),
        written_ms: r.get(3),
        expires_ms: r.get(4),
        version: r.get(5),
    }
    .made_harmless()
}

const SELECT_NOTE: &str =
    "SELECT contact, text, author, written_ms, expires_ms, version FROM switchboard_notes";

impl NoteStore for PgNotes {
    fn all(&mut self) -> Result<Vec<Note>, NotesError> {
        let rows = self
            .client
            .query(&format!("{SELECT_NOTE} ORDER BY contact"), &[])
            .map_err(|e| pg_err(&self.location, e))?;
        Ok(rows.iter().map(note_from_row).collect())
    }

    fn get(&mut self, contact: &str) -> Result<Option<Note>, NotesError> {
        let row = self
            .client
            .query_opt(&format!("{SELECT_NOTE} WHERE contact = $1"), &[&contact])
            .map_err(|e| pg_err(&self.location, e))?;
        Ok(row.as_ref().map(note_from_row))
    }

    fn save(&mut self, edit: &Edit) -> Result<SaveOutcome, NotesError> {
        let loc = self.location.clone();
        let e = |err| pg_err(&loc, err);
        let mut tx = self.client.transaction().map_err(e)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            &[&edit.contact],
        )
        .map_err(e)?;
        let stored = tx
            .query_opt(
                &format!("{SELECT_NOTE} WHERE contact = $1"),
                &[&edit.contact],
            )
            .map_err(e)?
            .as_ref()
            .map(note_from_row);
        if !may_write(stored.as_ref(), edit.base_version) {
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
        let (n, h) = apply(stored.as_ref(), edit);
        tx.execute(
            "INSERT INTO switchboard_notes (contact, text, author, written_ms, expires_ms, version)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (contact) DO UPDATE SET text = $2, author = $3,
               written_ms = $4, expires_ms = $5, version = $6",
            &[
                &n.contact,
                &n.text,
                &n.author,
                &n.written_ms,
                &n.expires_ms,
                &n.version,
            ],
        )
        .map_err(e)?;
        tx.execute(
            "INSERT INTO switchboard_notes_history
               (contact, version, author, at_ms, old_text, new_text, expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &h.contact,
                &h.version,
                &h.author,
                &h.at_ms,
                &h.old_text,
                &h.new_text,
                &h.expires_ms,
            ],
        )
        .map_err(e)?;
        journal::note_saved(&mut tx, &h).map_err(e)?;
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &n.contact])
            .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(SaveOutcome::Saved(n))
    }

    fn history(&mut self, contact: &str) -> Result<Vec<HistoryEntry>, NotesError> {
        let rows = self
            .client
            .query(
                "SELECT contact, version, author, at_ms, old_text, new_text, expires_ms
                 FROM switchboard_notes_history WHERE contact = $1 ORDER BY version, id",
                &[&contact],
            )
            .map_err(|e| pg_err(&self.location, e))?;
        Ok(rows
            .iter()
            .map(|r| {
                HistoryEntry {
                    contact: r.get(0),
                    version: r.get(1),
                    author: r.get(2),
                    at_ms: r.get(3),
                    old_text: r.get(4),
                    new_text: r.get(5),
                    expires_ms: r.get(6),
                }
                .made_harmless()
            })
            .collect())
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn journal_append(&mut self, entries: &[Entry]) -> Result<(), NotesError> {
        journal::append(&mut self.client, entries).map_err(|e| pg_err(&self.location, e))
    }

    fn journal(&mut self, contact: &str, since_ms: i64) -> Result<Vec<Entry>, NotesError> {
        journal::of_contact(&mut self.client, contact, since_ms)
            .map_err(|e| pg_err(&self.location, e))
    }

    fn journal_missed(&mut self, since_ms: i64) -> Result<Vec<Entry>, NotesError> {
        journal::missed(&mut self.client, since_ms).map_err(|e| pg_err(&self.location, e))
    }

    fn journal_prune(&mut self, before_ms: i64) -> Result<u64, NotesError> {
        journal::prune(&mut self.client, before_ms).map_err(|e| pg_err(&self.location, e))
    }
}

/// A connection that only listens for saves.
pub struct PgListener {
    client: Client,
    location: String,
}

impl PgListener {
    /// Connect and `LISTEN`.
    pub fn connect(url: &str, password: Option<&str>) -> Result<Self, NotesError> {
        let mut client = connect_client(url, password)?;
        let location = redact_url(url);
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .map_err(|e| pg_err(&location, e))?;
        Ok(PgListener { client, location })
    }

    /// Block until a save is notified (or `timeout` passes: `Ok(vec![])`);
    /// the contacts whose notes changed. An error: the connection is lost.
    pub fn wait(&mut self, timeout: Duration) -> Result<Vec<String>, NotesError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut out = Vec::new();
        {
            let mut n = self.client.notifications();
            let first = n
                .timeout_iter(timeout)
                .next()
                .map_err(|e| pg_err(&self.location, e))?;
            if let Some(msg) = first {
                out.push(msg.payload().to_string());
                // Whatever else already arrived, without waiting.
                let mut rest = n.iter();
                while let Some(msg) = rest.next().map_err(|e| pg_err(&self.location, e))? {
                    out.push(msg.payload().to_string());
                    if out.len() >= 1024 {
                        break;
                    }
                }
            }
        }
        if out.is_empty() && self.client.is_closed() {
            return Err(NotesError::Offline {
                reason: format!("{}: connection closed", self.location),
            });
        }
        Ok(out)
    }
}
