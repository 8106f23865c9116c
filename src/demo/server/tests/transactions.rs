use super::*;

#[test]
fn notify_is_retransmitted_over_udp_until_answered() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("alice", "presence");
    let msgs = sub.subscribe(&mut s, t0, 600);
    let first = request(&msgs[1]).clone();
    // Timer E: 500 ms, then 1 s, then 2 s.
    let again = advance(&mut s, t0, t0 + Duration::from_millis(1600));
    assert_eq!(again.len(), 2, "at 0.5 s and 1.5 s");
    assert!(
        again.iter().all(|m| *request(m) == first),
        "the same NOTIFY"
    );
    assert_eq!(s.stats().retransmissions, 2);
    send(
        &mut s,
        t0 + Duration::from_millis(1600),
        client(),
        &ok_to(&first),
    );
    assert!(
        advance(
            &mut s,
            t0 + Duration::from_millis(1600),
            t0 + Duration::from_secs(10)
        )
        .is_empty()
    );
    assert_eq!(s.subscription_count(), 1);
}

#[test]
fn an_unanswered_notify_drops_the_subscription_after_timer_f() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("alice", "presence");
    sub.subscribe(&mut s, t0, 600);
    let msgs = advance(&mut s, t0, t0 + Duration::from_secs(33));
    assert!(msgs.len() >= 8, "retransmitted for 32 s: {}", msgs.len());
    assert_eq!(s.subscription_count(), 0);
    assert_eq!(s.stats().notify_timeouts, 1);
}

#[test]
fn over_tcp_there_are_no_retransmissions() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("alice", "presence");
    sub.peer = tcp_client();
    let msgs = sub.subscribe(&mut s, t0, 600);
    let n = request(&msgs[1]);
    assert!(n.headers.get("Via").unwrap().starts_with("SIP/2.0/TCP"));
    assert!(advance(&mut s, t0, t0 + Duration::from_secs(5)).is_empty());
    assert_eq!(
        s.poll_timeout().map(|t| t > t0 + Duration::from_secs(31)),
        Some(true)
    );
}

#[test]
fn changes_during_a_notify_in_flight_are_coalesced_into_one() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("bob", "presence");
    let msgs = sub.subscribe(&mut s, t0, 600);
    let initial = request(&msgs[1]).clone();
    s.set_presence(t0, 1, busy_in_meeting());
    s.set_presence(t0, 1, lunch());
    assert!(
        drain(&mut s).is_empty(),
        "one NOTIFY at a time per subscription"
    );
    let msgs = send(&mut s, t0, client(), &ok_to(&initial));
    assert_eq!(msgs.len(), 1);
    let n = request(&msgs[0]);
    assert_eq!(
        pidf(n).availability,
        Some(Availability::Break),
        "the latest state"
    );
    assert_eq!(n.headers.get("CSeq"), Some("2 NOTIFY"));
}

#[test]
fn a_481_to_a_notify_ends_the_subscription() {
    let (mut s, t0) = server(None);
    let mut sub = Sub::new("bob", "presence");
    let msgs = sub.subscribe(&mut s, t0, 600);
    let n = request(&msgs[1]);
    let gone = crate::sip::codec::response_to(n, 481, "Call/Transaction Does Not Exist", None);
    send(&mut s, t0, client(), &gone.to_bytes());
    assert_eq!(s.subscription_count(), 0);
    s.set_presence(t0, 1, lunch());
    assert!(drain(&mut s).is_empty());
}
