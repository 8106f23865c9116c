//! Configuration errors: each one names the file, the 1-based line and the
//! key path, and says what to do about it.

use std::ops::Range;
use std::path::{Path, PathBuf};

/// Why a configuration could not be used.
///
/// The `Display` text is meant for the user as is, e.g.
/// `/home/x/config.toml:7: key server.address: "127.0.0.1:99999" is not
/// host:port (port must be 1-65535), e.g. "192.0.2.10:5060"`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (missing, permissions, not UTF-8).
    #[error("{}: cannot read the configuration file: {source}; check the path (from --config, SWITCHBOARD_CONFIG or the default location) or create the file", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid TOML.
    #[error("{}:{line}: {}TOML syntax error: {message}; fix the TOML syntax on this line", path.display(), key.as_deref().map(|k| format!("key {k}: ")).unwrap_or_default())]
    Syntax {
        path: PathBuf,
        line: usize,
        key: Option<String>,
        message: String,
    },
    /// A key the schema does not know (usually a typo).
    #[error("{}:{line}: unknown key {key} (expected one of {})", path.display(), expected.join(", "))]
    UnknownKey {
        path: PathBuf,
        line: usize,
        key: String,
        expected: Vec<String>,
    },
    /// A required key is absent; `line` is the line of its table's header.
    #[error("{}:{line}: missing key {key}: {hint}", path.display())]
    Missing {
        path: PathBuf,
        line: usize,
        key: String,
        hint: String,
    },
    /// A value has the wrong type or an unusable value (bad URI, out of
    /// range, both passwords, unset environment variable, empty name...).
    #[error("{}:{line}: key {key}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    /// Two `[[contact]]` entries with the same URI; `line` is the second one.
    #[error("{}:{line}: key {key}: \"{uri}\" is already listed at line {first_line}; remove one of the two [[contact]] entries", path.display())]
    DuplicateContact {
        path: PathBuf,
        line: usize,
        key: String,
        uri: String,
        first_line: usize,
    },
    /// `Server::socket_addr` could not resolve the configured host.
    #[error(
        "key server.address: cannot resolve \"{address}\": {reason}; check the host name or use an IP address, e.g. \"192.0.2.10:5060\""
    )]
    Resolve { address: String, reason: String },
}

impl ConfigError {
    /// The process exit code for a configuration error.
    pub fn exit_code(&self) -> i32 {
        2
    }

    /// The file the error is about (`None` for resolution errors).
    pub fn path(&self) -> Option<&Path> {
        match self {
            ConfigError::Read { path, .. }
            | ConfigError::Syntax { path, .. }
            | ConfigError::UnknownKey { path, .. }
            | ConfigError::Missing { path, .. }
            | ConfigError::Invalid { path, .. }
            | ConfigError::DuplicateContact { path, .. } => Some(path),
            ConfigError::Resolve { .. } => None,
        }
    }

    /// The 1-based line the error is about, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Syntax { line, .. }
            | ConfigError::UnknownKey { line, .. }
            | ConfigError::Missing { line, .. }
            | ConfigError::Invalid { line, .. }
            | ConfigError::DuplicateContact { line, .. } => Some(*line),
            ConfigError::Read { .. } | ConfigError::Resolve { .. } => None,
        }
    }

    /// The key path (`account.uri`, `contact[2].name`), when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Syntax { key, .. } => key.as_deref(),
            ConfigError::UnknownKey { key, .. }
            | ConfigError::Missing { key, .. }
            | ConfigError::Invalid { key, .. }
            | ConfigError::DuplicateContact { key, .. } => Some(key),
            ConfigError::Resolve { .. } => Some("server.address"),
            ConfigError::Read { .. } => None,
        }
    }
}

/// The text being parsed and its file name: turns byte spans into lines.
pub(super) struct Src<'a> {
    pub text: &'a str,
    pub path: &'a Path,
}

impl Src<'_> {
    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        let head = bytes.get(..offset).unwrap_or(bytes);
        head.iter().filter(|&&b| b == b'\n').count() + 1
    }

    pub fn invalid(
        &self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line(span.start),
            key: key.into(),
            message: message.into(),
        }
    }

    pub fn missing(
        &self,
        span: Range<usize>,
        key: impl Into<String>,
        hint: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Missing {
            path: self.path.to_path_buf(),
            line: self.line(span.start),
            key: key.into(),
            hint: hint.into(),
        }
    }
}
