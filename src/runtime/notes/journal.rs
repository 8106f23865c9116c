//! The notes thread's journal work: entries arrive on the thread's channel
//! (one send per change on the console side: the ingest path never waits
//! for the database), wait in a [`Batch`](crate::notes::journal::Batch) and
//! are written in one transaction when [`FLUSH_AT`](journal::FLUSH_AT) are waiting or the
//! oldest has waited [`FLUSH_AFTER_MS`](journal::FLUSH_AFTER_MS); entries older than the retention
//! are pruned after a write, at most once an hour. While the database is
//! away, entries wait (at most [`OFFLINE_CAP`]; past it the newest are
//! dropped and the log says how many).

use std::time::{Duration, Instant};

use super::{Worker, now_ms};
use crate::app::notes::NotesEvent;
use crate::notes::NotesError;
use crate::notes::journal::{self, Entry};

/// Entries kept while the database is away.
const OFFLINE_CAP: usize = 200_000;

impl Worker {
    /// Entries from the console.
    pub(super) fn journal(&mut self, entries: Vec<Entry>) {
        if self.batch.push(entries, now_ms()) {
            self.flush_journal();
        }
    }

    /// When the batch must be written (`None`: nothing waits).
    pub(super) fn journal_due(&self) -> Option<Instant> {
        let due = self.batch.due_ms()?;
        let wait = u64::try_from((due - now_ms()).max(0)).unwrap_or(0);
        Some(Instant::now() + Duration::from_millis(wait))
    }

    /// A timed wake-up: write the batch if its time has come.
    pub(super) fn flush_due_journal(&mut self) {
        if self.batch.due_ms().is_some_and(|d| d <= now_ms()) {
            self.flush_journal();
        }
    }

    /// Write what waits, then prune when due.
    pub(super) fn flush_journal(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let now = now_ms();
        let Some(db) = self.db.as_mut() else {
            let waiting = self.batch.take();
            self.keep_for_later(waiting, now);
            return;
        };
        let entries = self.batch.take();
        match db.journal_append(&entries) {
            Ok(()) => self.prune(now),
            Err(e @ NotesError::Offline { .. }) => {
                tracing::warn!("journal: {e}; entries kept until the database is back");
                self.db = None;
                self.offline(e.to_string());
                self.keep_for_later(entries, now);
            }
            Err(e) => tracing::warn!("journal: {} entries not written: {e}", entries.len()),
        }
    }

    fn keep_for_later(&mut self, entries: Vec<Entry>, now: i64) {
        let dropped = self.batch.restore(entries, now, OFFLINE_CAP);
        if dropped > 0 {
            tracing::warn!("journal: the database is away; {dropped} entries dropped");
        }
    }

    fn prune(&mut self, now: i64) {
        if !self.retention.due(now) {
            return;
        }
        let Some(db) = self.db.as_mut() else { return };
        match db.journal_prune(self.retention.cutoff(now)) {
            Ok(n) => {
                self.retention.pruned(now);
                if n > 0 {
                    tracing::info!(
                        "journal: {n} entries older than {} days pruned",
                        self.retention.days
                    );
                }
            }
            Err(e) => tracing::warn!("journal: pruning failed: {e}"),
        }
    }

    /// One contact's journal, for F8 and the details panel. What still
    /// waits in the batch is written first, so it is part of the answer.
    pub(super) fn load_journal(&mut self, contact: String, since_ms: i64) {
        self.flush_journal();
        let Some(db) = self.db.as_mut() else {
            self.offline("the notes database is unreachable".into());
            return;
        };
        match db.journal(&contact, since_ms) {
            Ok(entries) => self.send(NotesEvent::Journal {
                contact,
                since_ms,
                entries,
            }),
            Err(e) => self.failed_read(e),
        }
    }

    /// Today's missed calls (when the database is opened).
    pub(super) fn load_missed(&mut self) {
        let today = journal::start_of_day(now_ms(), &jiff::tz::TimeZone::system());
        let Some(db) = self.db.as_mut() else { return };
        match db.journal_missed(today) {
            Ok(entries) => self.send(NotesEvent::Missed { entries }),
            Err(e) => self.failed_read(e),
        }
    }
}
