//! The shape of the file, checked on the parsed TOML tree (which keeps the
//! span of every key): unknown keys with their full path, and the key path
//! of whatever sits at a byte offset (to place serde's type errors).

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, Src};

const TOP: &[&str] = &["account", "server", "subscribe", "ui", "keys", "contact"];
const ACCOUNT: &[&str] = &[
    "uri",
    "auth_user",
    "password",
    "password_env",
    "display_name",
];
const SERVER: &[&str] = &["address", "transport", "keepalive"];
const SUBSCRIBE: &[&str] = &["presence", "dialog", "expires", "window"];
const UI: &[&str] = &["mono", "ascii", "read_only"];
const CONTACT: &[&str] = &["name", "uri", "extension", "department"];

/// Report the first unknown key (in file order) with its path and the keys
/// its table accepts.
pub(super) fn check_unknown_keys(doc: &DeTable<'_>, src: &Src<'_>) -> Result<(), ConfigError> {
    let mut unknown: Vec<(Range<usize>, String, &'static [&'static str])> = Vec::new();
    collect_unknown(doc, "", TOP, &mut unknown);
    for (name, allowed) in [
        ("account", ACCOUNT),
        ("server", SERVER),
        ("subscribe", SUBSCRIBE),
        ("ui", UI),
    ] {
        if let Some(DeValue::Table(t)) = doc.get(name).map(|v| v.get_ref()) {
            collect_unknown(t, name, allowed, &mut unknown);
        }
    }
    if let Some(DeValue::Array(contacts)) = doc.get("contact").map(|v| v.get_ref()) {
        for (i, c) in contacts.iter().enumerate() {
            if let DeValue::Table(t) = c.get_ref() {
                collect_unknown(t, &format!("contact[{}]", i + 1), CONTACT, &mut unknown);
            }
        }
    }
    match unknown.into_iter().min_by_key(|(span, ..)| span.start) {
        None => Ok(()),
        Some((span, key, allowed)) => Err(ConfigError::UnknownKey {
            path: src.path.to_path_buf(),
            line: src.line(span.start),
            key,
            expected: allowed.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

fn collect_unknown(
    table: &DeTable<'_>,
    prefix: &str,
    allowed: &'static [&'static str],
    out: &mut Vec<(Range<usize>, String, &'static [&'static str])>,
) {
    for key in table.keys() {
        if !allowed.contains(&key.get_ref().as_ref()) {
            out.push((key.span(), join(prefix, key.get_ref()), allowed));
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The path of the most specific key whose key or value covers `offset`
/// (`contact[2].uri`, `keys.quit`); `None` when nothing does.
pub(super) fn path_at(doc: &DeTable<'_>, offset: usize) -> Option<String> {
    find_in_table(doc, "", offset)
}

fn find_in_table(table: &DeTable<'_>, prefix: &str, offset: usize) -> Option<String> {
    table
        .iter()
        .find_map(|(k, v)| find_entry(&join(prefix, k.get_ref()), Some(k), v, offset))
}

fn find_entry(
    path: &str,
    key: Option<&Spanned<std::borrow::Cow<'_, str>>>,
    value: &Spanned<DeValue<'_>>,
    offset: usize,
) -> Option<String> {
    let inner = match value.get_ref() {
        DeValue::Table(t) => find_in_table(t, path, offset),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let item_path = match item.get_ref() {
                DeValue::Table(_) => format!("{path}[{}]", i + 1),
                _ => path.to_string(),
            };
            find_entry(&item_path, None, item, offset)
        }),
        _ => None,
    };
    let covers = |span: Range<usize>| span.contains(&offset) || span.start == offset;
    inner.or_else(|| {
        (covers(value.span()) || key.is_some_and(|k| covers(k.span()))).then(|| path.to_string())
    })
}

/// What to write instead, for a key path (ignoring `[n]` indexes).
pub(super) fn example(path: &str) -> Option<&'static str> {
    let mut plain = String::with_capacity(path.len());
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '[' => skipping = true,
            ']' => skipping = false,
            c if !skipping => plain.push(c),
            _ => {}
        }
    }
    if plain.starts_with("keys.") {
        return Some("quit = [\"F10\", \"Ctrl-q\"]");
    }
    Some(match plain.as_str() {
        "account" => "[account] with uri = \"sip:attendant@example.test\"",
        "account.uri" => "uri = \"sip:attendant@example.test\"",
        "account.auth_user" => "auth_user = \"attendant\"",
        "account.password" => "password = \"secret\"",
        "account.password_env" => "password_env = \"SWITCHBOARD_PASSWORD\"",
        "account.display_name" => "display_name = \"Reception\"",
        "server" => "[server] with address = \"192.0.2.10:5060\"",
        "server.address" => "address = \"192.0.2.10:5060\"",
        "server.transport" => "transport = \"udp\"",
        "server.keepalive" => "keepalive = 30",
        "subscribe" => "[subscribe] with expires = 600",
        "subscribe.presence" => "presence = true",
        "subscribe.dialog" => "dialog = true",
        "subscribe.expires" => "expires = 600",
        "subscribe.window" => "window = 64",
        "ui" => "[ui] with mono = false",
        "ui.mono" => "mono = false",
        "ui.ascii" => "ascii = false",
        "ui.read_only" => "read_only = false",
        "keys" => "[keys] with quit = [\"F10\", \"Ctrl-q\"]",
        "contact" => "one [[contact]] table (double brackets) per person",
        "contact.name" => "name = \"Alice Adams\"",
        "contact.uri" => "uri = \"sip:alice@example.test\"",
        "contact.extension" => "extension = \"1001\"",
        "contact.department" => "department = \"Sales\"",
        _ => return None,
    })
}
