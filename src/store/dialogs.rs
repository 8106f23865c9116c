//! The dialogs of one contact's line, as dialog-info NOTIFYs describe them
//! (RFC 4235 §4.1: full state replaces, partial state merges by id, a
//! terminated dialog is gone, versions only go up within a subscription).

use crate::body::{DialogDoc, DialogEntry, DialogState};

/// More live dialogs than a phone can hold means a confused or hostile
/// server; past this, new dialogs are refused (and logged).
const MAX_DIALOGS: usize = 64;

#[derive(Debug, Default, Clone)]
pub(crate) struct DialogTracker {
    dialogs: Vec<DialogEntry>,
    /// Version of the last applied document of the current subscription.
    last_version: Option<u64>,
    /// Whether any dialog NOTIFY (with or without body) ever arrived.
    received: bool,
}

impl DialogTracker {
    /// Applies a NOTIFY. `None` (no body) means no dialogs. Returns false
    /// when the document was ignored: a version not newer than the last
    /// one of this subscription (a duplicate or a reordered NOTIFY).
    pub fn apply(&mut self, doc: Option<DialogDoc>) -> bool {
        let Some(doc) = doc else {
            self.dialogs.clear();
            self.received = true;
            return true;
        };
        if let Some(last) = self.last_version {
            if doc.version <= last {
                tracing::debug!(
                    version = doc.version,
                    last,
                    "dialog-info: old version ignored"
                );
                return false;
            }
            if doc.version > last + 1 && !doc.full {
                // RFC 4235 would have us refresh for full state; we apply
                // what we have and the next full state corrects it.
                tracing::debug!(version = doc.version, last, "dialog-info: version gap");
            }
        }
        self.last_version = Some(doc.version);
        self.received = true;
        if doc.full {
            self.dialogs.clear();
        }
        for d in doc.dialogs {
            self.merge(d);
        }
        true
    }

    fn merge(&mut self, d: DialogEntry) {
        let existing = self.dialogs.iter().position(|x| x.id == d.id);
        match (existing, d.state) {
            (Some(i), DialogState::Terminated) => {
                self.dialogs.swap_remove(i);
            }
            (None, DialogState::Terminated) => {}
            (Some(i), _) => {
                let old = std::mem::replace(&mut self.dialogs[i], d);
                let new = &mut self.dialogs[i];
                // A partial update may leave out who the other party is.
                if new.remote_identity.is_none() {
                    new.remote_identity = old.remote_identity;
                }
                if new.remote_display.is_none() {
                    new.remote_display = old.remote_display;
                }
                if new.direction.is_none() {
                    new.direction = old.direction;
                }
            }
            (None, _) if self.dialogs.len() >= MAX_DIALOGS => {
                tracing::warn!(id = %d.id, "dialog-info: too many dialogs on one line, refused");
            }
            (None, _) => self.dialogs.push(d),
        }
    }

    /// A new subscription starts its own version numbering.
    pub fn restart(&mut self) {
        self.last_version = None;
    }

    pub fn dialogs(&self) -> &[DialogEntry] {
        &self.dialogs
    }

    pub fn received(&self) -> bool {
        self.received
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Direction;

    fn entry(id: &str, state: DialogState) -> DialogEntry {
        DialogEntry {
            id: id.into(),
            state,
            direction: Some(Direction::Recipient),
            remote_identity: Some(format!("sip:{id}@x")),
            remote_display: None,
        }
    }

    fn doc(version: u64, full: bool, dialogs: Vec<DialogEntry>) -> Option<DialogDoc> {
        Some(DialogDoc {
            version,
            full,
            entity: None,
            dialogs,
        })
    }

    fn ids(t: &DialogTracker) -> Vec<&str> {
        let mut v: Vec<&str> = t.dialogs().iter().map(|d| d.id.as_str()).collect();
        v.sort();
        v
    }

    #[test]
    fn full_replaces_partial_merges_terminated_removes() {
        let mut t = DialogTracker::default();
        assert!(!t.received());
        assert!(t.apply(doc(
            1,
            true,
            vec![
                entry("a", DialogState::Early),
                entry("b", DialogState::Confirmed)
            ]
        )));
        assert_eq!(ids(&t), ["a", "b"]);
        let mut update = entry("a", DialogState::Confirmed);
        update.remote_identity = None;
        assert!(t.apply(doc(2, false, vec![update, entry("c", DialogState::Trying)])));
        assert_eq!(ids(&t), ["a", "b", "c"]);
        let a = t.dialogs().iter().find(|d| d.id == "a").unwrap();
        assert_eq!(a.state, DialogState::Confirmed);
        assert_eq!(
            a.remote_identity.as_deref(),
            Some("sip:a@x"),
            "kept from before"
        );
        assert!(t.apply(doc(3, false, vec![entry("b", DialogState::Terminated)])));
        assert_eq!(ids(&t), ["a", "c"]);
        assert!(t.apply(doc(4, true, vec![entry("z", DialogState::Terminated)])));
        assert!(t.dialogs().is_empty());
    }

    #[test]
    fn old_and_duplicate_versions_are_ignored_until_restart() {
        let mut t = DialogTracker::default();
        assert!(t.apply(doc(5, true, vec![entry("a", DialogState::Confirmed)])));
        assert!(!t.apply(doc(5, true, vec![])), "duplicate");
        assert!(!t.apply(doc(3, true, vec![])), "older");
        assert_eq!(ids(&t), ["a"]);
        t.restart();
        assert!(
            t.apply(doc(0, true, vec![])),
            "a new subscription counts from anywhere"
        );
        assert!(t.dialogs().is_empty());
    }

    #[test]
    fn no_body_means_idle_and_keeps_the_version() {
        let mut t = DialogTracker::default();
        assert!(t.apply(doc(2, true, vec![entry("a", DialogState::Early)])));
        assert!(t.apply(None));
        assert!(t.received() && t.dialogs().is_empty());
        assert!(!t.apply(doc(2, true, vec![entry("a", DialogState::Early)])));
    }

    #[test]
    fn dialog_count_is_bounded() {
        let mut t = DialogTracker::default();
        for v in 0..(MAX_DIALOGS as u64 + 10) {
            t.apply(doc(
                v,
                false,
                vec![entry(&format!("d{v}"), DialogState::Confirmed)],
            ));
        }
        assert_eq!(t.dialogs().len(), MAX_DIALOGS);
    }
}
