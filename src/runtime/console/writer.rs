//! Terminal output that never blocks the console loop.
//!
//! - [`LeanBackend`] wraps a ratatui backend so that a draw with nothing to
//!   change writes nothing (no colour resets, no cursor commands).
//! - [`spawn_writer`] moves the bytes to a writer thread. The loop only
//!   draws while nothing is queued ([`WriterGate::ready`]); while a slow
//!   terminal (an SSH link) is still writing the previous frame, changes
//!   accumulate in the model and go out as one frame later: frames are
//!   coalesced, the loop never waits for the terminal.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// A backend that skips empty draws and repeated cursor commands.
#[derive(Debug)]
pub struct LeanBackend<B> {
    inner: B,
    cursor_visible: Option<bool>,
}

impl<B: Backend> LeanBackend<B> {
    pub fn new(inner: B) -> Self {
        LeanBackend {
            inner,
            cursor_visible: None,
        }
    }
    pub fn inner(&self) -> &B {
        &self.inner
    }
    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }
}

impl<B: Backend> Backend for LeanBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        self.inner.draw(content)
    }
    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.inner.append_lines(n)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        if self.cursor_visible == Some(false) {
            return Ok(());
        }
        self.cursor_visible = Some(false);
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        if self.cursor_visible == Some(true) {
            return Ok(());
        }
        self.cursor_visible = Some(true);
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
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
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

#[derive(Debug, Default)]
struct Outbox {
    bytes: Vec<u8>,
    closed: bool,
}

#[derive(Debug, Default)]
struct Shared {
    outbox: Mutex<Outbox>,
    wake: Condvar,
    /// Signalled each time the writer thread has handed a chunk to the terminal.
    written: tokio::sync::Notify,
    /// The terminal refused a write (the link is gone).
    broken: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The `io::Write` the terminal backend writes into: bytes collect locally
/// and are queued for the writer thread on `flush`, which never blocks.
#[derive(Debug)]
pub struct QueueWriter {
    local: Vec<u8>,
    shared: Arc<Shared>,
}

impl Write for QueueWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.local.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.local.is_empty() {
            return Ok(());
        }
        let mut outbox = self.shared.lock();
        outbox.bytes.append(&mut self.local);
        drop(outbox);
        self.shared.wake.notify_one();
        Ok(())
    }
}

impl Drop for QueueWriter {
    fn drop(&mut self) {
        let _ = self.flush();
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
    }
}

/// Tells the loop whether the terminal has caught up.
#[derive(Debug, Clone)]
pub struct WriterGate {
    shared: Arc<Shared>,
}

impl WriterGate {
    /// Nothing is waiting to be written: a new frame may be drawn.
    pub fn ready(&self) -> bool {
        self.shared.lock().bytes.is_empty()
    }
    /// Resolves after the writer thread finished its next chunk.
    pub async fn wait(&self) {
        self.shared.written.notified().await
    }
    /// The terminal refused a write: the link is gone.
    pub fn broken(&self) -> bool {
        self.shared.broken.load(Ordering::Relaxed)
    }
}

/// The writer thread's handle: wait for it to drain on exit.
#[derive(Debug)]
pub struct WriterThread {
    done: std::sync::mpsc::Receiver<()>,
}

impl WriterThread {
    /// Wait until everything queued is written (the queue side must have
    /// been dropped), at most `deadline`. False if the terminal is stuck.
    pub fn finish(self, deadline: Duration) -> bool {
        self.done.recv_timeout(deadline).is_ok()
    }
}

/// Start the writer thread over `out`.
pub fn spawn_writer<W: Write + Send + 'static>(
    mut out: W,
) -> io::Result<(QueueWriter, WriterGate, WriterThread)> {
    let shared = Arc::new(Shared::default());
    let (done_tx, done) = std::sync::mpsc::channel();
    let thread_shared = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("terminal-writer".into())
        .spawn(move || {
            let shared = thread_shared;
            loop {
                let mut outbox = shared.lock();
                while outbox.bytes.is_empty() && !outbox.closed {
                    outbox = shared
                        .wake
                        .wait(outbox)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if outbox.bytes.is_empty() && outbox.closed {
                    break;
                }
                let chunk = std::mem::take(&mut outbox.bytes);
                drop(outbox);
                if !shared.broken.load(Ordering::Relaxed)
                    && let Err(e) = out.write_all(&chunk).and_then(|()| out.flush())
                {
                    tracing::warn!("terminal write failed, dropping further output: {e}");
                    shared.broken.store(true, Ordering::Relaxed);
                }
                shared.written.notify_one();
            }
            let _ = done_tx.send(());
        })?;
    let writer = QueueWriter {
        local: Vec::new(),
        shared: Arc::clone(&shared),
    };
    Ok((writer, WriterGate { shared }, WriterThread { done }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A terminal that blocks until the test lets a write through.
    struct SlowTerminal {
        gate: mpsc::Receiver<()>,
        seen: Arc<Mutex<Vec<u8>>>,
    }
    impl Write for SlowTerminal {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let _ = self.gate.recv();
            self.seen.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stuck_terminal_never_blocks_the_queue_and_frames_coalesce() {
        let (let_through, gate) = mpsc::channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let term = SlowTerminal {
            gate,
            seen: Arc::clone(&seen),
        };
        let (mut w, ready, thread) = spawn_writer(term).unwrap();
        w.write_all(b"frame1").unwrap();
        w.flush().unwrap();
        // The thread takes frame1 and blocks in write(); wait for the queue to empty.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !ready.ready() {
            assert!(
                std::time::Instant::now() < deadline,
                "writer never took frame1"
            );
            std::thread::yield_now();
        }
        // The terminal is stuck; queueing more returns at once.
        for f in [b"frame2", b"frame3"] {
            w.write_all(f).unwrap();
            w.flush().unwrap();
        }
        assert!(!ready.ready(), "the loop is told not to draw");
        drop(w);
        let_through.send(()).unwrap();
        let_through.send(()).unwrap();
        assert!(thread.finish(Duration::from_secs(5)));
        // frame2 and frame3 went out as one write.
        assert_eq!(seen.lock().unwrap().as_slice(), b"frame1frame2frame3");
    }
}
