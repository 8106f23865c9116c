use super::*;
use crate::sip::auth::{DigestClient, parse_challenge};

const CREDS: Option<(&str, &str)> = Some(("reception", "s3cret"));

/// Sends `req`, expecting a 401; returns the challenge.
fn challenged(s: &mut Server, now: Instant, req: &Request) -> crate::sip::auth::Challenge {
    let msgs = send(s, now, client(), &req.to_bytes());
    assert_eq!(msgs.len(), 1);
    let r = response(&msgs[0]);
    assert_eq!(r.status, 401, "{r:?}");
    parse_challenge(r.headers.get("WWW-Authenticate").unwrap()).unwrap()
}

fn with_auth(
    mut req: Request,
    challenge: crate::sip::auth::Challenge,
    user: &str,
    password: &str,
) -> Request {
    let mut digest = DigestClient::new(challenge, false);
    let (name, value) = digest.authorize(
        req.method.as_str(),
        &req.uri.clone(),
        user,
        password,
        "cn0nce",
    );
    req.headers.push(name, value);
    req
}

#[test]
fn subscribe_is_challenged_then_accepted_with_the_right_password() {
    let (mut s, t0) = server(CREDS);
    let mut sub = Sub::new("alice", "presence");
    let challenge = challenged(&mut s, t0, &sub.request(600));
    assert_eq!(
        (challenge.realm.as_str(), challenge.stale),
        ("127.0.0.1", false)
    );
    assert_eq!(challenge.qop, vec!["auth".to_string()]);
    assert_eq!(s.subscription_count(), 0);
    let req = with_auth(sub.request(600), challenge, "reception", "s3cret");
    let msgs = send(&mut s, t0, client(), &req.to_bytes());
    assert_eq!(status(&msgs[0]), 200);
    assert_eq!(request(&msgs[1]).method, Method::Notify);
}

#[test]
fn a_wrong_password_is_challenged_again_not_stale() {
    let (mut s, t0) = server(CREDS);
    let mut sub = Sub::new("alice", "presence");
    let challenge = challenged(&mut s, t0, &sub.request(600));
    let req = with_auth(sub.request(600), challenge, "reception", "guess");
    let again = challenged(&mut s, t0, &req);
    assert!(!again.stale, "a wrong password is not a stale nonce");
    let req = with_auth(sub.request(600), again.clone(), "someone", "s3cret");
    assert!(
        !challenged(&mut s, t0, &req).stale,
        "an unknown user neither"
    );
    assert_eq!(s.subscription_count(), 0);
}

#[test]
fn an_old_nonce_is_stale_and_a_forged_one_is_not_ours() {
    let (mut s, t0) = server(CREDS);
    let mut sub = Sub::new("alice", "presence");
    let challenge = challenged(&mut s, t0, &sub.request(600));
    let later = t0 + Duration::from_secs(301);
    let req = with_auth(sub.request(600), challenge.clone(), "reception", "s3cret");
    assert!(challenged(&mut s, later, &req).stale);
    let mut forged = challenge;
    forged.nonce = "0.0123456789abcdef".into();
    let req = with_auth(sub.request(600), forged, "reception", "s3cret");
    assert!(!challenged(&mut s, t0, &req).stale);
}

#[test]
fn authenticated_as_someone_else_than_from_is_forbidden() {
    let (mut s, t0) = server(CREDS);
    let mut sub = Sub::new("alice", "presence");
    let challenge = challenged(&mut s, t0, &sub.request(600));
    let mut req = with_auth(sub.request(600), challenge, "reception", "s3cret");
    req.headers.set("From", "<sip:mallory@127.0.0.1>;tag=x");
    let msgs = send(&mut s, t0, client(), &req.to_bytes());
    assert_eq!(status(&msgs[0]), 403);
}
