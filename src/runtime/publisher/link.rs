//! How a console reaches the keeper: over the per-user socket (started on
//! first use), or in this process (the demo server's account).

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::keeper::Ask;
use super::protocol::{Reply, Request};
use crate::app::cmd::StatusChoice;
use crate::status::when::parse_until;

/// How long a freshly started keeper may take to listen.
const KEEPER_START: Duration = Duration::from_secs(5);

/// Where the keeper is.
#[derive(Debug, Clone)]
pub enum StatusLink {
    /// The per-user keeper process at `path`, started with `config` (and
    /// `log`) when none answers.
    Socket {
        path: PathBuf,
        config: Option<PathBuf>,
        log: Option<PathBuf>,
    },
    /// A keeper task of this process.
    InProcess(mpsc::Sender<Ask>),
}

impl StatusLink {
    /// Ask the keeper (starting it when `start` and none answers).
    pub async fn ask(&self, req: Request, start: bool) -> Result<Reply, String> {
        let reply = match self {
            StatusLink::InProcess(tx) => {
                let (rtx, rrx) = oneshot::channel();
                tx.send((req, rtx))
                    .await
                    .map_err(|_| "the status keeper stopped".to_string())?;
                tokio::time::timeout(super::REPLY_DEADLINE, rrx)
                    .await
                    .map_err(|_| "the status keeper did not answer in time".to_string())?
                    .map_err(|_| "the status keeper stopped".to_string())?
            }
            StatusLink::Socket { path, config, log } => {
                if !super::is_running(path).await {
                    if !start {
                        return Err("no status keeper runs".into());
                    }
                    spawn_keeper(config.as_deref(), log.as_deref())?;
                    if !super::wait_running(path, KEEPER_START).await {
                        return Err(format!(
                            "the status keeper did not start listening on {} (see the log)",
                            path.display()
                        ));
                    }
                }
                super::ask(path, &req)
                    .await
                    .map_err(|e| format!("the status keeper did not answer: {e}"))?
            }
        };
        match (&reply.error, reply.ok) {
            (Some(e), _) => Err(e.clone()),
            (None, false) => Err("the status keeper refused".into()),
            (None, true) => Ok(reply),
        }
    }
}

/// Start `switchboard status keep` for `config` in its own process group
/// (a dropped SSH link does not end it).
pub fn spawn_keeper(
    config: Option<&std::path::Path>,
    log: Option<&std::path::Path>,
) -> Result<(), String> {
    use std::process::Stdio;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find our own program: {e}"))?;
    let mut cmd = std::process::Command::new(exe);
    if let Some(p) = config {
        cmd.arg("--config").arg(p);
    }
    if let Some(l) = log {
        cmd.arg("--log").arg(l);
    }
    cmd.args(["status", "keep"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.spawn()
        .map(drop)
        .map_err(|e| format!("cannot start the status keeper: {e}"))
}

/// The request for a status chosen in the console (its until read now).
pub fn request_for(choice: &StatusChoice, by: &str) -> Result<Request, String> {
    let until = match &choice.until {
        None => None,
        Some(u) => Some(
            parse_until(u, &jiff::Zoned::now())
                .map_err(|e| e.to_string())?
                .as_second(),
        ),
    };
    Ok(Request::Set {
        state: choice.state.as_str().into(),
        availability: choice.availability.clone(),
        note: choice.note.clone(),
        until,
        by: match &choice.profile {
            Some(p) => format!("{by} (profile {p})"),
            None => by.to_string(),
        },
    })
}

/// The status-bar line for a reply: "Busy · Customer call · until 14:30".
pub fn summary(reply: &Reply) -> String {
    let Some(p) = &reply.published else {
        return "not published".into();
    };
    let mut parts = vec![label(&p.state)];
    parts.extend(p.note.clone());
    if let Some(u) = p
        .until
        .as_deref()
        .and_then(|u| u.parse::<jiff::Timestamp>().ok())
    {
        parts.push(format!(
            "until {}",
            crate::status::when::show(u, &jiff::Zoned::now())
        ));
    }
    if p.source.as_deref() == Some("calendar") {
        parts.push("(calendar)".into());
    }
    parts.join(" · ")
}

fn label(state: &str) -> String {
    match state {
        "available" => "Available",
        "busy" => "Busy",
        "dnd" => "Do not disturb",
        "away" => "Away",
        "inactive" => "Inactive",
        "offline" => "Offline",
        other => other,
    }
    .to_string()
}
