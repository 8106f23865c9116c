//! The one way the console loop changes the model: every [`Msg`] — a key,
//! an engine event, a timer, a finished frame, the shutdown notice — goes
//! through [`Dispatch::send`], which calls `update` and runs every [`Cmd`]
//! it returns. The loop reads the model (`dirty`, `quit`, deadlines) but
//! never writes it.
//!
//! Favourites are saved through a latest-wins slot ([`SaveSlot`]): one
//! writer task takes the newest contents; contents queued while a write is
//! under way replace each other, so quick toggles never race on the
//! temporary file and the file always ends with the last state.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::app::notes::NotesEvent;
use crate::app::{Cmd, Model, Msg};
use crate::runtime::sip_driver::{Command, CommandSender};

/// The update function the loop uses (tests wrap `app::update` to observe
/// what the loop does with the returned commands).
pub(crate) type UpdateFn = fn(&mut Model, Msg) -> Vec<Cmd>;

/// Runs messages through `update` and the returned commands.
pub(crate) struct Dispatch {
    update: UpdateFn,
    saves: SaveSlot,
    /// The SIP driver's command channel (directory changes).
    engine: Option<CommandSender>,
    /// The attendant notes thread (`None`: notes are off).
    notes: Option<crate::runtime::notes::NotesHandle>,
    /// Where our own status goes (None: nowhere; the picker says so).
    status: Option<crate::runtime::publisher::StatusLink>,
    /// Asks the configuration reloader to read the file again (`None`:
    /// no file, e.g. the demo).
    reload: Option<mpsc::UnboundedSender<()>>,
    back: mpsc::UnboundedSender<Msg>,
}

impl Dispatch {
    /// `back` receives the messages commands report later
    /// (e.g. [`Msg::SaveFailed`]).
    pub(crate) fn new(update: UpdateFn, back: mpsc::UnboundedSender<Msg>) -> Dispatch {
        Dispatch {
            update,
            saves: SaveSlot::start(back.clone()),
            engine: None,
            notes: None,
            status: None,
            reload: None,
            back,
        }
    }

    /// Directory changes go to this driver.
    pub(crate) fn with_engine(mut self, engine: Option<CommandSender>) -> Dispatch {
        self.engine = engine;
        self
    }

    /// Start the notes thread on `target` (reports come back as
    /// `Msg::Notes`), keeping journal entries `retention_days` (`None`:
    /// the default).
    pub(crate) fn with_notes(
        mut self,
        target: Option<crate::notes::NotesTarget>,
        retention_days: Option<u32>,
    ) -> Dispatch {
        let days = retention_days.unwrap_or(crate::notes::journal::DEFAULT_RETENTION_DAYS);
        self.notes = target
            .map(|t| crate::runtime::notes::NotesHandle::start_with(t, self.back.clone(), days));
        self
    }

    /// Own-status commands go to `link`.
    pub(crate) fn with_status(
        mut self,
        link: Option<crate::runtime::publisher::StatusLink>,
    ) -> Self {
        self.status = link;
        self
    }

    /// Ctrl-R goes to this reloader (`runtime::reload`).
    pub(crate) fn with_reload(mut self, reload: Option<mpsc::UnboundedSender<()>>) -> Self {
        self.reload = reload;
        self
    }

    /// Apply one message and run what it asks for.
    pub(crate) fn send(&self, model: &mut Model, msg: Msg) {
        for cmd in (self.update)(model, msg) {
            self.run(cmd);
        }
    }

    fn run(&self, cmd: Cmd) {
        match cmd {
            // The loop ends when it sees `model.quit`; nothing else to do.
            Cmd::Quit => {}
            Cmd::SaveFavourites { path, contents } => self.saves.put(Save { path, contents }),
            Cmd::Resubscribe {
                subscribe,
                unsubscribe,
            } => {
                let sent = self.engine.as_ref().map(|e| {
                    e.send(Command::Resubscribe {
                        subscribe,
                        unsubscribe,
                    })
                });
                if !matches!(sent, Some(Ok(()))) {
                    tracing::warn!("directory change not sent: the SIP driver is gone");
                }
            }
            Cmd::SaveNote(edit) => match &self.notes {
                Some(n) => n.save(edit),
                None => {
                    let _ = self.back.send(Msg::Notes(NotesEvent::Failed {
                        contact: edit.contact,
                        reason: "no notes database".into(),
                    }));
                }
            },
            Cmd::LoadNoteHistory { contact } => {
                if let Some(n) = &self.notes {
                    n.history(contact);
                }
            }
            Cmd::Journal(entries) => {
                if let Some(n) = &self.notes {
                    n.journal(entries);
                }
            }
            Cmd::LoadJournal { contact, since_ms } => {
                if let Some(n) = &self.notes {
                    n.load_journal(contact, since_ms);
                }
            }
            Cmd::SetStatus(choice) => {
                let req = crate::runtime::publisher::link::request_for(&choice, "console");
                self.ask_keeper(req, true);
            }
            // Idleness matters only to a keeper that runs (one that keeps a
            // chosen status); never worth starting one or an error line.
            Cmd::StatusIdle(idle) => {
                self.ask_keeper(Ok(crate::runtime::publisher::Request::Idle { idle }), false)
            }
            Cmd::Resync { contact, event } => {
                let sent = self
                    .engine
                    .as_ref()
                    .map(|e| e.send(Command::Resync { contact, event }));
                if !matches!(sent, Some(Ok(()))) {
                    tracing::warn!("re-sync not sent: the SIP driver is gone");
                }
            }
            Cmd::ReloadConfig => {
                let asked = self.reload.as_ref().is_some_and(|r| r.send(()).is_ok());
                if !asked {
                    let why = "there is no configuration file to reload".to_string();
                    let _ = self.back.send(Msg::ConfigReloaded(Box::new(Err(why))));
                }
            }
            // The diagnostics view. With one driver every server index is
            // its own; several drivers (one per server) route by index.
            Cmd::Diagnose => self.to_engine(Command::Diagnose),
            Cmd::ResubscribeContacts(contacts) => {
                self.to_engine(Command::ResubscribeContacts(contacts))
            }
            Cmd::ResubscribeServer(server) => match crate::store::ServerId::try_from(server) {
                Ok(id) => self.to_engine(Command::ToServer(id, Box::new(Command::ResubscribeAll))),
                Err(_) => tracing::warn!(server, "no such server to resubscribe"),
            },
            Cmd::TestSubscribe { uri, event } => {
                self.to_engine(Command::TestSubscribe { uri, event })
            }
        }
    }

    /// A command for the SIP driver (dropped, logged, when there is none).
    fn to_engine(&self, command: Command) {
        let sent = self.engine.as_ref().map(|e| e.send(command));
        if !matches!(sent, Some(Ok(()))) {
            tracing::debug!("diagnostics command not sent: no SIP driver");
        }
    }

    /// Send `req` to the keeper in a task; its answer comes back as
    /// [`Msg::OwnStatus`].
    /// `chosen`: the person asked (start a keeper if needed, report a
    /// failure); otherwise quietly, to a running keeper only.
    fn ask_keeper(&self, req: Result<crate::runtime::publisher::Request, String>, chosen: bool) {
        let back = self.back.clone();
        let Some(link) = self.status.clone() else {
            if chosen {
                let _ = back.send(Msg::OwnStatus(Err(
                    "no status keeper for this console".into()
                )));
            }
            return;
        };
        tokio::spawn(async move {
            let result = match req {
                Err(e) => Err(e),
                Ok(req) => link
                    .ask(req, chosen)
                    .await
                    .map(|r| crate::runtime::publisher::link::summary(&r)),
            };
            match result {
                Err(e) if !chosen => tracing::debug!("status keeper (idle): {e}"),
                // Nothing published (no chosen status): the line stays.
                Ok(line) if !chosen && line == "not published" => {}
                result => {
                    let _ = back.send(Msg::OwnStatus(result));
                }
            }
        });
    }

    /// Wait (at most `deadline`) until the newest pending save is written.
    pub(crate) async fn finish(self, deadline: Duration) {
        if let Some(n) = &self.notes {
            n.stop();
        }
        self.saves.finish(deadline).await;
    }
}

/// One write of the favourites file.
#[derive(Debug, Clone)]
struct Save {
    path: PathBuf,
    contents: String,
}

/// How a save reaches the disk ([`write_atomically`]; tests observe it).
type WriteFn = Arc<dyn Fn(&Path, &str) -> std::io::Result<()> + Send + Sync>;

/// A latest-wins slot with one writer task behind it.
struct SaveSlot {
    slot: watch::Sender<Option<Save>>,
    writer: JoinHandle<()>,
}

impl SaveSlot {
    fn start(back: mpsc::UnboundedSender<Msg>) -> SaveSlot {
        SaveSlot::start_with(back, Arc::new(write_atomically))
    }

    fn start_with(back: mpsc::UnboundedSender<Msg>, write: WriteFn) -> SaveSlot {
        let (slot, rx) = watch::channel(None);
        let writer = tokio::spawn(write_saves(rx, back, write));
        SaveSlot { slot, writer }
    }

    /// Replace whatever is pending with `save`.
    fn put(&self, save: Save) {
        self.slot.send_replace(Some(save));
    }

    async fn finish(self, deadline: Duration) {
        let SaveSlot { slot, writer } = self;
        // Closing the slot lets the writer take the last value, then stop.
        drop(slot);
        if tokio::time::timeout(deadline, writer).await.is_err() {
            tracing::warn!("favourites not written within {deadline:?}");
        }
    }
}

/// The one writer: always the newest contents, one write at a time.
async fn write_saves(
    mut rx: watch::Receiver<Option<Save>>,
    back: mpsc::UnboundedSender<Msg>,
    write: WriteFn,
) {
    while rx.changed().await.is_ok() {
        let Some(save) = rx.borrow_and_update().clone() else {
            continue;
        };
        let Save { path, contents } = save;
        let write = Arc::clone(&write);
        let written = tokio::task::spawn_blocking(move || match write(&path, &contents) {
            Ok(()) => Ok(()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        })
        .await;
        let failure = match written {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(e) => Some(format!("the writer stopped: {e}")),
        };
        if let Some(e) = failure {
            tracing::warn!("cannot save favourites: {e}");
            let _ = back.send(Msg::SaveFailed(e));
        }
    }
}

/// Write a file atomically (temporary file, then rename). Only the one
/// writer task calls it, so the one temporary name is never shared.
fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn saves_queued_during_a_write_collapse_into_the_newest() {
        let (entered_tx, entered) = std::sync::mpsc::channel::<()>();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let held = Mutex::new(held);
        let entered_tx = Mutex::new(entered_tx);
        let written = Arc::new(Mutex::new(Vec::<String>::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most_in_flight = Arc::new(AtomicUsize::new(0));
        let write: WriteFn = {
            let (written, in_flight, most) = (
                Arc::clone(&written),
                Arc::clone(&in_flight),
                Arc::clone(&most_in_flight),
            );
            Arc::new(move |_: &Path, contents: &str| {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let _ = entered_tx.lock().unwrap().send(());
                // The first write is held until the test has queued nine more.
                let _ = held.lock().unwrap().recv();
                written.lock().unwrap().push(contents.to_string());
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            })
        };
        let (back, mut failures) = mpsc::unbounded_channel();
        let slot = SaveSlot::start_with(back, write);
        let save = |i: usize| Save {
            path: PathBuf::from("favourites.toml"),
            contents: format!("state {i}"),
        };
        slot.put(save(0));
        tokio::task::spawn_blocking(move || entered.recv_timeout(Duration::from_secs(5)))
            .await
            .unwrap()
            .expect("the first write started");
        for i in 1..10 {
            slot.put(save(i));
        }
        drop(release); // let every write through
        slot.finish(Duration::from_secs(5)).await;
        assert_eq!(
            *written.lock().unwrap(),
            ["state 0", "state 9"],
            "the newest contents replaced the pending ones"
        );
        assert_eq!(most_in_flight.load(Ordering::SeqCst), 1, "one writer");
        assert!(failures.try_recv().is_err(), "no failure reported");
    }
}
