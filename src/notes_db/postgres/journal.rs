//! The journal table on PostgreSQL: a batch is one multi-row `INSERT` per
//! up to [`ROWS_PER_INSERT`] entries inside one transaction (one round trip
//! per chunk, not per entry), reads by contact and by kind, pruning by age.

use postgres::types::ToSql;
use postgres::{Client, GenericClient, Row, Transaction};

use crate::notes::HistoryEntry;
use crate::notes::journal::{self, Entry, Kind};

const COLUMNS: &str = "contact, at_ms, kind, value, source, rule, peer, peer_uri, ref";
/// 9 parameters a row: well under PostgreSQL's 65,535 per statement.
const ROWS_PER_INSERT: usize = 500;

fn insert<C: GenericClient>(c: &mut C, entries: &[Entry]) -> Result<(), postgres::Error> {
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let mut sql = format!("INSERT INTO switchboard_journal ({COLUMNS}) VALUES ");
        let mut args: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * 9);
        let kinds: Vec<&str> = chunk.iter().map(|e| e.kind.as_str()).collect();
        for (i, e) in chunk.iter().enumerate() {
            let b = i * 9;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9
            ));
            args.extend([
                &e.contact as &(dyn ToSql + Sync),
                &e.at_ms,
                &kinds[i],
                &e.value,
                &e.source,
                &e.rule,
                &e.peer,
                &e.peer_uri,
                &e.reference,
            ]);
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        c.execute(sql.as_str(), &args)?;
    }
    Ok(())
}

/// The note save's own journal row (inside the save's transaction).
pub(super) fn note_saved(
    tx: &mut Transaction<'_>,
    h: &HistoryEntry,
) -> Result<(), postgres::Error> {
    insert(tx, &[journal::note_saved(h)])
}

pub(super) fn append(client: &mut Client, entries: &[Entry]) -> Result<(), postgres::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    insert(&mut tx, entries)?;
    tx.commit()
}

fn entry(r: &Row) -> Option<Entry> {
    let kind: String = r.get(2);
    Some(
        Entry {
            contact: r.get(0),
            at_ms: r.get(1),
            kind: Kind::parse(&kind)?,
            value: r.get(3),
            source: r.get(4),
            rule: r.get(5),
            peer: r.get(6),
            peer_uri: r.get(7),
            reference: r.get(8),
        }
        .made_harmless(),
    )
}

pub(super) fn of_contact(
    client: &mut Client,
    contact: &str,
    since_ms: i64,
) -> Result<Vec<Entry>, postgres::Error> {
    let before = format!(
        "SELECT {COLUMNS} FROM switchboard_journal
         WHERE contact = $1 AND kind = $2 AND at_ms < $3 ORDER BY at_ms DESC, id DESC LIMIT 1"
    );
    let mut out = Vec::new();
    for kind in [Kind::Presence, Kind::Line] {
        let rows = client.query(before.as_str(), &[&contact, &kind.as_str(), &since_ms])?;
        out.extend(rows.iter().filter_map(entry));
    }
    let rows = client.query(
        format!(
            "SELECT {COLUMNS} FROM switchboard_journal
             WHERE contact = $1 AND at_ms >= $2 ORDER BY at_ms, id"
        )
        .as_str(),
        &[&contact, &since_ms],
    )?;
    out.extend(rows.iter().filter_map(entry));
    out.sort_by_key(|e| e.at_ms);
    Ok(out)
}

pub(super) fn missed(client: &mut Client, since_ms: i64) -> Result<Vec<Entry>, postgres::Error> {
    let rows = client.query(
        format!(
            "SELECT {COLUMNS} FROM switchboard_journal
             WHERE kind = 'missed' AND at_ms >= $1 ORDER BY at_ms, id"
        )
        .as_str(),
        &[&since_ms],
    )?;
    Ok(rows.iter().filter_map(entry).collect())
}

pub(super) fn prune(client: &mut Client, before_ms: i64) -> Result<u64, postgres::Error> {
    client.execute(
        "DELETE FROM switchboard_journal WHERE at_ms < $1",
        &[&before_ms],
    )
}
