//! The publication state machine on a fake clock: ETag, refresh, 412, 423,
//! 489, removal, credentials, the `until` cap.

use std::time::{Duration, Instant};

use super::*;
use crate::sip::codec::{Message, Request, parse, response_to};

pub(super) fn cfg() -> PublicationConfig {
    let mut c = PublicationConfig::new(
        "sip:alice@example.test",
        "127.0.0.1:5099".parse().expect("addr"),
        Transport::Udp,
    );
    c.password = Some("secret".into());
    c
}

pub(super) fn sent(p: &mut Publication) -> Request {
    let bytes = p.poll_transmit().expect("a PUBLISH was sent");
    match parse(&bytes).expect("our PUBLISH parses") {
        Message::Request(r) => r,
        Message::Response(r) => panic!("sent a response {}", r.status),
    }
}

pub(super) fn answer(
    p: &mut Publication,
    now: Instant,
    req: &Request,
    status: u16,
    extra: &[(&str, &str)],
) {
    let mut resp = response_to(req, status, "Whatever", Some("srv"));
    for (n, v) in extra {
        resp.headers.push(n, *v);
    }
    assert!(p.handle_datagram(now, &resp.to_bytes()), "answer matched");
}

pub(super) fn events(p: &mut Publication) -> Vec<PublicationEvent> {
    std::iter::from_fn(|| p.poll_event()).collect()
}

pub(super) const DOC: &[u8] = b"<presence/>";

#[test]
fn first_publish_carries_body_and_no_if_match_then_keeps_the_etag() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let req = sent(&mut p);
    assert_eq!(req.method, crate::sip::codec::Method::Publish);
    assert_eq!(req.uri, "sip:alice@example.test");
    assert_eq!(req.headers.get("Event"), Some("presence"));
    assert_eq!(
        req.headers.get("Content-Type"),
        Some("application/pidf+xml")
    );
    assert_eq!(req.headers.get("Expires"), Some("3600"));
    assert_eq!(req.headers.get("SIP-If-Match"), None);
    assert_eq!(req.body, DOC);
    answer(
        &mut p,
        t0,
        &req,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "600")],
    );
    assert_eq!(p.etag(), Some("e1"));
    assert_eq!(
        events(&mut p),
        vec![PublicationEvent::Published {
            etag: "e1".into(),
            expires_at: t0 + Duration::from_secs(600)
        }]
    );
    // A change carries the body and the ETag.
    p.set(t0, b"<presence>2</presence>".to_vec(), None);
    let req = sent(&mut p);
    assert_eq!(req.headers.get("SIP-If-Match"), Some("e1"));
    assert_eq!(req.body, b"<presence>2</presence>");
}

#[test]
fn refresh_goes_before_expiry_without_body_and_with_if_match() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let req = sent(&mut p);
    answer(
        &mut p,
        t0,
        &req,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "600")],
    );
    let at = p.poll_timeout().expect("a refresh is due");
    assert_eq!(at, t0 + Duration::from_secs(560));
    p.handle_timeout(at);
    let req = sent(&mut p);
    assert!(req.body.is_empty(), "a refresh has no body");
    assert_eq!(req.headers.get("SIP-If-Match"), Some("e1"));
    assert_eq!(req.headers.get("Content-Type"), None);
    answer(
        &mut p,
        at,
        &req,
        200,
        &[("SIP-ETag", "e2"), ("Expires", "600")],
    );
    assert_eq!(p.etag(), Some("e2"));
}

#[test]
fn a_412_publishes_afresh_with_the_body() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let req = sent(&mut p);
    answer(
        &mut p,
        t0,
        &req,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "600")],
    );
    let at = p.poll_timeout().expect("refresh");
    p.handle_timeout(at);
    let refresh = sent(&mut p);
    answer(&mut p, at, &refresh, 412, &[]);
    let again = sent(&mut p);
    assert_eq!(again.headers.get("SIP-If-Match"), None);
    assert_eq!(again.body, DOC);
    answer(
        &mut p,
        at,
        &again,
        200,
        &[("SIP-ETag", "e9"), ("Expires", "600")],
    );
    assert_eq!(p.etag(), Some("e9"));
}

#[test]
fn a_423_is_followed_with_the_min_expires() {
    let t0 = Instant::now();
    let mut c = cfg();
    c.expires = 30;
    let mut p = Publication::new(c);
    p.set(t0, DOC.to_vec(), None);
    let req = sent(&mut p);
    assert_eq!(req.headers.get("Expires"), Some("30"));
    answer(&mut p, t0, &req, 423, &[("Min-Expires", "120")]);
    let again = sent(&mut p);
    assert_eq!(again.headers.get("Expires"), Some("120"));
    assert_eq!(again.body, DOC);
    assert!(events(&mut p).is_empty(), "a followed 423 is no failure");
}

#[test]
fn a_489_fails_for_good_until_the_next_set() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let req = sent(&mut p);
    answer(&mut p, t0, &req, 489, &[]);
    match events(&mut p).as_slice() {
        [
            PublicationEvent::Failed {
                status: Some(489),
                retry_at: None,
                reason,
            },
        ] => assert!(reason.contains("Bad Event"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.poll_timeout(), None, "nothing more is tried");
}

#[test]
fn removal_sends_expires_zero_with_the_etag() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let req = sent(&mut p);
    answer(
        &mut p,
        t0,
        &req,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "600")],
    );
    events(&mut p);
    p.remove(t0);
    let req = sent(&mut p);
    assert_eq!(req.headers.get("Expires"), Some("0"));
    assert_eq!(req.headers.get("SIP-If-Match"), Some("e1"));
    assert!(req.body.is_empty());
    answer(&mut p, t0, &req, 200, &[]);
    assert_eq!(events(&mut p), vec![PublicationEvent::Removed]);
    assert_eq!(p.etag(), None);
    assert_eq!(p.poll_timeout(), None, "no refresh after removal");
}

#[test]
fn removal_without_a_publication_sends_nothing() {
    let mut p = Publication::new(cfg());
    p.remove(Instant::now());
    assert!(p.poll_transmit().is_none());
    assert_eq!(events(&mut p), vec![PublicationEvent::Removed]);
}

#[test]
fn expires_never_reaches_past_until_and_until_is_reported() {
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(90);
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), Some(until));
    let req = sent(&mut p);
    assert_eq!(req.headers.get("Expires"), Some("90"));
    // The server shortens every grant to 30 s: refreshes follow, each one
    // capped at what is left of the until.
    answer(
        &mut p,
        t0,
        &req,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "30")],
    );
    events(&mut p);
    let mut now = t0;
    let mut refreshes = 0;
    while let Some(next) = p.poll_timeout() {
        now = next;
        p.handle_timeout(now);
        while let Some(bytes) = p.poll_transmit() {
            let Message::Request(req) = parse(&bytes).expect("parses") else {
                panic!("a request");
            };
            let e: u64 = req
                .headers
                .get("Expires")
                .and_then(|e| e.parse().ok())
                .expect("Expires");
            assert!(
                now + Duration::from_secs(e) <= until,
                "Expires {e} past until"
            );
            refreshes += 1;
            let granted = e.min(30).to_string();
            answer(
                &mut p,
                now,
                &req,
                200,
                &[("SIP-ETag", "e2"), ("Expires", &granted)],
            );
        }
        if events(&mut p).contains(&PublicationEvent::UntilReached) {
            break;
        }
    }
    assert!(refreshes >= 2, "refreshed {refreshes} times");
    assert_eq!(now, until, "until is reported at until");
}

#[test]
fn a_grant_that_reaches_until_is_not_refreshed() {
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(90);
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), Some(until));
    let req = sent(&mut p);
    answer(
        &mut p,
        t0,
        &req,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "90")],
    );
    assert_eq!(p.poll_timeout(), Some(until), "only the until is due");
    p.handle_timeout(until);
    assert!(
        p.poll_transmit().is_none(),
        "no PUBLISH: it lapses at until"
    );
    assert_eq!(events(&mut p).last(), Some(&PublicationEvent::UntilReached));
}

#[test]
fn an_until_in_the_past_publishes_nothing() {
    let t0 = Instant::now() + Duration::from_secs(10);
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), Some(t0 - Duration::from_secs(1)));
    assert!(p.poll_transmit().is_none());
    assert_eq!(events(&mut p), vec![PublicationEvent::UntilReached]);
}

#[test]
fn a_challenge_is_answered_once_and_refused_credentials_fail() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let req = sent(&mut p);
    let ch = "Digest realm=\"example.test\", nonce=\"n1\", qop=\"auth\"";
    answer(&mut p, t0, &req, 401, &[("WWW-Authenticate", ch)]);
    let authed = sent(&mut p);
    let auth = authed.headers.get("Authorization").expect("credentials");
    assert!(auth.contains("username=\"alice\""), "{auth}");
    assert!(auth.contains("uri=\"sip:alice@example.test\""), "{auth}");
    assert_eq!(authed.body, DOC);
    answer(&mut p, t0, &authed, 401, &[("WWW-Authenticate", ch)]);
    assert!(
        p.poll_transmit().is_none(),
        "no loop on refused credentials"
    );
    match events(&mut p).as_slice() {
        [
            PublicationEvent::Failed {
                status: Some(401),
                reason,
                ..
            },
        ] => {
            assert!(reason.contains("refused"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_timeout_is_retried_with_backoff_and_retransmits_before() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let _ = sent(&mut p);
    let mut now;
    let mut retransmits = 0;
    loop {
        now = p.poll_timeout().expect("a timer");
        p.handle_timeout(now);
        if !events(&mut p).is_empty() {
            break;
        }
        while p.poll_transmit().is_some() {
            retransmits += 1;
        }
    }
    assert!(retransmits >= 5, "UDP retransmits: {retransmits}");
    assert_eq!(now, t0 + Duration::from_secs(32), "Timer F");
    let retry = p.poll_timeout().expect("a retry");
    assert_eq!(retry, now + Duration::from_secs(2));
    p.handle_timeout(retry);
    assert_eq!(sent(&mut p).body, DOC);
}

#[test]
fn a_set_during_a_transaction_waits_and_the_newest_wins() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let first = sent(&mut p);
    p.set(t0, b"<b/>".to_vec(), None);
    p.set(t0, b"<c/>".to_vec(), None);
    assert!(p.poll_transmit().is_none(), "one PUBLISH at a time");
    answer(
        &mut p,
        t0,
        &first,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "600")],
    );
    let next = sent(&mut p);
    assert_eq!(next.body, b"<c/>");
    assert_eq!(next.headers.get("SIP-If-Match"), Some("e1"));
}

#[test]
fn someone_elses_response_is_ignored() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let mut req = sent(&mut p);
    req.headers
        .set("Via", "SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKother");
    let resp = response_to(&req, 200, "OK", None);
    assert!(!p.handle_datagram(t0, &resp.to_bytes()));
    assert!(p.is_busy());
}

#[test]
fn an_etag_that_is_not_a_token_is_not_taken() {
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let req = sent(&mut p);
    answer(
        &mut p,
        t0,
        &req,
        200,
        &[("SIP-ETag", "a b"), ("Expires", "600")],
    );
    assert_eq!(p.etag(), None);
    match events(&mut p).as_slice() {
        [PublicationEvent::Failed { reason, .. }] => {
            assert!(reason.contains("SIP-ETag"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}
