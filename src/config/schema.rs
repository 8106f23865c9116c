//! The shape of the file, checked on the parsed TOML tree (which keeps the
//! span of every key): unknown keys with their full path, the key path of
//! whatever sits at a byte offset (to place serde's type errors), and an
//! example for every key. The key lists are read from the `raw` structs'
//! serde derive, never written out by hand; a test checks that
//! `assets/example-config.toml` shows every one of them.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, Src};
use super::raw::{RawAccount, RawConfig, RawContact, RawDirectory, RawServer, RawSubscribe, RawUi};

/// The keys of each table, read from the `Raw*` structs themselves (see
/// [`fields_of`]): the schema is written once, in `raw.rs`.
pub(super) struct Keys {
    pub top: &'static [&'static str],
    pub account: &'static [&'static str],
    pub server: &'static [&'static str],
    pub subscribe: &'static [&'static str],
    pub ui: &'static [&'static str],
    pub contact: &'static [&'static str],
    pub directory: &'static [&'static str],
    pub notes: &'static [&'static str],
    pub status: &'static [&'static str],
    pub status_profile: &'static [&'static str],
    pub telephony: &'static [&'static str],
    pub journal: &'static [&'static str],
    pub diagnostics: &'static [&'static str],
    pub group: &'static [&'static str],
    pub numbers: &'static [&'static str],
}

pub(super) fn keys() -> Keys {
    Keys {
        top: fields_of::<RawConfig>(),
        account: fields_of::<RawAccount>(),
        server: fields_of::<RawServer>(),
        subscribe: fields_of::<RawSubscribe>(),
        ui: fields_of::<RawUi>(),
        contact: fields_of::<RawContact>(),
        directory: fields_of::<RawDirectory>(),
        notes: fields_of::<super::notes::RawNotes>(),
        status: fields_of::<super::status::RawStatus>(),
        status_profile: fields_of::<super::status::RawProfile>(),
        telephony: fields_of::<super::telephony::RawTelephony>(),
        journal: fields_of::<super::journal::RawJournal>(),
        diagnostics: fields_of::<super::diagnostics::RawDiagnostics>(),
        group: fields_of::<super::groups::RawGroup>(),
        numbers: fields_of::<super::groups::RawNumbers>(),
    }
}

/// The keys a table may hold, by the table's name (`None`: any key, or not
/// a table we check).
pub(super) fn allowed(table: &str) -> Option<&'static [&'static str]> {
    let k = keys();
    Some(match table {
        "" => k.top,
        "account" => k.account,
        "server" => k.server,
        "subscribe" => k.subscribe,
        "ui" => k.ui,
        "contact" => k.contact,
        "directory" => k.directory,
        "notes" => k.notes,
        "status" => k.status,
        "status.profile" => k.status_profile,
        "telephony" => k.telephony,
        "journal" => k.journal,
        "diagnostics" => k.diagnostics,
        "group" => k.group,
        "numbers" => k.numbers,
        _ => return None,
    })
}

/// Every unknown key of `table` (whose path is `prefix`), with the keys it
/// accepts.
pub(super) fn unknown_keys(
    table: &DeTable<'_>,
    prefix: &str,
    allowed: &'static [&'static str],
    src: &Src<'_>,
) -> Vec<ConfigError> {
    table
        .keys()
        .filter(|key| !allowed.contains(&key.get_ref().as_ref()))
        .map(|key| ConfigError::UnknownKey {
            path: src.path.to_path_buf(),
            line: src.line(key.span().start),
            key: join(prefix, key.get_ref()),
            expected: allowed.iter().map(|s| s.to_string()).collect(),
        })
        .collect()
}

/// The field names serde's derive gives `T` (what `deny_unknown_fields`
/// accepts): asked of the derive itself by a deserializer that only
/// records them.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(FieldNames) {
        Err(Captured(Some(fields))) => fields,
        _ => &[],
    }
}

/// A deserializer that answers every request with an error, carrying the
/// field list when a struct is asked for.
struct FieldNames;

#[derive(Debug)]
struct Captured(Option<&'static [&'static str]>);

impl std::fmt::Display for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names captured")
    }
}

impl std::error::Error for Captured {}

impl serde::de::Error for Captured {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Captured(None)
    }
}

impl<'de> serde::Deserializer<'de> for FieldNames {
    type Error = Captured;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
        Err(Captured(None))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Captured> {
        Err(Captured(Some(fields)))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
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
        "server.list" => "list = \"sip:attendant-list@example.test\"",
        "server.ca_file" => "ca_file = \"/etc/switchboard/sip-ca.pem\"",
        "server.name" => "name = \"pbx\"",
        "server.preferred" => "preferred = true",
        "server.events" => "events = [\"presence\", \"dialog\"]",
        "server.auth_user" => "auth_user = \"attendant\"",
        "server.password" => "password = \"secret\"",
        "server.password_env" => "password_env = \"PBX_PASSWORD\"",
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
        "directory" => "[directory] with csv = \"staff.csv\"",
        "directory.csv" => "csv = [\"staff.csv\", \"/srv/export/branch.csv\"]",
        "directory.vcard" => "vcard = \"staff.vcf\"",
        "notes" => "[notes] with operator = \"Ann\"",
        "notes.path" => "path = \"/srv/switchboard/notes.sqlite\"",
        "notes.url" => "url = \"postgres://switchboard@db.example.test/switchboard\"",
        "notes.password_env" => "password_env = \"SWITCHBOARD_NOTES_PASSWORD\"",
        "notes.password_file" => "password_file = \"/etc/switchboard/notes-password\"",
        "notes.operator" => "operator = \"Ann\"",
        other => {
            return super::status::example(other)
                .or_else(|| super::telephony::example(other))
                .or_else(|| super::journal::example(other))
                .or_else(|| super::diagnostics::example(other))
                .or_else(|| super::groups::example(other));
        }
    })
}
