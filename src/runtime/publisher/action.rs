//! Running the per-state command: `sh -c`, the environment of
//! [`crate::status::action`], a time limit; a failure is logged and
//! returned (shown by `status show` and the console), never fatal.

use std::process::Stdio;
use std::time::Duration;

/// Run `cmd` with `env`; `Err`: what went wrong, in one line.
pub async fn run(cmd: &str, env: &[(String, String)], limit: Duration) -> Result<(), String> {
    let mut command = tokio::process::Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command
        .spawn()
        .map_err(|e| format!("status action {cmd:?} cannot start: {e}"))?;
    let result = match tokio::time::timeout(limit, child.wait_with_output()).await {
        Err(_) => Err(format!(
            "status action {cmd:?} took longer than {limit:?} and was stopped"
        )),
        Ok(Err(e)) => Err(format!("status action {cmd:?}: {e}")),
        Ok(Ok(out)) if out.status.success() => Ok(()),
        Ok(Ok(out)) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().last().unwrap_or("").trim();
            Err(format!(
                "status action {cmd:?} failed ({}){}{}",
                out.status,
                if last.is_empty() { "" } else { ": " },
                crate::text::line(last, 120)
            ))
        }
    };
    match &result {
        Ok(()) => tracing::info!(%cmd, "status action ran"),
        Err(e) => tracing::warn!("{e}"),
    }
    result
}
