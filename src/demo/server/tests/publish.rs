use super::*;

/// A PUBLISH of `body` for `user`.
fn publish(
    user: &str,
    n: u32,
    expires: u32,
    if_match: Option<&str>,
    body: Option<&str>,
) -> Request {
    let mut r = Request::new(Method::Publish, format!("sip:{user}@127.0.0.1"));
    let h = &mut r.headers;
    h.push("Via", format!("SIP/2.0/UDP {CLIENT};branch=z9hG4bKpub{n}"));
    h.push("Max-Forwards", "70");
    h.push("From", format!("<sip:{user}@127.0.0.1>;tag=p1"));
    h.push("To", format!("<sip:{user}@127.0.0.1>"));
    h.push("Call-ID", format!("pub-{n}"));
    h.push("CSeq", format!("{n} PUBLISH"));
    h.push("Event", "presence");
    h.push("Expires", expires.to_string());
    if let Some(etag) = if_match {
        h.push("SIP-If-Match", etag);
    }
    if let Some(b) = body {
        h.push("Content-Type", "application/pidf+xml");
        r.body = b.as_bytes().to_vec();
    }
    r
}

fn dnd_body(note: &str) -> String {
    crate::body::pidf::build("sip:alice@127.0.0.1", Presence::Dnd, Some(note), None, None)
}

fn etag_of(m: &Message) -> String {
    let r = response(m);
    assert_eq!(r.status, 200, "{r:?}");
    r.headers.get("SIP-ETag").expect("a SIP-ETag").to_string()
}

#[test]
fn publish_new_refresh_modify_remove_and_412() {
    let (mut s, t0) = server(None);
    let mut watcher = Sub::new("alice", "presence");
    established(&mut s, t0, &mut watcher, 3600);

    // New: 200 with an ETag; the watcher sees the published document.
    let msgs = send(
        &mut s,
        t0,
        client(),
        &publish("alice", 1, 600, None, Some(&dnd_body("Focus"))).to_bytes(),
    );
    let etag1 = etag_of(&msgs[0]);
    assert_eq!(response(&msgs[0]).headers.get("Expires"), Some("600"));
    let n = request(&msgs[1]);
    assert_eq!(
        (pidf(n).presence, pidf(n).note.as_deref()),
        (Presence::Dnd, Some("Focus"))
    );
    send(&mut s, t0, client(), &ok_to(n));

    // The simulation does not override a live publication.
    s.set_presence(t0, 0, busy_in_meeting());
    assert!(drain(&mut s).is_empty());

    // Refresh: a new ETag, no NOTIFY.
    let msgs = send(
        &mut s,
        t0,
        client(),
        &publish("alice", 2, 600, Some(&etag1), None).to_bytes(),
    );
    assert_eq!(msgs.len(), 1);
    let etag2 = etag_of(&msgs[0]);
    assert_ne!(etag1, etag2);

    // The old ETag is gone: 412.
    let msgs = send(
        &mut s,
        t0,
        client(),
        &publish("alice", 3, 600, Some(&etag1), None).to_bytes(),
    );
    assert_eq!(status(&msgs[0]), 412);

    // Modify: the watcher sees the new document.
    let msgs = send(
        &mut s,
        t0,
        client(),
        &publish(
            "alice",
            4,
            600,
            Some(&etag2),
            Some(&dnd_body("Call me later")),
        )
        .to_bytes(),
    );
    let etag3 = etag_of(&msgs[0]);
    let n = request(&msgs[1]);
    assert_eq!(pidf(n).note.as_deref(), Some("Call me later"));
    send(&mut s, t0, client(), &ok_to(n));

    // Remove: the watcher sees the simulated state again.
    let msgs = send(
        &mut s,
        t0,
        client(),
        &publish("alice", 5, 0, Some(&etag3), None).to_bytes(),
    );
    assert_eq!(status(&msgs[0]), 200);
    let n = request(&msgs[1]);
    assert_eq!(pidf(n).presence, Presence::Busy);
    assert_eq!(s.publication_count(), 0);
}

#[test]
fn a_publication_expires() {
    let (mut s, t0) = server(None);
    let mut watcher = Sub::new("alice", "presence");
    established(&mut s, t0, &mut watcher, 3600);
    let msgs = send(
        &mut s,
        t0,
        client(),
        &publish("alice", 1, 60, None, Some(&dnd_body("x"))).to_bytes(),
    );
    send(&mut s, t0, client(), &ok_to(request(&msgs[1])));
    let msgs = advance(&mut s, t0, t0 + Duration::from_millis(60_100));
    assert_eq!(msgs.len(), 1);
    assert_eq!(pidf(request(&msgs[0])).presence, Presence::Available);
    assert_eq!(s.publication_count(), 0);
}

#[test]
fn bad_publishes_are_refused_with_the_right_status() {
    let (mut s, t0) = server(None);
    let cases: Vec<(Request, u16)> = vec![
        (publish("nobody", 1, 600, None, Some(&dnd_body("x"))), 404),
        (publish("alice", 2, 600, None, None), 400),
        (publish("alice", 3, 600, None, Some("<not-pidf/>")), 400),
        (publish("alice", 4, 10, None, Some(&dnd_body("x"))), 423),
        (publish("alice", 5, 600, Some("nope"), None), 412),
        (
            {
                let mut r = publish("alice", 6, 600, None, Some(&dnd_body("x")));
                r.headers.set("Event", "dialog");
                r
            },
            489,
        ),
        (
            {
                let mut r = publish("alice", 7, 600, None, Some(&dnd_body("x")));
                r.headers.set("Content-Type", "text/plain");
                r
            },
            415,
        ),
    ];
    for (req, want) in cases {
        let msgs = send(&mut s, t0, client(), &req.to_bytes());
        assert_eq!(
            status(&msgs[0]),
            want,
            "{}",
            String::from_utf8_lossy(&req.to_bytes())
        );
    }
    assert_eq!(s.publication_count(), 0);
}

#[test]
fn with_credentials_one_publishes_only_for_oneself() {
    let (mut s, t0) = server(Some(("alice", "pw")));
    let req = publish("bob", 1, 600, None, Some(&dnd_body("x")));
    let msgs = send(&mut s, t0, client(), &req.to_bytes());
    assert_eq!(status(&msgs[0]), 401);
}
