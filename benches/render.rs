//! Console rendering costs.
//!
//! `cargo bench --bench render`:
//! - criterion: one full frame of a 10,000-contact directory on a 200x60
//!   `TestBackend` (grid only, with the details panel, while searching);
//!   the budget is 2 ms a frame.
//! - printed first (stderr): bytes written to a real `CrosstermBackend`
//!   (behind the console's `LeanBackend`) for a first frame, an unchanged
//!   frame (must be 0) and one blink toggle (budget: under 64 bytes per
//!   ringing cell on screen: the whole cell blinks, its characters are
//!   sent again with one colour change).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::hint::black_box;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use switchboard::app::grid_list::Row;
use switchboard::app::{Model, Msg, Settings, sample, update};
use switchboard::presence::LineState;
use switchboard::runtime::console::LeanBackend;
use switchboard::ui::view;

const CONTACTS: usize = 10_000;
/// Every 7th contact's line rings.
const RING_EVERY: usize = 7;
const SIZE: (u16, u16) = (200, 60);

fn directory_model() -> Model {
    let mut m = Model::new(sample::directory(CONTACTS), Settings::default());
    update(
        &mut m,
        Msg::Resize {
            width: SIZE.0,
            height: SIZE.1,
        },
    );
    for ev in sample::directory_events(CONTACTS, RING_EVERY, Instant::now()) {
        update(&mut m, Msg::Engine(ev));
    }
    m
}

fn key(m: &mut Model, code: KeyCode) {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn frame(c: &mut Criterion, name: &str, model: &Model) {
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap();
    c.bench_function(name, |b| {
        b.iter(|| {
            terminal.draw(|f| view(black_box(model), f)).unwrap();
        })
    });
}

fn benches(c: &mut Criterion) {
    let mut model = directory_model();
    // Somewhere in the middle of the directory.
    for _ in 0..20 {
        key(&mut model, KeyCode::PageDown);
    }
    frame(c, "full frame, 10k contacts, 200x60", &model);
    key(&mut model, KeyCode::Enter);
    frame(
        c,
        "full frame with details panel, 10k contacts, 200x60",
        &model,
    );
    key(&mut model, KeyCode::Esc);
    for ch in "anna".chars() {
        key(&mut model, KeyCode::Char(ch));
    }
    frame(
        c,
        "full frame while searching \"anna\", 10k contacts, 200x60",
        &model,
    );
}

criterion_group! {
    name = group;
    config = Criterion::default().sample_size(50).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}

/// Counts the bytes written to the "terminal".
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::SeqCst);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Ringing cells on screen.
fn visible_ringing(m: &Model) -> usize {
    let height = usize::from(m.areas().grid.height);
    m.list
        .rows
        .iter()
        .skip(m.scroll)
        .take(height)
        .filter_map(|r| match r {
            Row::Cells { start, end } => Some(&m.list.cells[*start..*end]),
            Row::Header { .. } => None,
        })
        .flatten()
        .filter(|c| m.store.shown(c.id).line == LineState::Ringing)
        .count()
}

/// Bytes on the wire for a first frame, an unchanged frame and blink toggles.
fn wire_bytes(mono: bool) -> (usize, usize, usize, usize) {
    let mut model = Model::new(
        sample::directory(CONTACTS),
        Settings {
            mono,
            ..Settings::default()
        },
    );
    update(
        &mut model,
        Msg::Resize {
            width: SIZE.0,
            height: SIZE.1,
        },
    );
    let at = Instant::now();
    for ev in sample::directory_events(CONTACTS, RING_EVERY, at) {
        update(&mut model, Msg::Engine(ev));
    }
    let counter = Counter::default();
    let backend = LeanBackend::new(CrosstermBackend::new(counter.clone()));
    let viewport = Viewport::Fixed(Rect::new(0, 0, SIZE.0, SIZE.1));
    let mut t = Terminal::with_options(backend, TerminalOptions { viewport }).unwrap();
    let written = || counter.0.load(Ordering::SeqCst);
    t.draw(|f| view(&model, f)).unwrap();
    let first = written();
    t.draw(|f| view(&model, f)).unwrap();
    let idle = written() - first;
    let toggles = 10u32;
    let before = written();
    let mut now = at;
    for _ in 0..toggles {
        now = model.next_deadline().unwrap_or(now);
        update(&mut model, Msg::Tick(now));
        t.draw(|f| view(&model, f)).unwrap();
    }
    let per_toggle = (written() - before) / toggles as usize;
    (first, idle, per_toggle, visible_ringing(&model))
}

fn report_wire_bytes() {
    for mono in [false, true] {
        let (first, idle, per_toggle, ringing) = wire_bytes(mono);
        let per_cell = per_toggle as f64 / ringing.max(1) as f64;
        eprintln!(
            "--- bytes on the wire ({}, {CONTACTS} contacts, {}x{}) ---\n\
             first frame:          {first}\n\
             unchanged frame:      {idle}\n\
             one blink toggle:     {per_toggle} ({ringing} ringing cells on screen: {per_cell:.1} bytes per cell)",
            if mono { "mono" } else { "colour" },
            SIZE.0,
            SIZE.1
        );
        assert_eq!(idle, 0, "an idle console writes nothing");
        assert!(
            per_cell < 64.0,
            "blink budget: {per_cell:.1} bytes per ringing cell"
        );
    }
}

fn main() {
    report_wire_bytes();
    group();
    Criterion::default().configure_from_args().final_summary();
}
