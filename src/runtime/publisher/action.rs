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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::auto::Published;
    use crate::status::{Chosen, OwnStatus};

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("sb-action-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }

    #[tokio::test]
    async fn the_command_gets_old_and_new_state_note_and_until() {
        let d = dir("env");
        let out = d.join("env.txt");
        let old = Published::chosen(&OwnStatus::plain(Chosen::Available));
        let new = Published::chosen(&OwnStatus {
            state: Chosen::Dnd,
            availability: None,
            note: Some("Board meeting; don't $(touch x)".into()),
            until: Some("2026-12-05T13:30:00Z".parse().expect("ts")),
        });
        let env = crate::status::action::environment("sip:alice@example.test", Some(&old), &new);
        let cmd = format!(
            "cd '{}' && env | grep ^SWITCHBOARD_ | sort > env.txt",
            d.display()
        );
        run(&cmd, &env, Duration::from_secs(5)).await.expect("ran");
        let text = std::fs::read_to_string(&out).expect("written");
        for want in [
            "SWITCHBOARD_ACCOUNT=sip:alice@example.test",
            "SWITCHBOARD_OLD_STATE=available",
            "SWITCHBOARD_NEW_STATE=dnd",
            "SWITCHBOARD_NEW_NOTE=Board meeting; don't $(touch x)",
            "SWITCHBOARD_NEW_UNTIL=2026-12-05T13:30:00Z",
            "SWITCHBOARD_SOURCE=chosen",
        ] {
            assert!(
                text.lines().any(|l| l == want),
                "{want} missing in:\n{text}"
            );
        }
        assert!(!d.join("x").exists(), "the note is data, never run");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[tokio::test]
    async fn a_failure_and_a_hang_are_reported_not_fatal() {
        let e = run(
            "echo 'PBX says no' >&2; exit 3",
            &[],
            Duration::from_secs(5),
        )
        .await
        .expect_err("exit 3");
        assert!(e.contains("PBX says no") && e.contains('3'), "{e}");
        let started = std::time::Instant::now();
        let e = run("sleep 30", &[], Duration::from_millis(200))
            .await
            .expect_err("too slow");
        assert!(e.contains("longer than"), "{e}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "stopped at the limit"
        );
    }
}
