//! The demo server over real loopback sockets.

use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use super::*;
use crate::sip::codec::{Message, Method, Request, frame, parse};

fn subscribe(to_user: &str, via: &str, local: SocketAddr, call_id: &str) -> Vec<u8> {
    let mut r = Request::new(Method::Subscribe, format!("sip:{to_user}@127.0.0.1"));
    let h = &mut r.headers;
    h.push(
        "Via",
        format!("SIP/2.0/{via} {local};branch=z9hG4bK{call_id}"),
    );
    h.push("Max-Forwards", "70");
    h.push("From", "<sip:reception@127.0.0.1>;tag=t1");
    h.push("To", format!("<sip:{to_user}@127.0.0.1>"));
    h.push("Call-ID", call_id);
    h.push("CSeq", "1 SUBSCRIBE");
    h.push("Contact", format!("<sip:reception@{local}>"));
    h.push("Event", "presence");
    h.push("Expires", "600");
    r.to_bytes()
}

async fn recv_udp(sock: &UdpSocket) -> Message {
    let mut buf = vec![0u8; 65_536];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), sock.recv_from(&mut buf))
        .await
        .expect("an answer within 5 s")
        .unwrap();
    parse(&buf[..n]).unwrap()
}

#[tokio::test]
async fn spawn_serves_udp_and_tcp_on_one_free_port_and_stops() {
    let handle = spawn(DemoOptions::default()).await.unwrap();
    assert_ne!(handle.addr.port(), 0);
    assert!(handle.contacts.len() > 150);
    let first = handle.contacts[0].uri.clone();
    let user = first
        .trim_start_matches("sip:")
        .split('@')
        .next()
        .unwrap()
        .to_string();

    // UDP: 200 and the initial NOTIFY.
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = sock.local_addr().unwrap();
    sock.send_to(&subscribe(&user, "UDP", local, "udp-1"), handle.addr)
        .await
        .unwrap();
    let ok = recv_udp(&sock).await;
    assert!(
        matches!(&ok, Message::Response(r) if r.status == 200),
        "{ok:?}"
    );
    let notify = recv_udp(&sock).await;
    let Message::Request(n) = notify else {
        panic!("a NOTIFY")
    };
    assert_eq!(n.method, Method::Notify);
    assert!(crate::body::pidf::parse(&n.body).is_ok());

    // TCP: the same, framed on the stream.
    let mut tcp = TcpStream::connect(handle.addr).await.unwrap();
    let local = tcp.local_addr().unwrap();
    tcp.write_all(&subscribe(&user, "TCP", local, "tcp-1"))
        .await
        .unwrap();
    let mut buf = Vec::new();
    let mut got = Vec::new();
    while got.len() < 2 {
        let mut chunk = [0u8; 8192];
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "connection closed early");
        buf.extend_from_slice(&chunk[..n]);
        while let Some(len) = frame(&buf).unwrap() {
            got.push(parse(&buf[..len]).unwrap());
            buf.drain(..len);
        }
    }
    assert!(matches!(&got[0], Message::Response(r) if r.status == 200));
    assert!(matches!(&got[1], Message::Request(r) if r.method == Method::Notify));

    let addr = handle.addr;
    handle.shutdown().await;
    // The port is free again.
    UdpSocket::bind(addr).await.expect("UDP port released");
}

#[tokio::test]
async fn ten_thousand_contacts_start_quickly() {
    let started = std::time::Instant::now();
    let handle = spawn(DemoOptions {
        contacts: 10_000,
        rate: Some(100.0),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let took = started.elapsed();
    assert_eq!(handle.contacts.len(), 10_000);
    // Generous for an unoptimised test build; the release figure is in the
    // benchmark.
    assert!(took < Duration::from_secs(3), "took {took:?}");
    handle.shutdown().await;
}

#[tokio::test]
async fn the_config_snippet_is_a_valid_console_configuration() {
    let handle = spawn(DemoOptions {
        credentials: Some(("attendant".into(), "pa\"ss".into())),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let snippet = handle.config_snippet();
    let config = crate::config::parse(&snippet, Path::new("demo.toml"), &|_| None)
        .expect("the snippet parses");
    assert_eq!(config.account.uri, "sip:attendant@127.0.0.1");
    assert_eq!(config.account.password.as_deref(), Some("pa\"ss"));
    assert_eq!(config.server.socket_addr().unwrap(), handle.addr);
    assert_eq!(
        config.contacts, handle.contacts,
        "names with quotes and any script survive"
    );
    assert_eq!(
        handle.account,
        (
            "sip:attendant@127.0.0.1".into(),
            "attendant".into(),
            "pa\"ss".into()
        )
    );
    let tcp = handle.config_snippet_with(Transport::Tcp);
    let config = crate::config::parse(&tcp, Path::new("demo.toml"), &|_| None).unwrap();
    assert_eq!(config.server.transport, crate::config::Transport::Tcp);
}

#[test]
fn toml_strings_are_escaped() {
    assert_eq!(toml_str("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
}
