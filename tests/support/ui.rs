//! The console's pure core driven as a test drives it: keys into `update`,
//! `view` drawn onto ratatui's `TestBackend`, the screen read back as text.
//! Light on purpose (no servers, no processes): the UI tests include it
//! alone with `#[path = "support/ui.rs"] mod ui;`.
#![allow(dead_code)] // each UI test uses a different part

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use switchboard::app::{Cmd, Model, Msg, update};
use switchboard::ui::view;

/// One key, no modifiers; what the console was asked to do.
pub fn key(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Type text, one key per character.
pub fn typ(m: &mut Model, text: &str) {
    text.chars().for_each(|c| {
        key(m, KeyCode::Char(c));
    });
}

/// The frame `view` draws at the model's size.
pub fn draw(m: &Model) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(m.size.0, m.size.1)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    t.backend().buffer().clone()
}

/// A frame as text, one row a line, trailing blanks cut.
pub fn text(buf: &Buffer) -> String {
    rows(buf, true)
}

/// What the screen shows now (rows with their trailing blanks cut).
pub fn screen(m: &Model) -> String {
    rows(&draw(m), true)
}

/// What the screen shows now, every cell of every row (blanks kept, so a
/// snapshot also shows how far a row reaches).
pub fn screen_cells(m: &Model) -> String {
    rows(&draw(m), false)
}

fn rows(buf: &Buffer, trim: bool) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(if trim { line.trim_end() } else { &line });
        out.push('\n');
    }
    out
}
