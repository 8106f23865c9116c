//! Incoming NOTIFYs: answers, retransmissions, early NOTIFYs, bad input, Timer N.

use super::*;

#[test]
fn every_notify_is_answered_and_a_retransmission_gets_the_same_answer() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).into_iter().next().unwrap();
    h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
    let n = notify(
        &s,
        1,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    );
    h.deliver(n.clone());
    let first: Vec<Vec<u8>> = std::iter::from_fn(|| h.engine.poll_transmit())
        .map(|t| t.bytes)
        .collect();
    let presences = |h: &Harness| {
        h.events
            .iter()
            .filter(|e| matches!(e, EngineEvent::Presence { .. }))
            .count()
    };
    assert_eq!(presences(&h), 1);
    h.deliver(n);
    let second: Vec<Vec<u8>> = std::iter::from_fn(|| h.engine.poll_transmit())
        .map(|t| t.bytes)
        .collect();
    assert_eq!(
        first
            .iter()
            .filter(|b| b.starts_with(b"SIP/2.0 200"))
            .count(),
        1
    );
    assert_eq!(
        first.last(),
        second.last(),
        "identical answer to the retransmission"
    );
    assert_eq!(presences(&h), 1, "a retransmission is not a second update");
}

#[test]
fn a_notify_before_the_2xx_is_accepted() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).into_iter().next().unwrap();
    h.deliver(notify(
        &s,
        1,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    let out = h.responses();
    assert_eq!(out[0].status, 200);
    assert!(h.events.iter().any(|e| matches!(e, EngineEvent::Presence { doc, .. } if doc.presence == crate::presence::Presence::Away)));
    h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
    let event = if s.headers.get("Event") == Some("presence") {
        EventKind::Presence
    } else {
        EventKind::Dialog
    };
    assert_eq!(
        h.statuses_of(0, Some(event)).last(),
        Some(&SubscriptionStatus::Active)
    );
}

#[test]
fn unknown_event_gets_489_and_unknown_dialog_481() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).into_iter().next().unwrap();
    let mut bad_event = String::from_utf8(notify(&s, 1, "active", None)).unwrap();
    bad_event = bad_event
        .replace("Event: presence", "Event: presence.winfo")
        .replace("Event: dialog", "Event: presence.winfo");
    h.deliver(bad_event.into_bytes());
    let out = h.responses();
    assert_eq!(out[0].status, 489, "{out:?}");
    let unknown = String::from_utf8(notify(&s, 2, "active", None))
        .unwrap()
        .replace(s.headers.get("Call-ID").unwrap(), "nobody@x");
    h.deliver(unknown.into_bytes());
    let out = h.responses();
    assert_eq!(out[0].status, 481);
}

/// Only the status is kept for a retransmission (memory under load): the
/// answer built again from the retransmitted request is byte for byte the
/// first one, refusals with their extra headers included.
#[test]
fn a_retransmitted_refusal_gets_the_same_refusal_rebuilt() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).into_iter().next().unwrap();
    let bad_event = String::from_utf8(notify(&s, 1, "active", None))
        .unwrap()
        .replace("Event: presence", "Event: presence.winfo")
        .replace("Event: dialog", "Event: presence.winfo");
    let answers = |h: &mut Harness, bytes: &[u8]| -> Vec<Vec<u8>> {
        h.deliver(bytes.to_vec());
        std::iter::from_fn(|| h.engine.poll_transmit())
            .map(|t| t.bytes)
            .collect()
    };
    let first = answers(&mut h, bad_event.as_bytes());
    let second = answers(&mut h, bad_event.as_bytes());
    assert_eq!(first.len(), 1, "one answer");
    assert!(first[0].starts_with(b"SIP/2.0 489"));
    let text = String::from_utf8_lossy(&first[0]);
    assert!(
        text.contains("Allow-Events: presence, dialog, reg, message-summary"),
        "{text}"
    );
    assert_eq!(first, second, "identical answer to the retransmission");
}

#[test]
fn a_bad_body_is_answered_and_reported_unreadable_with_the_reason() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).into_iter().next().unwrap();
    h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
    h.deliver(notify(
        &s,
        1,
        "active;expires=600",
        Some(("application/pidf+xml", "<<<not xml")),
    ));
    let out = h.responses();
    assert_eq!(out[0].status, 200);
    assert_eq!(
        h.statuses(0).last(),
        Some(&SubscriptionStatus::Active),
        "a live subscription with an unreadable body is not a failed one"
    );
    assert!(
        h.events.iter().any(|e| matches!(e, EngineEvent::Unreadable { reason, .. } if reason.starts_with("unreadable presence document: malformed XML"))),
        "{:?}",
        h.events
    );
}

#[test]
fn a_reused_branch_in_a_new_dialog_is_a_new_notify_not_a_retransmission() {
    // After a restart Kamailio's branch counter starts over: the first
    // NOTIFY of a new subscription may carry the branch of an old one.
    let mut h = presence_only(2);
    let subs = establish_all(&mut h);
    let presences = |h: &Harness| {
        h.events
            .iter()
            .filter(|e| matches!(e, EngineEvent::Presence { .. }))
            .count()
    };
    let before = presences(&h);
    let a = String::from_utf8(notify(
        &subs[0],
        7,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ))
    .unwrap();
    let b = String::from_utf8(notify(
        &subs[1],
        7,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ))
    .unwrap();
    let branch = |m: &str| {
        m.lines()
            .find(|l| l.starts_with("Via:"))
            .unwrap()
            .to_string()
    };
    let b = b.replace(&branch(&b), &branch(&a));
    h.deliver(a.into_bytes());
    h.deliver(b.into_bytes());
    assert_eq!(presences(&h) - before, 2, "both NOTIFYs applied");
}

#[test]
fn an_accepted_subscribe_without_a_notify_fails_after_timer_n_and_retries() {
    let mut h = presence_only(1);
    let s = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
    h.advance(Duration::from_secs(31));
    assert_eq!(
        h.statuses(0).last(),
        Some(&SubscriptionStatus::Requesting),
        "still waiting within 64*T1"
    );
    h.advance(Duration::from_secs(2));
    assert!(
        matches!(h.statuses(0).last(), Some(SubscriptionStatus::Error(e)) if e.contains("no NOTIFY")),
        "{:?}",
        h.statuses(0)
    );
    h.advance(Duration::from_secs(5));
    let again = h.requests(Method::Subscribe);
    assert!(
        again
            .iter()
            .any(|r| !r.headers.get("To").unwrap().contains("tag=")),
        "a fresh subscription"
    );
}

#[test]
fn a_stream_of_notifies_does_not_grow_the_timer_heap() {
    let mut h = presence_only(10);
    let subs = establish_all(&mut h);
    let before = h.engine.timers.len();
    for k in 0..2_000u32 {
        let s = &subs[(k % 10) as usize];
        h.deliver(notify(
            s,
            k + 2,
            "active;expires=600",
            Some(("application/pidf+xml", PIDF_AWAY)),
        ));
        if k % 100 == 0 {
            h.advance(Duration::from_millis(500));
        }
    }
    h.responses();
    assert!(
        h.engine.timers.len() < before + 50,
        "timer heap grew from {before} to {}",
        h.engine.timers.len()
    );
}

#[test]
fn shutdown_never_sends_an_unsubscribe_outside_a_dialog() {
    let mut cfg = config(Transport::Udp);
    cfg.window = 1;
    let mut h = Harness::new(cfg, 3);
    h.connect();
    let subs = establish_all(&mut h);
    h.engine.shutdown(h.now);
    // While the first un-SUBSCRIBE is in flight, the server ends the others.
    for (k, s) in subs.iter().enumerate() {
        h.deliver(notify(s, 9 + k as u32, "terminated;reason=timeout", None));
    }
    for _ in 0..10 {
        for r in h.requests(Method::Subscribe) {
            assert!(
                !r.headers.get("Call-ID").unwrap_or("").is_empty(),
                "an un-SUBSCRIBE without a dialog"
            );
            h.deliver(reply(&r, 200, &[("Expires", "0")]).to_bytes());
        }
    }
    assert!(h.engine.is_shut_down());
}

#[test]
fn an_oversized_notify_is_answered_413_and_keeps_the_last_state() {
    let mut h = presence_only(1);
    let s = establish_all(&mut h).pop().unwrap();
    h.deliver(notify(
        &s,
        2,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    h.sent();
    let before = h.events.len();
    // The framing layer hands over the head of a NOTIFY whose body it skips.
    let big = notify(&s, 3, "active;expires=600", None);
    let head = String::from_utf8(big)
        .unwrap()
        .replace("Content-Length: 0", "Content-Length: 9999999");
    h.engine.handle_oversized(
        h.now,
        Some(SERVER.parse().unwrap()),
        head.as_bytes(),
        9_999_999,
    );
    h.drain_events();
    let answers = h.responses();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].status, 413);
    assert_eq!(
        h.events.len(),
        before,
        "nothing changes: no stale, no status, no state: {:?}",
        &h.events[before..]
    );
    assert!(h.sent().is_empty(), "no new SUBSCRIBE, no reconnect");
}
