//! How the notes thread hears that another console changed something:
//! an inotify watch on the SQLite file's folder, or a PostgreSQL `LISTEN`
//! on a connection of its own (reconnected with a growing pause).

use std::path::Path;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use crate::notes_db::postgres::PgListener;

use super::Request;

/// The longest pause between two reconnection attempts.
const RECONNECT_MAX: Duration = Duration::from_secs(5);
/// The first pause.
const RECONNECT_MIN: Duration = Duration::from_millis(500);
/// How long a PostgreSQL listener blocks before checking its connection.
const LISTEN_WAIT: Duration = Duration::from_secs(300);

/// Watch the SQLite file's folder; each change pokes the thread.
pub(super) fn watch_file(
    path: &Path,
    own: std_mpsc::Sender<Request>,
) -> Option<notify::RecommendedWatcher> {
    use notify::{RecursiveMode, Watcher};
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // The folder must exist to be watched (opening creates it too).
    if let Err(e) = std::fs::create_dir_all(dir) {
        tracing::warn!("notes: cannot create {}: {e}", dir.display());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        let ours = ev.is_ok_and(|ev| {
            ev.kind.is_modify()
                && ev.paths.iter().any(|p| {
                    p.file_name()
                        .is_some_and(|f| f.to_string_lossy().starts_with(&name))
                })
        });
        if ours {
            let _ = own.send(Request::Changed);
        }
    });
    match watcher {
        Ok(mut w) => match w.watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => Some(w),
            Err(e) => {
                tracing::warn!("notes: cannot watch {}: {e}", dir.display());
                None
            }
        },
        Err(e) => {
            tracing::warn!("notes: no file watcher: {e}");
            None
        }
    }
}

/// The PostgreSQL listener thread: connect, wait for notifications, and
/// reconnect after a loss, telling the worker each time.
pub(super) fn listen(url: &str, password: Option<&str>, own: &std_mpsc::Sender<Request>) {
    let mut pause = RECONNECT_MIN;
    let mut was_connected = true;
    loop {
        match PgListener::connect(url, password) {
            Ok(mut l) => {
                pause = RECONNECT_MIN;
                // Anything saved before this LISTEN began was not notified
                // to us: read the rows again now that nothing can be missed.
                let hello = if was_connected {
                    Request::Changed
                } else {
                    Request::Back
                };
                if own.send(hello).is_err() {
                    return;
                }
                loop {
                    match l.wait(LISTEN_WAIT) {
                        Ok(changed) if changed.is_empty() => {}
                        Ok(_) => {
                            if own.send(Request::Changed).is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            if own.send(Request::Lost(e.to_string())).is_err() {
                                return;
                            }
                            was_connected = false;
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                if was_connected && own.send(Request::Lost(e.to_string())).is_err() {
                    return;
                }
                was_connected = false;
                std::thread::sleep(pause);
                pause = (pause * 2).min(RECONNECT_MAX);
            }
        }
    }
}
