//! Putting the terminal into console mode and always getting it back: on
//! return, on error, on a panic (hook) and on SIGHUP/SIGTERM (the loop
//! returns normally for those).

use std::io::{self, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor::Hide, execute};

/// The terminal is in console mode (the panic hook only restores then).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// A panic restored the terminal: the console must not draw any more.
static PANICKED: AtomicBool = AtomicBool::new(false);
static PANIC: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// True once a panic (in any thread or task) restored the terminal.
pub fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}

/// Resolves once a panic restored the terminal (tokio keeps running after a
/// task panics; the console then leaves instead of drawing on the shell).
pub async fn panic_seen() {
    loop {
        let notified = PANIC.notified();
        if panicked() {
            return;
        }
        notified.await;
    }
}

/// Raw mode + alternate screen while alive; restored on drop.
#[derive(Debug)]
pub struct TerminalGuard {
    active: bool,
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen; install the panic hook.
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut guard = TerminalGuard { active: true };
        if let Err(e) = execute!(
            io::stdout(),
            EnterAlternateScreen,
            Hide,
            EnableBracketedPaste
        ) {
            guard.restore();
            return Err(e);
        }
        Ok(guard)
    }

    /// Leave console mode (idempotent).
    pub fn restore(&mut self) {
        if std::mem::take(&mut self.active) {
            restore_terminal();
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Raw mode off, alternate screen left, cursor shown. Best effort: on a lost
/// link the writes fail and that is fine.
pub fn restore_terminal() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let _ = terminal::disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(out, DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = out.flush();
}

/// A panic restores the terminal before the message is printed, so the
/// message is readable and the shell usable.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ACTIVE.load(Ordering::SeqCst) {
                PANICKED.store(true, Ordering::SeqCst);
                restore_terminal();
                PANIC.notify_waiters();
            }
            previous(info);
        }));
    });
}
