//! The console's runtime: one `tokio::select!` loop over terminal input,
//! engine events and the model's timers; the terminal guard, panic hook,
//! signals and the non-blocking terminal writer.
//!
//! The loop draws only when the model changed (`model.dirty`) and the
//! terminal has taken the previous frame; it sleeps until the model's next
//! deadline only while something is timed (a ringing line, an age label):
//! an idle console does no work and writes nothing.
//!
//! Every message, including "a frame was drawn" and "ending subscriptions",
//! goes through one dispatch ([`dispatch`]) that runs the commands `update`
//! returns; the loop reads the model but never writes it.

mod dispatch;
mod guard;
pub mod own_status;
#[cfg(test)]
mod tests;
mod writer;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use anyhow::{Context, anyhow};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::{FutureExt, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use tokio::sync::mpsc;

pub use guard::{TerminalGuard, panicked, restore_terminal};
pub use writer::{LeanBackend, QueueWriter, WriterGate, WriterThread, spawn_writer};

use dispatch::Dispatch;

use crate::app::favourites;
use crate::app::{Keymap, Model, Msg, Settings, update};
use crate::presence::ContactInfo;
use crate::sip::events::EngineEvent;
use crate::ui::theme::Theme;
use crate::ui::view;

/// Where the console's engine events come from: the SIP driver task's
/// channel ([`super::sip_driver::SipHandle`]) or a test's. `next_event`
/// must be cancel-safe (the loop drops it when another branch wins), as a
/// `tokio::sync::mpsc::Receiver::recv` is.
pub trait EventSource {
    /// The next event; `None`: the engine stopped.
    fn next_event(&mut self) -> impl Future<Output = Option<EngineEvent>> + Send;
    /// The next event with the server it came from (several servers,
    /// `super::servers`); one server's events are server 0's.
    fn next_tagged(
        &mut self,
    ) -> impl Future<Output = Option<(crate::store::ServerId, EngineEvent)>> + Send {
        self.next_event().map(|ev| ev.map(|ev| (0, ev)))
    }
    /// End the subscriptions cleanly (the loop gives it
    /// [`shutdown_deadline`](Self::shutdown_deadline)).
    fn shutdown(&mut self) -> impl Future<Output = ()> + Send;
    /// How long [`shutdown`](Self::shutdown) may take: more subscriptions
    /// take longer to end (`policy::shutdown_deadline`).
    fn shutdown_deadline(&self) -> Duration {
        SHUTDOWN_DEADLINE
    }
    /// Where directory changes are sent (`None`: a source that has no
    /// engine to tell, e.g. a test's).
    fn commands(&self) -> Option<crate::runtime::sip_driver::CommandSender> {
        None
    }
}

#[derive(Debug, Clone, Default)]
pub struct ConsoleOptions {
    pub mono: bool,
    pub ascii: bool,
    pub read_only: bool,
    /// Some: show a "DEMO" mark and this one-line hint.
    pub demo_hint: Option<String>,
    pub own_uri: Option<String>,
    /// The key bindings, checked when the configuration was loaded.
    pub keymap: Keymap,
    /// Favourites are persisted here (`favourites.toml`).
    pub data_dir: Option<PathBuf>,
    /// Warnings found while loading the config (e.g. a password readable by
    /// others): shown in the status bar until the next key.
    pub startup_warnings: Vec<String>,
    /// `[directory]` files: loaded already, watched while the console runs.
    pub directory: Option<super::directory::DirectoryFeed>,
    /// The attendant notes database and the operator's name (`None`: off).
    pub notes: Option<(crate::notes::NotesTarget, String)>,
    /// `[journal] retention_days` (`None`: the default, 30).
    pub journal_retention_days: Option<u32>,
    /// Where our own status goes (None: the picker is unavailable).
    pub status: Option<crate::runtime::publisher::StatusLink>,
    /// `[status]`: profiles, idle timer, on start and on exit.
    pub status_config: crate::config::StatusConfig,
    /// `[telephony]`: voicemail pilot, stuck ringing.
    pub telephony: crate::config::Telephony,
    /// `[ui] show_peers = false`.
    pub hide_peers: bool,
    /// Ctrl-R and SIGUSR1: what the configuration reloader starts from
    /// (`None`: the reloader answers that there is no file to reload).
    pub reload: Option<super::reload::ReloadSetup>,
    /// The servers (`(id, name)`) and the preferred one's id.
    pub servers: (
        Vec<(crate::store::ServerId, String)>,
        Option<crate::store::ServerId>,
    ),
    /// Each contact's other lines (`lines` of `[[contact]]`).
    pub lines: Vec<(crate::presence::ContactId, Vec<String>)>,
    /// `[[group]]` entries: name and members as written.
    pub groups: Vec<(String, Vec<String>)>,
    /// `[numbers]`: how phone numbers are written here.
    pub numbering: crate::app::caller::Numbering,
}

/// How long ending the subscriptions may take when leaving (a source with
/// many subscriptions may ask for more, see [`EventSource::shutdown_deadline`]).
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_millis(1500);
/// How long the last frames may take to reach the terminal when leaving.
const WRITER_DRAIN: Duration = Duration::from_millis(500);
/// How long the last favourites save may take when leaving.
const SAVE_DRAIN: Duration = Duration::from_millis(1000);
/// Engine events applied before the next draw at most (a burst of NOTIFYs
/// becomes one frame).
const ENGINE_BATCH: usize = 1024;

/// The model's settings from the options, the environment (`NO_COLOR`, the
/// locale) and `favourites.toml`.
pub fn settings(opts: &ConsoleOptions) -> anyhow::Result<Settings> {
    let keymap = opts.keymap.clone();
    let env = |k: &str| std::env::var(k).ok();
    let (no_color, lc_all, lc_ctype, lang) =
        (env("NO_COLOR"), env("LC_ALL"), env("LC_CTYPE"), env("LANG"));
    let theme = Theme::from_env(
        opts.mono,
        opts.ascii,
        no_color.as_deref(),
        [lc_all.as_deref(), lc_ctype.as_deref(), lang.as_deref()],
    );
    let path = opts
        .data_dir
        .as_ref()
        .map(|d| d.join(favourites::FILE_NAME));
    let mut problems: Vec<String> = opts
        .startup_warnings
        .iter()
        .map(|w| format!("Warning: {w}"))
        .collect();
    let favourites = match path.as_deref().map(load_favourites) {
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            problems.push(format!("{e}; starting without favourites"));
            Vec::new()
        }
        None => Vec::new(),
    };
    let startup_message = (!problems.is_empty()).then(|| problems.join(" · "));
    Ok(Settings {
        mono: theme.mono,
        ascii: theme.ascii,
        read_only: opts.read_only,
        demo_hint: opts.demo_hint.clone(),
        own_uri: opts.own_uri.clone(),
        keymap,
        favourites,
        favourites_path: path,
        startup_message,
        notes_operator: opts.notes.as_ref().map(|(_, op)| op.clone()),
        line: crate::app::line::LineSettings {
            voicemail: opts.telephony.voicemail.clone(),
            hide_peers: opts.hide_peers,
            ringing_suspect_after: Some(opts.telephony.ringing_suspect_after),
            clock: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_millis()).ok())
                .map(|ms| (std::time::Instant::now(), ms)),
        },
        groups: opts.groups.clone(),
        numbering: opts.numbering.clone(),
    })
}

fn load_favourites(path: &Path) -> anyhow::Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(favourites::parse(&text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// Run the console on the real terminal until the operator quits, a signal
/// (SIGHUP, SIGTERM, SIGINT) arrives or the terminal goes away. The terminal
/// is restored in every case (a panic too, via the hook).
pub async fn run_console<S: EventSource>(
    mut opts: ConsoleOptions,
    contacts: Vec<ContactInfo>,
    mut source: S,
) -> anyhow::Result<()> {
    let settings = match settings(&opts) {
        Ok(s) => s,
        Err(e) => {
            let _ = tokio::time::timeout(source.shutdown_deadline(), source.shutdown()).await;
            return Err(e);
        }
    };
    let mut model = Model::new(contacts, settings);
    model.store.set_servers(&opts.servers.0, opts.servers.1);
    for (id, lines) in &opts.lines {
        model.store.set_lines(*id, lines.clone());
    }
    // The extra columns and the problems of the first load (its
    // contacts are the ones the model and the engine started with),
    // after the configuration's own warnings; the reloader watches the
    // files and answers Ctrl-R and SIGUSR1.
    let warnings = model.message.take();
    if let Some(feed) = &opts.directory {
        model.apply_directory(feed.initial.clone());
    }
    let reloader = super::reload::start(
        // Moved, not cloned: it holds the whole configuration.
        opts.reload.take().unwrap_or_default(),
        opts.directory.as_ref(),
    );
    let parts: Vec<String> = warnings
        .into_iter()
        .chain(model.message.take())
        .chain(reloader.problems)
        .collect();
    model.message = (!parts.is_empty()).then(|| parts.join(" · "));
    let directory = Some(reloader.messages);
    own_status::start(&mut model, &opts).await;
    let stop = stop_signals().context("cannot install signal handlers")?;
    let mut guard = TerminalGuard::enter().context("cannot put the terminal into console mode")?;
    let (queue, gate, thread) = spawn_writer(std::io::stdout())?;
    let mut terminal = Terminal::new(LeanBackend::new(CrosstermBackend::new(queue)))?;
    terminal.clear()?;
    let stop = async move {
        tokio::select! {
            why = stop => Stop::Signal(why),
            () = guard::panic_seen() => Stop::Panic,
        }
    };
    let hooks = Hooks {
        gate: Some(gate),
        stop: Box::pin(stop),
        update,
        directory,
        notes: opts.notes.as_ref().map(|(t, _)| t.clone()),
        journal_retention_days: opts.journal_retention_days,
        status: opts.status.clone(),
        reload: Some(reloader.trigger),
    };
    let result = run_loop_with(
        &mut model,
        EventStream::new(),
        &mut source,
        &mut terminal,
        hooks,
    )
    .await;
    // On exit (quit, SIGHUP from a dropped SSH link, SIGTERM): the
    // configured exit state, and never a lingering Inactive.
    own_status::exit(&model, &opts).await;
    drop(terminal);
    if !thread.finish(WRITER_DRAIN) {
        tracing::warn!("the terminal did not take the last frame in time");
    }
    guard.restore();
    result
}

/// SIGHUP (the SSH link dropped), SIGTERM, SIGINT: leave cleanly.
pub(crate) fn stop_signals() -> std::io::Result<impl Future<Output = &'static str> + Send> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hup = signal(SignalKind::hangup())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = hup.recv() => "SIGHUP",
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        })
    }
}

/// The loop as tests drive it: any input stream, any event source, any
/// backend (e.g. `TestBackend`).
pub async fn run_loop<S, I, B>(
    model: &mut Model,
    input: I,
    source: &mut S,
    terminal: &mut Terminal<B>,
) -> anyhow::Result<()>
where
    S: EventSource,
    I: Stream<Item = std::io::Result<Event>> + Unpin,
    B: Backend,
{
    let hooks = Hooks {
        gate: None,
        stop: Box::pin(std::future::pending()),
        update,
        directory: None,
        notes: None,
        journal_retention_days: None,
        status: None,
        reload: None,
    };
    run_loop_with(model, input, source, terminal, hooks).await
}

/// The loop as the real console runs it (drawing only when the writer
/// thread has taken the previous frame), for measurements that need the
/// real path without a real terminal (`benches/notify_latency.rs`).
pub async fn run_loop_gated<S, I, B>(
    model: &mut Model,
    input: I,
    source: &mut S,
    terminal: &mut Terminal<B>,
    gate: WriterGate,
) -> anyhow::Result<()>
where
    S: EventSource,
    I: Stream<Item = std::io::Result<Event>> + Unpin,
    B: Backend,
{
    let hooks = Hooks {
        gate: Some(gate),
        stop: Box::pin(std::future::pending()),
        update,
        directory: None,
        notes: None,
        journal_retention_days: None,
        status: None,
        reload: None,
    };
    run_loop_with(model, input, source, terminal, hooks).await
}

/// Why the console is told to stop from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// SIGHUP, SIGTERM, SIGINT.
    Signal(&'static str),
    /// A panic somewhere restored the terminal.
    Panic,
}

/// What only the real terminal has: the writer gate and the stop signals;
/// and the update function (`app::update`; tests wrap it).
pub(crate) struct Hooks<'a> {
    pub gate: Option<WriterGate>,
    pub stop: Pin<Box<dyn Future<Output = Stop> + Send + 'a>>,
    pub update: dispatch::UpdateFn,
    /// Directory reloads ([`super::directory`]), if files are watched.
    pub directory: Option<mpsc::UnboundedReceiver<Msg>>,
    /// The attendant notes database (`None`: notes are off).
    pub notes: Option<crate::notes::NotesTarget>,
    /// How long journal entries are kept (`None`: the default).
    pub journal_retention_days: Option<u32>,
    /// Where the own status goes.
    pub status: Option<crate::runtime::publisher::StatusLink>,
    /// Ctrl-R goes here (the configuration reloader).
    pub reload: Option<mpsc::UnboundedSender<()>>,
}

fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

/// Draw the model, then tell it the frame is out ([`Msg::Drawn`]).
fn draw<B: Backend>(
    model: &mut Model,
    terminal: &mut Terminal<B>,
    dispatch: &Dispatch,
) -> anyhow::Result<()> {
    terminal
        .draw(|f| view(model, f))
        .map_err(|e| anyhow!("terminal: {e}"))?;
    dispatch.send(model, Msg::Drawn);
    Ok(())
}

pub(crate) async fn run_loop_with<S, I, B>(
    model: &mut Model,
    mut input: I,
    source: &mut S,
    terminal: &mut Terminal<B>,
    mut hooks: Hooks<'_>,
) -> anyhow::Result<()>
where
    S: EventSource,
    I: Stream<Item = std::io::Result<Event>> + Unpin,
    B: Backend,
{
    let size = terminal.size().map_err(|e| anyhow!("terminal: {e}"))?;
    let (back_tx, mut back_rx) = mpsc::unbounded_channel::<Msg>();
    let dispatch = Dispatch::new(hooks.update, back_tx)
        .with_engine(source.commands())
        .with_notes(hooks.notes.take(), hooks.journal_retention_days)
        .with_status(hooks.status.clone())
        .with_reload(hooks.reload.take());
    dispatch.send(model, wall_clock());
    dispatch.send(
        model,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    let gate = hooks.gate.clone();
    // The clock: read here (never in update/view), sent when the minute
    // changes.
    let mut clock_wake = clock_tick(model, &dispatch);
    let result = loop {
        if model.quit {
            break Ok(());
        }
        if gate.as_ref().is_some_and(WriterGate::broken) {
            tracing::info!("the terminal is gone: leaving the console");
            break Ok(());
        }
        let terminal_ready = gate.as_ref().is_none_or(WriterGate::ready);
        if model.dirty
            && terminal_ready
            && let Err(e) = draw(model, terminal, &dispatch)
        {
            break Err(e);
        }
        let waiting_for_terminal = model.dirty && !terminal_ready;
        let deadline = model.next_deadline();
        let wake = deadline.map_or_else(
            || tokio::time::Instant::now() + Duration::from_secs(3600),
            tokio::time::Instant::from_std,
        );
        let msg = tokio::select! {
            stop = &mut hooks.stop => match stop {
                Stop::Signal(why) => {
                    tracing::info!("{why}: leaving the console");
                    break Ok(());
                }
                Stop::Panic => break Err(anyhow!("the console stopped after a panic (see above)")),
            },
            ev = input.next() => match ev {
                Some(Ok(ev)) => {
                    let msg = to_msg(ev);
                    if matches!(msg, Some(Msg::Key(_))) {
                        // The idle timer counts from the last key.
                        dispatch.send(model, Msg::Activity(std::time::Instant::now()));
                    }
                    msg
                }
                Some(Err(e)) => {
                    tracing::warn!("terminal input failed: {e}: leaving the console");
                    break Ok(());
                }
                None => break Ok(()),
            },
            ev = source.next_tagged(), if !model.engine_stopped => match ev {
                Some((server, ev)) => {
                    dispatch.send(model, Msg::engine_from(server, ev));
                    drain_engine(model, source, &dispatch)
                }
                None => Some(Msg::EngineStopped),
            },
            () = tokio::time::sleep_until(wake), if deadline.is_some() => {
                Some(Msg::Tick(tokio::time::Instant::now().into_std()))
            }
            () = tokio::time::sleep_until(clock_wake) => {
                clock_wake = clock_tick(model, &dispatch);
                None
            }
            Some(msg) = back_rx.recv() => Some(msg),
            Some(msg) = next_reload(hooks.directory.as_mut()) => Some(msg),
            () = wait_gate(gate.as_ref()), if waiting_for_terminal => None,
        };
        if let Some(msg) = msg {
            dispatch.send(model, msg);
        }
    };
    if !model.engine_stopped {
        dispatch.send(model, Msg::ShuttingDown);
        if gate
            .as_ref()
            .is_none_or(|g| g.ready() && !g.broken() && !panicked())
        {
            let _ = draw(model, terminal, &dispatch);
        }
        let deadline = source.shutdown_deadline();
        if tokio::time::timeout(deadline, source.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("subscriptions not ended within {deadline:?}");
        }
    }
    dispatch.finish(SAVE_DRAIN).await;
    result
}

/// Send the wall clock to the model; returns when the minute next changes.
fn clock_tick(model: &mut Model, dispatch: &Dispatch) -> tokio::time::Instant {
    let wall = jiff::Zoned::now();
    let now = tokio::time::Instant::now();
    let into_minute = u64::try_from(wall.second()).unwrap_or(0) * 1000
        + u64::try_from(wall.millisecond()).unwrap_or(0);
    dispatch.send(
        model,
        Msg::Clock {
            wall,
            at: now.into_std(),
        },
    );
    now + Duration::from_millis(60_000u64.saturating_sub(into_minute).max(1))
}

/// Apply the engine events that are ready right now (a burst becomes one
/// frame). Returns `EngineStopped` if the source ended meanwhile.
fn drain_engine<S: EventSource>(
    model: &mut Model,
    source: &mut S,
    dispatch: &Dispatch,
) -> Option<Msg> {
    for _ in 0..ENGINE_BATCH {
        match source.next_tagged().now_or_never() {
            Some(Some((server, ev))) => dispatch.send(model, Msg::engine_from(server, ev)),
            Some(None) => return Some(Msg::EngineStopped),
            None => break,
        }
    }
    None
}

/// The wall clock now, for the journal's times (see `app::journal`).
fn wall_clock() -> Msg {
    Msg::Clock {
        wall: jiff::Zoned::now(),
        at: std::time::Instant::now(),
    }
}

/// The next directory reload; never, without a watcher.
async fn next_reload(rx: Option<&mut mpsc::UnboundedReceiver<Msg>>) -> Option<Msg> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn wait_gate(gate: Option<&WriterGate>) {
    match gate {
        Some(g) => g.wait().await,
        None => std::future::pending().await,
    }
}
