//! The driver over a real TCP socket, against a scripted server on a free
//! loopback port: an oversized NOTIFY is answered 413 on the same
//! connection, the next NOTIFY still comes through, nothing goes stale.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::SipHandle;
use crate::presence::ContactId;
use crate::sip::codec::{
    MAX_CONTENT_LENGTH, Message, Method, Request, Response, StreamItem, StreamReader, parse,
    response_to,
};
use crate::sip::engine::{EngineConfig, Transport};
use crate::sip::events::EngineEvent;

const PIDF: &str = r#"<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@127.0.0.1"><tuple id="t"><status><basic>open</basic></status></tuple></presence>"#;

/// One connection of the scripted server.
struct Peer {
    stream: TcpStream,
    reader: StreamReader,
}

impl Peer {
    async fn next(&mut self) -> Message {
        loop {
            if let Some(StreamItem::Message(m)) = self.reader.next_item().expect("framing") {
                return parse(&m).expect("the engine sends parseable SIP");
            }
            let mut buf = [0u8; 16_384];
            let n = self.stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "the engine closed the connection");
            self.reader.push(&buf[..n]);
        }
    }

    async fn request(&mut self, method: Method) -> Request {
        loop {
            if let Message::Request(r) = self.next().await
                && r.method == method
            {
                return r;
            }
        }
    }

    async fn response(&mut self) -> Response {
        loop {
            if let Message::Response(r) = self.next().await {
                return r;
            }
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }
}

fn notify(sub: &Request, cseq: u32, body: &[u8]) -> Vec<u8> {
    let mut n = Request::new(Method::Notify, "sip:attendant@127.0.0.1");
    n.headers.push(
        "Via",
        format!("SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKnotify{cseq}"),
    );
    n.headers
        .push("From", "<sip:alice@127.0.0.1>;tag=srv".to_string());
    n.headers
        .push("To", sub.headers.get("From").unwrap_or("").to_string());
    n.headers.push(
        "Call-ID",
        sub.headers.get("Call-ID").unwrap_or("").to_string(),
    );
    n.headers.push("CSeq", format!("{cseq} NOTIFY"));
    n.headers.push("Event", "presence");
    n.headers.push("Contact", "<sip:127.0.0.1;transport=tcp>");
    n.headers.push("Subscription-State", "active;expires=600");
    n.headers.push("Content-Type", "application/pidf+xml");
    n.body = body.to_vec();
    n.to_bytes()
}

async fn scenario(listener: TcpListener, mut handle: SipHandle) {
    let (stream, _) = listener.accept().await.expect("accept");
    let mut peer = Peer {
        stream,
        reader: StreamReader::new(),
    };
    let options = peer.request(Method::Options).await;
    peer.send(&response_to(&options, 200, "OK", Some("o")).to_bytes())
        .await;
    let sub = peer.request(Method::Subscribe).await;
    let mut ok = response_to(&sub, 200, "OK", Some("srv"));
    ok.headers.push("Expires", "600");
    ok.headers.push("Contact", "<sip:127.0.0.1;transport=tcp>");
    peer.send(&ok.to_bytes()).await;
    peer.send(&notify(&sub, 1, PIDF.as_bytes())).await;
    assert_eq!(peer.response().await.status, 200);

    // Over the limit: the whole body is sent, the engine must read past it.
    let huge = vec![b' '; MAX_CONTENT_LENGTH + 1000];
    peer.send(&notify(&sub, 2, &huge)).await;
    let refused = peer.response().await;
    assert_eq!(refused.status, 413, "{refused:?}");
    // The same connection carries on.
    peer.send(&notify(&sub, 3, PIDF.as_bytes())).await;
    assert_eq!(peer.response().await.status, 200);

    let mut presence = 0;
    while presence < 2 {
        let ev = tokio::time::timeout(Duration::from_secs(5), handle.next_event())
            .await
            .expect("events within 5 s")
            .expect("the driver runs");
        match ev {
            EngineEvent::Presence { .. } => presence += 1,
            EngineEvent::Stale { .. } => panic!("the last state must be kept"),
            EngineEvent::Connection { state, .. } => assert!(
                !matches!(state, crate::sip::events::ConnectionState::Unreachable(_)),
                "the connection is kept: {state:?}"
            ),
            _ => {}
        }
    }
    // No reconnect: nobody knocks again.
    let again = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(again.is_err(), "the engine reconnected");
}

#[tokio::test]
async fn an_oversized_notify_over_tcp_keeps_the_connection_and_the_state() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let server: SocketAddr = listener.local_addr().expect("addr");
    let mut cfg = EngineConfig::new(
        "sip:attendant@127.0.0.1",
        &server.to_string(),
        server,
        Transport::Tcp,
    );
    cfg.dialog = false;
    let contacts = [(ContactId(0), "sip:alice@127.0.0.1".to_string())];
    let handle = SipHandle::start(cfg, server, &contacts)
        .await
        .expect("start");
    tokio::time::timeout(Duration::from_secs(20), scenario(listener, handle))
        .await
        .expect("the scenario ends within 20 s");
}

/// The next event matching `pred` within 5 s.
async fn next_matching(
    handle: &mut SipHandle,
    mut pred: impl FnMut(&EngineEvent) -> bool,
) -> EngineEvent {
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(5), handle.next_event())
            .await
            .expect("an event within 5 s")
            .expect("the driver runs");
        if pred(&ev) {
            return ev;
        }
    }
}

#[tokio::test]
async fn the_driver_answers_diagnose_traces_live_and_resubscribes_on_command() {
    use super::Command;
    use crate::sip::engine::diagnostics::{ConnectorStatus, SubState};
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let server: SocketAddr = listener.local_addr().expect("addr");
    let mut cfg = EngineConfig::new(
        "sip:attendant@127.0.0.1",
        &server.to_string(),
        server,
        Transport::Tcp,
    );
    cfg.dialog = false;
    cfg.password = Some("s3cret-pw".into());
    let contacts = [(ContactId(0), "sip:alice@127.0.0.1".to_string())];
    let mut handle = SipHandle::start(cfg, server, &contacts)
        .await
        .expect("start");
    let run = async {
        let (stream, _) = listener.accept().await.expect("accept");
        let mut peer = Peer {
            stream,
            reader: StreamReader::new(),
        };
        let options = peer.request(Method::Options).await;
        peer.send(&response_to(&options, 200, "OK", Some("o")).to_bytes())
            .await;
        let sub = peer.request(Method::Subscribe).await;
        let mut ok = response_to(&sub, 200, "OK", Some("srv"));
        ok.headers.push("Expires", "600");
        peer.send(&ok.to_bytes()).await;
        peer.send(&notify(&sub, 1, PIDF.as_bytes())).await;
        assert_eq!(peer.response().await.status, 200);
        next_matching(&mut handle, |e| matches!(e, EngineEvent::Presence { .. })).await;

        handle.commands().send(Command::Diagnose).expect("send");
        let EngineEvent::Diagnostics(d) =
            next_matching(&mut handle, |e| matches!(e, EngineEvent::Diagnostics(_))).await
        else {
            unreachable!()
        };
        assert_eq!(d.report.status, ConnectorStatus::UpAndRunning);
        let alice = &d.report.subscriptions[0];
        assert_eq!(
            (alice.state.clone(), alice.last_code),
            (SubState::Active, Some(200))
        );
        assert!(alice.last_notify.is_some());
        let whats: Vec<&str> = d.trace.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "OPTIONS",
                "200 OK",
                "SUBSCRIBE",
                "200 OK",
                "NOTIFY",
                "200 OK"
            ]
        );

        handle
            .commands()
            .send(Command::TraceLive(true))
            .expect("send");
        peer.send(&notify(&sub, 2, PIDF.as_bytes())).await;
        let EngineEvent::Trace(inbound) =
            next_matching(&mut handle, |e| matches!(e, EngineEvent::Trace(_))).await
        else {
            unreachable!()
        };
        assert_eq!(inbound.what, "NOTIFY");
        assert_eq!(inbound.call_id, sub.headers.get("Call-ID").unwrap_or(""));
        let EngineEvent::Trace(answer) =
            next_matching(&mut handle, |e| matches!(e, EngineEvent::Trace(_))).await
        else {
            unreachable!()
        };
        assert_eq!(answer.what, "200 OK");

        handle
            .commands()
            .send(Command::ResubscribeContacts(vec![ContactId(0)]))
            .expect("send");
        let again = peer.request(Method::Subscribe).await;
        assert_ne!(
            again.headers.get("Call-ID"),
            sub.headers.get("Call-ID"),
            "a fresh dialog"
        );
    };
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the scenario ends within 20 s");
}
