//! The console's whole state. Changed only by [`crate::app::update`]; read by
//! the `ui` module's `view`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::layout;
use crate::app::grid_list::{CellRef, GridList, Row};
use crate::app::keymap::Keymap;
use crate::presence::{Freshness, LineState, Severity};
use crate::search::{Search, SearchDoc};
use crate::sip::events::ConnectionState;
use crate::store::{ContactId, ContactInfo, Store};

/// A ringing cell alternates red/orange at this period (about twice a second).
pub const BLINK_PERIOD: Duration = Duration::from_millis(500);

/// How the console is set up (from the command line and the config).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub mono: bool,
    pub ascii: bool,
    pub read_only: bool,
    /// Some: running against the demo server; this one-line hint is shown.
    pub demo_hint: Option<String>,
    /// The operator's own URI (their status is shown in the status bar).
    pub own_uri: Option<String>,
    pub keymap: Keymap,
    /// Favourite contact URIs as loaded from `favourites.toml`.
    pub favourites: Vec<String>,
    /// Where favourites are saved (None: not saved, e.g. no data directory).
    pub favourites_path: Option<std::path::PathBuf>,
    /// A problem found while loading (shown once in the status bar).
    pub startup_message: Option<String>,
    /// The author of attendant notes written here; `None`: no notes
    /// database (notes are off).
    pub notes_operator: Option<String>,
    /// `[telephony]` and `[ui] show_peers`: voicemail pilot, stuck
    /// ringing, hidden peers.
    pub line: crate::app::line::LineSettings,
    /// `[[group]]` entries: name and members (URI, name or extension),
    /// resolved against the directory.
    pub groups: Vec<(String, Vec<String>)>,
    /// How phone numbers are written here (`[numbers]`), to find a caller
    /// in the directory.
    pub numbering: crate::app::caller::Numbering,
}

/// Which panel has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Grid,
    Details,
}

/// Per-contact console state that the store does not hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactMeta {
    pub favourite: bool,
}

/// Subscription health counts for the status bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubCounts {
    pub active: usize,
    pub pending: usize,
    pub failed: usize,
    /// Subscriptions that are up but whose last body could not be read:
    /// not failed, and not current either.
    pub unreadable: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubClass {
    None,
    Active,
    Pending,
    Failed,
    Unreadable,
}

impl SubClass {
    /// Each contact counted as what it is: a failed subscription (error,
    /// unavailable, refused) is failed; a live one whose last body could
    /// not be read is unreadable, not failed.
    pub(crate) fn of(shown: &crate::store::Shown) -> SubClass {
        match shown.subscription.severity() {
            Severity::Off => SubClass::None,
            Severity::Failing | Severity::Refused => SubClass::Failed,
            _ if shown.unreadable.is_some() => SubClass::Unreadable,
            Severity::Live => SubClass::Active,
            Severity::Waiting => SubClass::Pending,
        }
    }
}

/// The blink timer: only armed while some line rings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Blink {
    /// Which of the two colours (red: false, orange: true) is shown now.
    pub phase: bool,
    pub next: Option<Instant>,
}

pub struct Model {
    pub store: Store,
    pub search: Search,
    pub meta: Vec<ContactMeta>,
    /// Departments in display order, each with its contacts sorted by name.
    pub departments: Vec<(String, Vec<ContactId>)>,
    pub favourite_uris: Vec<String>,
    pub favourites_path: Option<std::path::PathBuf>,
    pub list: GridList,
    /// Index into `list.cells` of the selected cell.
    pub cursor: usize,
    /// First grid row shown.
    pub scroll: usize,
    pub size: (u16, u16),
    pub focus: Focus,
    pub details_open: bool,
    pub panel_scroll: u16,
    pub help_open: bool,
    /// The help page asked for (PgDn +1, PgUp -1); the view takes it modulo
    /// the number of pages the screen needs, so it cycles and never runs off.
    pub help_page: i32,
    pub connection: ConnectionState,
    pub engine_stopped: bool,
    pub counts: SubCounts,
    pub(crate) sub_class: Vec<SubClass>,
    /// The status note each contact's search document holds.
    pub(crate) indexed_notes: Vec<Option<Box<str>>>,
    pub ringing: BTreeSet<ContactId>,
    /// Contacts shown greyed with an age (stale, or unknown since a time).
    pub aged: BTreeSet<ContactId>,
    pub blink: Blink,
    /// When the next age label changes (only while something is aged).
    pub next_age_tick: Option<Instant>,
    /// The latest time seen (from engine events and ticks).
    pub now: Option<Instant>,
    /// A one-line message in the status bar until the next key.
    pub message: Option<String>,
    /// No colour (`--mono`, `NO_COLOR`): the view draws glyphs and weights only.
    pub mono: bool,
    /// ASCII glyphs only (`--ascii`, non-UTF-8 locales).
    pub ascii: bool,
    pub keymap: Keymap,
    pub read_only: bool,
    pub demo_hint: Option<String>,
    pub own_uri: Option<String>,
    pub own_id: Option<ContactId>,
    /// The attendant notes: rows, online state, the open overlay.
    pub notes: crate::app::notes::NotesState,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    pub quit: bool,
    /// The resource list's state for the status bar (`None`: no list).
    pub list_note: Option<String>,
    /// One's own status: picker, status-bar line, idle timer.
    pub own: crate::app::own_status::OwnStatusState,
    /// `[telephony]` and `[ui] show_peers`.
    pub line: crate::app::line::LineSettings,
    /// Every missed call per contact with its time and caller, today's
    /// from the journal and those seen since (the status-bar count, the
    /// panel, "missed since" for a filter: [`MissedCalls::since`]).
    ///
    /// [`MissedCalls::since`]: crate::app::journal::MissedCalls::since
    pub missed_log: crate::app::journal::MissedCalls,
    /// The journal: wall-clock anchor, F8 overlay, the panel's timeline.
    pub journal: crate::app::journal::JournalState,
    /// Several servers: each one's connection (`connection` shows the
    /// worst, named); empty with one server.
    pub server_connections: Vec<(crate::store::ServerId, ConnectionState)>,
    /// The F7 diagnostics view.
    pub diag: crate::app::diagnostics::DiagState,
    /// Views (everyone, favourites, groups), F3, the group picker.
    pub views: crate::app::views::Views,
    /// Missed calls not yet looked at, per contact (fed by
    /// [`Msg::MissedCall`](crate::app::Msg::MissedCall); cleared when the
    /// contact's details are opened).
    pub missed_calls: BTreeMap<ContactId, u32>,
    /// Ring and call start times.
    pub calls: crate::app::calls::Calls,
    /// The wall clock as the runtime last sent it (never read here).
    pub clock: Option<jiff::Zoned>,
    /// F10 asked "quit?": the next key answers.
    pub confirm_quit: bool,
    /// Phone numbers and URIs of the directory, to name a caller.
    pub callers: crate::app::caller::CallerIndex,
    /// The contacts the grid lists while a state filter is in force (to
    /// tell whether a state change adds or removes one).
    pub(crate) listed: std::collections::HashSet<ContactId>,
}

impl Model {
    pub fn new(contacts: Vec<ContactInfo>, settings: Settings) -> Model {
        let docs = contacts
            .iter()
            .enumerate()
            .map(|(i, c)| SearchDoc {
                id: ContactId(i as u32),
                name: c.name.clone(),
                extension: c.extension.clone().unwrap_or_default(),
                department: c.department.clone().unwrap_or_default(),
                uri: c.uri.clone(),
                note: String::new(),
                extra: String::new(),
            })
            .collect();
        let n = contacts.len();
        let notes = crate::app::notes::NotesState {
            enabled: settings.notes_operator.is_some(),
            operator: settings.notes_operator.clone().unwrap_or_default(),
            keys: crate::app::notes::keys_of(contacts.iter().map(|c| c.uri.clone())),
            ..Default::default()
        };
        let mut store = Store::new(contacts);
        store.set_voicemail_pilot(settings.line.voicemail.clone());
        store.set_hide_peers(settings.line.hide_peers);
        let departments = super::directory::departments(&store);
        let callers = crate::app::caller::CallerIndex::build(&store, &settings.numbering);
        let views = crate::app::views::Views {
            groups: crate::app::views::resolve_groups(&store, &settings.groups),
            ..Default::default()
        };
        let own_id = settings.own_uri.as_deref().and_then(|u| store.find(u));
        let mut meta = vec![ContactMeta::default(); n];
        for uri in &settings.favourites {
            if let Some(m) = store.find(uri).and_then(|id| meta.get_mut(id.0 as usize)) {
                m.favourite = true;
            }
        }
        let mut model = Model {
            store,
            search: Search::new(docs),
            meta,
            departments,
            favourite_uris: settings.favourites,
            favourites_path: settings.favourites_path,
            list: GridList::default(),
            cursor: 0,
            scroll: 0,
            size: (80, 24),
            focus: Focus::Grid,
            details_open: false,
            panel_scroll: 0,
            help_open: false,
            help_page: 0,
            connection: ConnectionState::Connecting,
            engine_stopped: false,
            counts: SubCounts::default(),
            sub_class: vec![SubClass::None; n],
            indexed_notes: vec![None; n],
            ringing: BTreeSet::new(),
            aged: BTreeSet::new(),
            blink: Blink::default(),
            next_age_tick: None,
            now: None,
            message: settings.startup_message,
            mono: settings.mono,
            ascii: settings.ascii,
            keymap: settings.keymap,
            read_only: settings.read_only,
            demo_hint: settings.demo_hint,
            own_uri: settings.own_uri,
            own_id,
            notes,
            dirty: true,
            quit: false,
            list_note: None,
            own: Default::default(),
            line: settings.line,
            missed_log: Default::default(),
            journal: Default::default(),
            server_connections: Vec::new(),
            diag: Default::default(),
            views,
            missed_calls: BTreeMap::new(),
            calls: Default::default(),
            clock: None,
            confirm_quit: false,
            callers,
            listed: Default::default(),
        };
        if model.message.is_none() {
            model.message = crate::app::views::missing_members(&model.views);
        }
        model.rebuild_list(None);
        model
    }

    /// The screen areas for the current size and open panels.
    pub fn areas(&self) -> layout::Areas {
        layout::areas(
            self.size.0,
            self.size.1,
            self.details_open,
            self.demo_hint.is_some(),
        )
    }

    /// The selected contact, if the grid shows any.
    pub fn selected(&self) -> Option<ContactId> {
        self.list.cells.get(self.cursor).map(|c| c.id)
    }

    /// The selected cell (with its search hit and group).
    pub fn selected_cell(&self) -> Option<&CellRef> {
        self.list.cells.get(self.cursor)
    }

    /// The earliest time the model wants a `Tick`: the next blink toggle or
    /// age-label change. None: nothing is timed, the console sleeps.
    pub fn next_deadline(&self) -> Option<Instant> {
        [
            self.blink.next,
            self.next_age_tick,
            self.own.deadline(),
            self.diag.deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The time an aged contact's age is counted from.
    pub fn aged_since(&self, id: ContactId) -> Option<Instant> {
        let s = self.store.shown(id);
        s.last_notify.or(s.since)
    }

    /// Rebuild what the grid shows (search results or groups), keeping the
    /// cursor on `keep` (or on the selected contact) where possible.
    pub(crate) fn rebuild_list(&mut self, keep: Option<(ContactId, bool)>) {
        let keep = keep.or_else(|| self.selected_cell().map(|c| (c.id, c.in_favourites)));
        let cols = layout::grid_columns(self.areas().grid.width);
        let groups = super::views::groups(self);
        self.list = GridList::build(groups, cols);
        self.listed.clear();
        if self.filtering_states() {
            self.listed.extend(self.list.cells.iter().map(|c| c.id));
        }
        self.cursor = keep
            .and_then(|(id, fav)| self.list.position_of(id, fav))
            .unwrap_or(0)
            .min(self.list.cells.len().saturating_sub(1));
        self.fix_scroll();
        self.dirty = true;
    }

    /// Keep the cursor's row on screen, and make sure the search hits shown
    /// there have their name highlights (the search computes them for its
    /// best hits only: see `search::HIGHLIGHT_TOP`).
    pub(crate) fn fix_scroll(&mut self) {
        let height = usize::from(self.areas().grid.height);
        self.scroll = self.list.scroll_for(self.cursor, self.scroll, height);
        if self.search.ranked() {
            let rows = self.list.rows.get(self.scroll..).unwrap_or(&[]);
            let hits = rows
                .iter()
                .take(height.max(1))
                .filter_map(|row| match row {
                    Row::Cells { start, end } => self.list.cells.get(*start..*end),
                    Row::Header { .. } => None,
                })
                .flatten()
                .filter_map(|cell| cell.hit);
            let (lo, hi) = hits.fold((usize::MAX, 0), |(lo, hi), h| (lo.min(h), hi.max(h + 1)));
            if lo < hi {
                self.search.ensure_highlights(lo..hi);
            }
        }
    }

    /// Re-read one contact's shown state after the store changed it.
    pub(crate) fn refresh_contact(&mut self, id: ContactId, now: Instant) {
        let i = id.0 as usize;
        let shown = self.store.shown(id);
        let ringing = shown.line == LineState::Ringing;
        let aged =
            shown.freshness != Freshness::Fresh && shown.last_notify.or(shown.since).is_some();
        let class = SubClass::of(shown);
        let note_changed = self.indexed_notes.get(i).is_some_and(|n| *n != shown.note);
        if let Some(old) = self.sub_class.get_mut(i) {
            let counts = &mut self.counts;
            for (c, delta) in [(*old, false), (class, true)] {
                let slot = match c {
                    SubClass::Active => &mut counts.active,
                    SubClass::Pending => &mut counts.pending,
                    SubClass::Failed => &mut counts.failed,
                    SubClass::Unreadable => &mut counts.unreadable,
                    SubClass::None => continue,
                };
                *slot = if delta {
                    *slot + 1
                } else {
                    slot.saturating_sub(1)
                };
            }
            *old = class;
        }
        self.calls.observe(id, shown.line, now);
        if ringing {
            self.ringing.insert(id);
        } else {
            self.ringing.remove(&id);
        }
        if aged {
            self.aged.insert(id);
            if let Some(next) = self.aged_since(id).map(|t| next_age_change(now, t)) {
                self.next_age_tick = Some(self.next_age_tick.map_or(next, |n| n.min(next)));
            }
        } else {
            self.aged.remove(&id);
        }
        self.arm_blink(now);
        if note_changed {
            self.reindex_note(id);
        } else if self.filtering_states() && crate::app::views::membership_changed(self, id) {
            // A state filter lists who is in a state: follow the change.
            self.rebuild_list(None);
        }
        self.dirty = true;
    }

    /// F3 or an `is:` filter is in force.
    pub fn filtering_states(&self) -> bool {
        self.views.available_only || !self.search.states().is_empty()
    }

    /// The status note and the attendant note are searchable: give the
    /// search the new text.
    pub(crate) fn reindex_note(&mut self, id: ContactId) {
        let note = self.store.shown(id).note.clone();
        let doc = self.search_doc(id);
        self.search.update_doc(doc);
        if let Some(slot) = self.indexed_notes.get_mut(id.0 as usize) {
            *slot = note;
        }
        if self.search.ranked() {
            self.rebuild_list(None);
        }
    }

    /// Start the blink timer when something rings, stop it when nothing does.
    pub(crate) fn arm_blink(&mut self, now: Instant) {
        if self.ringing.is_empty() {
            self.blink = Blink::default();
        } else if self.blink.next.is_none() {
            self.blink = Blink {
                phase: false,
                next: Some(now + BLINK_PERIOD),
            };
        }
    }

    /// The next time any aged label changes.
    pub(crate) fn recompute_age_tick(&mut self, now: Instant) {
        self.next_age_tick = self
            .aged
            .iter()
            .filter_map(|id| self.aged_since(*id))
            .map(|t| next_age_change(now, t))
            .min();
    }
}

/// The age label shown for state known since `since` (`<1m`, `3m`, `2h`, `4d`).
pub fn age_label(now: Instant, since: Instant) -> String {
    let s = now.saturating_duration_since(since).as_secs();
    match s {
        0..60 => "<1m".into(),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

/// When [`age_label`] next changes after `now`.
pub fn next_age_change(now: Instant, since: Instant) -> Instant {
    let s = now.saturating_duration_since(since).as_secs();
    let unit = match s {
        0..3600 => 60,
        3600..86400 => 3600,
        _ => 86400,
    };
    since + Duration::from_secs((s / unit + 1) * unit)
}
