//! The real loop, driven through channels: keys in, engine events in, the
//! screen (a `TestBackend`) and the source's shutdown observed.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Size};
use ratatui::style::Color;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::*;
use crate::app::{Cmd, sample};

struct ChanSource {
    rx: UnboundedReceiver<EngineEvent>,
    shut: Arc<AtomicBool>,
    /// A shutdown that never finishes (a dead server).
    hang: bool,
}

impl EventSource for ChanSource {
    fn next_event(&mut self) -> impl Future<Output = Option<EngineEvent>> + Send {
        self.rx.recv()
    }
    fn shutdown(&mut self) -> impl Future<Output = ()> + Send {
        let shut = Arc::clone(&self.shut);
        let hang = self.hang;
        async move {
            if hang {
                std::future::pending::<()>().await;
            }
            shut.store(true, Ordering::SeqCst);
        }
    }
}

fn source() -> (UnboundedSender<EngineEvent>, ChanSource, Arc<AtomicBool>) {
    let (tx, rx) = unbounded_channel();
    let shut = Arc::new(AtomicBool::new(false));
    (
        tx,
        ChanSource {
            rx,
            shut: Arc::clone(&shut),
            hang: false,
        },
        shut,
    )
}

type Input = Pin<Box<dyn Stream<Item = io::Result<Event>> + Send>>;

fn input() -> (UnboundedSender<Event>, Input) {
    let (tx, rx) = unbounded_channel::<Event>();
    let stream =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    (tx, Box::pin(stream))
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl_q() -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL))
}

fn office() -> Model {
    let favourites = sample::office_favourites();
    Model::new(
        sample::office(),
        Settings {
            favourites,
            ..Settings::default()
        },
    )
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// A `TestBackend` the test can look at while the loop owns the terminal.
#[derive(Clone)]
struct Shared(Arc<Mutex<TestBackend>>);

impl Shared {
    fn screen(&self) -> Buffer {
        self.0.lock().unwrap().buffer().clone()
    }
}

impl Backend for Shared {
    type Error = std::convert::Infallible;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(
        &mut self,
        content: I,
    ) -> Result<(), Self::Error> {
        self.0.lock().unwrap().draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.0.lock().unwrap().get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
        self.0.lock().unwrap().set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().clear()
    }
    fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
        self.0.lock().unwrap().clear_region(t)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.0.lock().unwrap().size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.0.lock().unwrap().window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Wait for a condition, with a deadline (no sleeping as synchronisation).
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Sends the sample office's events (its six minutes have passed) and waits
/// until the console shows them.
async fn office_on_screen(events: &UnboundedSender<EngineEvent>, backend: &Shared) {
    let base = Instant::now()
        .checked_sub(Duration::from_secs(360))
        .unwrap();
    for ev in sample::office_events(base) {
        events.send(ev).unwrap();
    }
    until("the events on screen", || {
        text(&backend.screen()).contains("2 ringing")
    })
    .await;
}

#[tokio::test]
async fn keys_drive_the_loop_and_quit_ends_the_subscriptions() {
    let (_events, mut src, shut) = source();
    let (keys, input) = input();
    for c in "heidi".chars() {
        keys.send(key(KeyCode::Char(c))).unwrap();
    }
    keys.send(key(KeyCode::Enter)).unwrap();
    keys.send(ctrl_q()).unwrap();
    let mut model = office();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    run_loop(&mut model, input, &mut src, &mut terminal)
        .await
        .unwrap();
    assert!(shut.load(Ordering::SeqCst), "subscriptions ended on quit");
    assert!(model.details_open);
    let screen = text(terminal.backend().buffer());
    assert!(
        screen.contains("Details") && screen.contains("sip:heidi@example.com"),
        "{screen}"
    );
    assert!(screen.contains("Ending subscriptions"), "{screen}");
    assert!(!model.dirty, "the last frame was drawn and reported");
}

#[tokio::test]
async fn engine_events_redraw_without_input_and_a_ringing_line_blinks_on_its_own() {
    let (events, mut src, _) = source();
    let (keys, input) = input();
    let backend = Shared(Arc::new(Mutex::new(TestBackend::new(80, 24))));
    let mut terminal = Terminal::new(backend.clone()).unwrap();
    let mut model = office();
    let driver = async {
        office_on_screen(&events, &backend).await;
        // Heidi's badge in the favourites row: column 26 of row 1.
        let badge = |b: &Buffer| b[(26u16, 1u16)].bg;
        until("the badge to turn orange", || {
            badge(&backend.screen()) == crate::ui::theme::ORANGE
        })
        .await;
        until("the badge to turn red again", || {
            badge(&backend.screen()) == Color::Red
        })
        .await;
        keys.send(ctrl_q()).unwrap();
    };
    let (result, ()) = tokio::join!(run_loop(&mut model, input, &mut src, &mut terminal), driver);
    result.unwrap();
}

#[tokio::test]
async fn a_stopped_engine_is_shown_and_the_console_stays() {
    let (events, mut src, shut) = source();
    drop(events);
    let (keys, input) = input();
    let backend = Shared(Arc::new(Mutex::new(TestBackend::new(80, 24))));
    let mut terminal = Terminal::new(backend.clone()).unwrap();
    let mut model = office();
    let driver = async {
        until("engine stopped", || {
            text(&backend.screen()).contains("engine stopped")
        })
        .await;
        keys.send(key(KeyCode::Char('b'))).unwrap();
        until("the search", || {
            text(&backend.screen()).contains("search: b")
        })
        .await;
        keys.send(ctrl_q()).unwrap();
    };
    let (result, ()) = tokio::join!(run_loop(&mut model, input, &mut src, &mut terminal), driver);
    result.unwrap();
    assert!(!shut.load(Ordering::SeqCst), "nothing to end");
}

#[tokio::test]
async fn a_lost_terminal_ends_the_loop_and_the_subscriptions() {
    let (_events, mut src, shut) = source();
    let (keys, input) = input();
    drop(keys);
    let mut model = office();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    run_loop(&mut model, input, &mut src, &mut terminal)
        .await
        .unwrap();
    assert!(shut.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_signal_leaves_cleanly_and_a_hanging_shutdown_is_cut_at_the_deadline() {
    let (_events, mut src, shut) = source();
    src.hang = true;
    let (_keys, input) = input();
    let mut model = office();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let hooks = Hooks {
        gate: None,
        stop: Box::pin(async { Stop::Signal("SIGTERM") }),
        update,
        directory: None,
        notes: None,
        journal_retention_days: None,
        status: None,
        reload: None,
    };
    let started = Instant::now();
    run_loop_with(&mut model, input, &mut src, &mut terminal, hooks)
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(
        took >= SHUTDOWN_DEADLINE && took < SHUTDOWN_DEADLINE * 3,
        "{took:?}"
    );
    assert!(!shut.load(Ordering::SeqCst));
}

#[tokio::test]
async fn favourites_are_saved_in_the_data_directory() {
    let dir = data_dir("saved");
    let opts = ConsoleOptions {
        data_dir: Some(dir.clone()),
        ..ConsoleOptions::default()
    };
    let mut model = Model::new(sample::office(), settings(&opts).unwrap());
    let (_events, mut src, _) = source();
    let (keys, input) = input();
    keys.send(key(KeyCode::F(2))).unwrap();
    keys.send(ctrl_q()).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    run_loop(&mut model, input, &mut src, &mut terminal)
        .await
        .unwrap();
    let path = dir.join("favourites.toml");
    until("favourites.toml", || {
        std::fs::read_to_string(&path).is_ok_and(|t| t.contains("sip:alice@"))
    })
    .await;
    // And they come back on the next start.
    let again = settings(&opts).unwrap();
    assert_eq!(again.favourites, ["sip:alice@example.com"]);
    std::fs::write(&path, "favourites = 7").unwrap();
    let broken = settings(&opts).unwrap();
    assert!(
        broken
            .startup_message
            .is_some_and(|m| m.contains("favourites.toml"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh, empty data directory for one test.
fn data_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("switchboard-console-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `app::update`, plus a favourites save after every engine message whose
/// contents tell how many subscriptions were active then.
fn save_after_engine_messages(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let engine = matches!(msg, Msg::Engine(_));
    let mut cmds = update(model, msg);
    if let (true, Some(path)) = (engine, model.favourites_path.clone()) {
        let uri = format!("sip:active-{}@example.com", model.counts.active);
        cmds.push(Cmd::SaveFavourites {
            path,
            contents: favourites::to_toml(&[uri]),
        });
    }
    cmds
}

#[tokio::test]
async fn commands_returned_for_engine_messages_are_run() {
    let dir = data_dir("engine-cmds");
    let opts = ConsoleOptions {
        data_dir: Some(dir.clone()),
        ..ConsoleOptions::default()
    };
    let mut model = Model::new(sample::office(), settings(&opts).unwrap());
    let (events, mut src, _) = source();
    let (keys, input) = input();
    let backend = Shared(Arc::new(Mutex::new(TestBackend::new(80, 24))));
    let mut terminal = Terminal::new(backend.clone()).unwrap();
    let hooks = Hooks {
        gate: None,
        stop: Box::pin(std::future::pending()),
        update: save_after_engine_messages,
        directory: None,
        notes: None,
        journal_retention_days: None,
        status: None,
        reload: None,
    };
    let driver = async {
        office_on_screen(&events, &backend).await;
        keys.send(ctrl_q()).unwrap();
    };
    let (result, ()) = tokio::join!(
        run_loop_with(&mut model, input, &mut src, &mut terminal, hooks),
        driver
    );
    result.unwrap();
    // The loop waited for the newest save before returning.
    let saved = std::fs::read_to_string(dir.join(favourites::FILE_NAME)).unwrap();
    assert_eq!(
        favourites::parse(&saved).unwrap(),
        ["sip:active-11@example.com"],
        "the save asked for by the last engine event: {saved}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn ten_quick_favourite_toggles_leave_a_valid_file_with_the_last_state() {
    let dir = data_dir("ten-toggles");
    let opts = ConsoleOptions {
        data_dir: Some(dir.clone()),
        ..ConsoleOptions::default()
    };
    let mut model = Model::new(sample::office(), settings(&opts).unwrap());
    let (_events, mut src, _) = source();
    let (keys, input) = input();
    // Ten toggles, all queued before the loop runs: on, move, on, move...
    // and the last one takes the third contact out again.
    for code in [
        KeyCode::F(2),
        KeyCode::End,
        KeyCode::F(2),
        KeyCode::Home,
        KeyCode::Down,
        KeyCode::F(2),
        KeyCode::Down,
        KeyCode::F(2),
        KeyCode::F(2),
        KeyCode::Down,
        KeyCode::F(2),
        KeyCode::F(2),
        KeyCode::F(2),
        KeyCode::F(2),
        KeyCode::F(2),
    ] {
        keys.send(key(code)).unwrap();
    }
    keys.send(ctrl_q()).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    run_loop(&mut model, input, &mut src, &mut terminal)
        .await
        .unwrap();
    let expected = model.favourite_uris.clone();
    assert!(expected.len() >= 2, "several favourites: {expected:?}");
    let path = dir.join(favourites::FILE_NAME);
    until("favourites.toml with the last state", || {
        std::fs::read_to_string(&path)
            .is_ok_and(|t| t == favourites::to_toml(&expected) && favourites::parse(&t).is_ok())
    })
    .await;
    assert_eq!(settings(&opts).unwrap().favourites, expected);
    assert!(
        !path.with_extension("toml.tmp").exists(),
        "no temporary file left"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn config_warnings_show_in_the_console_until_the_next_key() {
    let warning = "/etc/sb.toml holds a password and is readable by others (mode 0644): \
                   chmod 600 /etc/sb.toml, or use password_env";
    let opts = ConsoleOptions {
        startup_warnings: vec![warning.to_string()],
        ..ConsoleOptions::default()
    };
    let mut model = Model::new(sample::office(), settings(&opts).unwrap());
    let (_events, mut src, _) = source();
    let (keys, input) = input();
    let backend = Shared(Arc::new(Mutex::new(TestBackend::new(80, 24))));
    let mut terminal = Terminal::new(backend.clone()).unwrap();
    let driver = async {
        until("the warning", || {
            let screen = text(&backend.screen());
            screen.contains("Warning: /etc/sb.toml holds a password")
                && screen.contains("chmod 600 /etc/sb.toml")
        })
        .await;
        keys.send(key(KeyCode::Down)).unwrap();
        until("the key hints back", || {
            let screen = text(&backend.screen());
            screen.contains("F1 help") && !screen.contains("readable by others")
        })
        .await;
        keys.send(ctrl_q()).unwrap();
    };
    let (result, ()) = tokio::join!(run_loop(&mut model, input, &mut src, &mut terminal), driver);
    result.unwrap();
}

/// Counts the bytes written to the "terminal".
#[derive(Clone, Default)]
struct Counter(Arc<std::sync::atomic::AtomicUsize>);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::SeqCst);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A terminal with the backend the console uses, over a byte counter.
fn wire(size: (u16, u16)) -> (Terminal<LeanBackend<CrosstermBackend<Counter>>>, Counter) {
    let counter = Counter::default();
    let backend = LeanBackend::new(CrosstermBackend::new(counter.clone()));
    let area = ratatui::layout::Rect::new(0, 0, size.0, size.1);
    let opts = ratatui::TerminalOptions {
        viewport: ratatui::Viewport::Fixed(area),
    };
    (Terminal::with_options(backend, opts).unwrap(), counter)
}

#[test]
fn an_unchanged_frame_writes_nothing_and_a_blink_only_the_ringing_cells() {
    let mut model = Model::new(sample::office(), Settings::default());
    update(
        &mut model,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    for ev in sample::office_events(Instant::now()) {
        update(&mut model, Msg::Engine(ev));
    }
    let (mut t, bytes) = wire((160, 48));
    let written = || bytes.0.load(Ordering::SeqCst);
    t.draw(|f| view(&model, f)).unwrap();
    let first = written();
    assert!(first > 1000, "a first full frame: {first}");
    t.draw(|f| view(&model, f)).unwrap();
    assert_eq!(written(), first, "an idle redraw writes nothing");
    let now = model.now.unwrap();
    update(&mut model, Msg::Tick(now));
    t.draw(|f| view(&model, f)).unwrap();
    let blink = written() - first;
    let ringing_cells = 3; // Heidi twice, Lena
    // The whole cell blinks: its characters and one colour change each.
    assert!(
        blink < 64 * ringing_cells,
        "{blink} bytes for {ringing_cells} ringing cells"
    );
}

/// Ctrl-R through the real dispatch: the reloader is asked; without one
/// (no configuration file) the message line says so.
#[tokio::test]
async fn ctrl_r_goes_to_the_reloader_or_says_there_is_no_file() {
    let ctrl_r = Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    let (back, mut back_rx) = unbounded_channel();
    let (trigger, mut asked) = unbounded_channel();
    let mut model = office();
    let dispatch = dispatch::Dispatch::new(update, back.clone()).with_reload(Some(trigger));
    dispatch.send(&mut model, ctrl_r.clone());
    assert_eq!(asked.try_recv(), Ok(()));

    let dispatch = dispatch::Dispatch::new(update, back);
    dispatch.send(&mut model, ctrl_r);
    let answer = tokio::time::timeout(Duration::from_secs(5), back_rx.recv())
        .await
        .expect("an answer")
        .expect("the channel is open");
    dispatch.send(&mut model, answer);
    let message = model.message.clone().unwrap_or_default();
    assert!(
        message.contains("no configuration file to reload"),
        "{message}"
    );
}
