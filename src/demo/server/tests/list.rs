//! Resource list subscriptions: the console's engine with nothing but a
//! list URI against the demo server, over TCP, sans-IO on a fake clock.

use super::*;
use crate::demo::state::PresenceState;
use crate::presence::{EventKind, LineState, SubscriptionStatus};
use crate::sip::engine::{Engine, EngineConfig, Transport as EngineTransport};
use crate::sip::events::{EngineEvent, ListState};
use crate::store::{ContactId, Store};

struct World {
    now: Instant,
    server: Server,
    engine: Engine,
    store: Store,
    lists: Vec<ListState>,
}

impl World {
    /// `users` people on the server; the console knows only `known` of
    /// them from its directory, and the list URI.
    fn new(users: usize, known: usize) -> World {
        let now = Instant::now();
        let local: SocketAddr = SERVER.parse().unwrap();
        let names: Vec<String> = (0..users).map(|i| format!("u{i:05}")).collect();
        let mut server = Server::new(ServerConfig::new("127.0.0.1", local), names.clone(), now);
        for u in 0..users {
            let state = if u.is_multiple_of(2) {
                PresenceState::available()
            } else {
                PresenceState::offline(None)
            };
            server.set_presence(now, u, state);
        }
        let peer = tcp_client();
        let mut cfg = EngineConfig::new(
            "sip:reception@127.0.0.1",
            SERVER,
            peer.addr,
            EngineTransport::Tcp,
        );
        cfg.list = Some(format!("sip:{DEFAULT_LIST_USER}@127.0.0.1"));
        let contacts: Vec<_> = names[..known]
            .iter()
            .map(|n| crate::presence::ContactInfo::named(n.clone(), format!("sip:{n}@127.0.0.1")))
            .collect();
        let targets: Vec<_> = contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (ContactId(i as u32), c.uri.clone()))
            .collect();
        let engine = Engine::new(cfg, &targets, now);
        World {
            now,
            server,
            engine,
            store: Store::new(contacts),
            lists: Vec::new(),
        }
    }

    fn step(&mut self, dt: Duration) {
        self.now += dt;
        let now = self.now;
        if self.server.poll_timeout().is_some_and(|t| t <= now) {
            self.server.handle_timeout(now);
        }
        if self.engine.poll_timeout().is_some_and(|t| t <= now) {
            self.engine.handle_timeout(now);
        }
        let peer = tcp_client();
        loop {
            let mut quiet = true;
            while let Some(t) = self.engine.poll_transmit() {
                quiet = false;
                self.server
                    .handle(now, peer, &t.bytes)
                    .expect("the server reads the engine");
            }
            while let Some(t) = self.server.poll_transmit() {
                quiet = false;
                self.engine
                    .handle_datagram(now, Some(SERVER.parse().unwrap()), &t.bytes);
            }
            while let Some(ev) = self.engine.poll_event() {
                quiet = false;
                if let EngineEvent::List { state, .. } = &ev {
                    self.lists.push(state.clone());
                }
                self.store.apply_event(&ev);
            }
            if quiet {
                break;
            }
        }
    }

    fn run(&mut self, total: Duration) {
        let end = self.now + total;
        while self.now < end {
            self.step(Duration::from_millis(10));
        }
    }
}

#[test]
fn a_console_with_only_a_list_uri_shows_every_user_with_two_subscriptions() {
    // More than one chunk of member documents (LIST_CHUNK per NOTIFY).
    let mut w = World::new(1200, 0);
    w.run(Duration::from_secs(1));
    assert_eq!(w.store.len(), 1200, "every member became a contact");
    assert_eq!(
        w.server.subscription_count(),
        2,
        "one list per package, nothing per contact"
    );
    for id in w.store.ids() {
        let u: usize = w.store.info(id).name[1..].parse().unwrap();
        let want = if u.is_multiple_of(2) {
            Presence::Available
        } else {
            Presence::Offline
        };
        let shown = w.store.shown(id);
        assert_eq!(shown.presence, want, "{}", w.store.info(id).uri);
        assert_eq!(shown.line, LineState::Ready, "{}", w.store.info(id).uri);
        assert_eq!(
            *w.store.subscription(id, EventKind::Presence),
            SubscriptionStatus::Active
        );
    }
    assert!(
        w.lists.contains(&ListState::Active { members: 1200 }),
        "{:?}",
        w.lists
    );

    // A change reaches the console in a partial NOTIFY.
    let bob = w.server.user_index("u00007").unwrap();
    w.server
        .set_presence(w.now, bob, PresenceState::available());
    w.step(Duration::from_millis(10));
    let id = w.store.find("sip:u00007@127.0.0.1").unwrap();
    assert_eq!(w.store.shown(id).presence, Presence::Available);
}

#[test]
fn directory_contacts_keep_their_ids_and_members_beyond_them_are_added() {
    let mut w = World::new(20, 5);
    w.run(Duration::from_secs(3));
    assert_eq!(w.store.len(), 20);
    assert_eq!(w.store.find("sip:u00003@127.0.0.1"), Some(ContactId(3)));
    assert_eq!(
        w.store.info(ContactId(12)).name,
        "u00012",
        "named by the URI's user"
    );
    assert!(
        w.store
            .ids()
            .all(|id| w.store.shown(id).presence != Presence::Unknown)
    );
    assert_eq!(w.server.subscription_count(), 2);
}

#[test]
fn a_list_subscribe_without_eventlist_support_is_refused_421() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("attendant-list", "presence");
    let out = sub.subscribe(&mut s, t0, 600);
    let r = response(&out[0]);
    assert_eq!(r.status, 421);
    assert_eq!(r.headers.get("Require"), Some("eventlist"));
}
