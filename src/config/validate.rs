//! From the raw file to a checked [`Config`]: syntax, unknown keys, types,
//! then every value's meaning. Each error is placed at its line and key,
//! and all of them are reported together, in line order: a check that
//! finds a problem records it and the next check still runs.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::DeTable;

use super::account::check_account;
use super::error::{ConfigError, MAX_SHOWN, Src};
use super::raw::{RawAccount, RawContact, RawSubscribe, RawUi};
use super::sections::Reader;
use super::uri::check_sip_uri;
use super::{Config, Subscribe, Ui};
use crate::app::Keymap;
use crate::presence::ContactInfo;
use crate::sip::uri::{SipUri, UriMap};

/// Parse and check. The flag says whether the file itself holds a password
/// (`account.password`, as opposed to `password_env`).
pub(super) fn parse(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Config, bool), ConfigError> {
    let src = Src::new(text, path);
    let (doc, syntax) = DeTable::parse_recoverable(text);
    // Every syntax error the parser recovered from; the key of each is
    // looked up (a walk over the lines) only for those that are printed.
    let syntax = syntax
        .iter()
        .enumerate()
        .map(|(i, e)| syntax_error(&src, e, i < MAX_SHOWN))
        .collect();
    if let Some(e) = ConfigError::collect(syntax) {
        return Err(e);
    }
    let mut r = Reader::new(&src, doc.get_ref());
    if let Some(top) = super::schema::allowed("") {
        for e in super::schema::unknown_keys(doc.get_ref(), "", top, &src) {
            r.push(e);
        }
    }
    let raw_account = r.table::<RawAccount>("account");
    let literal_password = raw_account
        .as_ref()
        .is_some_and(|a| a.get_ref().password.is_some());
    let account = match raw_account {
        Some(a) => check_account(&mut r, a, env),
        None => {
            let e = src.missing(
                0..0,
                "account",
                "add an [account] table with uri = \"sip:attendant@example.test\"",
            );
            r.push(e);
            None
        }
    };
    let subscribe = r.table::<RawSubscribe>("subscribe");
    let subscribe = check_subscribe(&mut r, subscribe);
    let (servers, server_password) = super::servers::check(
        &mut r,
        account.as_ref(),
        subscribe.as_ref().unwrap_or(&Subscribe::default()),
        env,
    );
    let literal_password = literal_password || server_password;
    let ui = r.table::<RawUi>("ui").map(Spanned::into_inner);
    let ui = ui.map_or_else(Ui::default, |u| Ui {
        mono: u.mono.unwrap_or(false),
        ascii: u.ascii.unwrap_or(false),
        read_only: u.read_only.unwrap_or(false),
        hide_peers: !u.show_peers.unwrap_or(true),
    });
    let raw_notes = r.table::<super::notes::RawNotes>("notes");
    let notes = super::notes::check_notes(&mut r, &src, raw_notes, env);
    let keymap = check_keys(&mut r);
    let contacts = r.contacts();
    let contact_lines = super::telephony::check_lines(&mut r, &contacts);
    let contacts = check_contacts(&mut r, contacts);
    let directory = super::directory::check_directory(&mut r, path);
    let status = super::status::check(&mut r);
    let telephony = super::telephony::check(&mut r);
    let journal = super::journal::check(&mut r);
    let diagnostics = super::diagnostics::check(&mut r);
    let whole_directory_here = directory.is_empty()
        && servers
            .as_ref()
            .is_some_and(|s: &Vec<super::ServerEntry>| s.iter().all(|e| e.server.list.is_none()));
    let groups = super::groups::check_groups(&mut r, &contacts, whole_directory_here);
    let numbering = super::groups::check_numbers(&mut r);
    let (account, servers, subscribe) = match (r.finish(), account, servers, subscribe) {
        (None, Some(a), Some(s), Some(sub)) => (a, s, sub),
        (Some(e), ..) => return Err(e),
        // Each `None` above came with an error; kept total all the same.
        (None, ..) => return Err(src.invalid(0..0, "account", "the configuration is incomplete")),
    };
    // The server our own status and `status show` use: the preferred
    // one, else the first.
    let Some(server) = servers
        .iter()
        .find(|s| s.preferred)
        .or(servers.first())
        .map(|s| s.server.clone())
    else {
        return Err(src.invalid(0..0, "server", "no server is configured"));
    };
    let mut warnings = Vec::new();
    if contacts.is_empty()
        && servers.iter().all(|s| s.server.list.is_none())
        && directory.is_empty()
    {
        warnings.push(format!(
            "{} has no [[contact]] entries: the console will be empty (add one [[contact]] table per person)",
            path.display()
        ));
    }
    let config = Config {
        path: Some(path.to_path_buf()),
        account,
        server,
        servers,
        subscribe,
        ui,
        keymap,
        contacts,
        directory,
        notes,
        status,
        telephony,
        journal,
        diagnostics,
        contact_lines,
        groups,
        numbering,
        warnings,
    };
    Ok((config, literal_password))
}

fn syntax_error(src: &Src<'_>, e: &toml::de::Error, with_key: bool) -> ConfigError {
    let line = e.span().map_or(1, |s| src.line(s.start));
    ConfigError::Syntax {
        path: src.path.to_path_buf(),
        line,
        key: with_key.then(|| key_on_line(src.text, line)).flatten(),
        message: e.message().trim_end().to_string(),
    }
}

/// Best effort for syntax errors: `table.key` for a `key = ...` line, the
/// table name for a header line.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let mut table = String::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        let header = l.strip_prefix('[').map(|h| {
            h.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
        });
        if i + 1 == line {
            return match header {
                Some(h) if !h.is_empty() => Some(h.to_string()),
                Some(_) => None,
                None => {
                    let key = l.split_once('=')?.0.trim().trim_matches('"');
                    let simple = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
                    simple.then(|| {
                        if table.is_empty() {
                            key.to_string()
                        } else {
                            format!("{table}.{key}")
                        }
                    })
                }
            };
        }
        if let Some(h) = header {
            table = h.to_string();
        }
    }
    None
}

fn check_subscribe(
    r: &mut Reader<'_, '_>,
    subscribe: Option<Spanned<RawSubscribe>>,
) -> Option<Subscribe> {
    let src = r.src;
    let d = Subscribe::default();
    let Some(s) = subscribe.map(Spanned::into_inner) else {
        return Some(d);
    };
    let expires = r.keep(in_range(
        src,
        s.expires.as_ref(),
        "subscribe.expires",
        60..=86400,
        d.expires.into(),
        "seconds",
    ));
    let window = r.keep(in_range(
        src,
        s.window.as_ref(),
        "subscribe.window",
        1..=1024,
        d.window as u64,
        "transactions",
    ));
    Some(Subscribe {
        presence: s.presence.unwrap_or(d.presence),
        dialog: s.dialog.unwrap_or(d.dialog),
        // Both bounded above by the ranges just checked.
        expires: u32::try_from(expires?).unwrap_or(d.expires),
        window: usize::try_from(window?).unwrap_or(d.window),
    })
}

pub(super) fn in_range(
    src: &Src<'_>,
    value: Option<&Spanned<i64>>,
    key: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    unit: &str,
) -> Result<u64, ConfigError> {
    let Some(v) = value else { return Ok(default) };
    match u64::try_from(*v.get_ref()) {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(src.invalid(
            v.span(),
            key,
            format!(
                "{} is out of range (must be {}-{} {unit}), e.g. {} = {default}",
                v.get_ref(),
                range.start(),
                range.end(),
                key.rsplit('.').next().unwrap_or(key)
            ),
        )),
    }
}

/// `[keys]` into the keymap, each problem at the line of its entry.
fn check_keys(r: &mut Reader<'_, '_>) -> Keymap {
    let entries = r.key_entries();
    let refs: Vec<(&str, &[String])> = entries
        .iter()
        .map(|(name, _, specs)| (name.as_str(), specs.as_slice()))
        .collect();
    let (keymap, problems) = Keymap::from_entries(&refs);
    for e in problems {
        let span = entries
            .iter()
            .find(|(name, ..)| *name == e.action)
            .map_or(0..0, |(_, span, _)| span.clone());
        let message = e.problem.to_string();
        r.push(r.src.invalid(span, format!("keys.{}", e.action), message));
    }
    keymap
}

fn check_contacts(r: &mut Reader<'_, '_>, raw: Vec<Spanned<RawContact>>) -> Vec<ContactInfo> {
    let mut seen: UriMap<usize> = UriMap::with_capacity(raw.len());
    let mut out = Vec::with_capacity(raw.len());
    for (i, c) in raw.into_iter().enumerate() {
        if let Some(contact) = check_contact(r, &mut seen, i, c) {
            out.push(contact);
        }
    }
    out
}

/// One `[[contact]]`; its URI must not be the same (RFC 3261 19.1.4) as an
/// earlier contact's.
fn check_contact(
    r: &mut Reader<'_, '_>,
    seen: &mut UriMap<usize>,
    i: usize,
    c: Spanned<RawContact>,
) -> Option<ContactInfo> {
    let src = r.src;
    let prefix = format!("contact[{}]", i + 1);
    let header: Range<usize> = c.span();
    let c = c.into_inner();
    let name = match c.name {
        None => {
            r.push(src.missing(
                header.clone(),
                format!("{prefix}.name"),
                "add name = \"Alice Adams\" to this [[contact]]",
            ));
            None
        }
        Some(name) if name.get_ref().trim().is_empty() => {
            r.push(src.invalid(
                name.span(),
                format!("{prefix}.name"),
                "the name is empty, e.g. name = \"Alice Adams\"",
            ));
            None
        }
        // A name may come from an exported file: made harmless like any
        // outside string before the store, `watch` or the screen see it.
        Some(name) => Some(crate::text::harmless_line(name.get_ref().trim())),
    };
    let Some(uri) = c.uri else {
        r.push(src.missing(
            header,
            format!("{prefix}.uri"),
            "add uri = \"sip:alice@example.test\" to this [[contact]]",
        ));
        return None;
    };
    let key = format!("{prefix}.uri");
    let checked = check_sip_uri(uri.get_ref())
        .map_err(|why| why.to_string())
        .and_then(|_| SipUri::parse(uri.get_ref()).map_err(|e| e.to_string()));
    let parsed = r.keep(checked.map_err(|why| src.invalid(uri.span(), key.clone(), why)))?;
    let line = src.line(uri.span().start);
    if let Err(&first_line) = seen.insert(parsed, line) {
        r.push(ConfigError::DuplicateContact {
            path: src.path.to_path_buf(),
            line,
            key,
            uri: uri.into_inner(),
            first_line,
        });
        return None;
    }
    Some(ContactInfo {
        name: name?,
        uri: uri.into_inner(),
        extension: c
            .extension
            .map(|e| crate::text::harmless_line(e.into_inner().0.trim()))
            .filter(|e| !e.is_empty()),
        department: c
            .department
            .map(|d| crate::text::harmless_line(d.into_inner().trim()))
            .filter(|d| !d.is_empty()),
    })
}
