//! `update(&mut Model, Msg) -> Vec<Cmd>`: the one place the console's state
//! changes.

use std::time::Instant;

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use crate::app::cmd::Cmd;
use crate::app::favourites;
use crate::app::grid_list::Row;
use crate::app::keymap::Action;
use crate::app::layout;
use crate::app::model::{Focus, Model};
use crate::app::msg::Msg;
use crate::app::own_status;
use crate::sip::events::EngineEvent;

/// Apply one message; return what the runtime must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => {
            let mut cmds = on_key(model, key);
            cmds.extend(crate::app::journal::follow_selection(model));
            return cmds;
        }
        Msg::Paste(text) if crate::app::notes::on_paste(model, &text) => {}
        Msg::Paste(text) => {
            let text: String = text.chars().filter(|c| !c.is_control()).collect();
            if !text.is_empty() {
                let q = format!("{}{text}", model.search.query());
                set_query(model, &q);
            }
        }
        Msg::Mouse(m) => {
            on_mouse(model, m);
            return crate::app::journal::follow_selection(model);
        }
        Msg::Resize { width, height } => {
            if model.size != (width, height) {
                model.size = (width, height);
                model.rebuild_list(None);
            }
        }
        Msg::Engine(ev) => return on_engine(model, 0, ev),
        Msg::ServerEngine { server, event } => return on_engine(model, server, event),
        Msg::ConfigReloaded(result) => return crate::app::servers::on_reloaded(model, *result),
        Msg::EngineStopped => {
            model.engine_stopped = true;
            model.dirty = true;
        }
        Msg::Tick(now) => {
            on_tick(model, now);
            let now = advance_clock(model, now);
            let mut cmds = crate::app::line::on_tick(model, now);
            cmds.extend(own_status::tick(model, now));
            cmds.extend(crate::app::diagnostics::tick(model, now));
            return cmds;
        }
        Msg::SaveFailed(e) => {
            model.message = Some(format!("Favourites not saved: {e}"));
            model.dirty = true;
        }
        Msg::Drawn => model.dirty = false,
        Msg::ShuttingDown => {
            model.message = Some("Ending subscriptions…".into());
            model.dirty = true;
        }
        Msg::Directory(loaded) => return crate::app::directory::on_directory(model, loaded),
        Msg::Notes(ev) => crate::app::notes::on_event(model, ev),
        Msg::Activity(at) => {
            let now = advance_clock(model, at);
            return own_status::activity(model, now);
        }
        Msg::OwnStatus(result) => own_status::reply(model, result),
        Msg::Clock { wall, at } => {
            advance_clock(model, at);
            // Redrawn when the minute shown changes (an idle console
            // writes once a minute, not on every message).
            let minute = |z: &jiff::Zoned| z.timestamp().as_second().div_euclid(60);
            if model.clock.as_ref().map(minute) != Some(minute(&wall)) {
                model.dirty = true;
            }
            crate::app::journal::set_clock(model, &wall, at);
            model.clock = Some(wall);
            return crate::app::journal::follow_selection(model);
        }
        Msg::MissedCall(id) => {
            *model.missed_calls.entry(id).or_insert(0) += 1;
            if model.filtering_states() {
                model.rebuild_list(None);
            }
            model.dirty = true;
        }
    }
    Vec::new()
}

fn advance_clock(model: &mut Model, at: Instant) -> Instant {
    let now = model.now.map_or(at, |n| n.max(at));
    model.now = Some(now);
    now
}

fn on_engine(model: &mut Model, server: crate::store::ServerId, ev: EngineEvent) -> Vec<Cmd> {
    match &ev {
        EngineEvent::Connection { state, at } => {
            advance_clock(model, *at);
            model.connection = crate::app::servers::connection(model, server, state);
            model.dirty = true;
        }
        EngineEvent::List { state, at, .. } => {
            advance_clock(model, *at);
            model.set_list_state(state);
        }
        EngineEvent::ContactsAdded { contacts, at } => {
            let now = advance_clock(model, *at);
            model.add_contacts(contacts, now);
        }
        EngineEvent::Diagnostics(d) => {
            crate::app::diagnostics::on_report(model, server, (**d).clone())
        }
        EngineEvent::Trace(_) => {}
        EngineEvent::Presence { at, .. }
        | EngineEvent::Dialog { at, .. }
        | EngineEvent::Subscription { at, .. }
        | EngineEvent::Stale { at, .. }
        | EngineEvent::Registration { at, .. }
        | EngineEvent::MessageSummary { at, .. }
        | EngineEvent::Unreadable { at, .. } => {
            let now = advance_clock(model, *at);
            let before = crate::app::journal::before(model, &ev);
            if let Some(id) = model.store.apply_server_event(server, &ev) {
                model.refresh_contact(id, now);
            }
            if let Some(before) = before {
                return crate::app::journal::after(model, before, *at);
            }
        }
        EngineEvent::Line { .. } => {
            let Some(at) = crate::store::event_at(&ev) else {
                return Vec::new();
            };
            let now = advance_clock(model, at);
            let before = crate::app::journal::before(model, &ev);
            if let Some(id) = model.store.apply_server_event(server, &ev) {
                model.refresh_contact(id, now);
            }
            if let Some(before) = before {
                return crate::app::journal::after(model, before, at);
            }
        }
    }
    Vec::new()
}

fn on_tick(model: &mut Model, now: Instant) {
    let now = advance_clock(model, now);
    if let Some(next) = model.blink.next
        && next <= now
    {
        model.blink.phase = !model.blink.phase;
        let period = crate::app::model::BLINK_PERIOD;
        // Keep the cadence; after a long stall, restart it from now.
        let following = next + period;
        model.blink.next = Some(if following <= now {
            now + period
        } else {
            following
        });
        model.dirty = true;
    }
    if model.next_age_tick.is_some_and(|t| t <= now) {
        model.recompute_age_tick(now);
        model.dirty = true;
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if let Some(cmds) = crate::app::modal::answer_quit(model, &key) {
        return cmds;
    }
    if model.message.take().is_some() {
        model.dirty = true;
    }
    if let Some(cmds) = crate::app::notes::on_key(model, key) {
        return cmds;
    }
    if let Some(cmds) = crate::app::journal::on_key(model) {
        return cmds;
    }
    if let Some(cmds) = own_status::key(model, &key) {
        return cmds;
    }
    // The quit question and the group picker take the next key first.
    if let Some(cmds) = crate::app::modal::key(model, &key) {
        return cmds;
    }
    if let Some(cmds) = crate::app::diagnostics::key(model, &key) {
        return cmds;
    }
    let action = model.keymap.action_for(&key);
    if model.help_open {
        model.dirty = true;
        match action {
            Some(Action::Help | Action::Back) => {
                model.help_open = false;
                return Vec::new();
            }
            Some(Action::Quit | Action::QuitNow) => {}
            // A help longer than the screen pages (see `ui::help`).
            Some(Action::PageDown) => {
                model.help_page = model.help_page.saturating_add(1);
                return Vec::new();
            }
            Some(Action::PageUp) => {
                model.help_page = model.help_page.saturating_sub(1);
                return Vec::new();
            }
            // Another command closes the help and does nothing else (an
            // arrow must not move the selection hidden under the help);
            // typing closes it and searches.
            Some(_) => {
                model.help_open = false;
                return Vec::new();
            }
            None => model.help_open = false,
        }
    }
    match action {
        Some(a) => on_action(model, a),
        None => {
            if let KeyCode::Char(c) = key.code
                && !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && !c.is_control()
            {
                let q = format!("{}{c}", model.search.query());
                set_query(model, &q);
            }
            Vec::new()
        }
    }
}

fn on_action(model: &mut Model, action: Action) -> Vec<Cmd> {
    model.dirty = true;
    let details = model.focus == Focus::Details && model.details_open;
    match action {
        Action::Quit | Action::QuitNow if crate::app::notes::hold_quit(model) => {}
        Action::Quit => crate::app::modal::ask_quit(model),
        Action::QuitNow => {
            model.quit = true;
            return vec![Cmd::Quit];
        }
        Action::AvailableOnly => {
            model.views.available_only = !model.views.available_only;
            model.rebuild_list(None);
        }
        Action::NextRinging => crate::app::calls::next_ringing(model),
        Action::GroupPicker => crate::app::modal::open_picker(model),
        Action::Help => {
            model.help_open = !model.help_open;
            model.help_page = 0;
        }
        Action::Up if details => model.panel_scroll = model.panel_scroll.saturating_sub(1),
        Action::Down if details => {
            model.panel_scroll = model.panel_scroll.saturating_add(1).min(500)
        }
        Action::PageUp if details => model.panel_scroll = model.panel_scroll.saturating_sub(10),
        Action::PageDown if details => {
            model.panel_scroll = model.panel_scroll.saturating_add(10).min(500)
        }
        Action::Home if details => model.panel_scroll = 0,
        Action::Up => move_to(model, model.list.move_rows(model.cursor, -1)),
        Action::Down => move_to(model, model.list.move_rows(model.cursor, 1)),
        Action::Left => move_to(model, model.cursor.saturating_sub(1)),
        Action::Right => move_to(model, model.cursor + 1),
        Action::PageUp => move_to(model, model.list.move_rows(model.cursor, -page(model))),
        Action::PageDown => move_to(model, model.list.move_rows(model.cursor, page(model))),
        Action::Home => move_to(model, 0),
        Action::End => move_to(model, model.list.cells.len().saturating_sub(1)),
        Action::Open => {
            if model.search.is_active() && model.list.cells.len() == 1 {
                move_to(model, 0);
            }
            if model.selected().is_some() {
                open_details(model);
            }
        }
        Action::Back => {
            if model.search.is_active() {
                set_query(model, "");
            } else if model.details_open {
                model.details_open = false;
                model.focus = Focus::Grid;
                model.rebuild_list(None);
            }
        }
        Action::NextPanel | Action::PrevPanel => {
            if model.details_open {
                model.focus = match model.focus {
                    Focus::Grid => Focus::Details,
                    Focus::Details => Focus::Grid,
                };
            } else if model.selected().is_some() {
                open_details(model);
                model.focus = Focus::Details;
            }
        }
        Action::ToggleFavourite => return toggle_favourite(model),
        Action::EditNote => crate::app::notes::open_editor(model),
        Action::NoteHistory => return crate::app::notes::open_history(model),
        Action::StatusPicker => own_status::open(model),
        Action::History => return crate::app::journal::open(model),
        Action::ReloadConfig => return crate::app::servers::reload_asked(model),
        Action::Diagnostics => return crate::app::diagnostics::open(model),
        Action::SearchBackspace => {
            let mut q = model.search.query().to_string();
            if q.pop().is_some() {
                set_query(model, &q);
            }
        }
        Action::ClearSearch => {
            if model.search.is_active() {
                set_query(model, "");
            }
        }
    }
    Vec::new()
}

fn page(model: &Model) -> isize {
    isize::try_from(model.areas().grid.height.saturating_sub(1).max(1)).unwrap_or(1)
}

fn move_to(model: &mut Model, cursor: usize) {
    let cursor = cursor.min(model.list.cells.len().saturating_sub(1));
    if cursor != model.cursor {
        model.cursor = cursor;
        model.panel_scroll = 0;
    }
    model.fix_scroll();
    model.dirty = true;
}

/// Open the details of the selected contact (its missed calls are then
/// looked at: their mark goes).
pub(crate) fn open_details(model: &mut Model) {
    if let Some(id) = model.selected() {
        model.missed_calls.remove(&id);
    }
    if !model.details_open {
        model.details_open = true;
        // The grid gets narrower: re-cut its rows.
        model.rebuild_list(None);
    }
    model.panel_scroll = 0;
}

/// Everyone, unfiltered, no search: F6 found a ringing phone the grid did
/// not list.
pub(crate) fn show_everyone(model: &mut Model) {
    model.views.available_only = false;
    model.views.current = crate::app::views::EVERYONE;
    model.search.set_query("");
    model.rebuild_list(None);
}

/// Change the search query; the grid shows the matches, best first, with the
/// best one selected. An empty query brings back the groups with the
/// selected contact still selected.
fn set_query(model: &mut Model, q: &str) {
    let keep = model.selected_cell().map(|c| (c.id, c.in_favourites));
    model.search.set_query(q);
    if model.search.ranked() {
        model.rebuild_list(None);
        model.cursor = 0;
        model.scroll = 0;
        model.panel_scroll = 0;
    } else {
        model.rebuild_list(keep);
    }
    model.dirty = true;
}

fn toggle_favourite(model: &mut Model) -> Vec<Cmd> {
    if model.read_only {
        model.message = Some("Read-only mode: favourites cannot be changed".into());
        return Vec::new();
    }
    let Some(cell) = model.selected_cell().copied() else {
        return Vec::new();
    };
    let id = cell.id;
    let Some(meta) = model.meta.get_mut(id.0 as usize) else {
        return Vec::new();
    };
    meta.favourite = !meta.favourite;
    let now_favourite = meta.favourite;
    let info = model.store.info(id);
    let name = info.name.clone();
    if now_favourite {
        model.favourite_uris.push(info.uri.clone());
        model.message = Some(format!("{name} added to favourites"));
    } else {
        let store = &model.store;
        model.favourite_uris.retain(|u| store.find(u) != Some(id));
        model.message = Some(format!("{name} removed from favourites"));
    }
    model.rebuild_list(Some((id, cell.in_favourites)));
    match &model.favourites_path {
        Some(path) => vec![Cmd::SaveFavourites {
            path: path.clone(),
            contents: favourites::to_toml(&model.favourite_uris),
        }],
        None => {
            if let Some(m) = &mut model.message {
                m.push_str(" (not saved: no data directory)");
            }
            Vec::new()
        }
    }
}

fn on_mouse(model: &mut Model, m: MouseEvent) {
    let grid = model.areas().grid;
    let inside =
        m.column >= grid.x && m.column < grid.right() && m.row >= grid.y && m.row < grid.bottom();
    if !inside {
        return;
    }
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            let row = model.scroll + usize::from(m.row - grid.y);
            let cw = layout::cell_width(grid.width, model.list.cols).max(1);
            let col = usize::from((m.column - grid.x) / cw);
            if let Some(Row::Cells { start, end }) = model.list.rows.get(row)
                && start + col < *end
            {
                move_to(model, start + col);
            }
        }
        MouseEventKind::ScrollDown => move_to(model, model.list.move_rows(model.cursor, 3)),
        MouseEventKind::ScrollUp => move_to(model, model.list.move_rows(model.cursor, -3)),
        _ => {}
    }
}

#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod tests;
