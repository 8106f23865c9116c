//! The calendar fetched over http from a tiny server the test starts on
//! 127.0.0.1 (a std listener thread); no external network.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use super::*;

const FIXTURE: &str = include_str!("../../../tests/fixtures/calendar/recurring.ics");

/// Serve one response per connection, in order, then stop. Returns the URL.
fn serve(responses: Vec<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for resp in responses {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let _ = s.write_all(&resp);
        }
    });
    format!("http://{addr}/me.ics")
}

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn status(code: &str) -> Vec<u8> {
    format!("HTTP/1.1 {code}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Result<String, String>>) -> Result<String, String> {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("the fetch reports within its time limit")
        .expect("a result")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_calendar_is_fetched_and_its_last_good_copy_kept_when_a_refresh_fails() {
    let url = serve(vec![ok(FIXTURE), status("503 Service Unavailable")]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut feed = CalendarFeed::new(
        Some(CalendarSource::Url(url.clone())),
        Duration::from_secs(900),
        tx,
    );
    let t0 = Instant::now();
    feed.read_if_due(t0);
    assert_eq!(feed.next_read(), None, "no second read while one runs");
    feed.on_fetched(next(&mut rx).await);
    let events = feed.calendar().expect("the fetched calendar is used").len();
    assert!(events > 0);
    let tz = jiff::tz::TimeZone::UTC;
    assert_eq!(feed.describe(&tz), Some(format!("{events} events")));
    assert_eq!(feed.next_read(), Some(t0 + Duration::from_secs(900)));

    // Not due yet: nothing fetched.
    feed.read_if_due(t0 + Duration::from_secs(10));
    assert!(rx.try_recv().is_err());

    // The refresh gets a 503: the last good copy stays, and show says so.
    feed.read_if_due(t0 + Duration::from_secs(900));
    feed.on_fetched(next(&mut rx).await);
    assert_eq!(feed.calendar().map(Calendar::len), Some(events));
    let said = feed.describe(&tz).expect("described");
    assert!(
        said.starts_with(&format!("{events} events, the copy from "))
            && said.contains("the last refresh failed")
            && said.contains("503"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calendar_larger_than_the_cap_is_refused_not_truncated() {
    let big = format!("{FIXTURE}{}", "X".repeat(2048));
    let url = serve(vec![ok(&big)]);
    let got = tokio::task::spawn_blocking(move || fetch(&url, Duration::from_secs(10), 1024))
        .await
        .expect("joined");
    let e = got.expect_err("too large");
    assert!(e.contains("larger than 1024 bytes"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out_with_a_message_naming_the_url() {
    // Accepts (the kernel's backlog) but never answers.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/me.ics", listener.local_addr().expect("addr"));
    let shown = url.clone();
    let got = tokio::task::spawn_blocking(move || fetch(&url, Duration::from_millis(300), 1024))
        .await
        .expect("joined");
    drop(listener);
    let e = got.expect_err("timed out");
    assert!(e.contains(&shown_url(&shown)), "{e}");
}

/// `https://` goes through rustls with the system's roots: a server that
/// does not speak TLS is a failed fetch naming the URL (no panic from the
/// TLS set-up, nothing read as a calendar).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_url_to_a_server_without_tls_is_a_clear_failure() {
    // Answers plain HTTP at once, whatever the client sent.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}/me.ics", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let _ = s.write_all(&ok(FIXTURE));
        }
    });
    let shown = shown_url(&url);
    let t0 = Instant::now();
    let got = tokio::task::spawn_blocking(move || fetch(&url, Duration::from_secs(10), 1 << 20))
        .await
        .expect("joined");
    let e = got.expect_err("not TLS");
    assert!(e.starts_with(&format!("cannot fetch {shown}")), "{e}");
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "refused at once, not timed out: {e}"
    );
}

#[test]
fn a_calendar_url_is_shown_without_its_secrets() {
    assert_eq!(
        shown_url("https://bob:pw@cal.example.com/private-9f8e7d/basic.ics?token=abc"),
        "https://cal.example.com/…"
    );
    assert_eq!(shown_url("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    assert_eq!(shown_url("https://h.example?x=1"), "https://h.example/…");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_fetch_failure_is_said_and_nothing_is_used() {
    let url = serve(vec![status("404 Not Found")]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut feed = CalendarFeed::new(Some(CalendarSource::Url(url)), Duration::from_secs(60), tx);
    feed.read_if_due(Instant::now());
    feed.on_fetched(next(&mut rx).await);
    assert!(feed.calendar().is_none());
    let said = feed.describe(&jiff::tz::TimeZone::UTC).expect("described");
    assert!(said.contains("404"), "{said}");
    assert!(!said.contains("me.ics"), "the path is not shown: {said}");
}
