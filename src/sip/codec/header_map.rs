//! [`Headers`]: the ordered header list of a message.

use std::borrow::Cow;

use super::names;

/// A header name: borrowed for the names we know, owned for the rest.
type Name = Cow<'static, str>;

fn name_of(name: &str) -> Name {
    match names::known(name) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(name.trim().to_string()),
    }
}

/// What to compare stored (canonical) names with: compact letters expand,
/// any other spelling compares case-insensitively as it is.
fn lookup(name: &str) -> &str {
    if name.len() == 1 {
        names::canonical(name)
    } else {
        name.trim()
    }
}

/// The headers of a message, in wire order, as (canonical name, value).
///
/// Names are stored in their long canonical form (`v` and `via` are both
/// stored as `Via`); lookups ignore case and accept compact forms, so
/// `get("i")` finds `Call-ID`. Values are stored unfolded and trimmed. A
/// header line that carries several comma-separated values (`Via: a, b`)
/// stays one entry: splitting is the job of the header parsers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(Name, String)>);

impl Headers {
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// The first value of `name` (case-insensitive; compact forms accepted).
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = lookup(name);
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in wire order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let name = lookup(name);
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Appends a header (the name is canonicalised).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name_of(name), value.into()));
    }

    /// Replaces every value of `name` with one value, at the position of
    /// the first existing one (or at the end).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let canon = names::canonical(name);
        match self
            .0
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(canon))
        {
            Some(pos) => {
                let value = value.into();
                if let Some(slot) = self.0.get_mut(pos) {
                    slot.1 = value;
                }
                let mut i = 0usize;
                self.0.retain(|(n, _)| {
                    let keep = i == pos || !n.eq_ignore_ascii_case(canon);
                    i += 1;
                    keep
                });
            }
            None => self.push(canon, value),
        }
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: &str) {
        let canon = names::canonical(name);
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(canon));
    }

    /// All headers in wire order as (canonical name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// Whether at least one `name` header is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
