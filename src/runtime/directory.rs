//! Watching the directory files: when one changes (written in place,
//! replaced by an editor's rename, created, deleted), the whole directory
//! is read again once things are quiet and handed to the console as one
//! [`Msg::Directory`]; the model works out what was added, removed and
//! changed.
//!
//! The watcher is the `notify` crate (inotify on Linux): the kernel wakes
//! us only when a watched folder changes, so an idle console uses no CPU
//! for this. The folders are watched, not the files, so a file replaced by
//! a rename (what most editors and export jobs do) or created later is
//! still seen. Bursts are debounced ([`QUIET`]); a reload that reads the
//! same as the last one is not sent.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::app::Msg;
use crate::directory::{self, Loaded, Sources};
use crate::presence::ContactInfo;

/// How long the files must stay unchanged before they are read (an export
/// job writing a big CSV in pieces is read once, when done).
pub const QUIET: Duration = Duration::from_millis(250);

/// What the console needs to keep its directory current.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFeed {
    /// The `[[contact]]` entries (merged first: they win).
    pub contacts: Vec<ContactInfo>,
    pub sources: Sources,
    /// The first load (done before the engine started).
    pub initial: Loaded,
    /// What read it (each file's last good contents).
    pub reader: directory::Reader,
}

impl DirectoryFeed {
    /// The first load of `sources` after `contacts`.
    pub fn load(contacts: Vec<ContactInfo>, sources: Sources) -> DirectoryFeed {
        let mut reader = directory::Reader::default();
        let initial = reader.load(&contacts, &sources);
        DirectoryFeed {
            contacts,
            sources,
            initial,
            reader,
        }
    }
}

/// Start watching `feed`'s files; reloads arrive on the returned channel.
/// A folder that cannot be watched is logged and returned (for the message
/// line); the rest is still watched.
pub fn start(feed: &DirectoryFeed) -> (mpsc::UnboundedReceiver<Msg>, Vec<String>) {
    let (out, rx) = mpsc::unbounded_channel();
    let mut problems = Vec::new();
    if feed.sources.is_empty() {
        return (rx, problems);
    }
    let (wake_tx, wake_rx) = mpsc::unbounded_channel::<()>();
    let names: HashSet<OsString> = feed
        .sources
        .files()
        .filter_map(|p| p.file_name().map(OsString::from))
        .collect();
    let handler = move |res: notify::Result<notify::Event>| match res {
        Ok(ev)
            if ev
                .paths
                .iter()
                .any(|p| p.file_name().is_some_and(|n| names.contains(n))) =>
        {
            let _ = wake_tx.send(());
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("directory watch: {e}"),
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            problems.push(report(format!("Directory files are not watched: {e}")));
            return (rx, problems);
        }
    };
    let mut folders: Vec<PathBuf> = feed.sources.files().map(folder).collect();
    folders.sort();
    folders.dedup();
    for dir in &folders {
        if let Err(e) = watcher.watch(dir, RecursiveMode::NonRecursive) {
            problems.push(report(format!(
                "Directory folder {} is not watched: {e}",
                crate::text::harmless_line(&dir.display().to_string())
            )));
        }
    }
    tokio::spawn(reload_loop(watcher, wake_rx, out, feed.clone()));
    (rx, problems)
}

/// The folder to watch for `file` (`.` for a bare file name).
fn folder(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn report(message: String) -> String {
    tracing::warn!("{message}");
    message
}

/// Wait for a change, let it settle, read everything, send it if it
/// differs. Ends when the console stops listening.
async fn reload_loop(
    watcher: notify::RecommendedWatcher,
    mut wake: mpsc::UnboundedReceiver<()>,
    out: mpsc::UnboundedSender<Msg>,
    feed: DirectoryFeed,
) {
    let _watcher = watcher; // lives as long as the loop
    let DirectoryFeed {
        contacts,
        sources,
        initial: mut last,
        mut reader,
    } = feed;
    loop {
        // A configuration reload replaces this watcher: its receiver is
        // dropped and the loop ends.
        let woken = tokio::select! {
            w = wake.recv() => w.is_some(),
            () = out.closed() => false,
        };
        if !woken {
            break;
        }
        // Debounce: read only once nothing changed for QUIET.
        while let Ok(Some(())) = tokio::time::timeout(QUIET, wake.recv()).await {}
        let (c, s) = (contacts.clone(), sources.clone());
        let job = tokio::task::spawn_blocking(move || {
            let loaded = reader.load(&c, &s);
            (reader, loaded)
        });
        let loaded = match job.await {
            Ok((r, l)) => {
                reader = r;
                l
            }
            Err(e) => {
                tracing::warn!("directory reload failed: {e}");
                break;
            }
        };
        if loaded == last {
            continue;
        }
        last = loaded.clone();
        if out.send(Msg::Directory(loaded)).is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn next_directory(rx: &mut mpsc::UnboundedReceiver<Msg>) -> Loaded {
        let msg = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a reload within 10 s")
            .expect("the watcher is running");
        match msg {
            Msg::Directory(l) => l,
            other => panic!("not a directory reload: {other:?}"),
        }
    }

    fn names(l: &Loaded) -> Vec<&str> {
        l.entries.iter().map(|e| e.info.name.as_str()).collect()
    }

    #[tokio::test]
    async fn an_edit_and_a_rename_over_the_file_each_give_one_reload() {
        let dir = std::env::temp_dir().join(format!("switchboard-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("staff.csv");
        std::fs::write(&csv, "name,uri\nAlice,sip:alice@x.test\n").unwrap();
        let feed = DirectoryFeed::load(
            Vec::new(),
            Sources {
                csv: vec![csv.clone()],
                vcard: Vec::new(),
            },
        );
        assert_eq!(names(&feed.initial), ["Alice"]);
        let (mut rx, problems) = start(&feed);
        assert!(problems.is_empty(), "{problems:?}");

        // Written in place, in two steps: one reload, of the whole file.
        std::fs::write(&csv, "name,uri\nAlice,sip:alice@x.test\n").unwrap();
        std::fs::write(
            &csv,
            "name,uri\nAlice,sip:alice@x.test\nBob,sip:bob@x.test\n",
        )
        .unwrap();
        assert_eq!(names(&next_directory(&mut rx).await), ["Alice", "Bob"]);

        // Replaced by a rename (editors, export jobs); other files in the
        // folder do not count.
        std::fs::write(dir.join("other.txt"), "x").unwrap();
        let tmp = dir.join("staff.csv.new");
        std::fs::write(&tmp, "name,uri\nBob,sip:bob@x.test\n").unwrap();
        std::fs::rename(&tmp, &csv).unwrap();
        assert_eq!(names(&next_directory(&mut rx).await), ["Bob"]);
        assert!(
            tokio::time::timeout(QUIET * 4, rx.recv()).await.is_err(),
            "nothing more without a change"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
