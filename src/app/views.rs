//! What the grid lists: the view (everyone, favourites, or a configured
//! `[[group]]`), narrowed by the state filters (F3 "available only" and
//! the search's `is:` terms), and search results kept under their
//! department headings.
//!
//! Decisions: a search looks through everyone, whatever view is chosen
//! (a receptionist typing a name wants that person); the view shows again
//! when the search is cleared, with the selection it had. Search results
//! are grouped by department, the departments ordered by their best hit,
//! so the best hit is still first (and selected) and the three Hoffmanns
//! sit under three headings. Views are numbered for Ctrl-1…9 / Alt-1…9:
//! 1 everyone, 2 favourites, 3… the groups in config order.

use std::collections::HashMap;

use crate::app::grid_list::{CellRef, Group};
use crate::app::model::Model;
use crate::presence::{ContactId, Freshness, LineState, Presence};
use crate::search::StateFilter;
use crate::store::Shown;

/// A named group from the config (`[[group]]`), members resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDef {
    pub name: String,
    /// The members as the config writes them (URI, name or extension).
    pub wanted: Vec<String>,
    /// Those found in the directory now.
    pub members: Vec<ContactId>,
}

/// The views and filters the operator chose.
#[derive(Debug, Clone, Default)]
pub struct Views {
    pub groups: Vec<GroupDef>,
    /// 0 everyone, 1 favourites, 2.. `groups[i - 2]`.
    pub current: usize,
    /// The selection each view had when it was left.
    pub kept: HashMap<usize, (ContactId, bool)>,
    /// F3: only contacts available now.
    pub available_only: bool,
    /// The group picker is open on this row.
    pub picker: Option<usize>,
}

/// The view everyone is in.
pub const EVERYONE: usize = 0;
/// The favourites view.
pub const FAVOURITES: usize = 1;

impl Views {
    /// Number of views (everyone, favourites, each group).
    pub fn count(&self) -> usize {
        2 + self.groups.len()
    }

    /// A view's name as the picker and the status bar show it.
    pub fn name(&self, view: usize) -> &str {
        match view {
            EVERYONE => "Everyone",
            FAVOURITES => "Favourites",
            n => self
                .groups
                .get(n - 2)
                .map_or("Everyone", |g| g.name.as_str()),
        }
    }
}

/// Is a contact showing `shown` (with `missed` unseen missed calls) in
/// state `filter`?
pub fn in_state(filter: StateFilter, shown: &Shown, missed: bool) -> bool {
    let fresh = shown.freshness == Freshness::Fresh;
    match filter {
        StateFilter::Available => {
            fresh
                && shown.presence == Presence::Available
                && matches!(shown.line, LineState::Ready | LineState::Unknown)
        }
        StateFilter::Busy => {
            matches!(shown.presence, Presence::Busy | Presence::Dnd)
                || shown.line == LineState::Active
        }
        StateFilter::Away => matches!(shown.presence, Presence::Away | Presence::Inactive),
        StateFilter::Ringing => shown.line == LineState::Ringing,
        StateFilter::Offline => matches!(shown.presence, Presence::Offline | Presence::Unknown),
        StateFilter::Missed => missed,
    }
}

/// The filters in force: the search's `is:` terms and F3.
fn filters(model: &Model) -> Vec<StateFilter> {
    let mut f: Vec<StateFilter> = model.search.states().to_vec();
    if model.views.available_only {
        f.push(StateFilter::Available);
    }
    f.sort_unstable();
    f.dedup();
    f
}

/// Does a contact pass the state filters in force?
fn passes(model: &Model, filters: &[StateFilter], id: ContactId) -> bool {
    let shown = model.store.shown(id);
    let missed = model.missed_calls.contains_key(&id);
    filters.iter().all(|f| in_state(*f, shown, missed))
}

/// Would a state change of `id` add it to the grid or take it out? Only
/// then must the list be rebuilt (a storm of NOTIFYs under a filter costs
/// one check each, not one rebuild each).
pub(crate) fn membership_changed(model: &Model, id: ContactId) -> bool {
    let listed = model.listed.contains(&id);
    let wanted = passes(model, &filters(model), id) && model.search.is_hit(id);
    listed != wanted
}

/// The groups the grid shows now.
pub(crate) fn groups(model: &Model) -> Vec<Group> {
    let filters = filters(model);
    let keep = |id: ContactId| passes(model, &filters, id);
    let mut groups = if model.search.ranked() {
        by_department(model)
    } else {
        match model.views.current {
            EVERYONE => everyone(model),
            FAVOURITES => favourites(model).into_iter().collect(),
            n => group_view(model, n - 2),
        }
    };
    if !filters.is_empty() {
        for g in &mut groups {
            g.cells.retain(|c| keep(c.id));
        }
        groups.retain(|g| !g.cells.is_empty());
    }
    groups
}

fn cell(id: ContactId, hit: Option<usize>, fav: bool) -> CellRef {
    CellRef {
        id,
        hit,
        in_favourites: fav,
    }
}

fn favourites(model: &Model) -> Option<Group> {
    let mut favs: Vec<ContactId> = model
        .departments
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .filter(|id| model.meta.get(id.0 as usize).is_some_and(|m| m.favourite))
        .collect();
    if favs.is_empty() {
        return None;
    }
    favs.sort_by_cached_key(|id| (model.store.info(*id).name.to_lowercase(), *id));
    Some(Group {
        title: Some("Favourites".into()),
        favourites: true,
        cells: favs.into_iter().map(|id| cell(id, None, true)).collect(),
    })
}

/// Favourites on top, then every department.
fn everyone(model: &Model) -> Vec<Group> {
    let mut groups = Vec::with_capacity(model.departments.len() + 1);
    groups.extend(favourites(model));
    for (dept, ids) in &model.departments {
        groups.push(Group {
            title: Some(dept.clone()),
            favourites: false,
            cells: ids.iter().map(|id| cell(*id, None, false)).collect(),
        });
    }
    groups
}

/// One configured group, its members by name.
fn group_view(model: &Model, i: usize) -> Vec<Group> {
    let Some(def) = model.views.groups.get(i) else {
        return everyone(model);
    };
    let mut ids = def.members.clone();
    ids.sort_by_cached_key(|id| (model.store.info(*id).name.to_lowercase(), *id));
    ids.dedup();
    vec![Group {
        title: Some(def.name.clone()),
        favourites: false,
        cells: ids.into_iter().map(|id| cell(id, None, false)).collect(),
    }]
}

/// Search hits under their department headings, departments in the order
/// of their best hit, hits best first within each.
fn by_department(model: &Model) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, hit) in model.search.hits().iter().enumerate() {
        let dept = model
            .store
            .info(hit.id)
            .department
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or("Other");
        let g = *at.entry(dept).or_insert_with(|| {
            groups.push(Group {
                title: Some(dept.to_string()),
                favourites: false,
                cells: Vec::new(),
            });
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(g) {
            group.cells.push(cell(hit.id, Some(i), false));
        }
    }
    groups
}

/// One `[[group]]` member as written: a URI, a name or an extension.
pub fn find_member(store: &crate::store::Store, member: &str) -> Option<ContactId> {
    let m = member.trim();
    if m.contains(':')
        && let Some(id) = store.find(m)
    {
        return Some(id);
    }
    store
        .ids()
        .find(|id| store.info(*id).name.trim().eq_ignore_ascii_case(m))
        .or_else(|| {
            store
                .ids()
                .find(|id| store.info(*id).extension.as_deref().map(str::trim) == Some(m))
        })
}

/// The configured groups with their members found in the directory
/// (members not in it, e.g. in a directory file not loaded yet, are left
/// out until the directory has them).
pub fn resolve_groups(
    store: &crate::store::Store,
    groups: &[(String, Vec<String>)],
) -> Vec<GroupDef> {
    groups
        .iter()
        .map(|(name, members)| GroupDef {
            name: name.clone(),
            wanted: members.clone(),
            members: members
                .iter()
                .filter_map(|m| find_member(store, m))
                .collect(),
        })
        .collect()
}

/// Members written in a `[[group]]` that the directory does not hold (yet),
/// for one message line.
pub fn missing_members(views: &Views) -> Option<String> {
    let missing: Vec<String> = views
        .groups
        .iter()
        .filter(|g| g.members.len() < g.wanted.len())
        .map(|g| {
            format!(
                "{} ({} of {})",
                g.name,
                g.wanted.len() - g.members.len(),
                g.wanted.len()
            )
        })
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "Group members not in the directory: {}; they are shown once it holds them",
            missing.join(", ")
        )
    })
}

impl Model {
    /// The directory changed: groups find their members again, and the
    /// callers' numbers are indexed again.
    pub(crate) fn directory_changed(&mut self) {
        let raw: Vec<(String, Vec<String>)> = self
            .views
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.wanted.clone()))
            .collect();
        self.views.groups = resolve_groups(&self.store, &raw);
        self.callers.rebuild(&self.store);
    }
}
