//! The keeper in this process against the embedded demo server (real UDP,
//! real clock): set, idle → Inactive and back, clear; a calendar fetched
//! over http from a server the test starts on 127.0.0.1.

use std::time::Duration;

use super::*;
use crate::config::StatusConfig;
use crate::sip::publication::PublicationConfig;

async fn keeper() -> (crate::demo::DemoHandle, StatusLink) {
    keeper_with(StatusConfig::default()).await
}

async fn keeper_with(status: StatusConfig) -> (crate::demo::DemoHandle, StatusLink) {
    let opts = crate::demo::DemoOptions {
        credentials: Some((crate::demo::DEFAULT_ACCOUNT.to_string(), "pw".into())),
        ..crate::demo::DemoOptions::default()
    };
    let demo = crate::demo::spawn(opts).await.expect("demo server");
    let (uri, user, password) = demo.account.clone();
    let mut p = PublicationConfig::new(&uri, demo.addr, crate::sip::Transport::Udp);
    p.auth_user = user;
    p.password = Some(password);
    let link = StatusLink::InProcess(spawn_in_process(KeeperConfig {
        publication: p,
        server: demo.addr,
        status,
        tls: None,
    }));
    (demo, link)
}

fn set(state: &str, note: Option<&str>) -> Request {
    Request::Set {
        state: state.into(),
        availability: None,
        note: note.map(str::to_string),
        until: None,
        by: "test".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_publishes_inactive_over_available_and_a_key_brings_it_back() {
    let (demo, link) = keeper().await;
    let within = Duration::from_secs(10);
    let r = tokio::time::timeout(within, link.ask(set("available", None), true))
        .await
        .expect("answered")
        .expect("published");
    assert!(r.etag.is_some(), "the server holds it: {r:?}");
    let idle = tokio::time::timeout(within, link.ask(Request::Idle { idle: true }, true))
        .await
        .expect("answered")
        .expect("published");
    let p = idle.published.expect("published");
    assert_eq!(
        (p.state.as_str(), p.source.as_deref()),
        ("inactive", Some("idle"))
    );
    let back = tokio::time::timeout(within, link.ask(Request::Idle { idle: false }, true))
        .await
        .expect("answered")
        .expect("published");
    assert_eq!(back.published.expect("published").state, "available");
    // Busy is not turned into Inactive.
    link.ask(set("busy", Some("Call")), true)
        .await
        .expect("busy");
    let still = link
        .ask(Request::Idle { idle: true }, true)
        .await
        .expect("idle");
    assert_eq!(still.published.expect("published").state, "busy");
    let cleared =
        tokio::time::timeout(within, link.ask(Request::Clear { by: "test".into() }, true))
            .await
            .expect("answered")
            .expect("removed");
    assert!(cleared.etag.is_none(), "{cleared:?}");
    demo.shutdown().await;
}

/// An ICS text with one busy event from an hour ago to an hour ahead.
fn meeting_now() -> String {
    let fmt = |t: jiff::Timestamp| t.strftime("%Y%m%dT%H%M%SZ").to_string();
    let now = jiff::Timestamp::now();
    let hour = jiff::SignedDuration::from_hours(1);
    format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m@test\r\nSUMMARY:Secret\r\nDTSTART:{}\r\nDTEND:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        fmt(now - hour),
        fmt(now + hour)
    )
}

/// Serve `body` over http on 127.0.0.1 to every connection; the URL.
fn serve_forever(body: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/cal.ics")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calendar_fetched_over_http_makes_the_keeper_publish_busy() {
    let status = StatusConfig {
        calendar: Some(crate::config::CalendarSource::Url(serve_forever(
            meeting_now(),
        ))),
        ..StatusConfig::default()
    };
    let (demo, link) = keeper_with(status).await;
    let within = Duration::from_secs(10);
    tokio::time::timeout(within, link.ask(set("available", None), true))
        .await
        .expect("answered")
        .expect("published");
    // The fetch runs beside the keeper; once it is in, Busy is published.
    let deadline = tokio::time::Instant::now() + within;
    let shown = loop {
        let r = link.ask(Request::Show, false).await.expect("shown");
        if r.published.as_ref().is_some_and(|p| p.state == "busy") {
            break r;
        }
        assert!(tokio::time::Instant::now() < deadline, "never busy: {r:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let p = shown.published.expect("published");
    assert_eq!(p.source.as_deref(), Some("calendar"));
    let note = p.note.unwrap_or_default();
    assert!(note.starts_with("In a meeting until"), "{note}");
    assert!(
        !note.contains("Secret"),
        "the subject stays private: {note}"
    );
    assert_eq!(shown.calendar.as_deref(), Some("1 event"));
    link.ask(Request::Clear { by: "test".into() }, true)
        .await
        .expect("removed");
    demo.shutdown().await;
}
