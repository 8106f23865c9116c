//! The notes databases: SQLite (embedded, one host) and PostgreSQL (several
//! hosts), two small blocking implementations of [`NoteStore`].
//!
//! Rank: just below `runtime` (beside `config` and `ui`): this module does
//! I/O (files, sockets) but owns no task or clock; the console runs it on
//! its own thread (`runtime::notes`), the CLI calls it directly. The domain
//! (what a note is, conflicts, expiry) is `crate::notes`.
//!
//! Crates: `rusqlite` with `bundled` (SQLite compiled in: no system library,
//! the same SQLite everywhere) and `postgres`, the blocking face of
//! `tokio-postgres` by the same authors (it runs its own small runtime on the
//! calling thread). Two small blocking implementations behind one trait were
//! chosen over one async API: rusqlite is blocking anyway, the notes thread
//! has nothing else to do while a query runs, and the CLI stays synchronous.
//!
//! Schema versions: `meta.schema_version` (SQLite also sets `user_version`).
//! Opening migrates an older schema forward in one transaction and refuses a
//! newer one without writing anything ([`NotesError::NewerSchema`]).

pub mod pg_tls;
pub mod postgres;
pub mod sqlite;

use crate::notes::{NoteStore, NotesError, NotesTarget};

/// Open the database `target` names, creating or migrating its schema.
pub fn open(target: &NotesTarget) -> Result<Box<dyn NoteStore>, NotesError> {
    Ok(match target {
        NotesTarget::Sqlite(path) => Box::new(sqlite::SqliteNotes::open(path)?),
        NotesTarget::Postgres { url, password } => {
            Box::new(postgres::PgNotes::connect(url, password.as_deref())?)
        }
    })
}
