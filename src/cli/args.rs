//! The command line: global options and the subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::{history, notes, status};

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A terminal attendant console for SIP presence"
)]
pub struct Args {
    /// Configuration file (else $SWITCHBOARD_CONFIG, else the default path).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log file (default: switchboard.log in the data directory).
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Use the embedded demo server even when a configuration exists.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Demo: seed of the simulated office (same seed, same day).
    #[arg(long, global = true, default_value_t = 1)]
    pub seed: u64,
    /// Demo: simulated time runs this many times faster.
    #[arg(long, global = true, default_value_t = 1.0)]
    pub speed: f64,
    /// No colours: glyphs carry the meaning (also NO_COLOR).
    #[arg(long)]
    pub mono: bool,
    /// ASCII glyphs only (also a non-UTF-8 locale).
    #[arg(long)]
    pub ascii: bool,
    /// Monitoring mode: nothing can be changed from this console.
    #[arg(long)]
    pub read_only: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every contact's state as JSON lines: a snapshot, then changes.
    Watch {
        /// Print the snapshot once every contact has an answer, then exit.
        #[arg(long)]
        once: bool,
        /// Longest wait for the snapshot, in seconds.
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
    },
    /// Run the demo presence server alone (no UI; logs to stderr).
    DemoServer {
        /// Where to listen (UDP and TCP).
        #[arg(long, default_value = "127.0.0.1:5070")]
        listen: SocketAddr,
        /// Number of simulated colleagues (0: the shipped directory).
        #[arg(long, default_value_t = 0)]
        contacts: usize,
        /// Load mode: state changes per second across the directory.
        #[arg(long)]
        rate: Option<f64>,
        /// Require digest authentication as this user...
        #[arg(long, requires = "password")]
        user: Option<String>,
        /// ...with this password.
        #[arg(long, requires = "user")]
        password: Option<String>,
    },
    /// The shared attendant notes: set, show, clear, history, export, import.
    Notes {
        #[command(subcommand)]
        cmd: notes::NotesCmd,
    },
    /// Your own status: set, profile, clear, show.
    Status {
        #[command(subcommand)]
        action: status::StatusCommand,
    },
    /// One contact's day from the journal: state changes, missed calls.
    History(history::HistoryArgs),
    /// Check the server(s): connector status and subscriptions per state;
    /// exit 0 when every server is up and running.
    Check {
        /// Longest wait for the answers, in seconds.
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
    },
    /// Print our SIP traffic live: one line per message (time, direction,
    /// method or status, Call-ID, Event, peer); secrets masked.
    Trace {
        /// Print each whole message (sanitised) after its line.
        #[arg(long)]
        full: bool,
    },
}
