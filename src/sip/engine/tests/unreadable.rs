//! A body we cannot read never invents a state: engine and store together
//! on the fake clock, with the real Kamailio bodies of tests/fixtures/ and
//! each kind of unreadable one made from them.

use super::*;
use crate::body::xml::test_support::sip_body;
use crate::presence::{Freshness, LineState, Presence};
use crate::store::{ContactInfo, Store};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/kamailio/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    String::from_utf8(sip_body(&bytes).to_vec()).unwrap()
}

fn dialog_early() -> String {
    fixture("dialog-notify-callee-early.sip")
}

fn pidf_away() -> String {
    fixture("presence-notify-pidf-update.sip")
}

/// Every kind of body we cannot read for `event`, with its Content-Type:
/// not well-formed, wrong root element, wrong namespace, and the other
/// package's document (typed as such, and untyped).
fn unreadable_bodies(event: EventKind) -> Vec<(&'static str, &'static str, String)> {
    let (own, own_type, root, ns, other, other_type) = match event {
        EventKind::Dialog => (
            dialog_early(),
            "application/dialog-info+xml",
            "dialog-info",
            "urn:ietf:params:xml:ns:dialog-info",
            pidf_away(),
            "application/pidf+xml",
        ),
        EventKind::Presence | EventKind::Reg | EventKind::MessageSummary => (
            pidf_away(),
            "application/pidf+xml",
            "presence",
            "urn:ietf:params:xml:ns:pidf\"",
            dialog_early(),
            "application/dialog-info+xml",
        ),
    };
    let cut = own[..own.len() / 2].to_string();
    let wrong_root = own
        .replace(&format!("<{root} "), "<status-report ")
        .replace(&format!("</{root}>"), "</status-report>");
    let wrong_ns = own.replacen(ns.trim_end_matches('"'), "urn:example:not-ours", 1);
    vec![
        ("not well-formed", own_type, cut),
        ("wrong root element", own_type, wrong_root),
        ("wrong namespace", own_type, wrong_ns),
        ("other package's document", other_type, other.clone()),
        ("other package's document, untyped", "", other),
    ]
}

/// One contact, only `event` subscribed, connected.
fn harness(event: EventKind) -> (Harness, Request) {
    let mut cfg = config(Transport::Udp);
    cfg.presence = event == EventKind::Presence;
    cfg.dialog = event == EventKind::Dialog;
    let mut h = Harness::new(cfg, 1);
    h.connect();
    let s = h.requests(Method::Subscribe).pop().unwrap();
    h.deliver(reply(&s, 200, &[("Expires", "600")]).to_bytes());
    (h, s)
}

/// The store fed with everything the engine reported.
fn store(h: &Harness) -> Store {
    let mut store = Store::new(vec![ContactInfo {
        name: "User Zero".into(),
        uri: "sip:user0000@127.0.0.1".into(),
        extension: None,
        department: None,
    }]);
    for ev in &h.events {
        store.apply_event(ev);
    }
    store
}

fn send(h: &mut Harness, s: &Request, cseq: u32, ctype: &str, body: &str) {
    h.deliver(notify(s, cseq, "active;expires=600", Some((ctype, body))));
    let answers = h.responses();
    assert_eq!(
        answers.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200],
        "answered, so the subscription lives"
    );
}

#[test]
fn an_unreadable_dialog_body_keeps_the_last_line_state_not_current() {
    for (kind, ctype, body) in unreadable_bodies(EventKind::Dialog) {
        let (mut h, s) = harness(EventKind::Dialog);
        send(
            &mut h,
            &s,
            1,
            "application/dialog-info+xml",
            &dialog_early(),
        );
        let before = store(&h).shown(ContactId(0)).clone();
        assert_eq!(
            (before.line, before.freshness),
            (LineState::Ringing, Freshness::Fresh),
            "{kind}"
        );
        send(&mut h, &s, 2, ctype, &body);
        assert_eq!(
            h.statuses(0).last(),
            Some(&SubscriptionStatus::Active),
            "{kind}: the subscription is not failed"
        );
        let store = store(&h);
        let shown = store.shown(ContactId(0));
        assert_eq!(shown.line, LineState::Ringing, "{kind}: last state kept");
        assert_eq!(shown.freshness, Freshness::Stale, "{kind}: not current");
        let reason = shown.reason().unwrap_or_default();
        assert!(
            reason.starts_with("unreadable dialog document: "),
            "{kind}: {reason}"
        );
        // The next readable body makes it current again.
        send(&mut h, &s, 3, "", "");
        let shown = self::store(&h).shown(ContactId(0)).clone();
        assert_eq!(
            (shown.line, shown.freshness, shown.unreadable),
            (LineState::Ready, Freshness::Fresh, None),
            "{kind}"
        );
    }
}

#[test]
fn an_unreadable_presence_body_keeps_the_last_presence_not_current() {
    for (kind, ctype, body) in unreadable_bodies(EventKind::Presence) {
        let (mut h, s) = harness(EventKind::Presence);
        send(&mut h, &s, 1, "application/pidf+xml", &pidf_away());
        send(&mut h, &s, 2, ctype, &body);
        assert_eq!(h.statuses(0).last(), Some(&SubscriptionStatus::Active));
        let store = store(&h);
        let shown = store.shown(ContactId(0));
        assert_eq!(shown.presence, Presence::Away, "{kind}: not offline");
        assert_eq!(shown.note.as_deref(), Some("Back in 5 minutes"), "{kind}");
        assert_eq!(shown.freshness, Freshness::Stale, "{kind}");
        assert!(
            shown
                .reason()
                .is_some_and(|r| r.starts_with("unreadable presence document: ")),
            "{kind}: {:?}",
            shown.reason()
        );
    }
}

#[test]
fn an_unreadable_first_body_leaves_the_contact_unknown() {
    for event in [EventKind::Dialog, EventKind::Presence] {
        for (kind, ctype, body) in unreadable_bodies(event) {
            let (mut h, s) = harness(event);
            send(&mut h, &s, 1, ctype, &body);
            let store = store(&h);
            let shown = store.shown(ContactId(0));
            assert_eq!(
                (shown.presence, shown.line, shown.freshness),
                (Presence::Unknown, LineState::Unknown, Freshness::Unknown),
                "{event:?}, {kind}"
            );
            assert!(shown.unreadable.is_some(), "{event:?}, {kind}");
        }
    }
}

#[test]
fn a_dialog_subscription_on_probation_or_480_shows_an_unknown_line_not_faulty() {
    let (mut h, s) = harness(EventKind::Dialog);
    h.deliver(notify(
        &s,
        1,
        "terminated;reason=probation;retry-after=10",
        None,
    ));
    let shown = store(&h).shown(ContactId(0)).clone();
    assert_eq!(shown.line, LineState::Unknown);
    assert!(matches!(
        shown.subscription,
        SubscriptionStatus::Unavailable(_)
    ));
    assert!(
        shown.reason().is_some_and(|r| r.contains("probation")),
        "{shown:?}"
    );
    h.advance(Duration::from_secs(12));
    let again = h.requests(Method::Subscribe);
    let mut refused = reply(&again[0], 480, &[]);
    refused.reason = "Gone \u{9b}31m\u{202e}Fishing".into();
    h.deliver(refused.to_bytes());
    let shown = store(&h).shown(ContactId(0)).clone();
    assert_eq!(shown.line, LineState::Unknown);
    assert_eq!(
        shown.subscription,
        SubscriptionStatus::Unavailable("480 Gone 31mFishing".into()),
        "the server's reason phrase, made harmless"
    );
}

#[test]
fn the_watch_line_of_an_unreadable_body_says_stale_and_why() {
    let (mut h, s) = harness(EventKind::Dialog);
    send(
        &mut h,
        &s,
        1,
        "application/dialog-info+xml",
        &dialog_early(),
    );
    let other = unreadable_bodies(EventKind::Dialog).pop().unwrap().2;
    send(&mut h, &s, 2, "", &other);
    let store = store(&h);
    let json = crate::watch::line(
        &store,
        ContactId(0),
        |_| std::time::SystemTime::UNIX_EPOCH,
        std::time::SystemTime::UNIX_EPOCH,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["line"], "ringing", "{json}");
    assert_eq!(v["stale"], true, "{json}");
    assert_eq!(v["subscription"], "active", "{json}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("unreadable dialog document: ")),
        "{json}"
    );
}

#[test]
fn the_status_bar_counts_an_unreadable_body_apart_from_failures() {
    use crate::app::{Model, Msg, Settings, update};
    let (mut h, s) = harness(EventKind::Dialog);
    send(
        &mut h,
        &s,
        1,
        "application/dialog-info+xml",
        &dialog_early(),
    );
    let pidf = pidf_away();
    send(&mut h, &s, 2, "application/pidf+xml", &pidf);
    let contacts = vec![ContactInfo {
        name: "User Zero".into(),
        uri: "sip:user0000@127.0.0.1".into(),
        extension: None,
        department: None,
    }];
    let mut m = Model::new(contacts, Settings::default());
    for ev in h.events.clone() {
        update(&mut m, Msg::Engine(ev));
    }
    assert_eq!(
        (m.counts.active, m.counts.failed, m.counts.unreadable),
        (0, 0, 1),
        "up but unreadable: not failed"
    );
    send(&mut h, &s, 3, "", "");
    let last = h.events.last().cloned().unwrap();
    update(&mut m, Msg::Engine(last));
    assert_eq!(
        (m.counts.active, m.counts.failed, m.counts.unreadable),
        (1, 0, 0),
        "readable again: active"
    );
}
