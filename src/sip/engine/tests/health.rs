//! A lost server: keepalive, a closed TCP connection, expiry.

use super::*;

#[test]
fn an_unanswered_keepalive_marks_everything_stale_at_once_and_recovery_resubscribes() {
    let mut cfg = config(Transport::Udp);
    cfg.keepalive = Duration::from_secs(30);
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
    h.advance(policy::KEEPALIVE_INTERVAL);
    let probe = h.requests(Method::Options);
    assert_eq!(probe.len(), 1);
    h.advance(policy::KEEPALIVE_TIMEOUT + Duration::from_millis(100));
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

/// The first `ConnectionState::Unreachable` event's instant, if any.
fn lost_at(h: &Harness) -> Option<Instant> {
    h.events.iter().find_map(|e| match e {
        EngineEvent::Connection {
            state: ConnectionState::Unreachable(_),
            at,
        } => Some(*at),
        _ => None,
    })
}

#[test]
fn a_server_lost_over_udp_is_noticed_within_ten_seconds_even_with_a_30_s_keepalive() {
    let mut cfg = config(Transport::Udp);
    cfg.keepalive = Duration::from_secs(30); // the config file's default
    let mut h = Harness::new(cfg, 2);
    h.connect();
    establish_all(&mut h);
    // The worst moment: the server dies right after answering a keepalive.
    h.advance(policy::KEEPALIVE_INTERVAL);
    let died = h.now;
    h.alive = false;
    while lost_at(&h).is_none() && h.now < died + Duration::from_secs(30) {
        h.advance(Duration::from_millis(100));
    }
    let noticed = lost_at(&h).expect("the lost server is noticed");
    assert!(
        noticed - died <= Duration::from_secs(10),
        "noticed after {:?}",
        noticed - died
    );
}

/// Fails every connect attempt the engine asks for until `until`; returns
/// the instants of the attempts.
fn refuse_connects(h: &mut Harness, until: Instant) -> Vec<Instant> {
    let mut attempts = Vec::new();
    while h.now < until {
        h.advance(Duration::from_millis(50));
        if h.engine.poll_connect() {
            attempts.push(h.now);
            h.engine.connect_failed(h.now, "connection refused");
        }
    }
    attempts
}

#[test]
fn tcp_reconnects_on_a_short_capped_schedule_and_a_server_back_after_a_minute_is_current_within_5_s()
 {
    let mut cfg = config(Transport::Tcp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 3);
    h.connect();
    establish_all(&mut h);
    let t0 = h.now;
    h.engine.transport_lost(h.now, "connection reset");
    assert!(!h.engine.poll_connect(), "not at once: no busy loop");
    let attempts = refuse_connects(&mut h, t0 + Duration::from_secs(60));
    let gaps: Vec<u128> = std::iter::once(t0)
        .chain(attempts.iter().copied())
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    // 50 ms steps of the fake clock: each gap is the schedule, rounded up.
    for (gap, want) in gaps.iter().zip([250u128, 500, 1000, 2000, 2000, 2000]) {
        assert!(*gap >= want && *gap < want + 50, "gaps {:?}", &gaps[..6]);
    }
    assert!(gaps.iter().all(|g| *g < 2050), "never more than 2 s apart");
    // The server is back after a minute: the next attempt succeeds.
    let back = h.now;
    let mut connected = false;
    while !connected && h.now < back + Duration::from_secs(10) {
        h.advance(Duration::from_millis(50));
        if h.engine.poll_connect() {
            h.engine.transport_connected(h.now);
            connected = true;
        }
    }
    assert!(connected);
    // The server answers at once (the harness answers the OPTIONS probe).
    establish_all(&mut h);
    let current = h.events.iter().rev().find_map(|e| match e {
        EngineEvent::Subscription {
            status: SubscriptionStatus::Active,
            at,
            ..
        } => Some(*at),
        _ => None,
    });
    let current = current.expect("subscriptions active again");
    assert!(
        current - back <= Duration::from_secs(5),
        "current again {:?} after the server came back",
        current - back
    );
    assert_eq!(
        (0..3)
            .filter(|&c| h.statuses(c).last() == Some(&SubscriptionStatus::Active))
            .count(),
        3
    );
}

/// Under load a server's socket drops datagrams, the answer to a keepalive
/// among them, while its NOTIFYs keep coming: that server is alive. Taking
/// it for lost marked everyone stale and re-subscribed all of them into the
/// very overload (and at quitting sent no un-SUBSCRIBE at all).
#[test]
fn a_lost_keepalive_answer_is_forgiven_while_the_server_keeps_notifying() {
    let mut cfg = config(Transport::Udp);
    cfg.keepalive = Duration::from_secs(30);
    let mut h = Harness::new(cfg, 2);
    h.connect();
    let subs = establish_all(&mut h);
    h.sent();
    h.alive = false; // OPTIONS answers are lost from now on
    h.advance(policy::KEEPALIVE_INTERVAL);
    assert_eq!(h.requests(Method::Options).len(), 1);
    // A NOTIFY arrives while the probe waits for its answer.
    h.advance(Duration::from_millis(100));
    h.deliver(notify(
        &subs[0],
        2,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    h.advance(policy::KEEPALIVE_TIMEOUT);
    let lost = |h: &Harness| {
        h.events.iter().any(|e| {
            matches!(
                e,
                EngineEvent::Connection {
                    state: ConnectionState::Unreachable(_),
                    ..
                }
            )
        })
    };
    assert!(!lost(&h), "a server that NOTIFYs is not lost");
    assert_eq!(h.stale_count(), 0, "nothing goes stale");
    assert!(
        h.requests(Method::Subscribe).is_empty(),
        "nobody is subscribed again"
    );
    // Silence as well: the next unanswered probe does mean lost.
    h.advance(policy::KEEPALIVE_INTERVAL);
    h.advance(policy::KEEPALIVE_TIMEOUT + Duration::from_millis(100));
    assert!(lost(&h), "a silent server is still noticed");
}

#[test]
fn a_refused_reconnect_says_why_once_and_a_first_connect_that_fails_is_no_lost_connection() {
    let mut cfg = config(Transport::Tls);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    h.engine
        .transport_lost(h.now, "the server closed the connection");
    let expired = "certificate check failed: the server's certificate has expired";
    for _ in 0..3 {
        while !h.engine.poll_connect() {
            h.advance(Duration::from_millis(50));
        }
        h.engine.connect_failed(h.now, expired);
    }
    h.drain_events();
    let reasons: Vec<&str> = h
        .events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Connection {
                state: ConnectionState::Unreachable(why),
                ..
            } => Some(why.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "connection lost: the server closed the connection".to_string(),
            format!("cannot connect: {expired}")
        ],
        "the latest reason, once"
    );

    let mut h = Harness::new(config(Transport::Tls), 1);
    h.engine.transport_unavailable(h.now, expired);
    h.drain_events();
    assert!(
        h.events.iter().any(|e| matches!(e,
            EngineEvent::Connection { state: ConnectionState::Unreachable(why), .. } if why == expired)),
        "said as it is: {:?}",
        h.events
    );
    let mut asked = false;
    for _ in 0..40 {
        h.advance(Duration::from_millis(50));
        asked |= h.engine.poll_connect();
    }
    assert!(asked, "a first connect that failed is retried");
}
