//! The diagnostics snapshot: connector statuses, per-subscription state,
//! last code, last NOTIFY, and the manual resubscribe.

use super::*;
use crate::sip::engine::diagnostics::{ConnectorStatus, SubState};

fn challenge(req: &Request, nonce: &str) -> Vec<u8> {
    let c = format!(r#"Digest realm="r", nonce="{nonce}", qop="auth""#);
    reply(req, 401, &[("WWW-Authenticate", c.as_str())]).to_bytes()
}

#[test]
fn the_connector_goes_from_connecting_to_up_and_running_since_the_answer() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    let report = h.engine.diagnostics();
    assert_eq!(report.status, ConnectorStatus::Connecting);
    assert!(!report.status.is_settled());
    h.now += Duration::from_millis(30);
    h.connect();
    let report = h.engine.diagnostics();
    assert_eq!(report.status, ConnectorStatus::UpAndRunning);
    assert_eq!(report.since, h.now, "since the probe's answer");
    assert_eq!(report.error, None);
    assert_eq!(report.server, SERVER);
}

#[test]
fn a_refused_password_reads_forbidden_with_the_servers_words() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let first = h.requests(Method::Subscribe);
    h.deliver(challenge(&first[0], "n1"));
    let again = h.requests(Method::Subscribe);
    h.deliver(challenge(&again[0], "n2"));
    let (status, error, _) = h.engine.connector_status();
    assert_eq!(status, ConnectorStatus::Forbidden);
    assert!(
        error
            .unwrap()
            .contains("rejected the credentials of attendant")
    );
}

#[test]
fn a_server_asking_for_a_password_we_do_not_have_reads_credentials_not_found() {
    let mut cfg = config(Transport::Udp);
    cfg.password = None;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let first = h.requests(Method::Subscribe);
    h.deliver(challenge(&first[0], "n1"));
    let (status, error, _) = h.engine.connector_status();
    assert_eq!(status, ConnectorStatus::CredentialsNotFound);
    assert!(error.unwrap().contains("none is configured"));
}

/// The answer a server that tells gives to credentials for an account it
/// does not have (our test Kamailio: auth_db's "user unknown").
fn unknown_account(req: &Request, status: u16, reason: &str, warning: Option<&str>) -> Vec<u8> {
    let mut r = response_to(req, status, reason, Some("srvtag"));
    if let Some(w) = warning {
        r.headers.push("Warning", w);
    }
    r.to_bytes()
}

/// A connected engine whose first SUBSCRIBE was challenged and whose
/// second, with credentials, gets `status reason` (and `warning`).
fn refused_after_credentials(status: u16, reason: &str, warning: Option<&str>) -> Harness {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let first = h.requests(Method::Subscribe);
    h.deliver(challenge(&first[0], "n1"));
    let with_credentials = h.requests(Method::Subscribe);
    h.deliver(unknown_account(
        &with_credentials[0],
        status,
        reason,
        warning,
    ));
    h
}

#[test]
fn an_account_the_server_does_not_know_reads_credentials_not_found() {
    for (status, phrase, warning) in [
        (403, "Unknown User", None),
        (403, "Forbidden", Some(r#"399 pbx "no such account""#)),
    ] {
        let h = refused_after_credentials(status, phrase, warning);
        let (got, error, _) = h.engine.connector_status();
        assert_eq!(
            got,
            ConnectorStatus::CredentialsNotFound,
            "{status} {phrase}"
        );
        let error = error.unwrap();
        assert!(
            error.contains("does not know the account attendant"),
            "{error}"
        );
        // The contact is not blamed: it is the connector's refusal.
        assert!(
            !h.statuses(0).contains(&SubscriptionStatus::AccessDenied),
            "{status} {phrase}"
        );
    }
}

#[test]
fn a_wrong_password_after_an_unknown_account_reads_forbidden_again() {
    let mut h = refused_after_credentials(403, "Unknown User", None);
    assert_eq!(
        h.engine.connector_status().0,
        ConnectorStatus::CredentialsNotFound
    );
    // The account now exists, with another password: the probe's
    // credentials are refused.
    h.advance(policy::auth_pause(1) + Duration::from_secs(1));
    let probe = h.requests(Method::Subscribe);
    assert!(!probe.is_empty(), "a probe after the pause");
    h.deliver(challenge(probe.last().unwrap(), "n2"));
    let again = h.requests(Method::Subscribe);
    h.deliver(challenge(again.last().unwrap(), "n3"));
    assert_eq!(h.engine.connector_status().0, ConnectorStatus::Forbidden);
}

#[test]
fn a_user_not_found_is_about_the_contact_not_our_account() {
    // "404 User Not Found" to our credentials: the contact does not exist.
    let h = refused_after_credentials(404, "User Not Found", None);
    assert_eq!(h.engine.connector_status().0, ConnectorStatus::UpAndRunning);
    assert!(h.statuses(0).contains(&SubscriptionStatus::NotFound));
}

#[test]
fn unknown_user_words_after_an_accepted_subscription_are_about_the_contact() {
    // The server accepted our credentials for one contact: its "403 Unknown
    // User" for another cannot mean our account.
    let mut h = presence_only(2);
    let s0 = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s0, 200, &[("Expires", "3600")]).to_bytes());
    let s1 = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(challenge(&s1, "n1"));
    let again = h.requests(Method::Subscribe);
    h.deliver(unknown_account(
        again.last().unwrap(),
        403,
        "Unknown User",
        None,
    ));
    assert_eq!(h.engine.connector_status().0, ConnectorStatus::UpAndRunning);
}

#[test]
fn a_refusal_without_our_credentials_stays_the_contacts_access_denied() {
    // No challenge came first: the words cannot be about our account.
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.connect();
    let first = h.requests(Method::Subscribe);
    h.deliver(unknown_account(&first[0], 403, "Unknown User", None));
    assert_eq!(h.engine.connector_status().0, ConnectorStatus::UpAndRunning);
    assert!(h.statuses(0).contains(&SubscriptionStatus::AccessDenied));
}

#[test]
fn a_silent_server_reads_connection_error() {
    let mut h = Harness::new(config(Transport::Udp), 1);
    h.advance(Duration::from_secs(10));
    let (status, error, since) = h.engine.connector_status();
    assert_eq!(status, ConnectorStatus::ConnectionError);
    assert!(error.unwrap().contains("does not answer"));
    assert!(since > h.now - Duration::from_secs(10));
}

#[test]
fn no_package_switched_on_reads_disabled() {
    let mut cfg = config(Transport::Udp);
    cfg.presence = false;
    cfg.dialog = false;
    let h = Harness::new(cfg, 2);
    let report = h.engine.diagnostics();
    assert_eq!(report.status, ConnectorStatus::Disabled);
    assert!(report.subscriptions.is_empty());
}

#[test]
fn each_subscription_shows_its_state_uri_last_code_and_last_notify() {
    let mut h = presence_only(3);
    // user0000: accepted and notified; user0001: not found; user0002: ended.
    let first = h.requests(Method::Subscribe);
    h.deliver(reply(&first[0], 200, &[("Expires", "600")]).to_bytes());
    h.now += Duration::from_secs(1);
    let notified_at = h.now;
    h.deliver(notify(&first[0], 1, "active;expires=600", None));
    let mut rest = h.requests(Method::Subscribe);
    rest.sort_by(|a, b| a.uri.cmp(&b.uri));
    assert_eq!(rest.len(), 2, "the window opened");
    h.deliver(reply(&rest[0], 404, &[]).to_bytes());
    h.deliver(reply(&rest[1], 202, &[("Expires", "600")]).to_bytes());
    h.deliver(notify(&rest[1], 1, "terminated;reason=giveup", None));
    let report = h.engine.diagnostics();
    let row = |n: usize| {
        report
            .subscriptions
            .iter()
            .find(|s| s.contact == Some(ContactId(n as u32)))
            .unwrap()
            .clone()
    };
    let alice = row(0);
    assert_eq!(alice.state, SubState::Active);
    assert_eq!(alice.uri, "sip:user0000@127.0.0.1");
    assert_eq!(alice.last_code, Some(200));
    assert_eq!(alice.last_notify, Some(notified_at));
    let bob = row(1);
    assert_eq!((bob.state, bob.last_code), (SubState::NotFound, Some(404)));
    assert_eq!(bob.last_notify, None);
    let carol = row(2);
    assert_eq!(carol.state, SubState::Terminated("giveup".into()));
    assert_eq!(carol.state.label(), "terminated");
    assert_eq!(
        report.counts(),
        [("active", 1), ("not found", 1), ("terminated", 1)]
    );
}

#[test]
fn a_manual_resubscribe_asks_again_even_after_a_final_not_found() {
    let mut h = presence_only(2);
    let subs = h.requests(Method::Subscribe);
    assert_eq!(subs[0].uri, "sip:user0000@127.0.0.1");
    h.deliver(reply(&subs[0], 404, &[]).to_bytes());
    let other = h.requests(Method::Subscribe);
    h.deliver(reply(&other[0], 200, &[("Expires", "600")]).to_bytes());
    h.deliver(notify(&other[0], 1, "active;expires=600", None));
    h.advance(Duration::from_secs(5));
    assert!(h.requests(Method::Subscribe).is_empty(), "404 is final");
    assert_eq!(h.engine.resubscribe(&[ContactId(0)], h.now), 1);
    let again = h.requests(Method::Subscribe);
    assert_eq!(again.len(), 1, "only the one contact");
    assert_eq!(again[0].uri, "sip:user0000@127.0.0.1");
    assert_ne!(
        again[0].headers.get("Call-ID"),
        subs[0].headers.get("Call-ID"),
        "a fresh dialog"
    );
    assert_eq!(h.statuses(0).last(), Some(&SubscriptionStatus::Requesting));
    h.deliver(reply(&again[0], 200, &[("Expires", "600")]).to_bytes());
    h.deliver(notify(&again[0], 1, "active;expires=600", None));
    assert_eq!(h.statuses(0).last(), Some(&SubscriptionStatus::Active));
    // Everything on the server: both subscriptions again.
    assert_eq!(h.engine.resubscribe_all(h.now), 2);
    let mut asked = h.requests(Method::Subscribe).len();
    asked += h.requests(Method::Subscribe).len();
    assert!(asked >= 1, "paced by the window, but asked again");
}

#[test]
fn a_test_subscription_shows_its_raw_answer_and_parsed_state_and_goes_after_a_minute() {
    use crate::sip::engine::test_sub::TEST_CONTACT;
    let mut h = presence_only(1);
    let own = h.requests(Method::Subscribe);
    h.deliver(reply(&own[0], 200, &[("Expires", "600")]).to_bytes());
    h.deliver(notify(&own[0], 1, "active;expires=600", None));
    let before = h.events.len();
    let started = h.now;
    assert!(
        h.engine
            .test_subscribe("not a uri", EventKind::Presence, h.now)
            .is_err()
    );
    h.engine
        .test_subscribe("sip:tester@127.0.0.1", EventKind::Presence, h.now)
        .unwrap();
    let sent = h.requests(Method::Subscribe);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].uri, "sip:tester@127.0.0.1");
    h.deliver(reply(&sent[0], 202, &[("Expires", "600")]).to_bytes());
    h.deliver(notify(
        &sent[0],
        1,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    let report = h.engine.diagnostics().test.expect("a test subscription");
    assert_eq!(report.uri, "sip:tester@127.0.0.1");
    assert_eq!(report.status, SubscriptionStatus::Active);
    let answer = report.answer.unwrap();
    assert!(answer.starts_with("SIP/2.0 202 Accepted"), "{answer}");
    assert!(answer.contains("Expires: 600"), "{answer}");
    let notify_text = report.notify.unwrap();
    assert!(notify_text.starts_with("NOTIFY "), "{notify_text}");
    assert!(notify_text.contains("<rpid:away/>"), "the body too");
    let parsed = report.parsed.unwrap();
    assert!(parsed.starts_with("presence: away"), "{parsed}");
    assert!(parsed.contains("Back in 5 minutes"), "{parsed}");
    assert_eq!(report.ends, started + Duration::from_secs(60));
    assert!(
        h.events[before..].iter().all(|e| !matches!(
            e,
            EngineEvent::Presence { contact, .. } | EngineEvent::Subscription { contact, .. }
                if *contact == TEST_CONTACT
        )),
        "the store never hears of it"
    );
    assert!(
        h.engine.diagnostics().subscriptions.len() == 1,
        "not a contact row"
    );
    // Still there at 59 s, gone at 60 s with an un-SUBSCRIBE.
    h.advance(Duration::from_secs(59));
    assert!(h.engine.test_report().is_some());
    h.requests(Method::Subscribe);
    h.advance(Duration::from_secs(1));
    assert!(h.engine.test_report().is_none(), "removed after a minute");
    assert!(h.engine.diagnostics().test.is_none());
    let ended = h.requests(Method::Subscribe);
    assert!(
        ended.iter().any(
            |r| r.headers.get("Call-ID") == sent[0].headers.get("Call-ID")
                && r.headers.get("Expires") == Some("0")
        ),
        "an un-SUBSCRIBE in its dialog: {ended:?}"
    );
}
