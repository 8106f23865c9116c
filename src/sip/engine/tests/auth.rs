//! Digest authentication: one challenge reused, SHA-256, wrong passwords, stale nonces.

use super::*;

#[test]
fn digest_challenge_is_answered_once_and_reused_with_increasing_nonce_count() {
    let mut h = Harness::new(config(Transport::Udp), 3);
    h.connect();
    let first = h.requests(Method::Subscribe);
    assert_eq!(first.len(), 1);
    assert!(first[0].headers.get("Authorization").is_none());
    let challenge = r#"Digest realm="127.0.0.1", nonce="abc123", qop="auth", algorithm=MD5"#;
    h.deliver(reply(&first[0], 401, &[("WWW-Authenticate", challenge)]).to_bytes());
    let again = h.requests(Method::Subscribe);
    assert_eq!(again.len(), 1);
    let auth = again[0]
        .headers
        .get("Authorization")
        .expect("credentials after a 401");
    assert!(
        auth.contains("nonce=\"abc123\"") && auth.contains("nc=00000001"),
        "{auth}"
    );
    assert_eq!(
        again[0].headers.get("Call-ID"),
        first[0].headers.get("Call-ID"),
        "same dialog"
    );
    assert_eq!(
        parse_cseq(again[0].headers.get("CSeq").unwrap())
            .unwrap()
            .seq,
        2,
        "next CSeq"
    );
    h.deliver(reply(&again[0], 200, &[("Expires", "600")]).to_bytes());
    let rest = h.requests(Method::Subscribe);
    assert_eq!(rest.len(), 5, "the window opens for the 5 others");
    let mut ncs: Vec<String> = rest
        .iter()
        .map(|r| {
            let a = r
                .headers
                .get("Authorization")
                .expect("reused credentials, no extra 401 round trip");
            a.split("nc=").nth(1).unwrap()[..8].to_string()
        })
        .collect();
    ncs.sort();
    assert_eq!(
        ncs,
        ["00000002", "00000003", "00000004", "00000005", "00000006"]
    );
}

#[test]
fn sha256_challenges_are_answered() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let first = h.requests(Method::Subscribe);
    let challenge = r#"Digest realm="x", nonce="n1", qop="auth,auth-int", algorithm=SHA-256"#;
    h.deliver(reply(&first[0], 401, &[("WWW-Authenticate", challenge)]).to_bytes());
    let again = h.requests(Method::Subscribe);
    let auth = again[0].headers.get("Authorization").unwrap();
    assert!(
        auth.contains("algorithm=SHA-256") && auth.contains("qop=auth"),
        "{auth}"
    );
}

#[test]
fn wrong_password_is_reported_as_auth_failure_not_retried_in_a_loop() {
    let mut h = Harness::new(config(Transport::Udp), 2);
    h.connect();
    let first = h.requests(Method::Subscribe);
    h.deliver(
        reply(
            &first[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n1", qop="auth""#,
            )],
        )
        .to_bytes(),
    );
    let again = h.requests(Method::Subscribe);
    h.deliver(
        reply(
            &again[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n2", qop="auth""#,
            )],
        )
        .to_bytes(),
    );
    assert!(
        h.events.iter().any(|e| matches!(e, EngineEvent::Connection { state: ConnectionState::AuthFailed(why), .. } if why.contains("attendant"))),
        "{:?}",
        h.events
    );
    assert!(
        h.requests(Method::Subscribe).len() <= 1,
        "no storm of retries"
    );
    assert!(
        matches!(h.statuses(0).last(), Some(SubscriptionStatus::Error(e)) if e.contains("rejected"))
    );
}

#[test]
fn a_stale_nonce_falls_back_to_the_new_challenge() {
    let mut h = Harness::new(config(Transport::Udp), 2);
    h.connect();
    let first = h.requests(Method::Subscribe);
    h.deliver(
        reply(
            &first[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n1", qop="auth""#,
            )],
        )
        .to_bytes(),
    );
    let again = h.requests(Method::Subscribe);
    h.deliver(reply(&again[0], 200, &[("Expires", "600")]).to_bytes());
    let reuse = h.requests(Method::Subscribe);
    assert!(!reuse.is_empty());
    // The server now finds n1 stale.
    h.deliver(
        reply(
            &reuse[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n2", qop="auth", stale=true"#,
            )],
        )
        .to_bytes(),
    );
    let retried = h.requests(Method::Subscribe);
    assert!(retried.iter().any(|r| {
        r.headers
            .get("Authorization")
            .unwrap()
            .contains("nonce=\"n2\"")
    }));
    assert!(!h.events.iter().any(|e| matches!(
        e,
        EngineEvent::Connection {
            state: ConnectionState::AuthFailed(_),
            ..
        }
    )));
}

#[test]
fn a_lost_answer_to_a_challenge_is_no_auth_failure() {
    let mut h = presence_only(1);
    let first = h.requests(Method::Subscribe);
    h.deliver(
        reply(
            &first[0],
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n1", qop="auth""#,
            )],
        )
        .to_bytes(),
    );
    // The answered request is lost: Timer F, then a retry with n1 meets a
    // server that restarted and challenges afresh (no stale flag).
    let mut retry = Vec::new();
    for _ in 0..400 {
        h.advance(Duration::from_secs(1));
        retry = h.requests(Method::Subscribe);
        if retry
            .iter()
            .any(|r| parse_cseq(r.headers.get("CSeq").unwrap()).unwrap().seq == 1)
        {
            break;
        }
    }
    let fresh = retry
        .iter()
        .find(|r| parse_cseq(r.headers.get("CSeq").unwrap()).unwrap().seq == 1)
        .expect("a fresh SUBSCRIBE");
    h.deliver(
        reply(
            fresh,
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="r", nonce="n2", qop="auth""#,
            )],
        )
        .to_bytes(),
    );
    assert!(
        !h.events.iter().any(|e| matches!(
            e,
            EngineEvent::Connection {
                state: ConnectionState::AuthFailed(_),
                ..
            }
        )),
        "a new challenge to a new request is not a wrong password"
    );
    let answered = h.requests(Method::Subscribe);
    assert!(answered.iter().any(|r| {
        r.headers
            .get("Authorization")
            .is_some_and(|a| a.contains("nonce=\"n2\""))
    }));
}
