//! Ctrl-R and a reload's answer; the status bar's connection with several
//! servers.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Reloaded;
use crate::app::{Cmd, Model, Msg, Settings, sample, update};
use crate::directory::{Entry, Loaded};
use crate::presence::{ContactInfo, Presence};
use crate::sip::events::{ConnectionState, EngineEvent};

fn office() -> Model {
    let mut m = Model::new(sample::office(), Settings::default());
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    for ev in sample::office_events(Instant::now()) {
        update(&mut m, Msg::Engine(ev));
    }
    m
}

fn ctrl_r() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL))
}

fn names(m: &Model) -> Vec<String> {
    m.store
        .ids()
        .map(|id| m.store.info(id).name.clone())
        .collect()
}

/// The office without `drop`, plus one new colleague.
fn reloaded(drop: &str) -> Reloaded {
    let mut entries: Vec<Entry> = sample::office()
        .into_iter()
        .filter(|c| c.name != drop)
        .map(Entry::from)
        .collect();
    entries.push(Entry::from(ContactInfo {
        name: "Zoe Newcomer".into(),
        uri: "sip:zoe@example.com".into(),
        extension: None,
        department: Some("Sales".into()),
    }));
    Reloaded {
        servers: vec![(0, "presence".into()), (1, "pbx".into())],
        preferred: Some(1),
        started: vec!["pbx".into()],
        restarted: Vec::new(),
        stopped: Vec::new(),
        directory: Loaded {
            entries,
            problems: Vec::new(),
        },
    }
}

#[test]
fn ctrl_r_asks_the_runtime_to_reload_the_configuration() {
    let mut m = office();
    assert_eq!(update(&mut m, ctrl_r()), [Cmd::ReloadConfig]);
    assert_eq!(m.message.as_deref(), Some("Reloading the configuration…"));
}

#[test]
fn a_reload_subscribes_the_added_unsubscribes_the_removed_and_keeps_the_rest() {
    let mut m = office();
    let first = m.store.ids().next().expect("a contact");
    let kept = m.store.info(first).name.clone();
    let before = m.store.shown(first).clone();
    assert_ne!(before.presence, Presence::Unknown, "the office has states");
    let gone_name = names(&m).into_iter().find(|n| *n != kept).expect("two");
    let gone = m
        .store
        .ids()
        .find(|id| m.store.info(*id).name == gone_name)
        .expect("in the store");
    let cmds = update(
        &mut m,
        Msg::ConfigReloaded(Box::new(Ok(reloaded(&gone_name)))),
    );
    let [
        Cmd::Resubscribe {
            subscribe,
            unsubscribe,
        },
    ] = cmds.as_slice()
    else {
        panic!("one Resubscribe: {cmds:?}");
    };
    assert_eq!(subscribe.len(), 1);
    assert_eq!(subscribe[0].1, "sip:zoe@example.com");
    assert_eq!(unsubscribe, &[gone]);
    assert!(names(&m).contains(&"Zoe Newcomer".to_string()));
    assert!(!names(&m).contains(&gone_name));
    // Everyone else keeps their live state.
    assert_eq!(m.store.shown(first).presence, before.presence);
    let message = m.message.clone().unwrap_or_default();
    assert!(
        message.contains("Configuration reloaded: 1 contacts added, 1 removed")
            && message.contains("servers started: pbx"),
        "{message}"
    );
    assert_eq!(m.store.server_name(1), Some("pbx"));
    assert_eq!(m.store.preferred_server(), Some(1));
}

#[test]
fn a_refused_reload_changes_nothing_and_says_where_the_mistake_is() {
    let mut m = office();
    let before = names(&m);
    let why = "/home/x/config.toml:12: key server[2].preferred: only one server may be preferred";
    let cmds = update(&mut m, Msg::ConfigReloaded(Box::new(Err(why.to_string()))));
    assert!(cmds.is_empty());
    assert_eq!(names(&m), before);
    let message = m.message.clone().unwrap_or_default();
    assert!(
        message.contains("running one is kept") && message.contains(why),
        "{message}"
    );
}

#[test]
fn with_several_servers_the_status_bar_names_the_lost_one() {
    let mut m = office();
    m.store
        .set_servers(&[(0, "presence".into()), (1, "pbx".into())], None);
    let at = Instant::now();
    let connected = |server| {
        Msg::engine_from(
            server,
            EngineEvent::Connection {
                state: ConnectionState::Connected,
                at,
            },
        )
    };
    update(&mut m, connected(0));
    update(&mut m, connected(1));
    assert_eq!(m.connection, ConnectionState::Connected);
    update(
        &mut m,
        Msg::engine_from(
            1,
            EngineEvent::Connection {
                state: ConnectionState::Unreachable("no answer".into()),
                at,
            },
        ),
    );
    assert_eq!(
        m.connection,
        ConnectionState::Unreachable("pbx: no answer".into())
    );
    // The other server's news does not hide it.
    update(&mut m, connected(0));
    assert_eq!(
        m.connection,
        ConnectionState::Unreachable("pbx: no answer".into())
    );
    update(&mut m, connected(1));
    assert_eq!(m.connection, ConnectionState::Connected);
}
