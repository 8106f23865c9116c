//! Quitting under a NOTIFY flood: a NOTIFY of a subscription we are ending
//! gets 481 (the notifier removes it) and is never read; un-SUBSCRIBEs go
//! out without waiting for the window, at most `policy::QUIT_IN_FLIGHT` at
//! once; a lost one is sent again within the shutdown deadline.

use super::*;

fn statuses(answers: &[Response]) -> Vec<u16> {
    answers.iter().map(|a| a.status).collect()
}

#[test]
fn a_notify_while_quitting_gets_481_is_not_read_and_ends_the_subscription() {
    let mut h = presence_only(1);
    let s = establish_all(&mut h).pop().unwrap();
    h.responses();
    h.events.clear();
    h.engine.shutdown(h.now);
    let bye = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(notify(
        &s,
        2,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    // Its retransmission, and a later NOTIFY with a broken body.
    h.deliver(notify(
        &s,
        2,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    h.deliver(notify(
        &s,
        3,
        "active;expires=600",
        Some(("application/pidf+xml", "<not xml")),
    ));
    assert_eq!(
        statuses(&h.responses()),
        [481, 481, 481],
        "RFC 6665 4.1.3: 481 tells the notifier the subscription is gone"
    );
    assert!(
        !h.events.iter().any(|e| matches!(
            e,
            EngineEvent::Presence { .. } | EngineEvent::Unreadable { .. }
        )),
        "no body was read, no state changed: {:?}",
        h.events
    );
    // The server ended it on the 481: its answer to our un-SUBSCRIBE (481
    // too) ends the wait at once, no final NOTIFY expected.
    h.deliver(reply(&bye, 481, &[]).to_bytes());
    assert!(h.engine.is_shut_down());
}

#[test]
fn a_subscription_ended_by_a_481_gets_no_unsubscribe() {
    // More subscriptions than un-SUBSCRIBEs in flight: the ones still
    // queued whose NOTIFY was answered 481 need none.
    let n = policy::QUIT_IN_FLIGHT + 40;
    let mut h = presence_only(n);
    let subs = establish_all(&mut h);
    h.responses();
    h.engine.shutdown(h.now);
    let first = h.requests(Method::Subscribe);
    assert_eq!(first.len(), policy::QUIT_IN_FLIGHT);
    let sent: std::collections::HashSet<&str> = first
        .iter()
        .map(|r| r.headers.get("Call-ID").unwrap())
        .collect();
    let waiting: Vec<&Request> = subs
        .iter()
        .filter(|s| !sent.contains(s.headers.get("Call-ID").unwrap()))
        .collect();
    assert_eq!(waiting.len(), 40);
    for s in &waiting {
        h.deliver(notify(s, 2, "active;expires=600", None));
    }
    assert_eq!(statuses(&h.responses()), vec![481; 40]);
    for r in &first {
        h.deliver(reply(r, 200, &[("Expires", "0")]).to_bytes());
        h.deliver(notify(r, 3, "terminated;reason=timeout", None));
    }
    assert!(
        h.requests(Method::Subscribe).is_empty(),
        "no un-SUBSCRIBE for a subscription the 481 ended"
    );
    assert_eq!(statuses(&h.responses()), vec![200; policy::QUIT_IN_FLIGHT]);
    assert!(h.engine.is_shut_down());
}

#[test]
fn quitting_does_not_wait_for_the_window() {
    let mut cfg = config(Transport::Udp);
    cfg.window = 4;
    let mut h = Harness::new(cfg, 50);
    h.connect();
    assert_eq!(establish_all(&mut h).len(), 100);
    h.engine.shutdown(h.now);
    let mut bye = h.requests(Method::Subscribe);
    assert_eq!(
        bye.len(),
        policy::QUIT_IN_FLIGHT,
        "{} un-SUBSCRIBEs at once, not the window's 4",
        policy::QUIT_IN_FLIGHT
    );
    let mut ended = 0;
    while let Some(r) = bye.pop() {
        h.deliver(reply(&r, 200, &[("Expires", "0")]).to_bytes());
        h.deliver(notify(&r, 2, "terminated;reason=timeout", None));
        bye.extend(h.requests(Method::Subscribe));
        ended += 1;
    }
    assert_eq!(ended, 100);
    assert!(h.engine.is_shut_down());
}

#[test]
fn never_more_than_quit_in_flight_unsubscribes_at_once() {
    let n = 2 * policy::QUIT_IN_FLIGHT + 10;
    let mut h = presence_only(n);
    establish_all(&mut h);
    h.engine.shutdown(h.now);
    let mut ended = 0;
    let mut batch = h.requests(Method::Subscribe);
    assert_eq!(batch.len(), policy::QUIT_IN_FLIGHT);
    while let Some(r) = batch.pop() {
        h.deliver(reply(&r, 200, &[("Expires", "0")]).to_bytes());
        h.deliver(notify(&r, 2, "terminated;reason=timeout", None));
        ended += 1;
        let more = h.requests(Method::Subscribe);
        assert!(more.len() <= 1, "one answered, one more sent");
        batch.extend(more);
        assert!(batch.len() <= policy::QUIT_IN_FLIGHT);
    }
    assert_eq!(ended, n, "every subscription ended");
    assert!(h.engine.is_shut_down());
}

#[test]
fn a_lost_unsubscribe_is_sent_again_within_the_deadline() {
    let mut h = presence_only(1);
    establish_all(&mut h);
    let quit_at = h.now;
    h.engine.shutdown(h.now);
    let lost = h.requests(Method::Subscribe).pop().unwrap();
    // Lost: Timer E sends it again after T1 (0.5 s), well within the
    // deadline (1.5 s for one subscription, 3.5 s for 20,000).
    h.advance(Duration::from_millis(600));
    let again = h.requests(Method::Subscribe);
    assert_eq!(again.len(), 1);
    assert_eq!(
        again[0].headers.get("Via"),
        lost.headers.get("Via"),
        "the same transaction sent again"
    );
    h.deliver(reply(&again[0], 200, &[("Expires", "0")]).to_bytes());
    h.deliver(notify(&again[0], 2, "terminated;reason=timeout", None));
    assert!(h.engine.is_shut_down());
    assert!(h.now - quit_at < policy::shutdown_deadline(1));
}
