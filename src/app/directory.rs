//! The directory reloaded under a running console: the store, the search
//! index and the grid gain and lose contacts; everyone else keeps their
//! state, and the selection stays on the selected contact (or, if that
//! one left, on the cell where it was).

use std::collections::BTreeMap;

use super::cmd::Cmd;
use super::model::{ContactMeta, Model, SubClass};
use crate::directory::{Loaded, Problem};
use crate::search::SearchDoc;
use crate::store::{ContactId, DirectoryChange, Store};

/// Problems shown in the message line at most (all of them go to the log).
const SHOWN_PROBLEMS: usize = 1;

/// Departments in display order (by name, "Other" last for contacts
/// without one), each with its contacts sorted by name.
pub(crate) fn departments(store: &Store) -> Vec<(String, Vec<ContactId>)> {
    let mut by_dept: BTreeMap<String, Vec<ContactId>> = BTreeMap::new();
    let mut other = Vec::new();
    for id in store.ids() {
        match store
            .info(id)
            .department
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            Some(d) => by_dept.entry(d.to_string()).or_default().push(id),
            None => other.push(id),
        }
    }
    let mut departments: Vec<(String, Vec<ContactId>)> = by_dept.into_iter().collect();
    if !other.is_empty() {
        departments.push(("Other".into(), other));
    }
    for (_, ids) in &mut departments {
        ids.sort_by_cached_key(|id| (store.info(*id).name.to_lowercase(), *id));
    }
    departments
}

/// The message line for a load's problems (`None`: there were none).
pub fn problems_message(problems: &[Problem]) -> Option<String> {
    let first = problems.first()?;
    let more = problems.len().saturating_sub(SHOWN_PROBLEMS);
    Some(if more == 0 {
        format!("Directory: {first}")
    } else {
        format!("Directory: {first} (and {more} more, see the log)")
    })
}

/// [`crate::app::Msg::Directory`]: apply it, and ask the runtime to
/// subscribe to the new contacts and let the removed ones go.
pub(crate) fn on_directory(model: &mut Model, loaded: Loaded) -> Vec<Cmd> {
    let change = model.apply_directory(loaded);
    if change.added.is_empty() && change.removed.is_empty() {
        return Vec::new();
    }
    tracing::info!(
        added = change.added.len(),
        removed = change.removed.len(),
        changed = change.changed.len(),
        "directory reloaded"
    );
    let subscribe = change
        .added
        .iter()
        .map(|&id| (id, model.store.info(id).uri.clone()))
        .collect();
    vec![Cmd::Resubscribe {
        subscribe,
        unsubscribe: change.removed,
    }]
}

impl Model {
    /// What the search indexes for a contact: its fields, status note and
    /// extra directory columns.
    pub(crate) fn search_doc(&self, id: ContactId) -> SearchDoc {
        let info = self.store.info(id);
        let extra: Vec<&str> = self
            .store
            .extra(id)
            .iter()
            .map(|(_, v)| v.as_str())
            .collect();
        SearchDoc {
            id,
            name: info.name.clone(),
            extension: info.extension.clone().unwrap_or_default(),
            department: info.department.clone().unwrap_or_default(),
            uri: info.uri.clone(),
            // The person's status note and the attendant note are both
            // searched.
            note: match (
                self.store.shown(id).note.as_deref(),
                self.notes.current(id).and_then(|n| n.text.as_deref()),
            ) {
                (Some(s), Some(a)) => format!("{s}\n{a}"),
                (s, a) => s.or(a).unwrap_or_default().to_string(),
            },
            extra: extra.join(" "),
        }
    }

    /// Make the directory what a (re)load found; its problems go to the
    /// log and the first to the message line. Returns what changed (the
    /// runtime subscribes to `added`, unsubscribes `removed`).
    pub fn apply_directory(&mut self, loaded: Loaded) -> DirectoryChange {
        for p in &loaded.problems {
            tracing::warn!("directory: {p}");
        }
        if let Some(m) = problems_message(&loaded.problems) {
            self.message = Some(m);
        }
        let selected = self.selected_cell().map(|c| (c.id, c.in_favourites));
        let cursor = self.cursor;
        let change = self.store.apply_directory(loaded.entries);
        let n = self.store.len();
        self.meta.resize(n, ContactMeta::default());
        self.sub_class.resize(n, SubClass::None);
        self.indexed_notes.resize(n, None);
        for &id in &change.removed {
            self.forget(id);
        }
        for &id in change.added.iter().chain(&change.changed) {
            let doc = self.search_doc(id);
            self.search.update_doc(doc);
        }
        for &id in &change.added {
            // A favourite who left and came back is a favourite again.
            let favourite = self
                .favourite_uris
                .iter()
                .any(|f| self.store.find(f) == Some(id));
            if let Some(m) = self.meta.get_mut(id.0 as usize) {
                m.favourite = favourite;
            }
        }
        self.own_id = self.own_uri.as_deref().and_then(|u| self.store.find(u));
        self.departments = departments(&self.store);
        self.directory_changed();
        let kept = selected.filter(|(id, _)| !self.store.is_retired(*id));
        self.rebuild_list(kept);
        if kept.is_none() && selected.is_some() {
            self.cursor = cursor.min(self.list.cells.len().saturating_sub(1));
            self.fix_scroll();
        }
        self.dirty = true;
        change
    }

    /// A removed contact leaves every count, set and index.
    fn forget(&mut self, id: ContactId) {
        let i = id.0 as usize;
        if let Some(class) = self.sub_class.get_mut(i) {
            let c = &mut self.counts;
            let slot = match *class {
                SubClass::Active => Some(&mut c.active),
                SubClass::Pending => Some(&mut c.pending),
                SubClass::Failed => Some(&mut c.failed),
                SubClass::Unreadable => Some(&mut c.unreadable),
                SubClass::None => None,
            };
            if let Some(slot) = slot {
                *slot = slot.saturating_sub(1);
            }
            *class = SubClass::None;
        }
        if let Some(m) = self.meta.get_mut(i) {
            m.favourite = false;
        }
        self.ringing.remove(&id);
        self.missed_calls.remove(&id);
        self.aged.remove(&id);
        self.search.remove_doc(id);
        if let Some(now) = self.now {
            self.arm_blink(now);
            self.recompute_age_tick(now);
        }
    }
}

#[cfg(test)]
mod tests;
