//! Two handles on one fresh notes database, standing for two consoles:
//! SQLite in a temporary file, or a private PostgreSQL cluster
//! ([`super::postgres`]) kept alive as long as the handles.

use switchboard::notes::{NoteStore, NotesTarget};
use switchboard::notes_db;

use super::postgres::Postgres;

/// Two handles on one fresh database, and what keeps it alive.
pub struct TwoHandles {
    pub a: Box<dyn NoteStore>,
    pub b: Box<dyn NoteStore>,
    pub pg: Option<Postgres>,
}

/// A fresh SQLite database in its own run folder (`name`).
pub fn sqlite(name: &str) -> TwoHandles {
    let path = super::proc::run_dir(name).join("notes.sqlite");
    let target = NotesTarget::Sqlite(path);
    TwoHandles {
        a: notes_db::open(&target).expect("open a"),
        b: notes_db::open(&target).expect("open b"),
        pg: None,
    }
}

/// A fresh PostgreSQL cluster of its own.
pub fn postgres() -> TwoHandles {
    let pg = Postgres::start();
    let target = NotesTarget::Postgres {
        url: pg.url(),
        password: None,
    };
    TwoHandles {
        a: notes_db::open(&target).expect("open a"),
        b: notes_db::open(&target).expect("open b"),
        pg: Some(pg),
    }
}
