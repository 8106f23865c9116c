//! `switchboard status set|profile|clear|show` and the hidden `status keep`
//! (the per-user keeper process, see `runtime::publisher`).
//!
//! Input is checked before anything is sent: a wrong state, availability or
//! until gets a message saying what was wrong and what is accepted, exit 2,
//! and nothing is published.

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use clap::Subcommand;

use switchboard::config::{Config, exit};
use switchboard::runtime::publisher::{self, Reply, Request, StatusView};
use switchboard::status::Chosen;
use switchboard::status::when::parse_until;

/// How long a freshly started keeper may take to listen.
const KEEPER_START: Duration = Duration::from_secs(5);

#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Set your status: available, chat, busy, dnd, away, xa, offline.
    Set {
        state: String,
        /// A note others see ("Customer call").
        #[arg(long)]
        note: Option<String>,
        /// break, business-trip, home-office, vacation, or your own words.
        #[arg(long)]
        availability: Option<String>,
        /// HH:MM (today), YYYY-MM-DD, YYYY-MM-DD HH:MM, or 90s, 45m, 2h, 3d.
        #[arg(long)]
        until: Option<String>,
    },
    /// Set a profile from the configuration ([[status.profile]]).
    Profile { name: String },
    /// Remove your publication (watchers see you offline).
    Clear,
    /// What the server says you are now, and who keeps it.
    Show,
    /// The keeper process itself (started by `status set`).
    #[command(hide = true)]
    Keep,
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("switchboard: {msg}");
    ExitCode::from(exit::CONFIG)
}

/// Run one `status` command with the loaded configuration.
pub fn run(cmd: StatusCommand, cfg: Option<Config>, log: Option<PathBuf>) -> ExitCode {
    let Some(cfg) = cfg else {
        return usage(
            "status needs your configuration (--config FILE, SWITCHBOARD_CONFIG, or the default path): it names your account and server; in the demo console press F5 instead",
        );
    };
    let request = match &cmd {
        StatusCommand::Set {
            state,
            note,
            availability,
            until,
        } => match set_request(
            state,
            note.as_deref(),
            availability.as_deref(),
            until.as_deref(),
        ) {
            Ok(r) => Some(r),
            Err(e) => return usage(&e),
        },
        StatusCommand::Profile { name } => match profile_request(&cfg, name) {
            Ok(r) => Some(r),
            Err(e) => return usage(&e),
        },
        StatusCommand::Clear => Some(Request::Clear { by: "cli".into() }),
        StatusCommand::Show | StatusCommand::Keep => None,
    };
    let path = publisher::socket_path(&cfg.account.uri, &cfg.server.authority());
    if matches!(cmd, StatusCommand::Keep) {
        return super::block_on_one_thread(async move { keep(&cfg, &path).await });
    }
    super::block_on(async move {
        Ok(match (cmd, request) {
            (StatusCommand::Keep, _) => keep(&cfg, &path).await?,
            (StatusCommand::Show, _) => show(&cfg, &path).await,
            (StatusCommand::Clear, Some(req)) => clear(&path, &req).await,
            (_, Some(req)) => set(&cfg, &path, &req, log.as_deref()).await,
            (_, None) => ExitCode::from(exit::OK),
        })
    })
}

fn set_request(
    state: &str,
    note: Option<&str>,
    availability: Option<&str>,
    until: Option<&str>,
) -> Result<Request, String> {
    let chosen = Chosen::parse(state)?;
    let until = match until {
        None => None,
        Some(u) => {
            let now = jiff::Zoned::now();
            Some(parse_until(u, &now).map_err(|e| e.to_string())?.as_second())
        }
    };
    if let Some(a) = availability
        && a.trim().is_empty()
    {
        return Err("--availability is empty: break, business-trip, home-office, vacation, or your own words".into());
    }
    Ok(Request::Set {
        state: chosen.as_str().into(),
        availability: availability.map(str::to_string),
        note: note.map(str::to_string),
        until,
        by: "cli".into(),
    })
}

fn profile_request(cfg: &Config, name: &str) -> Result<Request, String> {
    let profiles = &cfg.status.profiles;
    let Some(p) = profiles
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
    else {
        let known: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
        return Err(if known.is_empty() {
            format!(
                "no profile {name:?}: the configuration defines none (add [[status.profile]] tables)"
            )
        } else {
            format!(
                "no profile {name:?}: the configuration defines {}",
                known.join(", ")
            )
        });
    };
    let s = p.status_at(jiff::Timestamp::now());
    Ok(Request::Set {
        state: s.state.as_str().into(),
        availability: s.availability.map(|a| a.as_str().to_string()),
        note: s.note,
        until: s.until.map(|u| u.as_second()),
        by: format!("cli (profile {})", p.name),
    })
}

/// Start the keeper for this configuration unless one answers already.
async fn ensure_keeper(
    cfg: &Config,
    path: &std::path::Path,
    log: Option<&std::path::Path>,
) -> Result<(), String> {
    if publisher::is_running(path).await {
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find our own program: {e}"))?;
    let mut cmd = std::process::Command::new(exe);
    if let Some(p) = &cfg.path {
        cmd.arg("--config").arg(p);
    }
    if let Some(l) = log {
        cmd.arg("--log").arg(l);
    }
    cmd.args(["status", "keep"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // Its own process group: a dropped SSH link (SIGHUP to the terminal's
    // group) does not end it.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.spawn()
        .map_err(|e| format!("cannot start the status keeper: {e}"))?;
    if publisher::wait_running(path, KEEPER_START).await {
        Ok(())
    } else {
        Err(format!(
            "the status keeper did not start listening on {} within {KEEPER_START:?} (see the log)",
            path.display()
        ))
    }
}

fn line_of(v: &StatusView) -> String {
    let mut parts = vec![v.state.clone()];
    parts.extend(v.availability.clone());
    parts.extend(v.note.as_ref().map(|n| format!("{n:?}")));
    parts.extend(v.until.as_ref().map(|u| format!("until {}", local_time(u))));
    parts.join(" · ")
}

fn local_time(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

fn print_reply(r: &Reply, path: &std::path::Path) {
    if let Some(c) = &r.chosen {
        println!(
            "chosen:    {}{}",
            line_of(c),
            r.set_by
                .as_ref()
                .map(|b| format!(" (set by {b})"))
                .unwrap_or_default()
        );
    }
    if let Some(p) = &r.published {
        println!(
            "published: {} (from {})",
            line_of(p),
            p.source.as_deref().unwrap_or("chosen")
        );
    }
    println!(
        "kept by:   keeper pid {} since {}, socket {}{}",
        r.keeper_pid,
        local_time(&r.keeper_since),
        path.display(),
        r.server_expires
            .as_ref()
            .map(|e| format!(
                "; the server forgets it at {} unless refreshed",
                local_time(e)
            ))
            .unwrap_or_default()
    );
    if let Some(c) = &r.calendar {
        println!("calendar:  {c}");
    }
    if let Some(a) = &r.action_error {
        println!("action:    {a}");
    }
}

async fn set(
    cfg: &Config,
    path: &std::path::Path,
    req: &Request,
    log: Option<&std::path::Path>,
) -> ExitCode {
    if let Err(e) = ensure_keeper(cfg, path, log).await {
        eprintln!("switchboard: {e}");
        return ExitCode::from(exit::FAILURE);
    }
    match publisher::ask(path, req).await {
        Ok(r) if r.ok => {
            print_reply(&r, path);
            ExitCode::from(exit::OK)
        }
        Ok(r) => {
            eprintln!(
                "switchboard: the server did not take the status: {}",
                r.error.as_deref().unwrap_or("no reason given")
            );
            ExitCode::from(exit::SERVER)
        }
        Err(e) => {
            eprintln!(
                "switchboard: the status keeper at {} did not answer: {e}",
                path.display()
            );
            ExitCode::from(exit::FAILURE)
        }
    }
}

async fn clear(path: &std::path::Path, req: &Request) -> ExitCode {
    if !publisher::is_running(path).await {
        println!(
            "nothing to clear: no status keeper runs for this account (a status kept by a keeper that was killed lapses at its until or Expires)"
        );
        return ExitCode::from(exit::OK);
    }
    match publisher::ask(path, req).await {
        Ok(r) if r.ok => {
            println!("cleared: the publication is removed; watchers see you offline");
            ExitCode::from(exit::OK)
        }
        Ok(r) => {
            eprintln!(
                "switchboard: the server did not remove the status: {}",
                r.error.as_deref().unwrap_or("no reason given")
            );
            ExitCode::from(exit::SERVER)
        }
        Err(e) => {
            eprintln!("switchboard: the status keeper did not answer: {e}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

async fn show(cfg: &Config, path: &std::path::Path) -> ExitCode {
    match super::own_presence(cfg).await {
        Ok(line) => println!("server:    {line}"),
        Err(e) => println!("server:    cannot ask the server: {e}"),
    }
    if !publisher::is_running(path).await {
        println!("kept by:   nobody: no status keeper runs for this account");
        return ExitCode::from(exit::OK);
    }
    match publisher::ask(path, &Request::Show).await {
        Ok(r) => print_reply(&r, path),
        Err(e) => println!(
            "kept by:   the keeper at {} does not answer: {e}",
            path.display()
        ),
    }
    ExitCode::from(exit::OK)
}

async fn keep(cfg: &Config, path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let kcfg = publisher::keeper_config(cfg, switchboard::runtime::seed_from_clock())?;
    publisher::serve(kcfg, path).await?;
    Ok(ExitCode::from(exit::OK))
}
