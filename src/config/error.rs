//! Configuration errors: each one names the file, the 1-based line and the
//! key path, and says what to do about it.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::exit;

/// Why a configuration could not be used.
///
/// The `Display` text is meant for the user as is, e.g.
/// `/home/x/config.toml:7: key server.address: "127.0.0.1:99999" is not
/// host:port (port must be 1-65535), e.g. "192.0.2.10:5060"`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (missing, permissions).
    #[error("{}: cannot read the configuration file: {source}; check the path (from --config, SWITCHBOARD_CONFIG or the default location) or create the file", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is there but is not UTF-8 text.
    #[error("{}:{line}: the file is not UTF-8 text: invalid byte 0x{byte:02X} at byte offset {offset} (line {line}, column {column}); save the file as UTF-8", path.display())]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
        /// 0-based offset of the first invalid byte in the file.
        offset: usize,
        byte: u8,
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
    /// Several of the above, in line order (never nested, at least two).
    #[error("{}", join_lines(.0))]
    Several(Vec<ConfigError>),
    /// `Server::socket_addr` could not resolve the configured host.
    #[error(
        "key server.address: cannot resolve \"{address}\": {reason}; check the host name or use an IP address, e.g. \"192.0.2.10:5060\""
    )]
    Resolve { address: String, reason: String },
}

impl ConfigError {
    /// The process exit code: [`exit::CONFIG`], or [`exit::SERVER`] when
    /// the configured server's name does not resolve.
    pub fn exit_code(&self) -> u8 {
        match self {
            ConfigError::Resolve { .. } => exit::SERVER,
            _ => exit::CONFIG,
        }
    }

    /// Every error in it, in line order (one for all but `Several`).
    pub fn all(&self) -> &[ConfigError] {
        match self {
            ConfigError::Several(errors) => errors,
            one => std::slice::from_ref(one),
        }
    }

    /// The file the error is about (`None` for resolution errors).
    pub fn path(&self) -> Option<&Path> {
        match self {
            ConfigError::Read { path, .. }
            | ConfigError::NotUtf8 { path, .. }
            | ConfigError::Syntax { path, .. }
            | ConfigError::UnknownKey { path, .. }
            | ConfigError::Missing { path, .. }
            | ConfigError::Invalid { path, .. }
            | ConfigError::DuplicateContact { path, .. } => Some(path),
            ConfigError::Several(errors) => errors.first()?.path(),
            ConfigError::Resolve { .. } => None,
        }
    }

    /// The 1-based line the error is about (the first one's for
    /// `Several`), when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::NotUtf8 { line, .. }
            | ConfigError::Syntax { line, .. }
            | ConfigError::UnknownKey { line, .. }
            | ConfigError::Missing { line, .. }
            | ConfigError::Invalid { line, .. }
            | ConfigError::DuplicateContact { line, .. } => Some(*line),
            ConfigError::Several(errors) => errors.first()?.line(),
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
            ConfigError::Several(errors) => errors.first()?.key(),
            ConfigError::Resolve { .. } => Some("server.address"),
            ConfigError::Read { .. } | ConfigError::NotUtf8 { .. } => None,
        }
    }

    /// One error for a list of them: sorted by line (stable, so errors of
    /// one line keep the order they were found in), every value escaped
    /// (see [`escape`]); `None` for an empty list.
    pub(super) fn collect(mut errors: Vec<ConfigError>) -> Option<ConfigError> {
        errors.sort_by_key(|e| e.line().unwrap_or(0));
        let mut errors: Vec<ConfigError> = errors.into_iter().map(ConfigError::escaped).collect();
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(ConfigError::Several(errors)),
        }
    }

    /// The same error with every text that came from the file escaped.
    fn escaped(self) -> ConfigError {
        let e = |s: String| escape(&s);
        match self {
            ConfigError::Syntax {
                path,
                line,
                key,
                message,
            } => ConfigError::Syntax {
                path,
                line,
                key: key.map(e),
                message: e(message),
            },
            ConfigError::UnknownKey {
                path,
                line,
                key,
                expected,
            } => ConfigError::UnknownKey {
                path,
                line,
                key: e(key),
                expected,
            },
            ConfigError::Missing {
                path,
                line,
                key,
                hint,
            } => ConfigError::Missing {
                path,
                line,
                key: e(key),
                hint: e(hint),
            },
            ConfigError::Invalid {
                path,
                line,
                key,
                message,
            } => ConfigError::Invalid {
                path,
                line,
                key: e(key),
                message: e(message),
            },
            ConfigError::DuplicateContact {
                path,
                line,
                key,
                uri,
                first_line,
            } => ConfigError::DuplicateContact {
                path,
                line,
                key: e(key),
                uri: e(uri),
                first_line,
            },
            ConfigError::Several(errors) => {
                ConfigError::Several(errors.into_iter().map(ConfigError::escaped).collect())
            }
            other => other,
        }
    }
}

/// The most errors [`ConfigError::Several`] prints; the rest are counted.
pub const MAX_SHOWN: usize = 50;

fn join_lines(errors: &[ConfigError]) -> String {
    let mut out: Vec<String> = errors
        .iter()
        .take(MAX_SHOWN)
        .map(|e| e.to_string())
        .collect();
    if errors.len() > MAX_SHOWN {
        out.push(format!("... and {} more errors", errors.len() - MAX_SHOWN));
    }
    out.join("\n")
}

/// A text from the file made safe to print: control characters (CR, LF,
/// ESC, C1...) and bidi overrides written as escapes (`\r`, `\n`,
/// `\u{1b}`), so the user sees them and the terminal obeys none.
pub fn escape(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control() || crate::text::is_hostile(c)
}

/// Where the first invalid byte of a non-UTF-8 file is.
pub(super) fn not_utf8(path: &Path, bytes: &[u8], e: &std::str::Utf8Error) -> ConfigError {
    let offset = e.valid_up_to();
    let head = bytes.get(..offset).unwrap_or(bytes);
    let line_start = head.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&head[line_start..]).chars().count() + 1;
    ConfigError::NotUtf8 {
        path: path.to_path_buf(),
        line: head.iter().filter(|&&b| b == b'\n').count() + 1,
        column,
        offset,
        byte: bytes.get(offset).copied().unwrap_or(0),
    }
}

/// The text being parsed and its file name: turns byte spans into lines.
pub(super) struct Src<'a> {
    pub text: &'a str,
    pub path: &'a Path,
    /// Byte offset where each line starts (the first is 0): built once, so
    /// placing an error is a binary search, not a count from the start.
    line_starts: Vec<usize>,
}

impl<'a> Src<'a> {
    pub fn new(text: &'a str, path: &'a Path) -> Self {
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        Src {
            text,
            path,
            line_starts,
        }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .max(1)
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
