//! Resource list subscriptions (RFC 4662) on a fake clock: one SUBSCRIBE
//! for everyone, versions, gaps, members added and lost, fallback.

use super::*;
use crate::presence::{ContactInfo, Presence};
use crate::sip::events::ListState;

pub(super) const LIST: &str = "sip:attendant-list@127.0.0.1";

/// A connected harness with a list for presence and `n` directory contacts.
pub(super) fn with_list(n: usize) -> Harness {
    let mut cfg = config(Transport::Tcp);
    cfg.dialog = false;
    cfg.list = Some(LIST.into());
    let mut h = Harness::new(cfg, n);
    h.connect();
    h
}

/// One member of a list NOTIFY: URI, name, instance state (`None`: no
/// instance), PIDF body.
pub(super) struct M<'a> {
    pub uri: &'a str,
    pub name: Option<&'a str>,
    pub state: Option<&'a str>,
    pub pidf: Option<&'a str>,
}

pub(super) fn m<'a>(uri: &'a str, state: Option<&'a str>, pidf: Option<&'a str>) -> M<'a> {
    M {
        uri,
        name: None,
        state,
        pidf,
    }
}

pub(super) fn pidf(uri: &str, basic: &str) -> String {
    format!(
        r#"<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="{uri}"><tuple id="t"><status><basic>{basic}</basic></status></tuple></presence>"#
    )
}

/// A list NOTIFY (multipart/related, RLMI root, a PIDF part per member
/// with a body), with `Require: eventlist`.
pub(super) fn list_notify(
    sub: &Request,
    cseq: u32,
    version: u64,
    full: bool,
    members: &[M<'_>],
) -> Vec<u8> {
    let mut rlmi = format!(
        r#"<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="{LIST}" version="{version}" fullState="{full}">"#
    );
    let mut parts = String::new();
    for (k, mb) in members.iter().enumerate() {
        rlmi.push_str(&format!(r#"<resource uri="{}">"#, mb.uri));
        if let Some(name) = mb.name {
            rlmi.push_str(&format!("<name>{name}</name>"));
        }
        if let Some(state) = mb.state {
            let cid = mb
                .pidf
                .map(|_| format!(r#" cid="c{k}@x""#))
                .unwrap_or_default();
            rlmi.push_str(&format!(r#"<instance id="i{k}" state="{state}"{cid}/>"#));
        }
        rlmi.push_str("</resource>");
        if let Some(body) = mb.pidf {
            parts.push_str(&format!(
                "--BND\r\nContent-ID: <c{k}@x>\r\nContent-Type: application/pidf+xml\r\n\r\n{body}\r\n"
            ));
        }
    }
    rlmi.push_str("</list>");
    let body = format!(
        "--BND\r\nContent-ID: <root@x>\r\nContent-Type: application/rlmi+xml\r\n\r\n{rlmi}\r\n{parts}--BND--\r\n"
    );
    let ctype =
        "multipart/related;type=\"application/rlmi+xml\";start=\"<root@x>\";boundary=\"BND\"";
    with_require(notify(
        sub,
        cseq,
        "active;expires=600",
        Some((ctype, &body)),
    ))
}

pub(super) fn with_require(msg: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(msg).unwrap();
    let (first, rest) = text.split_once("\r\n").unwrap();
    format!("{first}\r\nRequire: eventlist\r\n{rest}").into_bytes()
}

/// Connect and accept the list SUBSCRIBE; returns it.
pub(super) fn accept_list(h: &mut Harness) -> Request {
    let subs = h.requests(Method::Subscribe);
    assert_eq!(subs.len(), 1, "one SUBSCRIBE for the whole list");
    let s = subs.into_iter().next().unwrap();
    h.deliver(
        reply(
            &s,
            200,
            &[("Expires", "600"), ("Contact", "<sip:rls@127.0.0.1:5060>")],
        )
        .to_bytes(),
    );
    s
}

pub(super) fn presences(h: &Harness, contact: u32) -> Vec<Presence> {
    h.events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Presence {
                contact: c, doc, ..
            } if c.0 == contact => Some(doc.presence),
            _ => None,
        })
        .collect()
}

pub(super) fn list_states(h: &Harness) -> Vec<ListState> {
    h.events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::List { state, .. } => Some(state.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn subscribed_uris(reqs: &[Request]) -> Vec<String> {
    let mut uris: Vec<String> = reqs.iter().map(|r| r.uri.clone()).collect();
    uris.sort();
    uris.dedup();
    uris
}

#[test]
fn one_subscribe_for_the_list_with_eventlist_and_nothing_per_contact() {
    let mut h = with_list(50);
    let s = accept_list(&mut h);
    assert_eq!(s.uri, LIST);
    assert_eq!(s.headers.get("Supported"), Some("eventlist"));
    let accept = s.headers.get("Accept").unwrap();
    for t in [
        "application/pidf+xml",
        "multipart/related",
        "application/rlmi+xml",
    ] {
        assert!(accept.contains(t), "{accept}");
    }
    h.advance(Duration::from_secs(1));
    assert!(
        h.requests(Method::Subscribe).is_empty(),
        "no per-contact SUBSCRIBE while the list works"
    );
    assert_eq!(h.engine.subscription_count(), 51);
}

#[test]
fn full_state_then_partials_with_stale_and_repeated_versions_ignored() {
    let mut h = with_list(3);
    let s = accept_list(&mut h);
    let away = pidf("sip:user0000@127.0.0.1", "closed");
    h.deliver(list_notify(
        &s,
        1,
        1,
        true,
        &[
            m("sip:user0000@127.0.0.1", Some("active"), Some(&away)),
            m("sip:user0001@127.0.0.1", None, None),
            m("sip:user0002@127.0.0.1", Some("active"), None),
        ],
    ));
    assert_eq!(h.responses()[0].status, 200);
    assert_eq!(presences(&h, 0), [Presence::Offline]);
    assert!(
        presences(&h, 1).is_empty(),
        "no instance: unknown, never offline"
    );
    assert_eq!(h.statuses(1).last(), Some(&SubscriptionStatus::Requesting));
    assert_eq!(h.statuses(2).last(), Some(&SubscriptionStatus::Active));
    assert!(list_states(&h).contains(&ListState::Active { members: 3 }));

    let open = pidf("sip:user0001@127.0.0.1", "open");
    let v2 = list_notify(
        &s,
        2,
        2,
        false,
        &[m("sip:user0001@127.0.0.1", Some("active"), Some(&open))],
    );
    h.deliver(v2);
    assert_eq!(presences(&h, 1), [Presence::Available]);
    // The same version again (a new CSeq: not a retransmission) and an
    // older one: both answered, neither applied.
    let closed = pidf("sip:user0001@127.0.0.1", "closed");
    h.deliver(list_notify(
        &s,
        3,
        2,
        false,
        &[m("sip:user0001@127.0.0.1", Some("active"), Some(&closed))],
    ));
    h.deliver(list_notify(
        &s,
        4,
        1,
        true,
        &[m("sip:user0001@127.0.0.1", Some("active"), Some(&closed))],
    ));
    assert!(h.responses().iter().all(|r| r.status == 200));
    assert_eq!(
        presences(&h, 1),
        [Presence::Available],
        "stale and repeated versions ignored"
    );
    assert!(h.requests(Method::Subscribe).is_empty());
}

#[test]
fn a_version_gap_starts_a_fresh_list_subscription() {
    let mut h = with_list(2);
    let s = accept_list(&mut h);
    h.deliver(list_notify(
        &s,
        1,
        1,
        true,
        &[m("sip:user0000@127.0.0.1", None, None)],
    ));
    let open = pidf("sip:user0000@127.0.0.1", "open");
    h.deliver(list_notify(
        &s,
        2,
        3,
        false,
        &[m("sip:user0000@127.0.0.1", Some("active"), Some(&open))],
    ));
    assert!(
        presences(&h, 0).is_empty(),
        "a NOTIFY after a gap is not applied"
    );
    let again: Vec<Request> = h
        .requests(Method::Subscribe)
        .into_iter()
        .filter(|r| r.uri == LIST)
        .collect();
    assert_eq!(again.len(), 1, "a fresh SUBSCRIBE to the list");
    assert_ne!(
        again[0].headers.get("Call-ID"),
        s.headers.get("Call-ID"),
        "a new dialog"
    );
    // The new dialog's full state is version 1 again: applied.
    h.deliver(reply(&again[0], 200, &[("Expires", "600")]).to_bytes());
    h.deliver(list_notify(
        &again[0],
        1,
        1,
        true,
        &[m("sip:user0000@127.0.0.1", Some("active"), Some(&open))],
    ));
    assert_eq!(presences(&h, 0), [Presence::Available]);
}

#[test]
fn members_not_in_the_directory_become_contacts_before_their_state() {
    let mut h = with_list(1);
    let s = accept_list(&mut h);
    let body = pidf("sip:newbie@127.0.0.1", "open");
    let mut named = m("sip:newbie@127.0.0.1", Some("active"), Some(&body));
    named.name = Some("New Bie");
    h.deliver(list_notify(
        &s,
        1,
        1,
        true,
        &[
            m("sip:user0000@127.0.0.1", None, None),
            named,
            m("sip:other@127.0.0.1", None, None),
        ],
    ));
    let added = h
        .events
        .iter()
        .position(|e| matches!(e, EngineEvent::ContactsAdded { .. }))
        .expect("announced");
    let state = h
        .events
        .iter()
        .position(|e| matches!(e, EngineEvent::Presence { contact, .. } if contact.0 == 1))
        .expect("state");
    assert!(added < state, "the contact exists before its state arrives");
    let EngineEvent::ContactsAdded { contacts, .. } = &h.events[added] else {
        unreachable!()
    };
    let names: Vec<(u32, &str, &str)> = contacts
        .iter()
        .map(|(id, ContactInfo { name, uri, .. })| (id.0, name.as_str(), uri.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (1, "New Bie", "sip:newbie@127.0.0.1"),
            (2, "other", "sip:other@127.0.0.1")
        ],
        "named by the RLMI <name>, else by the URI's user"
    );
    assert_eq!(presences(&h, 1), [Presence::Available]);
}

#[test]
fn members_without_state_after_the_grace_and_non_members_get_their_own() {
    let mut h = with_list(4);
    let s = accept_list(&mut h);
    let open = pidf("sip:user0000@127.0.0.1", "open");
    h.deliver(list_notify(
        &s,
        1,
        1,
        true,
        &[
            m("sip:user0000@127.0.0.1", Some("active"), Some(&open)),
            m("sip:user0001@127.0.0.1", None, None),
            m("sip:user0002@127.0.0.1", Some("pending"), None),
        ],
    ));
    h.advance(Duration::from_millis(10));
    let outside = h.requests(Method::Subscribe);
    assert_eq!(
        subscribed_uris(&outside),
        ["sip:user0003@127.0.0.1"],
        "not a member: its own at once"
    );
    h.deliver(reply(&outside[0], 200, &[("Expires", "600")]).to_bytes());
    h.advance(policy::LIST_MEMBER_GRACE);
    let lost = h.requests(Method::Subscribe);
    assert_eq!(
        subscribed_uris(&lost),
        ["sip:user0001@127.0.0.1"],
        "the member the list lost; not the one with state, not the pending one"
    );
}

#[test]
fn a_refused_list_falls_back_to_paced_per_contact_subscriptions() {
    for status in [404, 489] {
        let mut h = with_list(5);
        let s = h.requests(Method::Subscribe).remove(0);
        h.deliver(reply(&s, status, &[]).to_bytes());
        let mut uris = Vec::new();
        for _ in 0..10 {
            let subs = h.requests(Method::Subscribe);
            for r in &subs {
                h.deliver(reply(r, 200, &[("Expires", "600")]).to_bytes());
            }
            uris.extend(subs);
        }
        assert_eq!(
            subscribed_uris(&uris).len(),
            5,
            "every contact on its own after {status}"
        );
        assert!(
            matches!(list_states(&h).last(), Some(ListState::Fallback(_))),
            "{:?}",
            list_states(&h)
        );
    }
}

#[test]
fn a_server_without_eventlist_gets_per_contact_subscriptions_and_its_dialog_ended() {
    let mut h = with_list(3);
    let s = accept_list(&mut h);
    // A plain PIDF NOTIFY: the server took the list URI for a person.
    h.deliver(notify(
        &s,
        1,
        "active;expires=600",
        Some(("application/pidf+xml", PIDF_AWAY)),
    ));
    let subs = h.requests(Method::Subscribe);
    let unsub: Vec<_> = subs
        .iter()
        .filter(|r| r.headers.get("Expires") == Some("0"))
        .collect();
    assert_eq!(
        unsub.len(),
        1,
        "the accidental single subscription is ended"
    );
    assert_eq!(unsub[0].uri, "sip:127.0.0.1:5060", "in its dialog");
    let mut all: Vec<Request> = subs
        .into_iter()
        .filter(|r| r.headers.get("Expires") != Some("0"))
        .collect();
    for _ in 0..5 {
        for r in h.requests(Method::Subscribe) {
            all.push(r);
        }
        for r in &all {
            h.deliver(reply(r, 200, &[("Expires", "600")]).to_bytes());
        }
    }
    assert_eq!(subscribed_uris(&all).len(), 3);
    assert!(
        matches!(list_states(&h).last(), Some(ListState::Fallback(why)) if why.contains("eventlist"))
    );
}

#[test]
fn terminated_members_show_why_and_the_list_ends_without_a_final_notify() {
    let mut h = with_list(2);
    let s = accept_list(&mut h);
    let open = pidf("sip:user0001@127.0.0.1", "open");
    let mut gone = m("sip:user0000@127.0.0.1", Some("terminated"), None);
    gone.state = Some("terminated\" reason=\"noresource");
    h.deliver(list_notify(
        &s,
        1,
        1,
        true,
        &[
            gone,
            m("sip:user0001@127.0.0.1", Some("active"), Some(&open)),
        ],
    ));
    assert_eq!(h.statuses(0).last(), Some(&SubscriptionStatus::NotFound));
    h.engine.shutdown(h.now);
    let unsub = h.requests(Method::Subscribe);
    assert_eq!(
        unsub.len(),
        1,
        "one un-SUBSCRIBE for the list, none per contact"
    );
    assert_eq!(unsub[0].headers.get("Expires"), Some("0"));
    h.deliver(reply(&unsub[0], 200, &[]).to_bytes());
    assert!(
        h.engine.is_shut_down(),
        "no wait for a final NOTIFY (Kamailio sends none)"
    );
}

#[test]
fn a_lost_server_makes_members_stale_and_keeps_them_on_the_list() {
    let mut h = with_list(2);
    let s = accept_list(&mut h);
    let open = pidf("sip:user0000@127.0.0.1", "open");
    h.deliver(list_notify(
        &s,
        1,
        1,
        true,
        &[
            m("sip:user0000@127.0.0.1", Some("active"), Some(&open)),
            m("sip:user0001@127.0.0.1", None, None),
        ],
    ));
    h.engine.transport_lost(h.now, "reset");
    h.drain_events();
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, EngineEvent::Stale { contact, .. } if contact.0 == 0))
    );
    h.alive = false;
    h.advance(Duration::from_secs(5));
    h.engine.transport_connected(h.now);
    h.collect();
    let opts = h.requests(Method::Options);
    h.deliver(reply(opts.last().unwrap(), 200, &[]).to_bytes());
    let again = h.requests(Method::Subscribe);
    assert_eq!(
        subscribed_uris(&again),
        [LIST],
        "only the list again, not every contact"
    );
}

#[test]
fn a_contact_added_by_a_directory_reload_is_never_given_to_a_list_member_too() {
    let mut h = with_list(1);
    let s = accept_list(&mut h);
    // A directory reload adds contact 1 before the list's first NOTIFY.
    let now = h.now;
    h.engine
        .add_contacts(&[(ContactId(1), "sip:filed@127.0.0.1".into())], now);
    h.deliver(list_notify(
        &s,
        1,
        1,
        true,
        &[
            m("sip:user0000@127.0.0.1", None, None),
            m("sip:filed@127.0.0.1", None, None),
            m("sip:newbie@127.0.0.1", None, None),
        ],
    ));
    let added: Vec<(u32, String)> = h
        .events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::ContactsAdded { contacts, .. } => Some(contacts),
            _ => None,
        })
        .flatten()
        .map(|(id, info)| (id.0, info.uri.clone()))
        .collect();
    assert_eq!(
        added,
        [(2, "sip:newbie@127.0.0.1".to_string())],
        "the filed contact is the member with its URI; the new member gets the next id"
    );
}
