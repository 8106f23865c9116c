//! `switchboard check` and `switchboard trace` (the runs themselves are
//! in `runtime::diag_run`).

use std::process::ExitCode;
use std::time::Duration;

use switchboard::config::{Config, exit};
use switchboard::runtime::diag_run;

use super::setup::block_on;

/// `check`: exit 0 when every server is up and running, `exit::NOT_UP`
/// otherwise (also with no server configured), `exit::FAILURE` when no
/// socket could be opened.
pub fn check(cfg: Option<Config>, timeout: Duration) -> ExitCode {
    let Some(cfg) = cfg else {
        print!("{}", diag_run::check_text(&diag_run::not_configured()));
        eprintln!(
            "switchboard: no configuration: write {} or pass --config",
            switchboard::config::default_path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "a config.toml".into())
        );
        return ExitCode::from(exit::NOT_UP);
    };
    block_on(async move {
        let (driver, _target) = match super::start(Some(cfg), 0, 1.0).await? {
            Ok(started) => started,
            Err(code) => return Ok(code),
        };
        let result = diag_run::check(driver, timeout).await;
        print!("{}", diag_run::check_text(&result));
        Ok(ExitCode::from(if result.all_up() {
            exit::OK
        } else {
            exit::NOT_UP
        }))
    })
}

/// `trace`: the engine as `watch` runs it, its traffic on stdout.
pub fn trace(cfg: Option<Config>, full: bool, seed: u64, speed: f64) -> ExitCode {
    block_on(async move {
        let (driver, target) = match super::start(cfg, seed, speed).await? {
            Ok(started) => started,
            Err(code) => return Ok(code),
        };
        let mut stdout = std::io::stdout();
        diag_run::trace(driver, full, &mut stdout).await?;
        if let Some(demo) = target.demo {
            demo.shutdown().await;
        }
        Ok(ExitCode::from(exit::OK))
    })
}
