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
