use super::*;

#[test]
fn subscribe_gets_200_and_an_initial_notify_with_the_state() {
    let (mut s, t0) = server(None);
    s.set_presence(t0, 1, busy_in_meeting());
    let mut sub = Sub::new("bob", "presence");
    let msgs = sub.subscribe(&mut s, t0, 600);
    assert_eq!(msgs.len(), 2);
    let ok = response(&msgs[0]);
    assert_eq!((ok.status, ok.headers.get("Expires")), (200, Some("600")));
    assert!(
        ok.headers.get("To").unwrap().contains(";tag="),
        "the dialog gets our tag"
    );
    let notify = request(&msgs[1]);
    assert_eq!(notify.method, Method::Notify);
    assert_eq!(
        notify.uri,
        format!("sip:reception@{CLIENT}"),
        "sent to the Contact"
    );
    assert_eq!(notify.headers.get("Event"), Some("presence"));
    assert_eq!(substate(notify), "active;expires=600");
    assert_eq!(notify.headers.get("Call-ID"), Some("bob-presence-call"));
    assert!(notify.headers.get("To").unwrap().ends_with(";tag=watcher1"));
    let doc = pidf(notify);
    assert_eq!(doc.presence, Presence::Busy);
    assert_eq!(doc.note.as_deref(), Some("In a meeting until 10:30"));
    assert_eq!(doc.entity.as_deref(), Some("sip:bob@127.0.0.1"));
    assert_eq!(s.subscription_count(), 1);
}

#[test]
fn changes_are_notified_and_dialog_versions_count_up_by_one() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("carol", "dialog");
    let first = established(&mut s, t0, &mut sub, 600);
    let doc = dialog_doc(&first);
    assert_eq!(
        (doc.version, doc.full, doc.dialogs.len()),
        (0, true, 0),
        "idle line"
    );
    // A second watcher of the same line has its own versions.
    let mut other = Sub::new("carol", "dialog");
    other.call_id = "second".into();
    established(&mut s, t0, &mut other, 600);

    let states = [
        DialogState::Early,
        DialogState::Confirmed,
        DialogState::Terminated,
    ];
    for (i, state) in states.into_iter().enumerate() {
        s.set_dialogs(
            t0,
            2,
            vec![ringing_from("c1", "sip:+4930555@127.0.0.1", state)],
        );
        let msgs = drain(&mut s);
        assert_eq!(msgs.len(), 2, "one NOTIFY per watcher");
        for m in &msgs {
            let n = request(m);
            let doc = dialog_doc(n);
            assert_eq!(doc.version, i as u64 + 1);
            assert_eq!(doc.dialogs[0].state, state);
            assert_eq!(
                doc.dialogs[0].remote_display.as_deref(),
                Some("Meyer & Söhne")
            );
            send(&mut s, t0, client(), &ok_to(n));
        }
    }
    // The terminated call is reported once, then forgotten.
    assert!(s.state_of(2).unwrap().1.is_empty());
    let refreshed = sub.subscribe(&mut s, t0, 600);
    let doc = dialog_doc(request(&refreshed[1]));
    assert_eq!((doc.version, doc.dialogs.len()), (4, 0));
}

#[test]
fn refresh_extends_and_notifies_unknown_dialog_gets_481() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("alice", "presence");
    established(&mut s, t0, &mut sub, 120);
    let t1 = t0 + Duration::from_secs(100);
    let msgs = sub.subscribe(&mut s, t1, 300);
    assert_eq!(status(&msgs[0]), 200);
    assert_eq!(response(&msgs[0]).headers.get("Expires"), Some("300"));
    assert_eq!(substate(request(&msgs[1])), "active;expires=300");
    send(&mut s, t1, client(), &ok_to(request(&msgs[1])));
    // Past the first expiry, nothing ends: the refresh moved it.
    assert!(advance(&mut s, t1, t0 + Duration::from_secs(200)).is_empty());
    assert_eq!(s.subscription_count(), 1);

    let mut stranger = Sub::new("alice", "presence");
    stranger.to_tag = Some("not-ours".into());
    let msgs = stranger.subscribe(&mut s, t1, 300);
    assert_eq!((msgs.len(), status(&msgs[0])), (1, 481));
}

#[test]
fn expiry_sends_a_terminated_notify_and_forgets_the_subscription() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("alice", "presence");
    established(&mut s, t0, &mut sub, 60);
    // (Before the final NOTIFY's first retransmission at +500 ms.)
    let msgs = advance(&mut s, t0, t0 + Duration::from_millis(60_100));
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    let last = request(&msgs[0]);
    assert_eq!(substate(last), "terminated;reason=timeout");
    assert_eq!(
        pidf(last).presence,
        Presence::Available,
        "with the last state"
    );
    send(&mut s, t0 + Duration::from_secs(61), client(), &ok_to(last));
    assert_eq!(s.subscription_count(), 0);
    // A late refresh is refused.
    let msgs = sub.subscribe(&mut s, t0 + Duration::from_secs(62), 60);
    assert_eq!(status(&msgs[0]), 481);
}

#[test]
fn unsubscribe_gets_200_and_a_final_notify() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("bob", "dialog");
    established(&mut s, t0, &mut sub, 600);
    let msgs = sub.subscribe(&mut s, t0, 0);
    assert_eq!(msgs.len(), 2);
    assert_eq!(status(&msgs[0]), 200);
    let last = request(&msgs[1]);
    assert_eq!(substate(last), "terminated;reason=timeout");
    // Changes after the final NOTIFY do not reach the ended subscription.
    s.set_dialogs(
        t0,
        1,
        vec![ringing_from("x", "sip:alice@127.0.0.1", DialogState::Early)],
    );
    assert!(drain(&mut s).is_empty());
    send(&mut s, t0, client(), &ok_to(last));
    assert_eq!(s.subscription_count(), 0);
}

#[test]
fn unknown_user_404_unknown_event_489_short_expiry_423_options_200() {
    let (mut s, t0) = server(None);
    let mut nobody = Sub::new("nobody", "presence");
    assert_eq!(status(&nobody.subscribe(&mut s, t0, 600)[0]), 404);
    let mut odd = Sub::new("alice", "message-summary");
    let msgs = odd.subscribe(&mut s, t0, 600);
    assert_eq!(status(&msgs[0]), 489);
    assert_eq!(
        response(&msgs[0]).headers.get("Allow-Events"),
        Some("presence, dialog")
    );
    let mut short = Sub::new("alice", "presence");
    let msgs = short.subscribe(&mut s, t0, 10);
    assert_eq!(status(&msgs[0]), 423);
    assert_eq!(response(&msgs[0]).headers.get("Min-Expires"), Some("60"));
    assert_eq!(s.subscription_count(), 0);

    let mut options = Sub::new("alice", "presence").request(0);
    options.method = Method::Options;
    options.headers.set("CSeq", "1 OPTIONS");
    let msgs = send(&mut s, t0, client(), &options.to_bytes());
    assert_eq!(status(&msgs[0]), 200);
    assert!(matches!(
        s.handle(t0, client(), b"NOT SIP AT ALL"),
        Err(ServerError::Parse { .. })
    ));
}

#[test]
fn a_fetch_with_expires_0_gets_the_state_once() {
    let (mut s, t0) = server(None);
    s.set_presence(t0, 0, lunch());
    let mut sub = Sub::new("alice", "presence");
    let msgs = sub.subscribe(&mut s, t0, 0);
    assert_eq!(status(&msgs[0]), 200);
    let n = request(&msgs[1]);
    assert_eq!(substate(n), "terminated;reason=timeout");
    assert_eq!(pidf(n).availability, Some(Availability::Break));
}

#[test]
fn a_faulty_line_ends_dialog_subscriptions_on_probation_until_it_recovers() {
    let (mut s, t0) = server(None);
    let mut dialog = Sub::new("bob", "dialog");
    established(&mut s, t0, &mut dialog, 600);
    let mut presence = Sub::new("bob", "presence");
    established(&mut s, t0, &mut presence, 600);
    s.set_line_fault(t0, 1, Some(Duration::from_millis(45_500)));
    let msgs = drain(&mut s);
    assert_eq!(msgs.len(), 1, "only the dialog watcher hears of it");
    let n = request(&msgs[0]);
    assert_eq!(n.headers.get("Event"), Some("dialog"));
    assert_eq!(substate(n), "terminated;reason=probation;retry-after=46");
    send(&mut s, t0, client(), &ok_to(n));
    assert_eq!(s.subscription_count(), 1);
    // While faulty, a new dialog subscription is refused with Retry-After.
    let t1 = t0 + Duration::from_secs(20);
    let mut again = Sub::new("bob", "dialog");
    again.call_id = "while-faulty".into();
    let msgs = again.subscribe(&mut s, t1, 600);
    assert_eq!(status(&msgs[0]), 480);
    assert_eq!(response(&msgs[0]).headers.get("Retry-After"), Some("26"));
    s.set_line_fault(t1, 1, None);
    let mut again = Sub::new("bob", "dialog");
    again.call_id = "after-recovery".into();
    let msgs = again.subscribe(&mut s, t1, 600);
    assert_eq!(status(&msgs[0]), 200);
}

#[test]
fn a_retransmitted_subscribe_gets_the_same_answer_and_no_second_subscription() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("alice", "presence");
    let req = sub.request(600).to_bytes();
    let first = send(&mut s, t0, client(), &req);
    assert_eq!(first.len(), 2);
    let again = send(&mut s, t0 + Duration::from_millis(500), client(), &req);
    assert_eq!(again.len(), 1, "only the response again");
    assert_eq!(again[0], first[0]);
    assert_eq!(s.subscription_count(), 1);
}
