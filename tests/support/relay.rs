//! A TCP relay that delays everything it carries, both ways: the delay of
//! a slow network, for a kernel without `tc netem` (see `netns`). Each
//! chunk read is written on after `delay` (a fixed one-way latency, in
//! order); `set_delay(ZERO)` ends the fault. Threads end with their
//! connections (and with the test process).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct DelayRelay {
    /// Where clients connect (127.0.0.1).
    pub port: u16,
    delay_ms: Arc<AtomicU64>,
}

impl DelayRelay {
    /// Relay 127.0.0.1:`port` to 127.0.0.1:`upstream`, `delay` each way.
    pub fn start(upstream: u16, delay: Duration) -> DelayRelay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("relay listener");
        let port = listener.local_addr().expect("relay port").port();
        let delay_ms = Arc::new(AtomicU64::new(delay.as_millis() as u64));
        let d = delay_ms.clone();
        std::thread::spawn(move || {
            for down in listener.incoming() {
                let Ok(down) = down else { break };
                let Ok(up) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let _ = (down.set_nodelay(true), up.set_nodelay(true));
                if let (Ok(down2), Ok(up2)) = (down.try_clone(), up.try_clone()) {
                    pump(down, up2, d.clone());
                    pump(up, down2, d.clone());
                }
            }
        });
        DelayRelay { port, delay_ms }
    }

    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }
}

/// `from` → `to`, each chunk held until its due time.
fn pump(mut from: TcpStream, mut to: TcpStream, delay_ms: Arc<AtomicU64>) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65_536];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let due =
                        Instant::now() + Duration::from_millis(delay_ms.load(Ordering::Relaxed));
                    if tx.send((due, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    std::thread::spawn(move || {
        for (due, bytes) in rx {
            // The latency itself (the fault), not a synchronisation.
            let wait = due.saturating_duration_since(Instant::now());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
