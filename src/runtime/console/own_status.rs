//! The console's own status at start and at exit (FreePBX's on-login and
//! on-logout): `[status] on_start` / `on_exit`, through the keeper.

use std::time::{Duration, Instant};

use super::ConsoleOptions;
use crate::app::Model;
use crate::app::own_status::OwnStatusState;
use crate::config::OnExit;
use crate::runtime::publisher::Request;
use crate::runtime::publisher::link::summary;

/// How long the start and exit requests may take.
const DEADLINE: Duration = Duration::from_secs(3);

/// Enable the picker and the idle timer; apply `on_start`, or show what a
/// running keeper already publishes.
pub async fn start(model: &mut Model, opts: &ConsoleOptions) {
    let Some(link) = &opts.status else {
        return;
    };
    let cfg = &opts.status_config;
    model.own = OwnStatusState::new(cfg.profiles.clone(), cfg.idle_after, Instant::now());
    if opts.read_only {
        model.own.idle = None; // a monitoring console publishes nothing
    }
    let (req, start) = match cfg.on_start.filter(|_| !opts.read_only) {
        Some(state) => (
            Request::Set {
                state: state.as_str().into(),
                availability: None,
                note: None,
                until: None,
                by: "console (on start)".into(),
            },
            true,
        ),
        None => (Request::Show, false),
    };
    match tokio::time::timeout(DEADLINE, link.ask(req, start)).await {
        Ok(Ok(reply)) if reply.published.is_some() => model.own.line = Some(summary(&reply)),
        Ok(Ok(_)) => {}
        Ok(Err(e)) if start => model.own.error = Some(e),
        Ok(Err(_)) => {}
        Err(_) => tracing::warn!("status keeper: no answer at start within {DEADLINE:?}"),
    }
}

/// Apply `on_exit`; end Inactive if the console made it.
pub async fn exit(model: &Model, opts: &ConsoleOptions) {
    let Some(link) = &opts.status else {
        return;
    };
    if opts.read_only {
        return;
    }
    let req = match &opts.status_config.on_exit {
        OnExit::Leave if model.own.idle_on => Some(Request::Idle { idle: false }),
        OnExit::Leave => None,
        OnExit::Clear => Some(Request::Clear {
            by: "console (on exit)".into(),
        }),
        OnExit::Set(state) => Some(Request::Set {
            state: state.as_str().into(),
            availability: None,
            note: None,
            until: None,
            by: "console (on exit)".into(),
        }),
    };
    let Some(req) = req else {
        return;
    };
    if model.own.idle_on && !matches!(req, Request::Idle { .. }) {
        let _ =
            tokio::time::timeout(DEADLINE, link.ask(Request::Idle { idle: false }, false)).await;
    }
    match tokio::time::timeout(DEADLINE, link.ask(req, true)).await {
        Ok(Ok(_)) => tracing::info!("status on exit applied"),
        Ok(Err(e)) => tracing::warn!("status on exit: {e}"),
        Err(_) => tracing::warn!("status on exit: no answer within {DEADLINE:?}"),
    }
}
