//! The measuring end of `notify_latency`: the "terminal" that stamps its
//! writes, the byte counter and the backend that records each frame's
//! cells, and the sampler of the driver socket's receive queue.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use switchboard::runtime::console::QueueWriter;

use super::{Log, SIZE};

/// One draw: when, which cells, and where its bytes end in the stream.
pub struct Frame {
    pub drawn: Instant,
    pub cells: Vec<(u16, u16)>,
    pub end: u64,
}

/// The terminal: stamps each write as it returns, with the bytes so far.
pub struct Stamped {
    pub log: Arc<Mutex<Vec<(Instant, u64)>>>,
    pub offset: u64,
}

impl Write for Stamped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.offset += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        let now = Instant::now();
        if let Ok(mut log) = self.log.lock() {
            log.push((now, self.offset));
        }
        Ok(())
    }
}

/// Counts the bytes the backend hands to the console's queue.
pub struct Counted {
    pub inner: QueueWriter,
    pub offset: Arc<AtomicU64>,
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.offset.fetch_add(n as u64, Ordering::SeqCst);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The backend stack with a fixed size, recording each draw's cells.
pub struct Recorder<B> {
    pub inner: B,
    pub frames: Arc<Mutex<Vec<Frame>>>,
    pub offset: Arc<AtomicU64>,
    pub pending: Option<(Instant, Vec<(u16, u16)>)>,
}

impl<B: Backend> Backend for Recorder<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let drawn = Instant::now();
        let content: Vec<(u16, u16, &Cell)> = content.collect();
        self.pending = Some((drawn, content.iter().map(|&(x, y, _)| (x, y)).collect()));
        self.inner.draw(content.into_iter())
    }
    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.inner.append_lines(n)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        Ok(Position::ORIGIN)
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        Ok(SIZE)
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        Ok(WindowSize {
            columns_rows: SIZE,
            pixels: Size::default(),
        })
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        let r = self.inner.flush();
        if let Some((drawn, cells)) = self.pending.take() {
            let end = self.offset.load(Ordering::SeqCst);
            if let Ok(mut frames) = self.frames.lock() {
                frames.push(Frame { drawn, cells, end });
            }
        }
        r
    }
}

/// Samples the kernel's receive queue of the driver's UDP socket (the one
/// connected to the demo server) from `/proc/net/udp` every 5 ms.
pub struct RxSampler {
    thread: std::thread::JoinHandle<(u64, f64, usize)>,
}

impl RxSampler {
    pub fn start(server: SocketAddr, log: Arc<Mutex<Log>>, stop: Arc<AtomicBool>) -> RxSampler {
        let remote = match server {
            SocketAddr::V4(a) => format!(
                "{:08X}:{:04X}",
                u32::from_le_bytes(a.ip().octets()),
                a.port()
            ),
            SocketAddr::V6(_) => String::new(),
        };
        let thread = std::thread::spawn(move || {
            let (mut max, mut sum, mut n) = (0u64, 0u64, 0usize);
            while !stop.load(Ordering::SeqCst) {
                let from = log.lock().ok().and_then(|l| l.from);
                if from.is_none_or(|f| Instant::now() < f) {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let table = std::fs::read_to_string("/proc/net/udp").unwrap_or_default();
                for line in table.lines().skip(1) {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    if f.get(2) != Some(&remote.as_str()) {
                        continue;
                    }
                    let rx = f
                        .get(4)
                        .and_then(|q| q.split_once(':'))
                        .and_then(|(_, rx)| u64::from_str_radix(rx, 16).ok())
                        .unwrap_or(0);
                    max = max.max(rx);
                    sum += rx;
                    n += 1;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            (max, if n == 0 { 0.0 } else { sum as f64 / n as f64 }, n)
        });
        RxSampler { thread }
    }

    pub fn finish(self) -> (u64, f64, usize) {
        self.thread.join().unwrap_or((0, 0.0, 0))
    }
}
