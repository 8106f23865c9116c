//! The journal table in SQLite: batched appends in one transaction with a
//! cached statement, reads by contact and by kind, pruning by age.

use rusqlite::{Connection, Transaction, params};

use crate::notes::HistoryEntry;
use crate::notes::journal::{self, Entry, Kind};

const INSERT: &str = "INSERT OR IGNORE INTO journal
    (contact, at_ms, kind, value, source, rule, peer, peer_uri, ref)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

const COLUMNS: &str = "contact, at_ms, kind, value, source, rule, peer, peer_uri, ref";

fn insert(tx: &Transaction<'_>, e: &Entry) -> rusqlite::Result<()> {
    tx.prepare_cached(INSERT)?.execute(params![
        e.contact,
        e.at_ms,
        e.kind.as_str(),
        e.value,
        e.source,
        e.rule,
        e.peer,
        e.peer_uri,
        e.reference
    ])?;
    Ok(())
}

/// The note save's own journal row (inside the save's transaction).
pub(super) fn note_saved(tx: &Transaction<'_>, h: &HistoryEntry) -> rusqlite::Result<()> {
    insert(tx, &journal::note_saved(h))
}

pub(super) fn append(conn: &mut Connection, entries: &[Entry]) -> rusqlite::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for e in entries {
        insert(&tx, e)?;
    }
    tx.commit()
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Entry>> {
    let kind: String = r.get(2)?;
    let Some(kind) = Kind::parse(&kind) else {
        return Ok(None); // a kind a newer switchboard wrote
    };
    Ok(Some(
        Entry {
            contact: r.get(0)?,
            at_ms: r.get(1)?,
            kind,
            value: r.get(3)?,
            source: r.get(4)?,
            rule: r.get(5)?,
            peer: r.get(6)?,
            peer_uri: r.get(7)?,
            reference: r.get(8)?,
        }
        .made_harmless(),
    ))
}

fn query(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, row)?;
    let mut out = Vec::new();
    for r in rows {
        out.extend(r?);
    }
    Ok(out)
}

pub(super) fn of_contact(
    conn: &Connection,
    contact: &str,
    since_ms: i64,
) -> rusqlite::Result<Vec<Entry>> {
    let before = format!(
        "SELECT {COLUMNS} FROM journal WHERE contact = ?1 AND kind = ?2 AND at_ms < ?3
         ORDER BY at_ms DESC, id DESC LIMIT 1"
    );
    let mut out = Vec::new();
    for kind in [Kind::Presence, Kind::Line] {
        out.extend(query(
            conn,
            &before,
            params![contact, kind.as_str(), since_ms],
        )?);
    }
    out.extend(query(
        conn,
        &format!(
            "SELECT {COLUMNS} FROM journal WHERE contact = ?1 AND at_ms >= ?2 ORDER BY at_ms, id"
        ),
        params![contact, since_ms],
    )?);
    out.sort_by_key(|e| e.at_ms);
    Ok(out)
}

pub(super) fn missed(conn: &Connection, since_ms: i64) -> rusqlite::Result<Vec<Entry>> {
    query(
        conn,
        &format!(
            "SELECT {COLUMNS} FROM journal WHERE kind = 'missed' AND at_ms >= ?1 ORDER BY at_ms, id"
        ),
        params![since_ms],
    )
}

pub(super) fn prune(conn: &Connection, before_ms: i64) -> rusqlite::Result<u64> {
    let n = conn.execute("DELETE FROM journal WHERE at_ms < ?1", [before_ms])?;
    Ok(n as u64)
}
