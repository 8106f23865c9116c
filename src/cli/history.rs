//! `switchboard history CONTACT [--since TIME] [--json]`: one contact's day
//! from the journal (the notes database `[notes]` names): the timeline as
//! the console's F8 shows it, then every entry with its source and rule.
//!
//! CONTACT is a URI, an extension or an unambiguous name (unknown or
//! ambiguous: exit 2 with the candidates). `--since` defaults to the start
//! of today (local time).

use std::process::ExitCode;

use serde::Serialize;

use switchboard::config::{Config, exit};
use switchboard::notes::contact_key;
use switchboard::notes::journal::{self, Entry, Kind};
use switchboard::notes::resolve::resolve;
use switchboard::presence::ContactInfo;

/// The command's arguments.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// URI, extension or unambiguous name.
    pub contact: String,
    /// From when: HH:MM (today), YYYY-MM-DD, "YYYY-MM-DD HH:MM", or an age
    /// (90m, 2h, 3d). Default: the start of today.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// One JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    at: String,
    #[serde(flatten)]
    entry: &'a Entry,
}

#[derive(Serialize)]
struct JsonHistory<'a> {
    contact: &'a str,
    name: Option<&'a str>,
    since: String,
    missed: usize,
    timeline: Vec<String>,
    entries: Vec<JsonEntry<'a>>,
}

/// Run it.
pub fn run(args: HistoryArgs, cfg: Option<&Config>, contacts: &[ContactInfo]) -> ExitCode {
    match run_inner(args, cfg, contacts) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

fn run_inner(
    args: HistoryArgs,
    cfg: Option<&Config>,
    contacts: &[ContactInfo],
) -> anyhow::Result<ExitCode> {
    let key = match resolve(&args.contact, contacts) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("switchboard: {e}");
            return Ok(ExitCode::from(exit::CONFIG));
        }
    };
    let tz = jiff::tz::TimeZone::system();
    let now = super::notes::now_ms();
    let since = match args.since.as_deref() {
        None => journal::start_of_day(now, &tz),
        Some(s) => match journal::parse_since(s, now, &tz) {
            Ok(ms) => ms,
            Err(e) => {
                eprintln!("switchboard: {e}");
                return Ok(ExitCode::from(exit::CONFIG));
            }
        },
    };
    let (target, _) = super::notes::target_and_operator(cfg)?;
    let mut db = switchboard::notes_db::open(&target)?;
    let entries = db.journal(&key, since)?;
    let name = contacts
        .iter()
        .find(|c| contact_key(&c.uri) == key)
        .map(|c| c.name.as_str());
    let items = journal::timeline(&entries);
    let missed = entries.iter().filter(|e| e.kind == Kind::Missed).count();
    if args.json {
        let doc = JsonHistory {
            contact: &key,
            name,
            since: rfc3339(since),
            missed,
            timeline: items
                .iter()
                .map(|i| journal::describe(i, now, &tz))
                .collect(),
            entries: entries
                .iter()
                .map(|entry| JsonEntry {
                    at: rfc3339(entry.at_ms),
                    entry,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&doc)?;
        text.push('\n');
        return print(&text);
    }
    let who = name.map_or_else(|| key.clone(), |n| format!("{n} <{key}>"));
    let mut out = format!("{who} since {}\n", journal::clock(since, now, &tz));
    if entries.is_empty() {
        out.push_str("nothing journalled since then\n");
        return print(&out);
    }
    let summary = journal::summary(&items, now, &tz);
    if summary.is_empty() {
        out.push_str("nothing noteworthy (available, ready)\n");
    } else {
        out.push_str(&summary);
        out.push('\n');
    }
    out.push_str(&format!("{missed} missed call(s)\n\n"));
    for e in &entries {
        out.push_str(&format!(
            "{}  {:<8} {}",
            journal::clock(e.at_ms, now, &tz),
            e.kind.as_str(),
            e.value
        ));
        if let Some(p) = &e.peer {
            let incoming = e.kind == Kind::Missed || e.value == "ringing";
            let word = if incoming { "from" } else { "with" };
            out.push_str(&format!(" ({word} {p})"));
        }
        out.push_str(&format!("  [{}: {}]\n", e.source, e.rule));
    }
    print(&out)
}

/// Write to stdout; a reader that went away (`| head`) is no error.
fn print(text: &str) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::from(exit::OK)),
    }
}
