//! The console's real engine and store against the demo server and its
//! simulated office, all sans-IO, stepped together on a fake clock: what
//! the console would show, without a socket.

use std::collections::HashMap;

use super::*;
use crate::demo::directory;
use crate::demo::sim::Simulation;
use crate::demo::state::Change;
use crate::presence::{EventKind, Freshness, LineState, SubscriptionStatus};
use crate::sip::engine::{Engine, EngineConfig, Transport as EngineTransport, policy};
use crate::store::{ContactId, Store};

const PASSWORD: &str = "pw";

struct World {
    now: Instant,
    server: Server,
    sim: Simulation,
    engine: Engine,
    store: Store,
    peer: Peer,
    /// (when, user, faulty) for every fault change of the simulation.
    faults: Vec<(Instant, usize, bool)>,
    /// Ringing lines seen by the store, with the caller shown.
    rings: Vec<(ContactId, Option<String>)>,
    active_seen: usize,
    /// The engine's answers 481 to the server's NOTIFYs.
    refused: usize,
}

impl World {
    fn new(speed: f64, expires: u32) -> World {
        let now = Instant::now();
        let people = directory::load(0).unwrap();
        let contacts: Vec<_> = people.iter().map(|p| p.contact_info("127.0.0.1")).collect();
        let server_addr: SocketAddr = SERVER.parse().unwrap();
        let mut cfg = ServerConfig::new("127.0.0.1", server_addr);
        cfg.credentials = Some(("reception".into(), PASSWORD.into()));
        let mut server = Server::new(cfg, people.iter().map(|p| p.user.clone()), now);
        let mut sim = Simulation::new(people, "127.0.0.1", 11, speed, None);
        for u in 0..sim.len() {
            server.set_presence(now, u, sim.presence(u).unwrap().clone());
            server.set_dialogs(now, u, sim.dialogs(u));
        }
        sim.start(now);
        let peer = client();
        let mut ecfg = EngineConfig::new(
            "sip:reception@127.0.0.1",
            SERVER,
            peer.addr,
            EngineTransport::Udp,
        );
        ecfg.password = Some(PASSWORD.into());
        ecfg.expires = expires;
        let targets: Vec<(ContactId, String)> = contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (ContactId(i as u32), c.uri.clone()))
            .collect();
        let engine = Engine::new(ecfg, &targets, now);
        World {
            now,
            server,
            sim,
            engine,
            store: Store::new(contacts),
            peer,
            faults: Vec::new(),
            rings: Vec::new(),
            active_seen: 0,
            refused: 0,
        }
    }

    /// Moves the clock by `dt` and lets everyone talk until quiet.
    fn step(&mut self, dt: Duration) {
        self.now += dt;
        let now = self.now;
        self.sim.handle_timeout(now);
        while let Some(change) = self.sim.poll_change() {
            if let Change::LineFault { user, faulty_for } = &change {
                self.faults.push((now, *user, faulty_for.is_some()));
            }
            self.server.apply(now, change);
        }
        if self.server.poll_timeout().is_some_and(|t| t <= now) {
            self.server.handle_timeout(now);
        }
        if self.engine.poll_timeout().is_some_and(|t| t <= now) {
            self.engine.handle_timeout(now);
        }
        loop {
            let mut quiet = true;
            while let Some(t) = self.engine.poll_transmit() {
                quiet = false;
                if t.bytes.starts_with(b"SIP/2.0 481 ") {
                    self.refused += 1;
                }
                self.server
                    .handle(now, self.peer, &t.bytes)
                    .expect("the server reads the engine");
            }
            while let Some(t) = self.server.poll_transmit() {
                quiet = false;
                self.engine
                    .handle_datagram(now, Some(SERVER.parse().unwrap()), &t.bytes);
            }
            while let Some(ev) = self.engine.poll_event() {
                quiet = false;

                if let Some(id) = self.store.apply_event(&ev) {
                    let shown = self.store.shown(id);
                    match shown.line {
                        LineState::Ringing => {
                            let who = shown.peer.as_ref().and_then(|p| p.display.clone());
                            self.rings.push((id, who));
                        }
                        LineState::Active => self.active_seen += 1,
                        _ => {}
                    }
                }
            }
            if quiet {
                break;
            }
        }
    }

    fn run(&mut self, total: Duration, dt: Duration) {
        let end = self.now + total;
        while self.now < end {
            self.step(dt);
        }
    }
}

#[test]
fn the_console_engine_subscribes_to_the_whole_office_with_digest_and_shows_it() {
    let mut w = World::new(1e-6, 600); // a quiet office
    w.run(Duration::from_secs(5), Duration::from_millis(10));
    assert_eq!(
        w.server.subscription_count(),
        2 * w.store.len(),
        "presence and dialog for everyone"
    );
    for id in w.store.ids() {
        let u = id.0 as usize;
        for event in [EventKind::Presence, EventKind::Dialog] {
            assert_eq!(*w.store.subscription(id, event), SubscriptionStatus::Active);
        }
        let doc = w.store.presence_doc(id).expect("a PIDF arrived");
        let want = w.sim.presence(u).unwrap();
        assert_eq!(
            (doc.presence, doc.note.as_deref()),
            (want.presence, want.note.as_deref()),
            "{}",
            w.store.info(id).name
        );
        assert_eq!(doc.availability, want.availability);
        assert_eq!(doc.forwarding, want.forwarding);
    }
}

#[test]
fn an_office_hour_reaches_the_console_calls_faults_and_refreshes_included() {
    // Speed 60: an office hour in a minute; subscriptions of 60 s, so the
    // engine refreshes each at least once.
    let mut w = World::new(60.0, 60);
    w.run(Duration::from_secs(100), Duration::from_millis(20));
    assert!(w.rings.len() > 50, "{} rings seen", w.rings.len());
    assert!(
        w.rings.iter().any(|(_, who)| who.is_some()),
        "callers are shown"
    );
    assert!(w.active_seen > 50, "{} active lines seen", w.active_seen);
    assert!(
        w.server.stats().notify_timeouts == 0,
        "every NOTIFY answered"
    );

    // Every line that is faulty has its dialog subscription ended by the
    // server: that is our monitoring failing, not a statement about the
    // phone, so the console shows the line unknown (a line it never
    // learnt) or its last state stale (a line it knew), never Faulty. Lines
    // that recovered long enough ago (retry-after plus the engine's retry)
    // are back, fresh.
    let mut last: HashMap<usize, (Instant, bool)> = HashMap::new();
    for (at, user, faulty) in &w.faults {
        last.insert(*user, (*at, *faulty));
    }
    assert!(
        w.faults.iter().filter(|f| f.2).count() >= 5,
        "{:?}",
        w.faults
    );
    for (user, (at, faulty)) in last {
        let id = ContactId(user as u32);
        let (shown, name) = (w.store.shown(id), &w.store.info(id).name);
        let status = w.store.subscription(id, EventKind::Dialog);
        if faulty {
            assert!(
                matches!(
                    status,
                    SubscriptionStatus::Unavailable(_) | SubscriptionStatus::Error(_)
                ),
                "{name}: {status:?}"
            );
            assert_ne!(shown.line, LineState::Faulty, "{name}: {shown:?}");
            assert!(
                shown.line == LineState::Unknown || shown.freshness == Freshness::Stale,
                "{name}: {shown:?}"
            );
        } else if w.now.duration_since(at) > Duration::from_secs(40) {
            assert_eq!(*status, SubscriptionStatus::Active, "{name} recovered");
            assert_ne!(shown.line, LineState::Faulty, "{name} recovered");
        }
    }
    // Subscriptions were refreshed, not lost: everyone is still watched.
    let watched = w
        .store
        .ids()
        .filter(|id| *w.store.subscription(*id, EventKind::Presence) == SubscriptionStatus::Active)
        .count();
    assert_eq!(watched, w.store.len());
}

#[test]
fn quitting_while_the_server_notifies_ends_every_subscription_481s_included() {
    let mut w = World::new(1e-6, 600);
    w.run(Duration::from_secs(5), Duration::from_millis(10));
    let open = w.server.subscription_count();
    assert_eq!(open, 2 * w.store.len());
    let quit_at = w.now;
    w.engine.shutdown(w.now);
    // Everyone changes while the un-SUBSCRIBEs are on their way: their
    // NOTIFYs cross, and the engine answers each 481.
    for u in 0..w.store.len() {
        w.server.set_presence(w.now, u, lunch());
    }
    while !w.engine.is_shut_down() {
        assert!(
            w.now - quit_at < policy::shutdown_deadline(open),
            "quitting took too long"
        );
        w.step(Duration::from_millis(10));
    }
    assert_eq!(
        w.refused,
        w.store.len(),
        "every crossing NOTIFY answered 481"
    );
    assert_eq!(w.server.stats().notify_refusals, w.store.len() as u64);
    let unsubscribes = w.server.stats().unsubscribes as usize;
    assert!(
        (open - w.store.len()..open).contains(&unsubscribes),
        "an un-SUBSCRIBE for each of the others, none for most the 481 ended: {unsubscribes}"
    );
    assert_eq!(w.server.subscription_count(), 0, "nothing left open");
}

#[test]
fn lost_unsubscribes_are_sent_again_and_every_subscription_ends() {
    let mut w = World::new(1e-6, 600);
    w.run(Duration::from_secs(5), Duration::from_millis(10));
    let open = w.server.subscription_count();
    let quit_at = w.now;
    w.engine.shutdown(w.now);
    let mut lost = 0;
    while w.engine.poll_transmit().is_some() {
        lost += 1;
    }
    assert_eq!(
        lost,
        open.min(policy::QUIT_IN_FLIGHT),
        "the first un-SUBSCRIBEs at once, all of them lost"
    );
    while !w.engine.is_shut_down() {
        assert!(
            w.now - quit_at < policy::shutdown_deadline(open),
            "quitting took too long"
        );
        w.step(Duration::from_millis(10));
    }
    assert_eq!(w.server.subscription_count(), 0, "nothing left open");
}
