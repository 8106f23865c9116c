//! A lost server: keepalive, a closed TCP connection, expiry.

use super::*;

#[test]
fn an_unanswered_keepalive_marks_everything_stale_at_once_and_recovery_resubscribes() {
    let mut cfg = config(Transport::Udp);
    cfg.keepalive = Duration::from_secs(10);
    let mut h = Harness::new(cfg, 5);
    h.connect();
    let subs = establish_all(&mut h);
    for s in &subs {
        h.deliver(notify(
            s,
            2,
            "active;expires=600",
            Some(("application/pidf+xml", PIDF_AWAY)),
        ));
    }
    h.sent();
    // The server dies: the next keepalive goes unanswered.
    h.alive = false;
    h.advance(Duration::from_secs(10));
    let probe = h.requests(Method::Options);
    assert_eq!(probe.len(), 1);
    h.advance(Duration::from_secs(6));
    assert!(h.events.iter().any(|e| matches!(
        e,
        EngineEvent::Connection {
            state: ConnectionState::Unreachable(_),
            ..
        }
    )));
    assert_eq!(
        h.stale_count(),
        10,
        "every state of every contact goes stale at once"
    );
    // It comes back: the next probe is answered, everything is subscribed again.
    let mut answered = false;
    for _ in 0..40 {
        h.advance(Duration::from_secs(1));
        for o in h.requests(Method::Options) {
            h.deliver(reply(&o, 200, &[]).to_bytes());
            answered = true;
        }
        if answered {
            break;
        }
    }
    assert!(answered);
    let again = establish_all(&mut h);
    assert_eq!(
        again.len(),
        10,
        "all 5 contacts x 2 packages subscribed again"
    );
    let lost = h
        .events
        .iter()
        .rposition(|e| {
            matches!(
                e,
                EngineEvent::Connection {
                    state: ConnectionState::Unreachable(_),
                    ..
                }
            )
        })
        .unwrap();
    assert!(h.events[lost..].iter().any(|e| matches!(
        e,
        EngineEvent::Connection {
            state: ConnectionState::Connected,
            ..
        }
    )));
}

#[test]
fn a_closed_tcp_connection_marks_stale_at_once_and_reconnect_resubscribes() {
    let mut h = Harness::new(config(Transport::Tcp), 3);
    h.connect();
    let subs = establish_all(&mut h);
    for s in &subs {
        h.deliver(notify(
            s,
            2,
            "active;expires=600",
            Some(("application/pidf+xml", PIDF_AWAY)),
        ));
    }
    h.sent();
    h.engine.transport_lost(h.now, "connection reset");
    h.drain_events();
    assert_eq!(h.stale_count(), 6, "presence and line state of 3 contacts");
    assert!(
        h.statuses(0)
            .last()
            .is_some_and(|s| matches!(s, SubscriptionStatus::Error(_)))
    );
    h.advance(Duration::from_secs(30));
    assert!(h.sent().is_empty(), "nothing is sent without a connection");
    h.engine.transport_connected(h.now);
    assert_eq!(establish_all(&mut h).len(), 6);
}

#[test]
fn an_expired_subscription_goes_stale() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    cfg.keepalive = Duration::ZERO;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = establish_all(&mut h).pop().unwrap();
    h.deliver(notify(
        &s,
        2,
        "active;expires=60",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    // Refreshes go unanswered (but the transport says nothing).
    h.advance(Duration::from_secs(61));
    assert_eq!(h.stale_count(), 1);
}
