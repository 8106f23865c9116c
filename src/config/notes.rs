//! The `[notes]` table: where the shared attendant notes live and who the
//! operator is.
//!
//! ```toml
//! [notes]
//! path = "/srv/switchboard/notes.sqlite"   # SQLite (default: the data directory)
//! url = "postgres://switchboard@db.example.test/switchboard"   # or PostgreSQL
//! password_env = "SWITCHBOARD_NOTES_PASSWORD"   # or password_file = "/etc/…"
//! operator = "Ann"                               # default: the login name
//! ```
//!
//! `path` and `url` exclude each other. The password file is read when the
//! notes are opened (this stays pure: text in, config out), never here.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::error::Src;
use super::sections::Reader;

/// The table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotes {
    pub path: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
    pub password_file: Option<Spanned<String>>,
    pub operator: Option<Spanned<String>>,
}

/// Where the notes live, as configured. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Notes {
    /// The SQLite file (`None` with no `url`: the default in the data
    /// directory, chosen by the caller).
    pub path: Option<PathBuf>,
    /// A `postgres://` URL.
    pub url: Option<String>,
    /// From `password_env`.
    pub password: Option<String>,
    /// Read when the notes are opened.
    pub password_file: Option<PathBuf>,
    /// The author of notes written here (`None`: the login name).
    pub operator: Option<String>,
}

impl std::fmt::Debug for Notes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notes")
            .field("path", &self.path)
            .field("url", &self.url.as_deref().map(crate::notes::redact_url))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("password_file", &self.password_file)
            .field("operator", &self.operator)
            .finish()
    }
}

/// Check `[notes]`; every mistake recorded in `r`.
pub(super) fn check_notes(
    r: &mut Reader<'_, '_>,
    src: &Src<'_>,
    raw: Option<Spanned<RawNotes>>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Notes {
    let Some(raw) = raw.map(Spanned::into_inner) else {
        return Notes::default();
    };
    let mut out = Notes::default();
    if let (Some(p), Some(u)) = (&raw.path, &raw.url) {
        let (_, later, key) = if p.span().start < u.span().start {
            (p.span(), u.span(), "notes.url")
        } else {
            (u.span(), p.span(), "notes.path")
        };
        r.push(src.invalid(
            later,
            key,
            "path (SQLite) and url (PostgreSQL) are both set; keep only one of them",
        ));
    }
    if let Some(p) = raw.path {
        if p.get_ref().trim().is_empty() {
            r.push(src.invalid(
                p.span(),
                "notes.path",
                "path is empty; remove it to use the data directory",
            ));
        } else {
            out.path = Some(PathBuf::from(p.into_inner()));
        }
    }
    if let Some(u) = raw.url {
        let url = u.get_ref();
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            r.push(src.invalid(
                u.span(),
                "notes.url",
                "url must start with postgres:// (e.g. url = \"postgres://switchboard@db.example.test/switchboard\")",
            ));
        } else {
            out.url = Some(u.into_inner());
        }
    }
    match (raw.password_env, raw.password_file) {
        (Some(_), Some(f)) => r.push(src.invalid(
            f.span(),
            "notes.password_file",
            "password_env and password_file are both set; keep only one of them",
        )),
        (Some(var), None) => match env(var.get_ref()) {
            Some(pw) => out.password = Some(pw),
            None => r.push(src.invalid(
                var.span(),
                "notes.password_env",
                format!(
                    "environment variable {} is not set; export it before starting switchboard, or use password_file",
                    crate::text::line(var.get_ref(), 64)
                ),
            )),
        },
        (None, Some(f)) => out.password_file = Some(PathBuf::from(f.into_inner())),
        (None, None) => {}
    }
    if let Some(op) = raw.operator {
        let name = crate::text::line(op.get_ref().trim(), crate::notes::MAX_AUTHOR_CHARS);
        if name.is_empty() {
            r.push(src.invalid(
                op.span(),
                "notes.operator",
                "operator is empty; remove it to use the login name",
            ));
        } else {
            out.operator = Some(name.into_owned());
        }
    }
    out
}
