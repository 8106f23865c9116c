use super::*;
use crate::sip::codec::parse;
use crate::sip::codec::{Message, Request};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Drives `tx` from wake-up to wake-up (as the runtime would), applying
/// `responses` (offset from base, status) when their time comes, and
/// returns every timer action with its offset in ms. Bounded.
fn drive(
    base: Instant,
    tx: &mut ClientTransaction,
    responses: &[(u64, u16)],
) -> Vec<(u64, TimerAction)> {
    let mut log = Vec::new();
    let mut pending: Vec<(u64, u16)> = responses.to_vec();
    for _ in 0..1000 {
        let next_timer = tx.poll_timeout();
        let next_resp = pending.first().map(|(at, _)| base + ms(*at));
        let now = match (next_timer, next_resp) {
            (None, None) => return log,
            (Some(t), Some(r)) => t.min(r),
            (Some(t), None) => t,
            (None, Some(r)) => r,
        };
        if next_resp == Some(now) {
            let (_, status) = pending.remove(0);
            tx.on_response(now, status);
            continue;
        }
        let action = tx.handle_timeout(now);
        if action != TimerAction::None {
            log.push(((now - base).as_millis() as u64, action));
        }
    }
    panic!("transaction never finished: {log:?}");
}

#[test]
fn udp_retransmits_at_t1_doubling_to_t2_then_times_out_at_64_t1() {
    let base = Instant::now();
    let mut tx = ClientTransaction::new(base, false, Timers::default());
    assert_eq!(tx.state(), TxState::Trying);
    assert_eq!(tx.poll_timeout(), Some(base + ms(500)));
    let log = drive(base, &mut tx, &[]);
    let expected_retransmits = [
        500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ];
    let mut expected: Vec<(u64, TimerAction)> = expected_retransmits
        .iter()
        .map(|t| (*t, TimerAction::Retransmit))
        .collect();
    expected.push((32_000, TimerAction::TimedOut));
    assert_eq!(log, expected);
    assert!(tx.is_terminated());
    assert_eq!(tx.retransmissions(), 10);
    // TimedOut is reported once.
    assert_eq!(tx.handle_timeout(base + ms(40_000)), TimerAction::None);
    assert_eq!(tx.poll_timeout(), None);
}

#[test]
fn tcp_never_retransmits_and_times_out_at_64_t1() {
    let base = Instant::now();
    let mut tx = ClientTransaction::new(base, true, Timers::default());
    assert_eq!(tx.poll_timeout(), Some(base + ms(32_000)));
    assert_eq!(drive(base, &mut tx, &[]), [(32_000, TimerAction::TimedOut)]);
}

#[test]
fn tcp_final_response_ends_the_transaction_at_once() {
    let base = Instant::now();
    let mut tx = ClientTransaction::new(base, true, Timers::default());
    assert!(tx.on_response(base + ms(20), 200));
    assert!(tx.is_terminated());
    assert_eq!(tx.poll_timeout(), None);
    assert!(!tx.on_response(base + ms(30), 200));
}

#[test]
fn a_provisional_response_switches_retransmission_to_every_t2() {
    let base = Instant::now();
    let mut tx = ClientTransaction::new(base, false, Timers::default());
    // 100 Trying at 0.6 s: the Timer E due at 1.5 s still fires, then T2.
    let log = drive(base, &mut tx, &[(600, 100)]);
    assert_eq!(tx.state(), TxState::Terminated);
    let times: Vec<u64> = log.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        times,
        [
            500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500, 32_000
        ]
    );
    assert_eq!(log.last().map(|l| l.1), Some(TimerAction::TimedOut));
}

#[test]
fn first_final_response_counts_duplicates_are_ignored_and_timer_k_ends_it() {
    let base = Instant::now();
    let mut tx = ClientTransaction::new(base, false, Timers::default());
    assert_eq!(tx.handle_timeout(base + ms(500)), TimerAction::Retransmit);
    assert!(!tx.on_response(base + ms(600), 180));
    assert_eq!(tx.state(), TxState::Proceeding);
    assert!(tx.on_response(base + ms(700), 202));
    assert_eq!(tx.state(), TxState::Completed);
    assert!(!tx.on_response(base + ms(800), 202), "retransmitted final");
    assert!(!tx.on_response(base + ms(900), 180));
    // No more retransmissions; Timer K (T4) quietly terminates.
    assert_eq!(tx.poll_timeout(), Some(base + ms(5_700)));
    assert_eq!(tx.handle_timeout(base + ms(5_000)), TimerAction::None);
    assert_eq!(tx.state(), TxState::Completed);
    assert_eq!(tx.handle_timeout(base + ms(5_700)), TimerAction::None);
    assert!(tx.is_terminated());
    assert_eq!(tx.retransmissions(), 1); // only the one at 0.5 s
}

#[test]
fn an_early_or_late_wake_up_is_harmless() {
    let base = Instant::now();
    let mut tx = ClientTransaction::new(base, false, Timers::default());
    assert_eq!(tx.handle_timeout(base + ms(100)), TimerAction::None);
    // Woken 3 s late: one retransmission, the next one a doubled interval later.
    assert_eq!(tx.handle_timeout(base + ms(3_500)), TimerAction::Retransmit);
    assert_eq!(tx.poll_timeout(), Some(base + ms(4_500)));
}

fn notify(branch: &str) -> Request {
    let raw = format!(
        "NOTIFY sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch={branch}\r\n\
From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 5 NOTIFY\r\n\r\n"
    );
    match parse(raw.as_bytes()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

#[test]
fn response_cache_answers_a_retransmitted_notify_until_64_t1() {
    let base = Instant::now();
    let ttl = Timers::default().t1 * 64;
    let mut cache = ResponseCache::new(ttl);
    let key = server_key(&notify("z9hG4bK-n1")).unwrap();
    assert_eq!(key, "z9hG4bK-n1 5 NOTIFY c");
    assert_eq!(cache.poll_timeout(), None);
    cache.insert(base, key.clone(), b"SIP/2.0 200 OK\r\n".to_vec());
    cache.insert(base + ms(1000), "other NOTIFY", b"x".to_vec());
    assert_eq!(cache.len(), 2);
    // The retransmission (same branch) finds the same bytes.
    let again = server_key(&notify("z9hG4bK-n1")).unwrap();
    assert_eq!(
        cache.get(&again).map(Vec::as_slice),
        Some(&b"SIP/2.0 200 OK\r\n"[..])
    );
    assert_eq!(cache.get("z9hG4bK-n2 NOTIFY"), None);
    assert_eq!(cache.poll_timeout(), Some(base + ttl));
    cache.expire(base + ttl - ms(1));
    assert_eq!(cache.len(), 2);
    cache.expire(base + ttl);
    assert_eq!(cache.get(&key), None);
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.poll_timeout(), Some(base + ms(1000) + ttl));
    cache.expire(base + ms(1000) + ttl);
    assert!(cache.is_empty());
    assert_eq!(cache.poll_timeout(), None);
}

#[test]
fn response_cache_reinsert_extends_the_entry() {
    let base = Instant::now();
    let mut cache = ResponseCache::new(ms(1000));
    cache.insert(base, "k", b"a".to_vec());
    cache.insert(base + ms(500), "k", b"b".to_vec());
    cache.expire(base + ms(1000));
    assert_eq!(cache.get("k").map(Vec::as_slice), Some(&b"b"[..]));
    cache.expire(base + ms(1500));
    assert!(cache.is_empty());
}

#[test]
fn server_key_needs_a_branch_and_a_cseq() {
    let mut req = notify("z9hG4bK-x");
    req.headers.set("Via", "SIP/2.0/UDP 10.0.0.2");
    assert_eq!(server_key(&req), None);
    let mut req = notify("z9hG4bK-x");
    req.headers.set("CSeq", "NOTIFY");
    assert_eq!(server_key(&req), None);
}

#[test]
fn the_hashed_key_is_the_hash_of_the_key_string_and_none_where_it_is_none() {
    let t0 = Instant::now();
    let vias = [
        "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-x",
        "SIP/2.0/UDP 10.0.0.2 ; BRANCH = z9hG4bK-y ;rport",
        "SIP/2.0/UDP 10.0.0.2;rport;branch=z9hG4bK-z, SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK-w",
        "SIP/2.0/UDP 10.0.0.2;x=\"a;branch=q,\";branch=z9hG4bK-q",
        "SIP/2.0/UDP 10.0.0.2;branch=",
        "SIP/2.0/UDP 10.0.0.2;branch= ;branch=z9hG4bK-later",
        "SIP/2.0/UDP 10.0.0.2",
        "SIP/2.0/UDP 10.0.0.2, SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK-second",
        "SIP/2.0/UDP branch=z9hG4bK-sent-by;branch=z9hG4bK-param",
    ];
    let cseqs = [
        "5 NOTIFY",
        "0 NOTIFY",
        "4294967295 NOTIFY",
        "12 OPTIONS",
        "7 FOO",
        "NOTIFY",
        "x NOTIFY",
    ];
    for via in vias {
        for cseq in cseqs {
            let mut req = notify("z9hG4bK-x");
            req.headers.set("Via", via);
            req.headers.set("CSeq", cseq);
            let mut cache: ResponseCache<u16> = ResponseCache::new(Duration::from_secs(32));
            let key = cache.key_of(&req);
            match server_key(&req) {
                None => assert_eq!(key, None, "{via} / {cseq}"),
                Some(k) => {
                    let h = key.unwrap_or_else(|| panic!("a key for {via} / {cseq}"));
                    cache.insert(t0, &k, 200);
                    assert_eq!(cache.get_hashed(h), Some(&200), "{via} / {cseq}");
                    cache.insert_hashed(t0, h, 481);
                    assert_eq!(cache.get(&k), Some(&481), "{via} / {cseq}");
                    assert_eq!(cache.len(), 1);
                }
            }
        }
    }
}
