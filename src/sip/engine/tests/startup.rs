//! Start-up, the package switches, pacing, retransmission and shutdown.

use super::*;

#[test]
fn nothing_is_subscribed_before_the_server_answers_the_probe() {
    let mut h = Harness::new(config(Transport::Udp), 3);
    let first = h.sent();
    assert_eq!(first.len(), 1);
    assert!(matches!(&first[0], Message::Request(r) if r.method == Method::Options));
    assert!(h.events.iter().any(|e| matches!(
        e,
        EngineEvent::Connection {
            state: ConnectionState::Connecting,
            ..
        }
    )));
    h.advance(Duration::from_millis(400));
    assert!(h.requests(Method::Subscribe).is_empty());
}

#[test]
fn one_presence_and_one_dialog_subscription_per_contact_with_accept_headers() {
    let mut h = Harness::new(config(Transport::Udp), 2);
    h.connect();
    let subs = establish_all(&mut h);
    assert_eq!(subs.len(), 4);
    let mut seen: Vec<(String, String, String)> = subs
        .iter()
        .map(|r| {
            (
                r.uri.clone(),
                r.headers.get("Event").unwrap().to_string(),
                r.headers.get("Accept").unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen[0],
        (
            "sip:user0000@127.0.0.1".into(),
            "dialog".into(),
            "application/dialog-info+xml".into()
        )
    );
    assert_eq!(
        seen[1],
        (
            "sip:user0000@127.0.0.1".into(),
            "presence".into(),
            "application/pidf+xml".into()
        )
    );
    assert!(h.statuses(0).ends_with(&[SubscriptionStatus::Active]));
}

#[test]
fn a_package_can_be_switched_off() {
    let mut h = presence_only(3);
    let subs = establish_all(&mut h);
    assert_eq!(subs.len(), 3);
    assert!(
        subs.iter()
            .all(|r| r.headers.get("Event") == Some("presence"))
    );
}

#[test]
fn the_window_bounds_outstanding_subscribes_and_refills_at_once() {
    let mut cfg = config(Transport::Udp);
    cfg.window = 8;
    let mut h = Harness::new(cfg, 50);
    h.connect();
    let probe = h.requests(Method::Subscribe);
    assert_eq!(
        probe.len(),
        1,
        "one probe SUBSCRIBE before the window opens"
    );
    h.deliver(reply(&probe[0], 200, &[("Expires", "600")]).to_bytes());
    let burst = h.requests(Method::Subscribe);
    assert_eq!(burst.len(), 8, "then exactly the window");
    h.deliver(reply(&burst[0], 200, &[("Expires", "600")]).to_bytes());
    let next = h.requests(Method::Subscribe);
    assert!(
        !next.is_empty() && next.len() <= 2,
        "one answer frees one slot (the window may grow by one)"
    );
    assert!(h.engine.window_usage().0 <= 9);
}

#[test]
fn udp_retransmits_with_timer_e_and_tcp_does_not() {
    for (transport, expected) in [(Transport::Udp, 4usize), (Transport::Tcp, 0)] {
        let mut h = Harness::new(config(transport), 1);
        h.connect();
        assert_eq!(h.requests(Method::Subscribe).len(), 1);
        // 0.5 + 1 + 2 + 4 = 7.5 s: four retransmissions over UDP.
        h.advance(Duration::from_millis(7_600));
        assert_eq!(
            h.requests(Method::Subscribe).len(),
            expected,
            "{transport:?}"
        );
    }
}

#[test]
fn shutdown_unsubscribes_every_established_dialog() {
    let mut h = Harness::new(config(Transport::Udp), 3);
    h.connect();
    establish_all(&mut h);
    h.engine.shutdown(h.now);
    let bye = h.requests(Method::Subscribe);
    assert_eq!(bye.len(), 6);
    assert!(bye.iter().all(|r| r.headers.get("Expires") == Some("0")));
    assert!(!h.engine.is_shut_down());
    for r in &bye {
        h.deliver(reply(r, 200, &[("Expires", "0")]).to_bytes());
    }
    assert!(
        !h.engine.is_shut_down(),
        "the dialogs wait for their final NOTIFYs"
    );
    h.sent();
    for r in &bye {
        h.deliver(notify(r, 2, "terminated;reason=timeout", None));
    }
    let answers = h.responses();
    assert_eq!(answers.len(), 6);
    assert!(
        answers.iter().all(|a| a.status == 200),
        "RFC 6665 4.1.2.3: the final NOTIFY after an un-SUBSCRIBE gets 200, not 481: {:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert!(h.engine.is_shut_down());
}

#[test]
fn a_final_notify_before_the_unsubscribe_answer_gets_200_too() {
    let mut h = presence_only(1);
    let s = establish_all(&mut h).pop().unwrap();
    h.engine.shutdown(h.now);
    let bye = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(notify(&s, 2, "terminated;reason=timeout", None));
    assert_eq!(h.responses()[0].status, 200);
    h.deliver(reply(&bye, 200, &[("Expires", "0")]).to_bytes());
    assert!(h.engine.is_shut_down());
}

#[test]
fn a_missing_final_notify_ends_the_wait_after_timer_n() {
    let mut h = presence_only(1);
    establish_all(&mut h);
    h.engine.shutdown(h.now);
    let bye = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&bye, 200, &[("Expires", "0")]).to_bytes());
    assert!(!h.engine.is_shut_down());
    h.advance(policy::timer_n(h.engine.config().timers.t1));
    assert!(h.engine.is_shut_down(), "no NOTIFY: the dialog is let go");
}

#[test]
fn no_window_slot_leaks_when_an_answered_challenge_is_superseded() {
    // A refresh is challenged, its answer is lost, and the subscription
    // expires meanwhile: the new SUBSCRIBE supersedes it. The window must
    // still empty out (a leaked slot would stop everything after a loss).
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    cfg.window = 1;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = establish_all(&mut h).pop().unwrap();
    h.deliver(notify(&s, 2, "active;expires=40", None));
    let mut refresh = Vec::new();
    while refresh.is_empty() {
        h.advance(Duration::from_secs(1));
        refresh = h.requests(Method::Subscribe);
    }
    h.deliver(
        reply(
            &refresh[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n1", qop="auth""#,
            )],
        )
        .to_bytes(),
    );
    h.advance(Duration::from_secs(60));
    for r in h.requests(Method::Subscribe) {
        h.deliver(reply(&r, 200, &[("Expires", "600")]).to_bytes());
        h.deliver(notify(&r, 1, "active;expires=600", None));
    }
    h.advance(Duration::from_secs(40));
    assert_eq!(h.engine.window_usage().0, 0, "every slot given back");
}

#[test]
fn sweeping_stale_timers_keeps_every_live_one() {
    // 6,000 subscriptions: the finished SUBSCRIBE transactions leave
    // thousands of stale timers, swept out as the heap doubles; every
    // subscription must still refresh (and only once) when its time comes.
    let mut cfg = config(Transport::Udp);
    cfg.window = 512;
    let mut h = Harness::new(cfg, 3_000);
    h.connect();
    assert_eq!(establish_all(&mut h).len(), 6_000);
    h.sent();
    assert!(
        h.engine.timers.len() < 4 * 6_000,
        "stale timers swept: {} entries",
        h.engine.timers.len()
    );
    let mut refreshed = Vec::new();
    // Granted 600 s: the first refresh is due at 330..480 s, the next
    // not before 660 s.
    for _ in 0..500 {
        h.advance(Duration::from_secs(1));
        for r in h.requests(Method::Subscribe) {
            h.deliver(reply(&r, 200, &[("Expires", "600")]).to_bytes());
            refreshed.push(r);
        }
    }
    // (`advance` may retransmit a refresh before it is answered: counted
    // once by its branch.)
    assert_eq!(
        distinct(&refreshed),
        6_000,
        "each subscription refreshed once"
    );
}
