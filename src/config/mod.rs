//! The TOML configuration: where it lives, what it holds, and errors that
//! name the file, the line and the key.
//!
//! This is the one validator: everything the file says is checked here,
//! key bindings included (`[keys]` becomes the [`Keymap`]), so the binary
//! can exit with [`exit::CONFIG`] before it starts a runtime, a socket, the
//! demo or the terminal. All mistakes of a file come back together, in line
//! order ([`ConfigError::Several`]), with whatever the file holds escaped
//! ([`escape`]) so a value with CR/LF or ESC cannot rewrite the terminal.
//!
//! [`parse`] is pure (text, file name and an environment lookup in, a
//! [`Config`] out); [`load`] reads the file (and places a non-UTF-8 byte)
//! and adds the permission warning; [`locate`] picks the file (`--config`,
//! then `SWITCHBOARD_CONFIG`, then `<config_dir>/config.toml`).
//!
//! - `raw`: the serde structs, the schema written once (the key lists in
//!   `schema` are read from their derive)
//! - `sections`: each table read on its own so one mistake hides no other
//! - `validate`: every value's meaning; contacts compared by the one URI
//!   rule of [`crate::sip::uri`] (RFC 3261 19.1.4)
//! - `error`, [`exit`]: the messages and the process exit codes
//!
//! Loading is linear in the file's size (line numbers come from a table of
//! line starts; duplicates from a hash map): see `benches/config_load.rs`.
//! `assets/example-config.toml` documents every key; a test checks it
//! shows every key the structs accept.

mod account;
mod diagnostics;
mod directory;
mod error;
pub mod exit;
mod groups;
mod journal;
mod notes;
mod raw;
mod schema;
mod sections;
mod server_tls;
mod servers;
mod status;
mod telephony;
mod uri;
pub use telephony::{RINGING_SUSPECT_AFTER, Telephony};
mod validate;

#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use diagnostics::DiagnosticsConfig;
pub use error::{ConfigError, escape};
pub use journal::Journal;
pub use notes::Notes;
pub use status::{CalendarSource, OnExit, StatusConfig};

use crate::app::Keymap;
use crate::presence::ContactInfo;

/// The environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "SWITCHBOARD_CONFIG";
/// The documented example configuration (every key, commented).
pub const EXAMPLE: &str = include_str!("../../assets/example-config.toml");
/// The default SIP port.
pub const DEFAULT_PORT: u16 = 5060;

/// The transport to the server (the one type the whole program uses).
pub use crate::sip::Transport;

/// Who we are. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// Our address of record (the From of our requests), as written.
    pub uri: String,
    /// The URI's user part.
    pub user: String,
    /// The URI's `host[:port]` (IPv6 in brackets).
    pub domain: String,
    /// The digest user name (defaults to `user`).
    pub auth_user: String,
    /// From `password`, or from the variable named by `password_env`;
    /// `None`: no authentication.
    pub password: Option<String>,
    pub display_name: Option<String>,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("uri", &self.uri)
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("auth_user", &self.auth_user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("display_name", &self.display_name)
            .finish()
    }
}

/// The presence server (registrar/proxy) we talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    pub transport: Transport,
    /// Longest interval of OPTIONS keepalives (the engine sends them at
    /// least every `policy::KEEPALIVE_INTERVAL`); zero = off.
    pub keepalive: Duration,
    /// A resource list URI (RFC 4662): one subscription per enabled event
    /// package for the whole list instead of one per contact.
    pub list: Option<String>,
    /// `transport = "tls"`: trust the CA certificates (PEM) in this file
    /// instead of the system's roots (resolved against the config file's
    /// folder). `None`: the system's roots.
    pub ca_file: Option<PathBuf>,
}

impl Server {
    /// `host:port` with IPv6 in brackets (for URIs, Via, logs).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The socket address: an IP literal directly, a name via the system
    /// resolver (first address returned). This may block on DNS: call it from
    /// the runtime, not from core code.
    pub fn socket_addr(&self) -> Result<SocketAddr, ConfigError> {
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            return Ok(SocketAddr::new(ip, self.port));
        }
        let resolve_err = |reason: String| ConfigError::Resolve {
            address: self.authority(),
            reason,
        };
        let mut addrs = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| resolve_err(e.to_string()))?;
        addrs
            .next()
            .ok_or_else(|| resolve_err("the name has no addresses".into()))
    }
}

/// One presence server of several (`[[server]]`), or the one `[server]`:
/// where it is (the same [`Server`] table), what it serves, with which
/// credentials. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerEntry {
    /// `name` (always set in `[[server]]`; `None` for a single `[server]`).
    pub name: Option<String>,
    pub server: Server,
    /// `preferred = true`: its state wins conflicts for the same contact
    /// and event (at most one server has it).
    pub preferred: bool,
    /// The packages it serves for every contact (`events`).
    pub presence: bool,
    pub dialog: bool,
    /// Its own digest user name, else the `[account]` one.
    pub auth_user: String,
    /// Its own password, else the `[account]` one.
    pub password: Option<String>,
}

impl ServerEntry {
    /// What messages, the why panel and `watch` call it: its name, else
    /// its address.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.server.authority())
    }
}

impl fmt::Debug for ServerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerEntry")
            .field("name", &self.name)
            .field("server", &self.server)
            .field("preferred", &self.preferred)
            .field("presence", &self.presence)
            .field("dialog", &self.dialog)
            .field("auth_user", &self.auth_user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// What to subscribe to, and how hard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    pub presence: bool,
    pub dialog: bool,
    /// Requested subscription duration in seconds (60..=86400).
    pub expires: u32,
    /// Maximum outstanding SUBSCRIBE transactions (1..=1024).
    pub window: usize,
}

impl Default for Subscribe {
    fn default() -> Self {
        Subscribe {
            presence: true,
            dialog: true,
            expires: 600,
            window: 64,
        }
    }
}

/// Display options from the file (NO_COLOR / --mono are applied elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ui {
    pub mono: bool,
    pub ascii: bool,
    pub read_only: bool,
    /// `show_peers = false`: who colleagues talk to is shown nowhere
    /// (grid, panel, `watch` JSON).
    pub hide_peers: bool,
}

/// A checked configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file it came from.
    pub path: Option<PathBuf>,
    pub account: Account,
    /// The server our own status goes to (`switchboard status`, the
    /// keeper): the preferred one of [`Config::servers`], else the first.
    pub server: Server,
    /// Every presence server to subscribe at (`[[server]]`, or the one
    /// `[server]`), in file order; never empty.
    pub servers: Vec<ServerEntry>,
    pub subscribe: Subscribe,
    pub ui: Ui,
    /// The key bindings: the defaults with `[keys]` applied (checked here,
    /// with file, line and key on error).
    pub keymap: Keymap,
    pub contacts: Vec<ContactInfo>,
    /// `[directory]`: files of more contacts (paths resolved).
    pub directory: crate::directory::Sources,
    /// `[notes]`: where the attendant notes live, who writes them.
    pub notes: Notes,
    /// `[status]`: one's own status (defaults when absent).
    pub status: StatusConfig,
    /// `[telephony]`: voicemail pilot, message waiting, stuck ringing,
    /// registration state (defaults when absent).
    pub telephony: Telephony,
    /// `[journal]`: how long the journal is kept.
    pub journal: Journal,
    /// `[diagnostics]`: the SIP trace's size.
    pub diagnostics: DiagnosticsConfig,
    /// `lines = [...]` of `[[contact]]` entries: (contact URI, its other
    /// line URIs); the contact's own URI is always its first line.
    pub contact_lines: Vec<(String, Vec<String>)>,
    /// `[[group]]`: each group's name and members (URI, name or extension).
    pub groups: Vec<(String, Vec<String>)>,
    /// `[numbers]`: how phone numbers are written here.
    pub numbering: crate::app::caller::Numbering,
    /// Things worth telling the user that do not stop the program.
    pub warnings: Vec<String>,
}

/// Where the configuration file came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// `--config FILE`.
    Cli(PathBuf),
    /// The `SWITCHBOARD_CONFIG` environment variable.
    Env(PathBuf),
    /// `<config_dir>/config.toml`, which exists.
    Default(PathBuf),
}

impl ConfigSource {
    pub fn path(&self) -> &Path {
        match self {
            ConfigSource::Cli(p) | ConfigSource::Env(p) | ConfigSource::Default(p) => p,
        }
    }

    pub fn into_path(self) -> PathBuf {
        match self {
            ConfigSource::Cli(p) | ConfigSource::Env(p) | ConfigSource::Default(p) => p,
        }
    }
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::Cli(p) => write!(f, "{} (from --config)", p.display()),
            ConfigSource::Env(p) => write!(f, "{} (from {CONFIG_ENV})", p.display()),
            ConfigSource::Default(p) => write!(f, "{} (default location)", p.display()),
        }
    }
}

/// Which file to read: `--config`, then `SWITCHBOARD_CONFIG` (if not empty),
/// then the default path if that file exists. `None`: no configuration (the
/// caller starts the demo). The environment value is passed in.
pub fn locate(cli: Option<&Path>, env: Option<OsString>) -> Option<ConfigSource> {
    if let Some(p) = cli {
        return Some(ConfigSource::Cli(p.to_path_buf()));
    }
    if let Some(v) = env.filter(|v| !v.is_empty()) {
        return Some(ConfigSource::Env(PathBuf::from(v)));
    }
    default_path()
        .filter(|p| p.is_file())
        .map(ConfigSource::Default)
}

/// `<config_dir>/config.toml` for this platform (e.g.
/// `~/.config/switchboard/config.toml`); `None` without a home directory.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "switchboard")
        .map(|d| d.config_dir().join("config.toml"))
}

/// Read and parse `path`, with the real environment; adds a warning when the
/// file holds a password and others can read it.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| error::not_utf8(path, &bytes, &e))?;
    let (mut config, literal_password) =
        validate::parse(text, path, &|name| std::env::var(name).ok())?;
    if literal_password {
        config.warnings.extend(permission_warning(path));
    }
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    Ok(config)
}

/// Parse configuration text. Pure: `path` is only used in messages and
/// `env` looks up the variable named by `password_env`.
pub fn parse(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    validate::parse(text, path, env).map(|(config, _)| config)
}

/// The warning for a password file readable by group or others.
#[cfg(unix)]
fn permission_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "{p} holds a password and is readable by others (mode {mode:04o}): chmod 600 {p}, or use password_env",
            p = path.display()
        )
    })
}

#[cfg(not(unix))]
fn permission_warning(_path: &Path) -> Option<String> {
    None
}
