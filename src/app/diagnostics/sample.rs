//! A diagnostics snapshot of the showcase office (`app::sample::office`):
//! every subscription state, a few NOTIFYs, a short trace with masked
//! credentials and a test subscription. For the view's tests and snapshots.

use std::time::{Duration, Instant};

use crate::presence::{ContactId, EventKind, SubscriptionStatus};
use crate::sip::engine::diagnostics::{
    ConnectorStatus, Diagnostics, ServerReport, SubReport, SubState,
};
use crate::sip::engine::test_sub::TestReport;
use crate::sip::trace::{Direction, entry};

fn ago(now: Instant, secs: u64) -> Instant {
    now.checked_sub(Duration::from_secs(secs)).unwrap_or(now)
}

/// The office's report at `now` (14 contacts × presence and dialog).
pub fn office_diagnostics(now: Instant) -> Diagnostics {
    let mut subscriptions = Vec::new();
    for c in 0..14u32 {
        for event in [EventKind::Presence, EventKind::Dialog] {
            let (state, code) = match (c, event) {
                (3, EventKind::Presence) => (SubState::NotFound, Some(404)),
                (5, _) => (SubState::AccessDenied, Some(403)),
                (7, EventKind::Dialog) => {
                    (SubState::Error("503 Service Unavailable".into()), Some(503))
                }
                (9, EventKind::Presence) => (SubState::Terminated("giveup".into()), Some(202)),
                (11, EventKind::Presence) => (SubState::Pending, Some(202)),
                (13, _) => (SubState::Requesting, None),
                _ => (SubState::Active, Some(200)),
            };
            let last_notify = matches!(
                state,
                SubState::Active | SubState::Pending | SubState::Terminated(_)
            )
            .then(|| {
                ago(
                    now,
                    u64::from(c) * 7 + if event == EventKind::Dialog { 3 } else { 0 },
                )
            });
            subscriptions.push(SubReport {
                contact: Some(ContactId(c)),
                event,
                uri: format!("sip:{}@example.com", USERS[c as usize]),
                state,
                last_code: code,
                last_notify,
                via_list: false,
            });
        }
    }
    let test = TestReport {
        uri: "sip:lena@example.com".into(),
        event: EventKind::Presence,
        started: ago(now, 12),
        ends: ago(now, 12) + Duration::from_secs(60),
        status: SubscriptionStatus::Active,
        answer: Some("SIP/2.0 202 Accepted\r\nCall-ID: t1@console\r\nExpires: 600\r\nContent-Length: 0\r\n".into()),
        notify: Some("NOTIFY sip:attendant@10.0.0.5:40000 SIP/2.0\r\nCall-ID: t1@console\r\nEvent: presence\r\nSubscription-State: active;expires=600\r\nContent-Type: application/pidf+xml\r\n\r\n<presence><tuple id=\"t\"><status><basic>open</basic></status></tuple></presence>\r\n".into()),
        parsed: Some("presence: available".into()),
    };
    let report = ServerReport {
        server: "pbx.example.com:5060".into(),
        status: ConnectorStatus::UpAndRunning,
        error: None,
        since: ago(now, 180),
        subscriptions,
        test: Some(test),
    };
    let peer = Some("192.0.2.10:5060".parse().expect("a socket address"));
    let secrets = vec!["secret".to_string()];
    let messages: [(u64, Direction, &str); 5] = [
        (
            9,
            Direction::Out,
            "OPTIONS sip:pbx.example.com SIP/2.0\r\nCall-ID: o1@console\r\nCSeq: 1 OPTIONS\r\n\r\n",
        ),
        (
            9,
            Direction::In,
            "SIP/2.0 200 OK\r\nCall-ID: o1@console\r\nCSeq: 1 OPTIONS\r\n\r\n",
        ),
        (
            8,
            Direction::Out,
            "SUBSCRIBE sip:alice@example.com SIP/2.0\r\nCall-ID: s1@console\r\nCSeq: 2 SUBSCRIBE\r\nEvent: presence\r\nAuthorization: Digest username=\"attendant\", nonce=\"n\", response=\"0123abcd\"\r\n\r\n",
        ),
        (
            8,
            Direction::In,
            "SIP/2.0 202 Accepted\r\nCall-ID: s1@console\r\nCSeq: 2 SUBSCRIBE\r\nEvent: presence\r\n\r\n",
        ),
        (
            7,
            Direction::In,
            "NOTIFY sip:attendant@10.0.0.5:40000 SIP/2.0\r\nCall-ID: s1@console\r\nCSeq: 1 NOTIFY\r\nEvent: presence\r\nSubscription-State: active;expires=600\r\n\r\n",
        ),
    ];
    let trace = messages
        .iter()
        .map(|(secs, dir, text)| entry(ago(now, *secs), *dir, peer, text.as_bytes(), &secrets))
        .collect();
    Diagnostics { report, trace }
}

/// The office's user parts, in `office()` order.
const USERS: [&str; 14] = [
    "alice", "bob", "chlo", "dmitri", "eve", "frank", "grace", "heidi", "ivan", "judith", "karl",
    "lena", "mo", "night",
];
