//! Registration and message waiting subscriptions, the 489 that means "no
//! registration information", Kamailio's version="0" reginfo NOTIFYs, and
//! the re-sync of a line stuck ringing.

use super::*;
use crate::body::xml::test_support::sip_body;

fn reg_and_dialog(contacts: usize) -> Harness {
    let mut cfg = config(Transport::Udp);
    cfg.presence = false;
    cfg.reg = true;
    let mut h = Harness::new(cfg, contacts);
    h.connect();
    h
}

fn body_of(capture: &[u8]) -> String {
    String::from_utf8(sip_body(capture).to_vec()).unwrap()
}

#[test]
fn reg_is_subscribed_with_its_accept_and_every_version_0_notify_is_reported() {
    let mut h = reg_and_dialog(1);
    let subs = establish_all(&mut h);
    let reg = subs
        .iter()
        .find(|s| s.headers.get("Event") == Some("reg"))
        .expect("a reg SUBSCRIBE");
    assert_eq!(reg.headers.get("Accept"), Some("application/reginfo+xml"));
    let on = body_of(include_bytes!(
        "../../../../tests/fixtures/kamailio/reg-notify-registered.sip"
    ));
    let off = body_of(include_bytes!(
        "../../../../tests/fixtures/kamailio/reg-notify-unregistered.sip"
    ));
    h.events.clear();
    for (cseq, body) in [(2, &on), (3, &off), (4, &on)] {
        h.deliver(notify(
            reg,
            cseq,
            "active;expires=600",
            Some(("application/reginfo+xml", body)),
        ));
    }
    let seen: Vec<bool> = h
        .events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Registration { doc, .. } => Some(doc.as_ref().unwrap().registered()),
            _ => None,
        })
        .collect();
    assert_eq!(seen, [true, false, true], "none dropped as a repeat");
    // The first NOTIFY (no body) said: nobody registered.
    assert!(establish_registration_was_empty(&subs));
}

/// `establish_all` answered with an empty active NOTIFY: reported as
/// "nobody registered" (checked on a fresh harness).
fn establish_registration_was_empty(_subs: &[Request]) -> bool {
    let mut h = reg_and_dialog(1);
    establish_all(&mut h);
    h.events.iter().any(|e| {
        matches!(
            e,
            EngineEvent::Registration {
                doc: None,
                line: 0,
                ..
            }
        )
    })
}

#[test]
fn a_server_without_the_reg_package_answers_489_and_nothing_is_retried() {
    let mut h = reg_and_dialog(1);
    // The window opens as answers come: answer the dialog SUBSCRIBE.
    let mut reg = None;
    for _ in 0..5 {
        for s in h.requests(Method::Subscribe) {
            if s.headers.get("Event") == Some("reg") {
                reg = Some(s);
            } else {
                h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
                h.deliver(notify(&s, 1, "active;expires=600", None));
            }
        }
        if reg.is_some() {
            break;
        }
    }
    let reg = reg.expect("a reg SUBSCRIBE");
    let reg = &reg;
    h.deliver(reply(reg, 489, &[]).to_bytes());
    let statuses = h.statuses_of(0, Some(EventKind::Reg));
    assert!(
        matches!(statuses.last(), Some(SubscriptionStatus::Error(e)) if e.contains("does not support event reg")),
        "{statuses:?}"
    );
    h.advance(Duration::from_secs(3600));
    let again = h.requests(Method::Subscribe);
    assert!(
        again.iter().all(|s| s.headers.get("Event") != Some("reg")),
        "no second reg SUBSCRIBE"
    );
}

#[test]
fn resync_refreshes_the_dialog_subscription_in_its_dialog_once() {
    let mut h = reg_and_dialog(2);
    let subs = establish_all(&mut h);
    let dialog = subs
        .iter()
        .find(|s| {
            s.headers.get("Event") == Some("dialog")
                && s.headers.get("To").unwrap().contains("user0001")
        })
        .unwrap();
    let now = h.now;
    assert!(h.engine.resync(ContactId(1), EventKind::Dialog, now));
    let sent = h.requests(Method::Subscribe);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0].headers.get("Call-ID"),
        dialog.headers.get("Call-ID")
    );
    assert!(
        sent[0].headers.get("To").unwrap().contains("tag=srvtag"),
        "within the dialog"
    );
    // In flight: not again until answered.
    assert!(!h.engine.resync(ContactId(1), EventKind::Dialog, now));
    assert!(
        !h.engine.resync(ContactId(7), EventKind::Dialog, now),
        "no such contact"
    );
}

#[test]
fn another_line_gets_its_own_dialog_subscription_and_reports_as_that_line() {
    let mut cfg = config(Transport::Udp);
    cfg.presence = false;
    cfg.lines = vec![(ContactId(0), "sip:4711@127.0.0.1".into())];
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let subs = establish_all(&mut h);
    let second = subs
        .iter()
        .find(|s| s.uri == "sip:4711@127.0.0.1")
        .expect("a SUBSCRIBE to the second line");
    assert_eq!(second.headers.get("Event"), Some("dialog"));
    // Its first (empty) NOTIFY was reported as line 1 of contact 0.
    assert!(h.events.iter().any(|e| matches!(
        e,
        EngineEvent::Line { contact: ContactId(0), line: 1, event }
            if matches!(**event, EngineEvent::Dialog { doc: None, .. })
    )));
    // The first line's reports stay unwrapped.
    assert!(h.events.iter().any(|e| matches!(
        e,
        EngineEvent::Dialog {
            contact: ContactId(0),
            doc: None,
            ..
        }
    )));
}

/// RFC 6665 §8.2.1: 489 means the server does not know the package. After
/// the first one, no other contact's reg SUBSCRIBE goes out (the demo
/// server used to refuse 10,000 of them one by one), yet every contact
/// shows the same "no registration information" status, F7 the same
/// last code, and presence and dialog are subscribed as before.
#[test]
fn after_one_489_for_reg_no_other_reg_subscribe_is_sent_and_every_contact_shows_it() {
    const N: usize = 1000;
    let mut cfg = config(Transport::Udp);
    cfg.reg = true;
    let mut h = Harness::new(cfg, N);
    h.connect();
    // One message at a time, so that what was sent before the first 489
    // (already in flight) is told apart from what was sent after it.
    let (mut reg_sent, mut reg_after_refusal, mut refused) = (0, 0, false);
    let mut pending: std::collections::VecDeque<Request> = h.requests(Method::Subscribe).into();
    reg_sent += pending
        .iter()
        .filter(|s| s.headers.get("Event") == Some("reg"))
        .count();
    while let Some(s) = pending.pop_front() {
        if s.headers.get("Event") == Some("reg") {
            // Also those already in flight: each gets its own 489.
            h.deliver(reply(&s, 489, &[]).to_bytes());
            refused = true;
        } else {
            h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
            h.deliver(notify(&s, 1, "active;expires=600", None));
        }
        for next in h.requests(Method::Subscribe) {
            if next.headers.get("Event") == Some("reg") {
                reg_sent += 1;
                reg_after_refusal += usize::from(refused);
            }
            pending.push_back(next);
        }
    }
    assert!(refused, "a reg SUBSCRIBE went out");
    assert_eq!(reg_after_refusal, 0, "no reg SUBSCRIBE after the first 489");
    assert!(
        reg_sent < N / 10,
        "{reg_sent} reg SUBSCRIBEs for {N} contacts"
    );
    for c in 0..N as u32 {
        let reg = h.statuses_of(c, Some(EventKind::Reg));
        assert!(
            matches!(reg.last(), Some(SubscriptionStatus::Error(e)) if e == "the server does not support event reg"),
            "contact {c}: {reg:?}"
        );
        for other in [EventKind::Presence, EventKind::Dialog] {
            let st = h.statuses_of(c, Some(other));
            assert_eq!(
                st.last(),
                Some(&SubscriptionStatus::Active),
                "contact {c} {other:?}"
            );
        }
    }
    let report = h.engine.diagnostics();
    let reg_rows: Vec<_> = report
        .subscriptions
        .iter()
        .filter(|r| r.event == EventKind::Reg)
        .collect();
    assert_eq!(reg_rows.len(), N);
    assert!(
        reg_rows.iter().all(|r| r.last_code == Some(489)),
        "F7 shows 489 for each"
    );
    // The burst of status events does not stay allocated once read.
    assert!(
        h.engine.events.capacity() <= 64,
        "{}",
        h.engine.events.capacity()
    );
    h.advance(Duration::from_secs(3600));
    let again = h.requests(Method::Subscribe);
    assert!(
        again.iter().all(|s| s.headers.get("Event") != Some("reg")),
        "no reg SUBSCRIBE an hour later"
    );
}

/// F7's resubscribe after a 489: the package is tried again (the server
/// may have learnt it since).
#[test]
fn a_resubscribe_after_a_489_tries_the_package_again() {
    let mut cfg = config(Transport::Udp);
    cfg.reg = true;
    let mut h = Harness::new(cfg, 50);
    h.connect();
    for _ in 0..1000 {
        let subs = h.requests(Method::Subscribe);
        if subs.is_empty() {
            break;
        }
        for s in subs {
            if s.headers.get("Event") == Some("reg") {
                h.deliver(reply(&s, 489, &[]).to_bytes());
            } else {
                h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
                h.deliver(notify(&s, 1, "active;expires=600", None));
            }
        }
    }
    let now = h.now;
    h.engine.resubscribe(&[ContactId(42)], now);
    let again = h.requests(Method::Subscribe);
    assert!(
        again.iter().any(|s| s.headers.get("Event") == Some("reg")
            && s.headers.get("To").is_some_and(|t| t.contains("user0042"))),
        "{again:?}"
    );
}
