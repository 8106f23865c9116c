//! Several servers in the console: the status bar's connection is the
//! worst of the servers' (a lost server is said, named, even while the
//! others are fine); with one server it is that server's, as before.

use crate::app::model::Model;
use crate::sip::events::ConnectionState;
use crate::store::ServerId;

/// How bad a connection state is (worst last).
fn badness(s: &ConnectionState) -> u8 {
    match s {
        ConnectionState::Connected => 0,
        ConnectionState::Connecting => 1,
        ConnectionState::Unreachable(_) => 2,
        ConnectionState::AuthFailed(_) => 3,
    }
}

/// Server `server`'s connection changed: what the status bar shows now.
pub(crate) fn connection(
    model: &mut Model,
    server: ServerId,
    state: &ConnectionState,
) -> ConnectionState {
    if !model.store.several_servers() {
        return state.clone();
    }
    match model
        .server_connections
        .iter_mut()
        .find(|(id, _)| *id == server)
    {
        Some((_, s)) => *s = state.clone(),
        None => model.server_connections.push((server, state.clone())),
    }
    let Some((id, worst)) = model
        .server_connections
        .iter()
        .filter(|(id, _)| model.store.server_name(*id).is_some())
        .max_by_key(|(_, s)| badness(s))
    else {
        return state.clone();
    };
    let name = model.store.server_name(*id).unwrap_or("?");
    match worst {
        ConnectionState::Unreachable(why) => ConnectionState::Unreachable(format!("{name}: {why}")),
        ConnectionState::AuthFailed(why) => ConnectionState::AuthFailed(format!("{name}: {why}")),
        other => other.clone(),
    }
}

/// What a configuration reload found (the runtime read and checked the
/// file; see `runtime::reload`).
#[derive(Debug, Clone)]
pub struct Reloaded {
    /// The servers now (`(id, name)`) and the preferred one.
    pub servers: Vec<(ServerId, String)>,
    pub preferred: Option<ServerId>,
    /// Names of the servers started, restarted (changed) and stopped.
    pub started: Vec<String>,
    pub restarted: Vec<String>,
    pub stopped: Vec<String>,
    /// The whole directory as the new configuration makes it.
    pub directory: crate::directory::Loaded,
}

/// The ids of the servers a reload restarted (their old subscriptions
/// are ended: what they said turns stale until the new ones answer).
pub fn restarted_ids(r: &Reloaded) -> Vec<ServerId> {
    r.servers
        .iter()
        .filter(|(_, name)| r.restarted.contains(name))
        .map(|(id, _)| *id)
        .collect()
}

/// Ctrl-R: ask the runtime to read the configuration again.
pub(crate) fn reload_asked(model: &mut Model) -> Vec<crate::app::Cmd> {
    model.message = Some("Reloading the configuration…".into());
    model.dirty = true;
    vec![crate::app::Cmd::ReloadConfig]
}

/// The reload's answer: the servers and the directory follow the new
/// configuration (the runtime already started, restarted and stopped the
/// servers' engines); or the running configuration stays, and the
/// message line says why (file, line and key).
pub(crate) fn on_reloaded(
    model: &mut Model,
    result: Result<Reloaded, String>,
) -> Vec<crate::app::Cmd> {
    model.dirty = true;
    let r = match result {
        Ok(r) => r,
        Err(why) => {
            model.message = Some(format!(
                "Configuration not reloaded (the running one is kept): {why}"
            ));
            return Vec::new();
        }
    };
    let mut changed = model.store.set_servers(&r.servers, r.preferred);
    if let Some(now) = model.now {
        for id in restarted_ids(&r) {
            changed.extend(model.store.mark_server_stale(id, now));
        }
        for id in changed {
            model.refresh_contact(id, now);
        }
    }
    let store = &model.store;
    model
        .server_connections
        .retain(|(id, _)| store.server_name(*id).is_some());
    let cmds = crate::app::directory::on_directory(model, r.directory);
    let (added, removed) = cmds
        .iter()
        .find_map(|c| match c {
            crate::app::Cmd::Resubscribe {
                subscribe,
                unsubscribe,
            } => Some((subscribe.len(), unsubscribe.len())),
            _ => None,
        })
        .unwrap_or((0, 0));
    let mut parts = vec![format!("{added} contacts added, {removed} removed")];
    for (what, names) in [
        ("servers started", &r.started),
        ("reconnected", &r.restarted),
        ("stopped", &r.stopped),
    ] {
        if !names.is_empty() {
            parts.push(format!("{what}: {}", names.join(", ")));
        }
    }
    // A directory problem (a bad row) said by `on_directory` stays first.
    let summary = format!("Configuration reloaded: {}", parts.join("; "));
    model.message = Some(match model.message.take() {
        Some(m) if m.starts_with("Directory:") => format!("{summary} · {m}"),
        _ => summary,
    });
    cmds
}

#[cfg(test)]
mod tests;
