//! No byte a remote party controls reaches the terminal as a control
//! sequence: hostile PIDF notes, caller display names and reasons go
//! through the real parsers, the engine's events and `update`, and are
//! drawn through crossterm into a byte buffer that is then searched.
//!
//! ratatui 0.30 itself drops graphemes holding control characters when a
//! widget writes a string into its buffer, so this is a guard for the whole
//! path (a widget writing cells directly, a future backend), not the only
//! defence: the strings are made harmless at ingest, and the unit tests of
//! `body` and `watch` check that without any terminal.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use switchboard::app::{Model, Msg, Settings, sample, update};
use switchboard::body::{dialog_info, notify, pidf};
use switchboard::presence::{ContactId, EventKind};
use switchboard::sip::events::EngineEvent;
use switchboard::ui::view;

/// C1 CSI, C1 OSC with its C1 terminator, RLO, an isolate pair, DEL: legal
/// in XML 1.0, obeyed as control sequences by many terminals.
const PAYLOAD: &str = "Mallory\u{9b}2J\u{9d}0;owned\u{9c}\u{202e}Caller\u{2066}\u{2069}\u{7f}";
const VISIBLE: &str = "Mallory2J0;ownedCaller";

/// Byte sequences that must never be written: the UTF-8 of U+009B, U+009D,
/// U+009C, U+202E, U+2066, U+2069, DEL, and an ESC-introduced OSC.
const FORBIDDEN: &[(&str, &[u8])] = &[
    ("U+009B CSI", b"\xC2\x9B"),
    ("U+009D OSC", b"\xC2\x9D"),
    ("U+009C ST", b"\xC2\x9C"),
    ("U+202E RLO", b"\xE2\x80\xAE"),
    ("U+2066 LRI", b"\xE2\x81\xA6"),
    ("U+2069 PDI", b"\xE2\x81\xA9"),
    ("DEL", b"\x7F"),
    ("ESC ] (OSC)", b"\x1B]"),
];

const ALICE: ContactId = ContactId(0);

fn pidf_body(note: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:alice@example.com">
<tuple id="t"><status><basic>open</basic></status></tuple>
<dm:person id="p"><rpid:activities><rpid:away/></rpid:activities><dm:note>{note}</dm:note></dm:person>
</presence>"#
    )
}

fn dialog_body(display: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="9" state="full" entity="sip:alice@example.com">
  <dialog id="evil" direction="recipient"><state>early</state>
    <remote><identity display="{display}">sip:{PAYLOAD}@evil.example</identity></remote>
  </dialog>
</dialog-info>"#
    )
}

fn office(base: Instant) -> Model {
    let mut m = Model::new(sample::office(), Settings::default());
    update(
        &mut m,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    for ev in sample::office_events(base) {
        update(&mut m, Msg::Engine(ev));
    }
    m
}

/// Alice's hostile note and a hostile caller, as the engine reports them
/// (documents from the real parsers); Bob's unreadable body, with a
/// hostile Content-Type in its reason.
fn hostile_events(at: Instant) -> Vec<EngineEvent> {
    let doc = pidf::parse(pidf_body(PAYLOAD).as_bytes()).expect("a readable PIDF");
    let dialog = dialog_info::parse(dialog_body(PAYLOAD).as_bytes()).expect("readable dialog-info");
    let err = notify::read(
        EventKind::Presence,
        &format!("text/{PAYLOAD}"),
        b"<x/>",
        true,
    )
    .expect_err("the wrong Content-Type");
    vec![
        EngineEvent::Presence {
            contact: ALICE,
            doc,
            at,
        },
        EngineEvent::Dialog {
            contact: ALICE,
            doc: Some(dialog),
            at,
        },
        EngineEvent::Unreadable {
            contact: ContactId(1),
            event: EventKind::Presence,
            reason: notify::unreadable_reason(EventKind::Presence, &err),
            at,
        },
    ]
}

/// Opens the details panel of the contact found by `search`.
fn details_of(m: &mut Model, search: &str) {
    let key = |m: &mut Model, code| {
        update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    };
    for c in search.chars() {
        key(m, KeyCode::Char(c));
    }
    key(m, KeyCode::Enter);
}

/// A byte sink the test can read after the terminal wrote into it.
#[derive(Clone, Default)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every byte the terminal would receive for one frame.
fn frame_bytes(m: &Model) -> Vec<u8> {
    let sink = Sink::default();
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, m.size.0, m.size.1)),
    };
    let mut t = Terminal::with_options(CrosstermBackend::new(sink.clone()), options)
        .expect("a terminal over a buffer");
    t.draw(|f| view(m, f)).expect("a frame");
    drop(t);
    sink.0.take()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn forbidden_in(bytes: &[u8]) -> Vec<&'static str> {
    FORBIDDEN
        .iter()
        .filter(|(_, seq)| contains(bytes, seq))
        .map(|(name, _)| *name)
        .collect()
}

#[test]
fn a_hostile_display_name_and_note_reach_the_terminal_as_plain_text() {
    let base = Instant::now();
    let mut m = office(base);
    let at = base + Duration::from_secs(400);
    for ev in hostile_events(at) {
        update(&mut m, Msg::Engine(ev));
    }
    details_of(&mut m, "alice");
    assert!(m.details_open, "the details panel is open");
    let bytes = frame_bytes(&m);
    assert_eq!(forbidden_in(&bytes), Vec::<&str>::new());
    // The visible text is there (the note, and the caller's name).
    let visible = VISIBLE.as_bytes();
    assert!(
        bytes
            .windows(visible.len())
            .filter(|w| *w == visible)
            .count()
            >= 2,
        "the note and the caller are shown: {}",
        String::from_utf8_lossy(&bytes)
    );

    let mut m = office(base);
    for ev in hostile_events(at) {
        update(&mut m, Msg::Engine(ev));
    }
    details_of(&mut m, "bob");
    let bytes = frame_bytes(&m);
    assert_eq!(forbidden_in(&bytes), Vec::<&str>::new());
    assert!(
        contains(&bytes, b"unreadable") && contains(&bytes, VISIBLE.as_bytes()),
        "the reason is shown: {}",
        String::from_utf8_lossy(&bytes)
    );
}
