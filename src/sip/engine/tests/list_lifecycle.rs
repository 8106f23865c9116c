//! A list subscription's own lifecycle: refresh in its dialog, ended by
//! the server, 481, members removed.

use super::list::*;
use super::*;

#[test]
fn the_list_is_refreshed_in_its_dialog_and_started_over_when_the_server_ends_it() {
    let mut h = with_list(2);
    let s = accept_list(&mut h);
    let open = pidf("sip:user0000@127.0.0.1", "open");
    let both = [
        m("sip:user0000@127.0.0.1", Some("active"), Some(&open)),
        m("sip:user0001@127.0.0.1", Some("active"), Some(&open)),
    ];
    h.deliver(list_notify(&s, 1, 1, true, &both));
    let refresh = next_subscribes(&mut h);
    assert_eq!(refresh.len(), 1, "one refresh for the whole list");
    assert_eq!(
        refresh[0].headers.get("Call-ID"),
        s.headers.get("Call-ID"),
        "in its dialog"
    );
    assert_eq!(refresh[0].headers.get("Supported"), Some("eventlist"));
    h.deliver(reply(&refresh[0], 200, &[("Expires", "600")]).to_bytes());

    // The server ends the list (deactivated): a new list subscription.
    let mut ended =
        String::from_utf8(notify(&s, 2, "terminated;reason=deactivated", None)).unwrap();
    ended = ended.replacen("\r\n", "\r\nRequire: eventlist\r\n", 1);
    h.deliver(ended.into_bytes());
    let again = h.requests(Method::Subscribe);
    assert_eq!(subscribed_uris(&again), [LIST]);
    assert_ne!(again[0].headers.get("Call-ID"), s.headers.get("Call-ID"));
    h.deliver(reply(&again[0], 200, &[("Expires", "600")]).to_bytes());

    // Its new full state leaves user0001 out: removed from the list, it
    // gets a subscription of its own.
    h.deliver(list_notify(&again[0], 1, 1, true, &both[..1]));
    h.advance(Duration::from_millis(10));
    assert_eq!(
        subscribed_uris(&h.requests(Method::Subscribe)),
        ["sip:user0001@127.0.0.1"]
    );
}

#[test]
fn a_481_to_a_list_refresh_subscribes_to_the_list_again() {
    let mut h = with_list(1);
    let s = accept_list(&mut h);
    let open = pidf("sip:user0000@127.0.0.1", "open");
    h.deliver(list_notify(
        &s,
        1,
        1,
        true,
        &[m("sip:user0000@127.0.0.1", Some("active"), Some(&open))],
    ));
    let refresh = next_subscribes(&mut h)
        .into_iter()
        .find(|r| r.headers.get("Call-ID") == s.headers.get("Call-ID"))
        .expect("the list refresh");
    h.deliver(reply(&refresh, 481, &[]).to_bytes());
    h.advance(Duration::from_millis(10));
    let again: Vec<Request> = h
        .requests(Method::Subscribe)
        .into_iter()
        .filter(|r| r.uri == LIST)
        .collect();
    assert_eq!(again.len(), 1, "a new list subscription");
    assert_ne!(again[0].headers.get("Call-ID"), s.headers.get("Call-ID"));
}

/// The next SUBSCRIBEs the engine sends, a second at a time (at most 10 min).
fn next_subscribes(h: &mut Harness) -> Vec<Request> {
    for _ in 0..600 {
        h.advance(Duration::from_secs(1));
        let subs = h.requests(Method::Subscribe);
        if !subs.is_empty() {
            return subs;
        }
    }
    Vec::new()
}
