//! [`Headers`]: the ordered header list of a message.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

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
///
/// Every value lives in one text buffer, each entry a range of it: a
/// parsed message costs two allocations, not one per header (NOTIFY
/// ingest). [`set`](Self::set) appends the new value and leaves the old
/// bytes unused; equality and `Debug` look at the entries only.
#[derive(Clone, Default)]
pub struct Headers {
    values: String,
    entries: Vec<(Name, Range<usize>)>,
}

impl PartialEq for Headers {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Headers {
    pub fn new() -> Self {
        Headers::default()
    }

    /// Room for `headers` entries and `bytes` of values.
    pub(super) fn with_capacity(headers: usize, bytes: usize) -> Self {
        Headers {
            values: String::with_capacity(bytes),
            entries: Vec::with_capacity(headers),
        }
    }

    fn value(&self, range: &Range<usize>) -> &str {
        self.values.get(range.clone()).unwrap_or_default()
    }

    /// The first value of `name` (case-insensitive; compact forms accepted).
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = lookup(name);
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, r)| self.value(r))
    }

    /// Every value of `name`, in wire order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let name = lookup(name);
        self.entries
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, r)| self.value(r))
    }

    /// Appends a header (the name is canonicalised).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.push_str(name, &value.into());
    }

    /// [`push`](Self::push) from a borrowed value: copied into the
    /// buffer, no `String` of its own (the parser's path).
    pub(super) fn push_str(&mut self, name: &str, value: &str) {
        let range = self.store(value);
        self.entries.push((name_of(name), range));
    }

    /// Copies `value` to the end of the buffer; its range there.
    fn store(&mut self, value: &str) -> Range<usize> {
        let start = self.values.len();
        self.values.push_str(value);
        start..self.values.len()
    }

    /// A folded line's continuation (`more`, trimmed, not empty): joined
    /// to the last header's value with one space, as unfolding does.
    /// Nothing to join to without a header.
    pub(super) fn continue_last(&mut self, more: &str) {
        let Some(mut range) = self.entries.last().map(|(_, r)| r.clone()) else {
            return;
        };
        if range.end != self.values.len() {
            // Not the buffer's end (a `set` since): move the value there.
            let old = self.value(&range).to_string();
            range = self.store(&old);
        }
        if range.end > range.start {
            self.values.push(' ');
        }
        self.values.push_str(more);
        range.end = self.values.len();
        if let Some((_, last)) = self.entries.last_mut() {
            *last = range;
        }
    }

    /// Replaces every value of `name` with one value, at the position of
    /// the first existing one (or at the end).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let canon = names::canonical(name);
        match self
            .entries
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(canon))
        {
            Some(pos) => {
                let range = self.store(&value.into());
                if let Some(slot) = self.entries.get_mut(pos) {
                    slot.1 = range;
                }
                let mut i = 0usize;
                self.entries.retain(|(n, _)| {
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
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(canon));
    }

    /// All headers in wire order as (canonical name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|(n, r)| (n.as_ref(), self.value(r)))
    }

    /// Whether at least one `name` header is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
