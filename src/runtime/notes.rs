//! The console's notes thread: owns the blocking database handle, saves
//! what the operator writes, and tells the console when another console
//! changed something.
//!
//! Live updates without polling:
//! - SQLite: an inotify watch (the `notify` crate) on the database's folder
//!   wakes the thread when the file or its `-wal` changes; the last history
//!   id (`SqliteNotes::change_mark`) then says whether anything was saved,
//!   and only then are the rows read again. A file event can come before the
//!   writer has published its commit in the WAL index, so the mark is read
//!   again [`RECHECK`] later (timers only after file activity). An idle
//!   console sleeps in `recv()`: no timer at all.
//! - PostgreSQL: a second connection `LISTEN`s ([`PgListener`](crate::notes_db::postgres::PgListener)) on its own
//!   thread, blocked on its socket. When the server goes away, that thread
//!   reports it, reconnects with a growing pause (0.5 s to 5 s) and says when
//!   it is back; saves made meanwhile are queued and written then (each
//!   answered with saved, conflict or failed: the operator is always told).
//!
//! The only timed wake-ups: the next expiry of a shown note, one a
//! minute while any note is shown (its age, "5 min ago", moves on), and
//! the journal's next batch write ([`journal`]).

mod journal;
mod live;

use std::sync::mpsc as std_mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;

use crate::app::Msg;
use crate::app::notes::NotesEvent;
use crate::notes::{Edit, NoteStore, NotesError, NotesTarget, SaveOutcome};
use crate::notes_db::sqlite::SqliteNotes;

/// After a file event, the change mark is read again this much later (the
/// commit may not have been visible yet).
const RECHECK: [Duration; 2] = [Duration::from_millis(40), Duration::from_millis(250)];
/// While any note is shown, the console's clock (ages: "5 min ago") is
/// advanced this often; with no note, never.
const CLOCK_TICK: Duration = Duration::from_secs(60);

enum Request {
    Save(Edit),
    /// Journal entries to write (batched, see [`journal`]).
    Journal(Vec<crate::notes::journal::Entry>),
    /// Read one contact's journal.
    LoadJournal {
        contact: String,
        since_ms: i64,
    },
    History(String),
    /// Something in the database may have changed.
    Changed,
    /// The listener lost the server.
    Lost(String),
    /// The listener is connected again.
    Back,
    Stop,
}

/// The console's end of the notes thread.
pub struct NotesHandle {
    tx: std_mpsc::Sender<Request>,
}

impl NotesHandle {
    /// Start the thread for `target`; reports go to `back`.
    pub fn start(target: NotesTarget, back: mpsc::UnboundedSender<Msg>) -> NotesHandle {
        NotesHandle::start_with(target, back, crate::notes::journal::DEFAULT_RETENTION_DAYS)
    }

    /// Start the thread, keeping journal entries `retention_days`.
    pub fn start_with(
        target: NotesTarget,
        back: mpsc::UnboundedSender<Msg>,
        retention_days: u32,
    ) -> NotesHandle {
        let (tx, rx) = std_mpsc::channel();
        let own = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("notes".into())
            .spawn(move || Worker::new(target, back, own, retention_days).run(rx));
        if let Err(e) = spawned {
            tracing::error!("cannot start the notes thread: {e}");
        }
        NotesHandle { tx }
    }

    pub fn save(&self, edit: Edit) {
        let _ = self.tx.send(Request::Save(edit));
    }

    pub fn history(&self, contact: String) {
        let _ = self.tx.send(Request::History(contact));
    }

    pub fn stop(&self) {
        let _ = self.tx.send(Request::Stop);
    }

    /// Journal `entries` (a send on a channel: the ingest path never waits
    /// for the database).
    pub fn journal(&self, entries: Vec<crate::notes::journal::Entry>) {
        let _ = self.tx.send(Request::Journal(entries));
    }

    /// Read `contact`'s journal since `since_ms` (answered with
    /// `NotesEvent::Journal`).
    pub fn load_journal(&self, contact: String, since_ms: i64) {
        let _ = self.tx.send(Request::LoadJournal { contact, since_ms });
    }
}

/// Wall-clock milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

struct Worker {
    target: NotesTarget,
    back: mpsc::UnboundedSender<Msg>,
    own: std_mpsc::Sender<Request>,
    db: Option<Box<dyn NoteStore>>,
    /// SQLite only: a second connection reading the change mark.
    sqlite: Option<SqliteNotes>,
    /// The last change mark seen (SQLite).
    mark: i64,
    /// When to read the change mark again (after file events).
    rechecks: Vec<std::time::Instant>,
    queue: Vec<Edit>,
    next_expiry: Option<i64>,
    /// Some current note exists: ages must move on.
    any_note: bool,
    /// When the next clock tick is due (only with `any_note`).
    next_clock: Option<std::time::Instant>,
    /// Keeps the inotify watch alive.
    _watcher: Option<notify::RecommendedWatcher>,
    /// Journal entries waiting to be written, and how long they are kept.
    batch: crate::notes::journal::Batch,
    retention: crate::notes::journal::Retention,
}

impl Worker {
    fn new(
        target: NotesTarget,
        back: mpsc::UnboundedSender<Msg>,
        own: std_mpsc::Sender<Request>,
        retention_days: u32,
    ) -> Worker {
        Worker {
            target,
            back,
            own,
            db: None,
            sqlite: None,
            mark: 0,
            rechecks: Vec::new(),
            queue: Vec::new(),
            next_expiry: None,
            any_note: false,
            next_clock: None,
            _watcher: None,
            batch: Default::default(),
            retention: crate::notes::journal::Retention::new(retention_days),
        }
    }

    fn send(&self, ev: NotesEvent) {
        let _ = self.back.send(Msg::Notes(ev));
    }

    fn run(mut self, rx: std_mpsc::Receiver<Request>) {
        // Watch (or listen) first, then read the rows: a save in between is
        // seen twice at worst, never missed.
        match self.target.clone() {
            NotesTarget::Sqlite(path) => self._watcher = live::watch_file(&path, self.own.clone()),
            NotesTarget::Postgres { url, password } => {
                let own = self.own.clone();
                let spawned = std::thread::Builder::new()
                    .name("notes-listen".into())
                    .spawn(move || live::listen(&url, password.as_deref(), &own));
                if let Err(e) = spawned {
                    tracing::error!("cannot start the notes listener: {e}");
                }
            }
        }
        self.open();
        loop {
            let req = match self.next_wake() {
                Some(wait) => match rx.recv_timeout(wait) {
                    Ok(r) => r,
                    Err(std_mpsc::RecvTimeoutError::Timeout) => {
                        self.on_timer();
                        continue;
                    }
                    Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
                },
                None => match rx.recv() {
                    Ok(r) => r,
                    Err(_) => break,
                },
            };
            match req {
                Request::Save(edit) => self.save(edit),
                Request::Journal(entries) => self.journal(entries),
                Request::LoadJournal { contact, since_ms } => self.load_journal(contact, since_ms),
                Request::History(contact) => self.history(contact),
                Request::Changed => self.changed(),
                Request::Lost(reason) => self.lost(reason),
                Request::Back => {
                    self.open();
                    self.flush();
                }
                Request::Stop => break,
            }
        }
        self.flush_journal();
        if !self.queue.is_empty() {
            tracing::warn!(
                "{} note(s) not saved: the notes database was offline when the console closed",
                self.queue.len()
            );
        }
    }

    /// Open (or reopen) the database and send every row.
    fn open(&mut self) {
        if self.db.is_none() {
            match crate::notes_db::open(&self.target) {
                Ok(db) => self.db = Some(db),
                Err(e) => {
                    tracing::warn!("notes: {e}");
                    self.offline(e.to_string());
                    return;
                }
            }
            if let NotesTarget::Sqlite(path) = &self.target {
                self.sqlite = SqliteNotes::open(path).ok();
                self.mark = self.current_mark();
            }
            self.send(NotesEvent::Online);
            self.load_missed();
        }
        self.reload();
    }

    fn current_mark(&self) -> i64 {
        self.sqlite
            .as_ref()
            .and_then(|s| s.change_mark().ok())
            .unwrap_or(0)
    }

    fn reload(&mut self) {
        let Some(db) = self.db.as_mut() else { return };
        match db.all() {
            Ok(notes) => {
                let now = now_ms();
                self.any_note = notes.iter().any(|n| n.is_current(now));
                self.next_clock = self
                    .any_note
                    .then(|| std::time::Instant::now() + CLOCK_TICK);
                self.next_expiry = notes
                    .iter()
                    .filter(|n| n.text.is_some())
                    .filter_map(|n| n.expires_ms)
                    .filter(|e| *e > now)
                    .min();
                self.send(NotesEvent::All { notes, now_ms: now });
            }
            Err(e) => self.failed_read(e),
        }
    }

    fn failed_read(&mut self, e: NotesError) {
        tracing::warn!("notes: {e}");
        if matches!(e, NotesError::Offline { .. }) {
            self.db = None;
            self.offline(e.to_string());
        }
    }

    fn offline(&self, reason: String) {
        self.send(NotesEvent::Offline {
            reason,
            queued: self.queue.len(),
        });
    }

    fn save(&mut self, mut edit: Edit) {
        edit.now_ms = now_ms();
        if self.db.is_none() {
            self.open();
        }
        let Some(db) = self.db.as_mut() else {
            self.queue.push(edit);
            self.offline("the notes database is unreachable".into());
            return;
        };
        match db.save(&edit) {
            Ok(SaveOutcome::Saved(note)) => {
                if note.text.is_some() && !self.any_note {
                    self.any_note = true;
                    self.next_clock = Some(std::time::Instant::now() + CLOCK_TICK);
                }
                // Our own save: not news to reload for.
                self.mark = self.mark.max(self.current_mark());
                if let Some(e) = note.expires_ms.filter(|e| *e > edit.now_ms) {
                    self.next_expiry = Some(self.next_expiry.map_or(e, |n| n.min(e)));
                }
                self.send(NotesEvent::Saved {
                    note,
                    now_ms: edit.now_ms,
                });
            }
            Ok(SaveOutcome::Conflict { theirs }) => {
                self.send(NotesEvent::Conflict { mine: edit, theirs });
            }
            Err(e @ NotesError::Offline { .. }) => {
                tracing::warn!("notes: {e}; the note is kept and saved when the database is back");
                self.db = None;
                self.queue.push(edit);
                self.offline(e.to_string());
            }
            Err(e) => self.send(NotesEvent::Failed {
                contact: edit.contact.clone(),
                reason: e.to_string(),
            }),
        }
    }

    /// Write what was typed while the database was away.
    fn flush(&mut self) {
        for edit in std::mem::take(&mut self.queue) {
            self.save(edit);
        }
    }

    fn history(&mut self, contact: String) {
        let Some(db) = self.db.as_mut() else {
            self.offline("the notes database is unreachable".into());
            return;
        };
        match db.history(&contact) {
            Ok(entries) => self.send(NotesEvent::History { contact, entries }),
            Err(e) => self.failed_read(e),
        }
    }

    /// A file event (SQLite) or a notification (PostgreSQL).
    fn changed(&mut self) {
        if self.sqlite.is_some() {
            let now = std::time::Instant::now();
            self.rechecks = RECHECK.iter().map(|d| now + *d).collect();
            self.check_mark();
        } else {
            self.reload();
        }
    }

    /// Reload when the change mark moved.
    fn check_mark(&mut self) {
        let m = self.current_mark();
        if m != self.mark {
            self.mark = m;
            self.reload();
        }
    }

    /// How long to sleep: until the next recheck or expiry (`None`: until
    /// a request comes).
    fn next_wake(&self) -> Option<Duration> {
        let now = std::time::Instant::now();
        let recheck = self
            .rechecks
            .iter()
            .chain(self.next_clock.iter())
            .copied()
            .chain(self.journal_due())
            .min()
            .map(|t| t.saturating_duration_since(now));
        let expiry = self
            .next_expiry
            .map(|at| Duration::from_millis((at - now_ms()).clamp(0, 3_600_000) as u64));
        match (recheck, expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A timed wake-up: due rechecks, then a passed expiry.
    fn on_timer(&mut self) {
        self.flush_due_journal();
        let now = std::time::Instant::now();
        let due = self.rechecks.len();
        self.rechecks.retain(|t| *t > now);
        if self.rechecks.len() != due {
            self.check_mark();
        }
        if self.next_expiry.is_some_and(|e| e <= now_ms()) {
            self.send(NotesEvent::Clock { now_ms: now_ms() });
            self.reload();
        } else if self.next_clock.is_some_and(|t| t <= now) {
            self.next_clock = Some(now + CLOCK_TICK);
            self.send(NotesEvent::Clock { now_ms: now_ms() });
        }
    }

    fn lost(&mut self, reason: String) {
        self.db = None;
        self.offline(reason);
    }
}
