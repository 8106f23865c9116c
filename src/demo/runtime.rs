//! The demo server's thin shell: one UDP socket and one TCP listener on the
//! same port, one task that owns the sans-IO [`Server`] and [`Simulation`]
//! and feeds them bytes and time. TCP connections get a reader task
//! (framing) and a writer task each.
#![allow(
    clippy::disallowed_methods,
    reason = "the demo server's runtime: its sockets, clock and tasks"
)]

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch};

use super::server::{Peer, Server, Transmit, Transport};
use super::sim::Simulation;
use crate::sip::codec::{self, Frame};

/// How often the loop logs its counters.
const STATS_EVERY: Duration = Duration::from_secs(10);
/// UDP datagrams read in one go before the timers get their turn.
const UDP_BATCH: usize = 256;

/// Binds UDP and TCP on the same port of `listen` (port 0: a free one).
pub async fn bind(listen: SocketAddr) -> io::Result<(UdpSocket, TcpListener)> {
    let mut last_err = None;
    for _ in 0..20 {
        let udp = UdpSocket::bind(listen).await?;
        let addr = udp.local_addr()?;
        match TcpListener::bind(addr).await {
            Ok(tcp) => return Ok((udp, tcp)),
            // A free UDP port whose TCP twin is taken: try another.
            Err(e) if listen.port() == 0 => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("no free port for both UDP and TCP")))
}

/// What TCP reader tasks hand to the loop.
enum Inbound {
    Message(SocketAddr, Vec<u8>),
    Closed(SocketAddr),
}

/// Runs until `shutdown` turns true or its sender is dropped.
pub async fn run(
    mut server: Server,
    mut sim: Simulation,
    udp: UdpSocket,
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
) {
    let udp = Arc::new(udp);
    let (in_tx, mut in_rx) = mpsc::channel::<Inbound>(4096);
    let mut conns: HashMap<SocketAddr, mpsc::UnboundedSender<Vec<u8>>> = HashMap::new();
    let mut buf = vec![0u8; 65_536];
    let mut last_stats = Instant::now();
    let mut last_notifies = 0;
    loop {
        let deadline = [server.poll_timeout(), sim.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            r = udp.recv_from(&mut buf) => match r {
                Ok((n, from)) => {
                    let now = Instant::now();
                    feed(&mut server, now, Peer { transport: Transport::Udp, addr: from }, buf.get(..n).unwrap_or_default());
                    for _ in 0..UDP_BATCH {
                        match udp.try_recv_from(&mut buf) {
                            Ok((n, from)) => feed(&mut server, now, Peer { transport: Transport::Udp, addr: from }, buf.get(..n).unwrap_or_default()),
                            Err(_) => break,
                        }
                    }
                }
                // e.g. ICMP port unreachable reported on the next read.
                Err(e) => tracing::debug!(error = %e, "UDP receive error"),
            },
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    tracing::debug!(%addr, "TCP connection");
                    let (tx, rx) = mpsc::unbounded_channel();
                    conns.insert(addr, tx.clone());
                    connection(stream, addr, in_tx.clone(), tx, rx);
                }
                Err(e) => tracing::warn!(error = %e, "TCP accept failed"),
            },
            Some(inbound) = in_rx.recv() => match inbound {
                Inbound::Message(addr, bytes) => {
                    feed(&mut server, Instant::now(), Peer { transport: Transport::Tcp, addr }, &bytes);
                }
                Inbound::Closed(addr) => {
                    tracing::debug!(%addr, "TCP connection closed");
                    conns.remove(&addr);
                }
            },
            () = sleep => {}
        }
        let now = Instant::now();
        if sim.poll_timeout().is_some_and(|t| t <= now) {
            sim.handle_timeout(now);
            while let Some(change) = sim.poll_change() {
                server.apply(now, change);
            }
        }
        if server.poll_timeout().is_some_and(|t| t <= now) {
            server.handle_timeout(now);
        }
        while let Some(t) = server.poll_transmit() {
            transmit(&udp, &conns, t).await;
        }
        if now.duration_since(last_stats) >= STATS_EVERY {
            let stats = server.stats();
            let rate = (stats.notifies - last_notifies) as f64
                / now.duration_since(last_stats).as_secs_f64();
            tracing::info!(
                subscriptions = server.subscription_count(),
                ending = server.ending_count(),
                publications = server.publication_count(),
                notifies = stats.notifies,
                notifies_per_sec = format!("{rate:.0}"),
                retransmissions = stats.retransmissions,
                timeouts = stats.notify_timeouts,
                unsubscribes = stats.unsubscribes,
                refused = stats.notify_refusals,
                "demo server"
            );
            last_stats = now;
            last_notifies = stats.notifies;
        }
    }
    tracing::info!("demo server stopped");
}

fn feed(server: &mut Server, now: Instant, from: Peer, bytes: &[u8]) {
    if let Err(e) = server.handle(now, from, bytes) {
        tracing::warn!(error = %e, "dropped a message");
    }
}

async fn transmit(
    udp: &UdpSocket,
    conns: &HashMap<SocketAddr, mpsc::UnboundedSender<Vec<u8>>>,
    t: Transmit,
) {
    match t.to.transport {
        Transport::Udp => {
            if let Err(e) = udp.send_to(&t.bytes, t.to.addr).await {
                tracing::debug!(to = %t.to.addr, error = %e, "UDP send failed");
            }
        }
        Transport::Tcp | Transport::Tls => match conns.get(&t.to.addr) {
            Some(tx) if tx.send(t.bytes).is_ok() => {}
            _ => tracing::debug!(to = %t.to.addr, "TCP connection gone: message not sent"),
        },
    }
}

/// Reader and writer tasks of one TCP connection.
fn connection(
    stream: TcpStream,
    addr: SocketAddr,
    inbound: mpsc::Sender<Inbound>,
    pong: mpsc::UnboundedSender<Vec<u8>>,
    mut outbound: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    tokio::spawn(async move {
        while let Some(bytes) = outbound.recv().await {
            if let Err(e) = writer.write_all(&bytes).await {
                tracing::debug!(%addr, error = %e, "TCP write failed");
                break;
            }
        }
    });
    tokio::spawn(async move {
        let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
        let mut chunk = vec![0u8; 16 * 1024];
        'read: loop {
            let n = match reader.read(&mut chunk).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    tracing::debug!(%addr, error = %e, "TCP read failed");
                    break;
                }
            };
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            loop {
                match codec::next_frame(&buf) {
                    Ok(None) => break,
                    Ok(Some(Frame::Keepalive(n))) => {
                        if n >= 4 {
                            let _ = pong.send(b"\r\n".to_vec());
                        }
                        buf.drain(..n.min(buf.len()));
                    }
                    Ok(Some(Frame::Message(n))) => {
                        let msg: Vec<u8> = buf.drain(..n.min(buf.len())).collect();
                        if inbound.send(Inbound::Message(addr, msg)).await.is_err() {
                            break 'read;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(%addr, error = %e, "unframeable TCP stream: closing");
                        break 'read;
                    }
                }
            }
        }
        let _ = inbound.send(Inbound::Closed(addr)).await;
    });
}
