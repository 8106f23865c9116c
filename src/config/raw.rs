//! The file as written: serde structs with spans, before any checking.
//!
//! Every field is optional here so that missing keys can be reported by
//! `validate` with the line of their table; every struct denies unknown
//! fields (the `schema` walk reports those first, with a key path).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

/// The top level: never built, its derive is read for the list of top-level
/// keys (`schema::keys`); each table is read on its own (`sections`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "only the derive's field list is used")]
pub(super) struct RawConfig {
    pub account: Option<Spanned<RawAccount>>,
    pub server: Option<Spanned<RawServer>>,
    pub subscribe: Option<Spanned<RawSubscribe>>,
    pub ui: Option<Spanned<RawUi>>,
    #[serde(default)]
    pub keys: BTreeMap<String, Spanned<KeySpecs>>,
    #[serde(default)]
    pub contact: Vec<Spanned<RawContact>>,
    pub directory: Option<Spanned<RawDirectory>>,
    pub notes: Option<Spanned<super::notes::RawNotes>>,
    pub status: Option<Spanned<super::status::RawStatus>>,
    pub telephony: Option<Spanned<super::telephony::RawTelephony>>,
    pub journal: Option<Spanned<super::journal::RawJournal>>,
    pub diagnostics: Option<Spanned<super::diagnostics::RawDiagnostics>>,
    #[serde(default)]
    pub group: Vec<Spanned<super::groups::RawGroup>>,
    pub numbers: Option<Spanned<super::groups::RawNumbers>>,
}

/// No `Debug`: it holds the password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccount {
    pub uri: Option<Spanned<String>>,
    pub auth_user: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
    pub display_name: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub address: Option<Spanned<String>>,
    pub transport: Option<Spanned<String>>,
    pub keepalive: Option<Spanned<i64>>,
    pub list: Option<Spanned<String>>,
    /// `transport = "tls"`: the CA certificates (PEM) to trust instead of
    /// the system's roots.
    pub ca_file: Option<Spanned<String>>,
    /// Several servers (`[[server]]`, see `config::servers`): its name,
    /// whether it wins conflicts, the packages it serves, its credentials.
    pub name: Option<Spanned<String>>,
    pub preferred: Option<Spanned<bool>>,
    pub events: Option<Spanned<Vec<Spanned<String>>>>,
    pub auth_user: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSubscribe {
    pub presence: Option<bool>,
    pub dialog: Option<bool>,
    pub expires: Option<Spanned<i64>>,
    pub window: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUi {
    pub mono: Option<bool>,
    pub ascii: Option<bool>,
    pub read_only: Option<bool>,
    pub show_peers: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContact {
    pub name: Option<Spanned<String>>,
    pub uri: Option<Spanned<String>>,
    pub extension: Option<Spanned<Extension>>,
    pub department: Option<Spanned<String>>,
    pub lines: Option<Vec<Spanned<String>>>,
}

/// An extension written as a string (`"1001"`) or an integer (`1001`).
pub(super) struct Extension(pub String);

impl<'de> Deserialize<'de> for Extension {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Extension;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Extension, E> {
                Ok(Extension(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Extension, E> {
                Ok(Extension(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Extension, E> {
                Ok(Extension(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Key specs for one action: a list of strings, or a single string.
pub(super) struct KeySpecs(pub Vec<String>);

impl<'de> Deserialize<'de> for KeySpecs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeySpecs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of key names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeySpecs, E> {
                Ok(KeySpecs(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeySpecs, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(KeySpecs(keys))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[directory]`: files of contacts (see `config::directory`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDirectory {
    pub csv: Option<Spanned<Paths>>,
    pub vcard: Option<Spanned<Paths>>,
}

/// Files: a list of paths, or a single path as a string.
pub(super) struct Paths(pub Vec<String>);

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Paths;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a file name or a list of file names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Paths, E> {
                Ok(Paths(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Paths, A::Error> {
                let mut paths = Vec::new();
                while let Some(p) = seq.next_element::<String>()? {
                    paths.push(p);
                }
                Ok(Paths(paths))
            }
        }
        d.deserialize_any(V)
    }
}
