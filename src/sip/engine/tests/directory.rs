//! Contacts added and removed while the engine runs (a directory reload).

use super::*;

fn uri(i: u32) -> String {
    format!("sip:user{i:04}@127.0.0.1")
}

#[test]
fn an_added_contact_is_subscribed_and_the_others_are_left_alone() {
    let mut h = presence_only(2);
    establish_all(&mut h);
    h.engine
        .add_contacts(&[(ContactId(7), "sip:new@127.0.0.1".into())], h.now);
    let subs = h.requests(Method::Subscribe);
    assert_eq!(subs.len(), 1, "only the new contact: {subs:?}");
    assert_eq!(subs[0].uri, "sip:new@127.0.0.1");
    assert_eq!(subs[0].headers.get("Expires"), Some("600"));
    assert!(h.statuses(7).contains(&SubscriptionStatus::Requesting));
    h.deliver(reply(&subs[0], 200, &[("Expires", "600")]).to_bytes());
    h.deliver(notify(
        &subs[0],
        1,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    assert!(h.statuses(7).ends_with(&[SubscriptionStatus::Active]));
}

#[test]
fn a_removed_contact_is_unsubscribed_and_nothing_more_is_sent_for_it() {
    let mut h = presence_only(3);
    establish_all(&mut h);
    h.engine.remove_contacts(&[ContactId(1)], h.now);
    let bye = h.requests(Method::Subscribe);
    assert_eq!(bye.len(), 1);
    assert_eq!(bye[0].uri.as_str(), "sip:127.0.0.1:5060", "in its dialog");
    assert_eq!(bye[0].headers.get("Expires"), Some("0"));
    assert!(
        bye[0].headers.get("To").unwrap().contains(&uri(1)),
        "the removed contact's dialog"
    );
    h.deliver(reply(&bye[0], 200, &[("Expires", "0")]).to_bytes());
    // No final NOTIFY (Kamailio may send none): nothing waits for it, and
    // the refreshes of the others go on while the removed one stays quiet.
    h.advance(Duration::from_secs(700));
    let later = h.requests(Method::Subscribe);
    assert!(!later.is_empty(), "the others are refreshed");
    assert!(
        later
            .iter()
            .all(|r| !r.headers.get("To").unwrap().contains(&uri(1))),
        "nothing more for the removed contact"
    );
}

#[test]
fn removals_are_paced_by_the_window() {
    let mut cfg = config(Transport::Udp);
    cfg.window = 4;
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 20);
    h.connect();
    establish_all(&mut h);
    let gone: Vec<ContactId> = (0..20).map(ContactId).collect();
    h.engine.remove_contacts(&gone, h.now);
    let mut ended = 0;
    loop {
        let batch = h.requests(Method::Subscribe);
        if batch.is_empty() {
            break;
        }
        assert!(
            batch.len() <= 5,
            "at most the window in flight: {}",
            batch.len()
        );
        for r in &batch {
            assert_eq!(r.headers.get("Expires"), Some("0"));
            h.deliver(reply(r, 200, &[("Expires", "0")]).to_bytes());
            ended += 1;
        }
    }
    assert_eq!(ended, 20);
}

#[test]
fn contacts_added_before_the_server_answers_wait_for_it() {
    let mut cfg = config(Transport::Udp);
    cfg.dialog = false;
    let mut h = Harness::new(cfg, 1);
    h.engine
        .add_contacts(&[(ContactId(5), "sip:early@127.0.0.1".into())], h.now);
    assert!(
        h.requests(Method::Subscribe).is_empty(),
        "not before the probe is answered"
    );
    h.connect();
    let uris: Vec<String> = establish_all(&mut h)
        .iter()
        .map(|r| r.uri.clone())
        .collect();
    assert!(
        uris.contains(&"sip:early@127.0.0.1".to_string()),
        "{uris:?}"
    );
}

#[test]
fn the_final_notify_of_a_removed_contact_starts_nothing_again() {
    let mut h = presence_only(2);
    let subs = establish_all(&mut h);
    let carol = subs
        .iter()
        .find(|r| r.headers.get("To").unwrap().contains(&uri(1)))
        .unwrap()
        .clone();
    h.engine.remove_contacts(&[ContactId(1)], h.now);
    let bye = h.requests(Method::Subscribe);
    assert_eq!(bye.len(), 1);
    // Kamailio's final NOTIFY (reason=timeout) may come before the 200.
    h.deliver(notify(&carol, 2, "terminated;reason=timeout", None));
    assert_eq!(h.responses()[0].status, 200);
    h.deliver(reply(&bye[0], 200, &[("Expires", "0")]).to_bytes());
    h.advance(Duration::from_secs(5));
    assert!(
        h.requests(Method::Subscribe).is_empty(),
        "no new subscription for the removed contact"
    );
}
