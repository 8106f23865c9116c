//! Reading the parsed file into the `raw` structs one table at a time, so
//! that one mistake does not hide the next: unknown keys are reported and
//! dropped, then each value serde refuses is reported and its key dropped
//! before the table is read again. Every error lands in one list that
//! `validate` sorts by line at the end.

use std::collections::HashSet;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::error::{ConfigError, Src};
use super::schema;

/// Re-reads of one table after a refused value, at most (a table has a
/// handful of keys; this only bounds a pathological file).
const MAX_REREADS: usize = 16;

/// The document being read and every error found so far.
pub(super) struct Reader<'a, 'i> {
    pub src: &'a Src<'a>,
    doc: &'a DeTable<'i>,
    errors: Vec<ConfigError>,
    /// Key paths whose value was refused: their absence is not reported a
    /// second time as "missing".
    refused: HashSet<String>,
}

impl<'a, 'i> Reader<'a, 'i> {
    pub fn new(src: &'a Src<'a>, doc: &'a DeTable<'i>) -> Self {
        Reader {
            src,
            doc,
            errors: Vec::new(),
            refused: HashSet::new(),
        }
    }

    /// Keeps `Ok`, records `Err`.
    pub fn keep<T>(&mut self, result: Result<T, ConfigError>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    pub fn push(&mut self, e: ConfigError) {
        let refused = matches!(&e, ConfigError::Missing { key, .. } if self.refused.contains(key));
        if !refused {
            self.errors.push(e);
        }
    }

    /// Everything found, in line order; `None` when the file is fine.
    pub fn finish(self) -> Option<ConfigError> {
        ConfigError::collect(self.errors)
    }

    /// The value of top-level key `name`, as written (e.g. `server`, a
    /// table or an array of tables).
    pub fn value(&self, name: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.doc.get(name)
    }

    /// Table `name` of the document as `T`; `None` when absent or refused.
    pub fn table<T: DeserializeOwned>(&mut self, name: &str) -> Option<Spanned<T>> {
        let value = self.doc.get(name)?;
        self.read(value, name, schema::allowed(name))
    }

    /// `value` (at key path `path`) as `T`, dropping unknown keys (when
    /// `allowed` is given) and refused values, each reported.
    pub fn read<T: DeserializeOwned>(
        &mut self,
        value: &Spanned<DeValue<'i>>,
        path: &str,
        allowed: Option<&'static [&'static str]>,
    ) -> Option<Spanned<T>> {
        // A copy is made only when something must be dropped from it.
        let mut edited: Option<Spanned<DeValue<'i>>> = None;
        if let (DeValue::Table(t), Some(allowed)) = (value.get_ref(), allowed) {
            let unknown = schema::unknown_keys(t, path, allowed, self.src);
            if !unknown.is_empty() {
                self.errors.extend(unknown);
                let mut copy = value.clone();
                if let DeValue::Table(t) = copy.get_mut() {
                    drop_keys(t, |k, _| !allowed.contains(&k.get_ref().as_ref()));
                }
                edited = Some(copy);
            }
        }
        for _ in 0..MAX_REREADS {
            let attempt = edited.as_ref().unwrap_or(value).clone();
            let e = match serde::Deserialize::deserialize(ValueDeserializer::from(attempt)) {
                Ok(t) => return Some(t),
                Err(e) => e,
            };
            let current = edited.get_or_insert_with(|| value.clone());
            let offset = e.span().map_or(current.span().start, |s| s.start);
            let error = self.type_error(&e, offset, path);
            if let Some(key) = error.key() {
                self.refused.insert(key.to_string());
            }
            self.errors.push(error);
            let DeValue::Table(t) = current.get_mut() else {
                return None;
            };
            if drop_keys(t, |k, v| {
                covers(k.span(), offset) || covers(v.span(), offset)
            }) == 0
            {
                return None;
            }
        }
        None
    }

    /// Every `[[contact]]` table, read; `contact` written as one `[contact]`
    /// table (or as anything but tables) is reported.
    pub fn contacts(&mut self) -> Vec<Spanned<super::raw::RawContact>> {
        let Some(value) = self.doc.get("contact") else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            let e = self.src.invalid(
                value.span(),
                "contact",
                "write [[contact]] (double brackets) for each person, not [contact]",
            );
            self.push(e);
            return Vec::new();
        };
        let allowed = schema::allowed("contact");
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| self.read(item, &format!("contact[{}]", i + 1), allowed))
            .collect()
    }

    /// An array of tables (`[[name]]`), each item read as `T`.
    pub fn array_of<T: DeserializeOwned>(&mut self, name: &str) -> Vec<Spanned<T>> {
        let Some(value) = self.doc.get(name) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            let e = self.src.invalid(
                value.span(),
                name,
                format!("write [[{name}]] (double brackets) for each entry, not [{name}]"),
            );
            self.push(e);
            return Vec::new();
        };
        let allowed = schema::allowed(name);
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| self.read(item, &format!("{name}[{}]", i + 1), allowed))
            .collect()
    }

    /// The `[keys]` entries in file order (name, its key span, the specs).
    pub fn key_entries(&mut self) -> Vec<(String, Range<usize>, Vec<String>)> {
        let Some(value) = self.doc.get("keys") else {
            return Vec::new();
        };
        let DeValue::Table(table) = value.get_ref() else {
            let e = self.type_error_at(value.span(), "keys", "expected a table");
            self.push(e);
            return Vec::new();
        };
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        entries
            .into_iter()
            .filter_map(|(k, v)| {
                let path = format!("keys.{}", k.get_ref());
                let specs = self.read::<super::raw::KeySpecs>(v, &path, None)?;
                Some((k.get_ref().to_string(), k.span(), specs.into_inner().0))
            })
            .collect()
    }

    fn type_error(&self, e: &toml::de::Error, offset: usize, fallback: &str) -> ConfigError {
        let key = schema::path_at(self.doc, offset).unwrap_or_else(|| fallback.to_string());
        self.type_error_at(offset..offset, &key, &humanize(e.message()))
    }

    fn type_error_at(&self, span: Range<usize>, key: &str, message: &str) -> ConfigError {
        let mut message = message.to_string();
        if let Some(example) = schema::example(key) {
            message.push_str(&format!(", e.g. {example}"));
        }
        self.src.invalid(span, key, message)
    }
}

/// Removes the entries `drop` picks; how many.
fn drop_keys(
    table: &mut DeTable<'_>,
    drop: impl Fn(&Spanned<std::borrow::Cow<'_, str>>, &Spanned<DeValue<'_>>) -> bool,
) -> usize {
    let keys: Vec<_> = table
        .iter()
        .filter(|(k, v)| drop(k, v))
        .map(|(k, _)| k.clone())
        .collect();
    for k in &keys {
        table.remove(k);
    }
    keys.len()
}

fn covers(span: Range<usize>, offset: usize) -> bool {
    span.contains(&offset) || span.start == offset
}

/// serde's words for types, in the words of a TOML file.
fn humanize(message: &str) -> String {
    let mut out = message.trim_end().replace('`', "\"");
    for (from, to) in [
        ("i64", "an integer"),
        ("u64", "an integer"),
        ("a sequence", "a list"),
        ("a map", "a table"),
    ] {
        out = out.replace(&format!("expected {from}"), &format!("expected {to}"));
    }
    if let Some(at) = out.find("expected struct Raw") {
        out.truncate(at);
        out.push_str("expected a table");
    }
    out
}
