//! `switchboard notes set|show|clear|history|export|import`: the shared
//! attendant notes from the command line, on the database `[notes]` names.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde::{Deserialize, Serialize};

use switchboard::config::{Config, exit};
use switchboard::notes::date::{format_day, format_minute, parse_day};
use switchboard::notes::resolve::resolve;
use switchboard::notes::{
    self, Edit, HistoryEntry, Note, NoteStore, NotesTarget, SaveOutcome, clean_author, clean_text,
};
use switchboard::presence::ContactInfo;

#[derive(Debug, Subcommand)]
pub enum NotesCmd {
    /// Write a contact's note (replacing the current one).
    Set {
        /// URI, extension or unambiguous name.
        contact: String,
        /// The text (several lines allowed; at most 4 KB).
        text: String,
        /// Hide the note from this day on (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
    },
    /// Print a contact's note with author and time.
    Show { contact: String },
    /// Remove a contact's note (it stays in the history).
    Clear { contact: String },
    /// Every change of a contact's note: who, when, old and new text.
    History { contact: String },
    /// Every note as JSON on stdout.
    Export,
    /// Notes from an export; a note newer in the database is reported as a
    /// conflict and kept.
    Import { file: PathBuf },
}

/// The export file.
#[derive(Serialize, Deserialize)]
struct ExportFile {
    switchboard_notes: u32,
    notes: Vec<Note>,
}

/// Where the notes are and who writes: from `[notes]`, else the SQLite file
/// in the data directory and the login name.
pub fn target_and_operator(cfg: Option<&Config>) -> anyhow::Result<(NotesTarget, String)> {
    let n = cfg.map(|c| c.notes.clone()).unwrap_or_default();
    let operator = n.operator.clone().unwrap_or_else(login_name);
    let target = match (n.url, n.path) {
        (Some(url), _) => {
            let password = match (n.password, n.password_file) {
                (Some(pw), _) => Some(pw),
                (None, Some(file)) => Some(read_password(&file)?),
                (None, None) => None,
            };
            NotesTarget::Postgres { url, password }
        }
        (None, Some(path)) => NotesTarget::Sqlite(path),
        (None, None) => NotesTarget::Sqlite(default_path()?),
    };
    Ok((target, operator))
}

fn read_password(file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| {
        format!(
            "cannot read notes.password_file {} (set in the configuration)",
            file.display()
        )
    })?;
    Ok(text.lines().next().unwrap_or("").to_string())
}

fn default_path() -> anyhow::Result<PathBuf> {
    directories::ProjectDirs::from("", "", "switchboard")
        .map(|d| d.data_dir().join("notes.sqlite"))
        .context("no home directory for the notes database; set [notes] path in the configuration")
}

fn login_name() -> String {
    let name = ["SWITCHBOARD_OPERATOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "operator".into());
    clean_author(&name)
}

/// The wall clock in ms since the epoch (the CLI is an edge: it may read it).
#[expect(
    clippy::disallowed_methods,
    reason = "the CLI is the edge that reads the clock"
)]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Run one notes command.
pub fn run(cmd: NotesCmd, cfg: Option<&Config>, contacts: &[ContactInfo]) -> ExitCode {
    match run_inner(cmd, cfg, contacts) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

fn run_inner(
    cmd: NotesCmd,
    cfg: Option<&Config>,
    contacts: &[ContactInfo],
) -> anyhow::Result<ExitCode> {
    let (target, operator) = target_and_operator(cfg)?;
    let contact = match &cmd {
        NotesCmd::Set { contact, .. }
        | NotesCmd::Show { contact }
        | NotesCmd::Clear { contact }
        | NotesCmd::History { contact } => match resolve(contact, contacts) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("switchboard: {e}");
                return Ok(ExitCode::from(exit::CONFIG));
            }
        },
        _ => String::new(),
    };
    let until = match &cmd {
        NotesCmd::Set { until: Some(d), .. } => match parse_day(d) {
            Ok(ms) => Some(ms),
            Err(e) => {
                eprintln!("switchboard: --until: {e}");
                return Ok(ExitCode::from(exit::CONFIG));
            }
        },
        _ => None,
    };
    let mut db = switchboard::notes_db::open(&target)?;
    let now = now_ms();
    match cmd {
        NotesCmd::Set { text, .. } => {
            let text = clean_text(&text)?;
            write(&mut *db, &contact, text, until, &operator, now)
        }
        NotesCmd::Clear { .. } => write(&mut *db, &contact, None, None, &operator, now),
        NotesCmd::Show { .. } => {
            match db.get(&contact)?.filter(|n| n.is_current(now)) {
                Some(n) => print_note(&n, now),
                None => println!("{contact}: no note"),
            }
            Ok(ExitCode::from(exit::OK))
        }
        NotesCmd::History { .. } => {
            for h in db.history(&contact)? {
                print_history(&h);
            }
            Ok(ExitCode::from(exit::OK))
        }
        NotesCmd::Export => {
            let notes: Vec<Note> = db.all()?.into_iter().filter(|n| n.text.is_some()).collect();
            let file = ExportFile {
                switchboard_notes: 1,
                notes,
            };
            println!("{}", serde_json::to_string_pretty(&file)?);
            Ok(ExitCode::from(exit::OK))
        }
        NotesCmd::Import { file } => import(&mut *db, &file),
    }
}

fn write(
    db: &mut dyn NoteStore,
    contact: &str,
    text: Option<String>,
    expires_ms: Option<i64>,
    operator: &str,
    now: i64,
) -> anyhow::Result<ExitCode> {
    let base_version = db.get(contact)?.map_or(0, |n| n.version);
    let edit = Edit {
        contact: contact.to_string(),
        text,
        author: operator.to_string(),
        expires_ms,
        base_version,
        now_ms: now,
    };
    match db.save(&edit)? {
        SaveOutcome::Saved(n) => {
            let what = if n.text.is_some() { "saved" } else { "cleared" };
            println!("{what} the note of {contact} (version {})", n.version);
            Ok(ExitCode::from(exit::OK))
        }
        SaveOutcome::Conflict { theirs } => {
            eprintln!(
                "switchboard: {} changed the note of {contact} at this moment; nothing was written. Theirs:\n{}",
                theirs.author,
                theirs.text.as_deref().unwrap_or("(cleared)")
            );
            Ok(ExitCode::from(exit::FAILURE))
        }
    }
}

fn print_note(n: &Note, now: i64) {
    println!(
        "{}: by {}, {} ({}){}",
        n.contact,
        n.author,
        format_minute(n.written_ms),
        notes::age(now, n.written_ms),
        n.expires_ms
            .map(|e| format!(", until {}", format_day(e)))
            .unwrap_or_default()
    );
    for line in n.text.as_deref().unwrap_or("").lines() {
        println!("  {line}");
    }
}

fn print_history(h: &HistoryEntry) {
    println!(
        "v{} {} by {}: {} -> {}",
        h.version,
        format_minute(h.at_ms),
        h.author,
        quoted(h.old_text.as_deref()),
        quoted(h.new_text.as_deref())
    );
}

fn quoted(t: Option<&str>) -> String {
    t.map_or_else(|| "(none)".into(), |t| format!("{t:?}"))
}

/// Apply an export: identical notes are skipped (import is idempotent), a
/// note the database holds in a newer version is kept and reported.
fn import(db: &mut dyn NoteStore, file: &Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let data: ExportFile = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a notes export (switchboard notes export)",
            file.display()
        )
    })?;
    let (mut added, mut same, mut conflicts) = (0, 0, 0);
    for n in data.notes {
        let contact = notes::contact_key(&n.contact);
        let Some(text) = n.text.as_deref().map(clean_text).transpose()?.flatten() else {
            continue;
        };
        let stored = db.get(&contact)?;
        if let Some(s) = &stored {
            if s.text.as_deref() == Some(text.as_str()) && s.expires_ms == n.expires_ms {
                same += 1;
                continue;
            }
            if s.written_ms >= n.written_ms {
                conflicts += 1;
                eprintln!(
                    "conflict: {contact}: the database has a newer note (by {}, {}); kept. The file's (by {}, {}):\n  {}",
                    s.author,
                    format_minute(s.written_ms),
                    clean_author(&n.author),
                    format_minute(n.written_ms),
                    text.replace('\n', "\n  ")
                );
                continue;
            }
        }
        let edit = Edit {
            contact: contact.clone(),
            text: Some(text),
            author: clean_author(&n.author),
            expires_ms: n.expires_ms,
            base_version: stored.map_or(0, |s| s.version),
            now_ms: n.written_ms,
        };
        match db.save(&edit)? {
            SaveOutcome::Saved(_) => added += 1,
            SaveOutcome::Conflict { .. } => {
                conflicts += 1;
                eprintln!("conflict: {contact}: changed while importing; kept");
            }
        }
    }
    println!("imported {added}, already there {same}, conflicts {conflicts}");
    Ok(ExitCode::from(if conflicts == 0 {
        exit::OK
    } else {
        exit::FAILURE
    }))
}
