//! CPU of an idle console. Budget: 10,000 contacts with 5 ringing lines use
//! under 1% of one core; with nothing ringing, about nothing.
//!
//! `cargo bench --bench idle_cpu` (optional argument: seconds per scenario,
//! default 20). Each scenario runs the console's real loop
//! ([`run_loop`]) on a tokio runtime built like the binary's (multi-thread,
//! two workers), drawing through the real backend stack (`LeanBackend` over
//! `CrosstermBackend` over the console's writer thread) into a byte counter
//! instead of a terminal, 200x60. No key ever arrives and the engine stays
//! silent: only the model's own timers (the ringing lines' blink) run.
//!
//! Measured: the whole process's CPU time (all threads) over the window,
//! from `/proc/self/task/*/schedstat` (nanoseconds) and `/proc/self/stat`
//! (utime + stime, clock ticks), as a percentage of one core; and the bytes
//! and writes that reached the "terminal". The directory, the events and the
//! first full frame are done before the window opens. Linux only.
//!
//! Measured (2 shared cores, load average 2 from other work, 20 s each):
//! 5 ringing lines 0.24% of a core (0.20% by ticks), 220 bytes/s in 2
//! writes/s (one frame per blink toggle); nothing ringing 0.002%, 0 bytes.
//! The real binary from outside: `scripts/idle-cpu.sh`.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::Event;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use switchboard::app::{Model, Msg, Settings, sample, update};
use switchboard::presence::LineState;
use switchboard::runtime::console::{EventSource, LeanBackend, run_loop, spawn_writer};
use switchboard::sip::events::EngineEvent;
use switchboard::ui::view;

const CONTACTS: usize = 10_000;
const SIZE: Size = Size {
    width: 200,
    height: 60,
};
const BUDGET_PERCENT: f64 = 1.0;

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as
    // a smoke test: a short window that still checks the budget.
    let measuring = std::env::args().any(|a| a == "--bench");
    let secs: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if measuring { 20 } else { 2 });
    let window = Duration::from_secs(secs);
    let ticks_per_sec = clock_ticks();
    eprintln!(
        "--- idle console: {CONTACTS} contacts, {}x{}, {secs} s per scenario ---",
        SIZE.width, SIZE.height
    );
    let mut over_budget = false;
    // 10,000 / 2,000: contacts 0, 2000, 4000, 6000 and 8000 ring.
    for (label, ring_every) in [("5 ringing lines", 2000), ("nothing ringing", 0)] {
        let r = scenario(ring_every, window, ticks_per_sec);
        eprintln!(
            "{label:<16} ringing: {:>2}  cpu: {:.3}% of a core (schedstat), {:.2}% (stat ticks)  \
             terminal: {:.0} bytes/s in {:.1} writes/s",
            r.ringing, r.cpu_percent, r.tick_percent, r.bytes_per_sec, r.writes_per_sec
        );
        // Timing is judged only in a measuring (release) run; the smoke run
        // under `cargo test` is a debug build on a busy CI machine.
        if measuring && r.cpu_percent >= BUDGET_PERCENT {
            over_budget = true;
        }
        // The clock changes once a minute: one write per minute the window
        // crossed is the only output an idle console may make.
        if ring_every == 0 && r.writes > r.minutes_crossed {
            eprintln!(
                "  an idle console with nothing timed must write nothing but the clock's minute \
                 ({} writes, {} minutes crossed)",
                r.writes, r.minutes_crossed
            );
            over_budget = true;
        }
    }
    if over_budget {
        eprintln!("OVER BUDGET ({BUDGET_PERCENT}% of a core)");
        std::process::exit(1);
    }
}

struct Figures {
    ringing: usize,
    cpu_percent: f64,
    tick_percent: f64,
    bytes_per_sec: f64,
    writes_per_sec: f64,
    writes: u64,
    /// Minute boundaries of the wall clock inside the window.
    minutes_crossed: u64,
}

fn scenario(ring_every: usize, window: Duration, ticks_per_sec: f64) -> Figures {
    let mut model = Model::new(sample::directory(CONTACTS), Settings::default());
    update(
        &mut model,
        Msg::Resize {
            width: SIZE.width,
            height: SIZE.height,
        },
    );
    for ev in sample::directory_events(CONTACTS, ring_every, Instant::now()) {
        update(&mut model, Msg::Engine(ev));
    }
    let ringing = (0..CONTACTS)
        .filter(|i| {
            let id = switchboard::store::ContactId(*i as u32);
            model.store.shown(id).line == LineState::Ringing
        })
        .count();

    let counter = Counter::default();
    let (queue, _gate, writer) = spawn_writer(counter.clone()).expect("writer thread");
    let backend = FixedSize(LeanBackend::new(CrosstermBackend::new(queue)));
    let mut terminal = Terminal::new(backend).expect("terminal");
    // The clock as the runtime sends it, before the first frame.
    update(
        &mut model,
        Msg::Clock {
            wall: jiff::Zoned::now(),
            at: Instant::now(),
        },
    );
    // The first full frame is not idle work: draw it before the window.
    terminal.draw(|f| view(&model, f)).expect("first frame");
    model.dirty = false;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // Let the writer thread take the first frame before measuring.
    let settled = Instant::now() + Duration::from_secs(2);
    while counter.bytes() == 0 && Instant::now() < settled {
        std::thread::sleep(Duration::from_millis(10));
    }

    let (cpu0, ticks0, bytes0, writes0) =
        (cpu_ns(), cpu_ticks(), counter.bytes(), counter.writes());
    let started = Instant::now();
    let minute_at_start = jiff::Timestamp::now().as_second().div_euclid(60);
    let mut source = Silent;
    let input = futures_util::stream::pending::<io::Result<Event>>();
    let ended = rt.block_on(async {
        tokio::time::timeout(
            window,
            run_loop(&mut model, input, &mut source, &mut terminal),
        )
        .await
    });
    let wall = started.elapsed().as_secs_f64();
    let minutes_crossed =
        u64::try_from(jiff::Timestamp::now().as_second().div_euclid(60) - minute_at_start)
            .unwrap_or(0);
    let (cpu1, ticks1, bytes1, writes1) =
        (cpu_ns(), cpu_ticks(), counter.bytes(), counter.writes());
    if let Ok(r) = ended {
        panic!("the console loop ended by itself: {r:?}");
    }

    drop(terminal);
    writer.finish(Duration::from_secs(1));
    drop(rt);
    Figures {
        ringing,
        cpu_percent: (cpu1 - cpu0) as f64 / 1e9 / wall * 100.0,
        tick_percent: (ticks1 - ticks0) as f64 / ticks_per_sec / wall * 100.0,
        bytes_per_sec: (bytes1 - bytes0) as f64 / wall,
        writes_per_sec: (writes1 - writes0) as f64 / wall,
        writes: writes1 - writes0,
        minutes_crossed,
    }
}

/// An engine that never reports anything.
struct Silent;

impl EventSource for Silent {
    fn next_event(&mut self) -> impl Future<Output = Option<EngineEvent>> + Send {
        std::future::pending()
    }
    async fn shutdown(&mut self) {}
}

/// The "terminal": counts bytes and writes.
#[derive(Clone, Default)]
struct Counter(Arc<(AtomicU64, AtomicU64)>);

impl Counter {
    fn bytes(&self) -> u64 {
        self.0.0.load(Ordering::SeqCst)
    }
    fn writes(&self) -> u64 {
        self.0.1.load(Ordering::SeqCst)
    }
}

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.0.fetch_add(buf.len() as u64, Ordering::SeqCst);
        self.0.1.fetch_add(1, Ordering::SeqCst);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The backend stack with a fixed size (there is no real terminal to ask).
struct FixedSize<B>(B);

impl<B: Backend> Backend for FixedSize<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.0.draw(content)
    }
    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.0.append_lines(n)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        Ok(Position::ORIGIN)
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.0.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.0.clear_region(clear_type)
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
        self.0.flush()
    }
}

/// CPU time of every thread of this process, in nanoseconds.
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// utime + stime of this process, in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After "pid (comm) ": state is field 3, utime 14, stime 15.
    let rest = stat
        .rfind(')')
        .and_then(|i| stat.get(i + 1..))
        .unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 if that fails).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
