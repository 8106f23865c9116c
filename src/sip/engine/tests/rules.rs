//! The subscription rules: Subscription-State reasons, error answers, refresh, backoff.

use super::*;

#[test]
fn terminated_deactivated_and_timeout_resubscribe_at_once_with_a_new_dialog() {
    for reason in ["deactivated", "timeout"] {
        let mut cfg = config(Transport::Udp);
        cfg.dialog = false;
        let mut h = Harness::new(cfg, 1);
        h.connect();
        let s = establish_all(&mut h).pop().unwrap();
        h.advance(Duration::from_secs(60));
        h.deliver(notify(&s, 2, &format!("terminated;reason={reason}"), None));
        let again = h.requests(Method::Subscribe);
        assert_eq!(again.len(), 1, "{reason}: subscribe again at once");
        assert_ne!(again[0].headers.get("Call-ID"), s.headers.get("Call-ID"));
        assert!(
            again[0].headers.get("To").unwrap().find("tag=").is_none(),
            "a new dialog"
        );
    }
}

#[test]
fn a_server_that_ends_every_subscription_at_once_is_not_hammered() {
    let mut h = presence_only(1);
    let mut sent = 0;
    for _ in 0..20 {
        for s in h.requests(Method::Subscribe) {
            sent += 1;
            h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
            h.deliver(notify(&s, 1, "terminated;reason=deactivated", None));
        }
        h.advance(Duration::from_millis(100));
    }
    assert!(
        sent <= 2,
        "accepted-then-ended at once goes to backoff: {sent} SUBSCRIBEs in 2 s"
    );
}

#[test]
fn a_failed_refresh_keeps_the_subscription_until_it_expires() {
    let mut h = presence_only(1);
    let s = establish_all(&mut h).pop().unwrap();
    h.deliver(notify(
        &s,
        2,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    let mut refresh = Vec::new();
    while refresh.is_empty() {
        h.advance(Duration::from_secs(10));
        refresh = h.requests(Method::Subscribe);
    }
    h.deliver(reply(&refresh[0], 503, &[("Retry-After", "30")]).to_bytes());
    assert_eq!(h.stale_count(), 0, "still valid: not stale");
    assert_eq!(h.statuses(0).last(), Some(&SubscriptionStatus::Active));
    // NOTIFYs in the still-valid dialog are still accepted.
    h.deliver(notify(
        &s,
        3,
        "active;expires=200",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    assert_eq!(h.responses().last().map(|r| r.status), Some(200));
    // And the refresh is tried again in the same dialog.
    h.advance(Duration::from_secs(32));
    let again = h.requests(Method::Subscribe);
    assert!(
        again
            .iter()
            .any(|r| r.headers.get("To").unwrap().contains("tag=srvtag")),
        "{again:?}"
    );
}

#[test]
fn huge_retry_after_is_capped_at_five_minutes() {
    let mut h = presence_only(1);
    let s = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s, 503, &[("Retry-After", "4294967295")]).to_bytes());
    h.advance(Duration::from_secs(302));
    assert_eq!(
        distinct(&h.requests(Method::Subscribe)),
        1,
        "never gives up"
    );
}

#[test]
fn terminated_probation_waits_for_retry_after() {
    let mut h = presence_only(1);
    let s = establish_all(&mut h).pop().unwrap();
    h.deliver(notify(
        &s,
        2,
        "terminated;reason=probation;retry-after=20",
        None,
    ));
    h.advance(Duration::from_secs(19));
    assert!(h.requests(Method::Subscribe).is_empty());
    h.advance(Duration::from_secs(3));
    assert_eq!(distinct(&h.requests(Method::Subscribe)), 1);
}

#[test]
fn a_line_ended_on_probation_or_480_is_reported_unavailable_and_retried() {
    let mut cfg = config(Transport::Udp);
    cfg.presence = false;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = establish_all(&mut h).pop().unwrap();
    h.deliver(notify(
        &s,
        2,
        "terminated;reason=probation;retry-after=10",
        None,
    ));
    assert!(
        h.statuses(0)
            .last()
            .is_some_and(|st| matches!(st, SubscriptionStatus::Unavailable(_))),
        "{:?}",
        h.statuses(0)
    );
    h.advance(Duration::from_secs(12));
    let again = h.requests(Method::Subscribe);
    h.deliver(reply(&again[0], 480, &[("Retry-After", "20")]).to_bytes());
    assert!(
        h.statuses(0)
            .last()
            .is_some_and(|st| matches!(st, SubscriptionStatus::Unavailable(_)))
    );
    h.advance(Duration::from_secs(19));
    assert_eq!(
        distinct(&h.requests(Method::Subscribe)),
        0,
        "Retry-After of the 480 honoured"
    );
    h.advance(Duration::from_secs(3));
    assert_eq!(distinct(&h.requests(Method::Subscribe)), 1);
}

#[test]
fn rejected_and_noresource_stop_and_say_why() {
    for (reason, status) in [
        ("rejected", SubscriptionStatus::AccessDenied),
        ("noresource", SubscriptionStatus::NotFound),
    ] {
        let mut cfg = config(Transport::Udp);
        cfg.dialog = false;
        let mut h = Harness::new(cfg, 1);
        h.connect();
        let s = establish_all(&mut h).pop().unwrap();
        h.deliver(notify(&s, 2, &format!("terminated;reason={reason}"), None));
        assert_eq!(h.statuses(0).last(), Some(&status));
        h.advance(Duration::from_secs(3600));
        assert!(
            h.requests(Method::Subscribe).is_empty(),
            "{reason}: stopped for good"
        );
    }
}

#[test]
fn forbidden_and_not_found_answers_show_on_the_contact() {
    let mut h = presence_only(2);
    let s0 = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s0, 404, &[]).to_bytes());
    let s1 = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s1, 403, &[]).to_bytes());
    let by_contact = |h: &Harness, c| h.statuses(c).last().cloned();
    let mut got = vec![by_contact(&h, 0), by_contact(&h, 1)];
    got.sort_by_key(|s| s.as_ref().map(|s| s.as_str()));
    assert_eq!(
        got,
        vec![
            Some(SubscriptionStatus::AccessDenied),
            Some(SubscriptionStatus::NotFound)
        ]
    );
    h.advance(Duration::from_secs(3600));
    assert!(h.requests(Method::Subscribe).is_empty());
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let s = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s, 423, &[("Min-Expires", "1800")]).to_bytes());
    let again = h.requests(Method::Subscribe);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].headers.get("Expires"), Some("1800"));
}

#[test]
fn refreshes_come_well_before_expiry_spread_out_and_481_starts_over() {
    let mut h = presence_only(100);
    establish_all(&mut h);
    let t0 = h.now;
    let mut refresh_times = Vec::new();
    for _ in 0..600 {
        h.advance(Duration::from_secs(1));
        let reqs = h.requests(Method::Subscribe);
        for _ in 0..distinct(&reqs) {
            refresh_times.push(h.now - t0);
        }
        for r in reqs {
            assert!(
                r.headers.get("To").unwrap().contains("tag=srvtag"),
                "a refresh is in-dialog"
            );
            assert_eq!(
                r.uri, "sip:127.0.0.1:5060",
                "refreshes go to the remote target"
            );
            h.deliver(reply(&r, 200, &[("Expires", "600")]).to_bytes());
        }
    }
    assert_eq!(
        refresh_times.len(),
        100,
        "each refreshed once in the first 600 s"
    );
    let first = *refresh_times.iter().min().unwrap();
    let last = *refresh_times.iter().max().unwrap();
    assert!(
        last < Duration::from_secs(570),
        "well before expiry: {last:?}"
    );
    assert!(
        last - first > Duration::from_secs(60),
        "spread out: {first:?}..{last:?}"
    );
    assert_eq!(h.stale_count(), 0);
    // The server forgets one: 481 -> stale, then a fresh subscription.
    let mut r = Vec::new();
    for _ in 0..600 {
        h.advance(Duration::from_secs(1));
        r = h.requests(Method::Subscribe);
        if !r.is_empty() {
            break;
        }
    }
    assert!(!r.is_empty());
    h.deliver(reply(&r[0], 481, &[]).to_bytes());
    assert_eq!(
        h.stale_count(),
        100,
        "the server forgot us: nothing it told us is backed any more"
    );
    let again = h.requests(Method::Subscribe);
    assert!(
        again
            .iter()
            .any(|a| a.headers.get("To").unwrap().find("tag=").is_none())
    );
}

#[test]
fn server_errors_back_off_exponentially_capped_and_never_give_up() {
    let mut h = presence_only(1);
    let mut gaps = Vec::new();
    let mut last = h.now;
    for _ in 0..12 {
        let mut s = h.requests(Method::Subscribe);
        let mut waited = Duration::ZERO;
        while s.is_empty() {
            h.advance(Duration::from_secs(1));
            waited += Duration::from_secs(1);
            assert!(
                waited < Duration::from_secs(400),
                "never gives up, never waits beyond the cap"
            );
            s = h.requests(Method::Subscribe);
        }
        gaps.push(h.now - last);
        last = h.now;
        h.deliver(reply(&s[0], 503, &[]).to_bytes());
    }
    assert!(gaps[4] > gaps[1], "grows: {gaps:?}");
    assert!(
        gaps.iter().all(|g| *g <= Duration::from_secs(301)),
        "capped at 5 minutes: {gaps:?}"
    );
    assert!(
        matches!(h.statuses(0).last(), Some(SubscriptionStatus::Error(e)) if e.contains("503"))
    );
}

#[test]
fn retry_after_on_503_is_honoured() {
    let mut h = presence_only(1);
    let s = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s, 503, &[("Retry-After", "40")]).to_bytes());
    h.advance(Duration::from_secs(39));
    assert!(h.requests(Method::Subscribe).is_empty());
    h.advance(Duration::from_secs(3));
    assert_eq!(distinct(&h.requests(Method::Subscribe)), 1);
}

#[test]
fn in_dialog_requests_follow_the_record_route_of_the_2xx() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    cfg.expires = 60;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = h.requests(Method::Subscribe).pop().unwrap();
    let rr = "<sip:proxy1.example;lr>, <sip:proxy2.example;lr>";
    h.deliver(
        reply(
            &s,
            200,
            &[
                ("Expires", "60"),
                ("Contact", "<sip:127.0.0.1:5060>"),
                ("Record-Route", rr),
            ],
        )
        .to_bytes(),
    );
    h.deliver(notify(&s, 1, "active;expires=60", None));
    let mut refresh = Vec::new();
    while refresh.is_empty() {
        h.advance(Duration::from_secs(1));
        refresh = h.requests(Method::Subscribe);
    }
    let routes: Vec<&str> = refresh[0].headers.get_all("Route").collect();
    assert_eq!(
        routes,
        ["<sip:proxy2.example;lr>", "<sip:proxy1.example;lr>"],
        "reversed for the subscriber"
    );
}
