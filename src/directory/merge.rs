//! Duplicates across sources, merged by the canonical URI (RFC 3261
//! 19.1.4, [`UriMap`]): `sip:Alice@EXAMPLE.test` in the CSV and
//! `sip:Alice@example.test` in a `[[contact]]` are one person.
//!
//! The first source wins: the parts come in the order `[[contact]]`
//! entries, then the CSV files, then the vCard files, each as listed (what
//! someone wrote by hand in the configuration beats an export). The winner
//! keeps its name, URI and every field it has; a field it lacks
//! (extension, department) is taken from a later duplicate, and extra
//! columns it lacks are added.

use super::{Entry, Loaded};
use crate::sip::uri::{SipUri, UriMap};

/// Merge the parts, first wins; problems are kept in order.
pub fn merge(parts: Vec<Loaded>) -> Loaded {
    let total = parts.iter().map(|p| p.entries.len()).sum();
    let mut seen: UriMap<usize> = UriMap::with_capacity(total);
    let mut out = Loaded {
        entries: Vec::with_capacity(total),
        problems: Vec::new(),
    };
    for part in parts {
        out.problems.extend(part.problems);
        for entry in part.entries {
            let Some(key) = SipUri::parse_loose(&entry.info.uri) else {
                tracing::warn!(uri = %entry.info.uri, "directory: a URI that cannot be compared, left out");
                continue;
            };
            match seen.insert(key, out.entries.len()) {
                Ok(()) => out.entries.push(entry),
                Err(&first) => {
                    if let Some(winner) = out.entries.get_mut(first) {
                        tracing::debug!(uri = %entry.info.uri, "directory: duplicate merged into the first source's entry");
                        fill(winner, entry);
                    }
                }
            }
        }
    }
    out
}

/// Fields `winner` lacks, taken from `later`.
fn fill(winner: &mut Entry, later: Entry) {
    let w = &mut winner.info;
    if w.extension.is_none() {
        w.extension = later.info.extension;
    }
    if w.department.is_none() {
        w.department = later.info.department;
    }
    for (key, value) in later.extra {
        if !winner.extra.iter().any(|(k, _)| *k == key) && winner.extra.len() < super::MAX_EXTRA {
            winner.extra.push((key, value));
        }
    }
}
