//! The publication when things go wrong in the middle: a lost TCP
//! connection, credentials from an old challenge (a restarted server), a
//! server Min-Expires that outlasts the until. Fake clock.

use std::time::{Duration, Instant};

use super::tests::{DOC, answer, cfg, events, sent};
use super::*;

#[test]
fn a_lost_connection_resends_at_once_then_backs_off() {
    let t0 = Instant::now();
    let mut c = cfg();
    c.transport = Transport::Tcp;
    let mut p = Publication::new(c);
    p.set(t0, DOC.to_vec(), None);
    let first = sent(&mut p);
    assert!(
        first
            .headers
            .get("Via")
            .is_some_and(|v| v.starts_with("SIP/2.0/TCP ")),
        "{:?}",
        first.headers.get("Via")
    );
    // The connection drops before the answer: the same PUBLISH goes again
    // at once (a new transaction), no failure reported.
    p.connection_lost(t0);
    let again = sent(&mut p);
    assert_eq!(again.body, DOC);
    assert_ne!(
        again.headers.get("Via"),
        first.headers.get("Via"),
        "a new branch"
    );
    assert!(events(&mut p).is_empty());
    // Lost again: now it fails at once and is retried after the backoff,
    // not after the 32 s transaction timeout.
    p.connection_lost(t0);
    assert!(p.poll_transmit().is_none());
    let ev = events(&mut p);
    assert!(
        matches!(ev.as_slice(), [PublicationEvent::Failed { retry_at: Some(r), .. }] if *r == t0 + policy::retry_after(2)),
        "{ev:?}"
    );
    p.handle_timeout(t0 + policy::retry_after(2));
    let retried = sent(&mut p);
    answer(
        &mut p,
        t0 + policy::retry_after(2),
        &retried,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "600")],
    );
    assert_eq!(p.etag(), Some("e1"));
    // Nothing in flight: a lost connection changes nothing.
    p.connection_lost(t0 + Duration::from_secs(5));
    assert!(p.poll_transmit().is_none());
}

#[test]
fn credentials_from_an_old_challenge_are_renewed_once_not_taken_as_refused() {
    // A server restart (or an expired nonce without stale=true): the change
    // reuses the old challenge, gets a 401 with a new nonce, and answers it.
    let t0 = Instant::now();
    let mut p = Publication::new(cfg());
    p.set(t0, DOC.to_vec(), None);
    let req = sent(&mut p);
    let ch1 = "Digest realm=\"example.test\", nonce=\"n1\", qop=\"auth\"";
    answer(&mut p, t0, &req, 401, &[("WWW-Authenticate", ch1)]);
    let authed = sent(&mut p);
    answer(
        &mut p,
        t0,
        &authed,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "600")],
    );
    events(&mut p);
    p.set(t0, b"<presence>2</presence>".to_vec(), None);
    let change = sent(&mut p);
    assert!(
        change
            .headers
            .get("Authorization")
            .is_some_and(|a| a.contains("nonce=\"n1\""))
    );
    let ch2 = "Digest realm=\"example.test\", nonce=\"n2\", qop=\"auth\"";
    answer(&mut p, t0, &change, 401, &[("WWW-Authenticate", ch2)]);
    let renewed = sent(&mut p);
    assert!(
        renewed
            .headers
            .get("Authorization")
            .is_some_and(|a| a.contains("nonce=\"n2\"")),
        "answered the new challenge"
    );
    assert!(events(&mut p).is_empty(), "no failure");
    // Refused again right after the fresh challenge: now it is refused.
    answer(&mut p, t0, &renewed, 401, &[("WWW-Authenticate", ch2)]);
    assert!(p.poll_transmit().is_none());
    assert!(matches!(
        events(&mut p).as_slice(),
        [PublicationEvent::Failed {
            status: Some(401),
            ..
        }]
    ));
}

/// A publication with `until` 60 s ahead on a server whose Min-Expires is
/// 300 s: published for 300 s after the 423.
fn published_past_until(t0: Instant) -> Publication {
    let mut c = cfg();
    c.expires = 3600;
    let mut p = Publication::new(c);
    p.set(t0, DOC.to_vec(), Some(t0 + Duration::from_secs(60)));
    let req = sent(&mut p);
    assert_eq!(
        req.headers.get("Expires"),
        Some("60"),
        "capped at the until"
    );
    answer(&mut p, t0, &req, 423, &[("Min-Expires", "300")]);
    let again = sent(&mut p);
    assert_eq!(
        again.headers.get("Expires"),
        Some("300"),
        "the server's rule"
    );
    answer(
        &mut p,
        t0,
        &again,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "300")],
    );
    events(&mut p);
    p
}

#[test]
fn a_min_expires_past_the_until_is_removed_at_the_until_when_nothing_replaces_it() {
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(60);
    let mut p = published_past_until(t0);
    assert_eq!(
        p.poll_timeout(),
        Some(until),
        "no refresh, the until is next"
    );
    p.handle_timeout(until);
    assert!(
        p.poll_transmit().is_none(),
        "the owner gets its chance first"
    );
    assert_eq!(events(&mut p), vec![PublicationEvent::UntilReached]);
    let lapse = until + policy::UNTIL_GRACE;
    assert_eq!(p.poll_timeout(), Some(lapse));
    p.handle_timeout(lapse);
    let removal = sent(&mut p);
    assert_eq!(removal.headers.get("Expires"), Some("0"));
    assert_eq!(removal.headers.get("SIP-If-Match"), Some("e1"));
    answer(&mut p, lapse, &removal, 200, &[]);
    assert_eq!(events(&mut p), vec![PublicationEvent::Removed]);
    assert_eq!(p.etag(), None);
    assert_eq!(p.poll_timeout(), None, "nothing more");
}

#[test]
fn a_min_expires_past_the_until_is_replaced_by_the_owners_document_without_removal() {
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(60);
    let mut p = published_past_until(t0);
    p.handle_timeout(until);
    assert_eq!(events(&mut p), vec![PublicationEvent::UntilReached]);
    // The owner publishes the default state at once.
    p.set(until, b"<presence>default</presence>".to_vec(), None);
    let change = sent(&mut p);
    assert_eq!(change.body, b"<presence>default</presence>");
    assert_eq!(change.headers.get("SIP-If-Match"), Some("e1"));
    assert_eq!(change.headers.get("Expires"), Some("3600"));
    answer(
        &mut p,
        until,
        &change,
        200,
        &[("SIP-ETag", "e2"), ("Expires", "3600")],
    );
    events(&mut p);
    // No removal follows: the next wake-up is the refresh.
    let next = p.poll_timeout().expect("a refresh");
    assert!(next > until + Duration::from_secs(3000), "{next:?}");
}
