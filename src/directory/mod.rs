//! Directory sources: contacts read from CSV and vCard files named in
//! `[directory]`, merged with the `[[contact]]` entries by canonical URI.
//!
//! Pure: bytes and a file name in, [`Entry`]s and [`Problem`]s out (the
//! runtime reads the files, watches them and hands the result to the store
//! and the model, see `runtime::directory`). A malformed row is a
//! [`Problem`] with its file and line; every other row still loads. Every
//! string read from a file goes through [`crate::text`] before it is kept.
//!
//! - `csv`: the CSV reader (the `csv` crate: quoting, CRLF, embedded
//!   newlines, done right and well kept; we add the header mapping, BOM,
//!   non-UTF-8 rows and the per-row checks)
//! - `vcard`: a small vCard 3/4 reader of our own (only FN, TEL, IMPP,
//!   X-SIP, ORG are needed, with line unfolding and escapes; the vCard
//!   crates bring a full data model and parse failures that lose the whole
//!   file on one bad card)
//! - `merge`: duplicates across sources, by the RFC 3261 19.1.4 rule

mod csv;
pub mod lines;
mod merge;
mod vcard;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use merge::merge;

use crate::presence::ContactInfo;
use crate::sip::uri::SipUri;

/// Longest name, department, extension or extra value kept (in chars).
pub const MAX_FIELD: usize = 200;
/// Most extra columns kept per contact.
pub const MAX_EXTRA: usize = 32;
/// Largest directory file read (a 100,000-row CSV is about 10 MB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// The files named in `[directory]` (absolute, or relative to the working
/// directory once the configuration resolved them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    pub csv: Vec<PathBuf>,
    pub vcard: Vec<PathBuf>,
}

impl Sources {
    pub fn is_empty(&self) -> bool {
        self.csv.is_empty() && self.vcard.is_empty()
    }

    /// Every file, CSV first, in the order written.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.csv.iter().chain(&self.vcard).map(PathBuf::as_path)
    }
}

/// One contact from a source (the domain's type: the store takes it too).
pub use crate::presence::DirectoryEntry as Entry;

/// A row or card that was not loaded (or a file that could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    /// 1-based; `None`: the whole file.
    pub line: Option<u64>,
    /// What is wrong and what to do, already harmless.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = crate::text::harmless_line(&self.path.display().to_string());
        match self.line {
            Some(line) => write!(f, "{path}:{line}: {}", self.message),
            None => write!(f, "{path}: {}", self.message),
        }
    }
}

/// What one file (or all of them) gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// Which reader a file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Vcard,
}

/// Parse one file's bytes (`path` names it in problems).
pub fn parse(format: Format, bytes: &[u8], path: &Path) -> Loaded {
    match format {
        Format::Csv => csv::parse(bytes, path),
        Format::Vcard => vcard::parse(bytes, path),
    }
}

/// Read and parse every file of `sources`, then merge them after
/// `contacts` (the `[[contact]]` entries, which win). A file that cannot be
/// read is one problem; the others still load.
pub fn load(contacts: &[ContactInfo], sources: &Sources) -> Loaded {
    Reader::default().load(contacts, sources)
}

/// Reads the sources again and again (each reload), remembering what each
/// file held when it was last read: a file that cannot be read for a moment
/// (an export job deleting and writing it anew) keeps its contacts, and
/// their live state, instead of dropping them all until it is back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reader {
    last: HashMap<PathBuf, Vec<Entry>>,
}

impl Reader {
    /// [`load`], with each unreadable file's last good contents.
    pub fn load(&mut self, contacts: &[ContactInfo], sources: &Sources) -> Loaded {
        let mut parts = vec![Loaded {
            entries: contacts.iter().cloned().map(Entry::from).collect(),
            problems: Vec::new(),
        }];
        let files = (sources.csv.iter().map(|p| (Format::Csv, p)))
            .chain(sources.vcard.iter().map(|p| (Format::Vcard, p)));
        for (format, path) in files {
            parts.push(match read_capped(path) {
                Ok(bytes) => {
                    let loaded = parse(format, &bytes, path);
                    self.last.insert(path.clone(), loaded.entries.clone());
                    loaded
                }
                Err(e) => self.unreadable(path, &e),
            });
        }
        merge(parts)
    }

    fn unreadable(&self, path: &Path, e: &std::io::Error) -> Loaded {
        let (entries, kept) = match self.last.get(path) {
            Some(last) => (last.clone(), "its contacts from the last read are kept"),
            None => (Vec::new(), "its contacts are left out until it can"),
        };
        Loaded {
            entries,
            problems: vec![Problem {
                path: path.to_path_buf(),
                line: None,
                message: format!("cannot be read ({e}); {kept}"),
            }],
        }
    }
}

/// The whole file, unless it is over [`MAX_FILE_BYTES`].
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "it is over {} MiB: split it into several files",
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// A field as kept: harmless, trimmed, at most [`MAX_FIELD`] chars.
pub(crate) fn field(s: &str) -> String {
    crate::text::line(s.trim(), MAX_FIELD).trim().to_string()
}

/// A contact's URI as written in a source: `sip:`/`sips:` kept, a bare
/// `user@host` given `sip:`, anything else refused with why.
pub(crate) fn contact_uri(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("no SIP URI: give each contact one, e.g. sip:alice@example.test".into());
    }
    let lower = s.to_ascii_lowercase();
    let uri = if lower.starts_with("sip:") || lower.starts_with("sips:") {
        s.to_string()
    } else if !s.contains(':') && s.contains('@') {
        format!("sip:{s}")
    } else {
        return Err(format!(
            "\"{}\" is not a SIP URI, e.g. sip:alice@example.test",
            crate::text::line(s, 80)
        ));
    };
    if uri.chars().any(crate::text::is_hostile) || uri.chars().count() > crate::text::MAX_LINE_CHARS
    {
        return Err(format!(
            "\"{}\" holds control characters or is too long",
            crate::text::line(&uri, 80)
        ));
    }
    match SipUri::parse(&uri) {
        Ok(_) => Ok(uri),
        Err(e) => Err(format!(
            "\"{}\" is not a SIP URI ({e}), e.g. sip:alice@example.test",
            crate::text::line(&uri, 80)
        )),
    }
}
