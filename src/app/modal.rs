//! Keys answered before the keymap: the "quit?" question (F10 and Ctrl-C
//! ask; Ctrl-Q does not), the group picker, and Ctrl-1…9 / Alt-1…9, which
//! switch the view directly (terminals rarely send Ctrl-digit, so Alt-digit
//! does the same; neither is rebindable, the picker's key is).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::cmd::Cmd;
use crate::app::keymap::Action;
use crate::app::model::Model;

/// The question shown while quitting waits for an answer.
pub const QUIT_QUESTION: &str = "Quit Switchboard? y or Enter: quit, any other key: stay";

/// F10 / Ctrl-C: ask first.
pub(crate) fn ask_quit(model: &mut Model) {
    model.confirm_quit = true;
    model.message = Some(QUIT_QUESTION.into());
    model.dirty = true;
}

/// The answer to the quit question, when it was asked (it comes before any
/// overlay's keys); `None`: nothing was asked.
pub(crate) fn answer_quit(model: &mut Model, key: &KeyEvent) -> Option<Vec<Cmd>> {
    if model.confirm_quit {
        model.confirm_quit = false;
        model.message = None;
        model.dirty = true;
        let action = model.keymap.action_for(key);
        let yes = matches!(key.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter)
            || matches!(action, Some(Action::Quit | Action::QuitNow));
        if yes {
            model.quit = true;
            return Some(vec![Cmd::Quit]);
        }
        return Some(Vec::new());
    }
    None
}

/// The picker's keys, or a view digit; `None`: the key is not for them.
pub(crate) fn key(model: &mut Model, key: &KeyEvent) -> Option<Vec<Cmd>> {
    if let Some(view) = view_digit(key) {
        switch_view(model, view);
        return Some(Vec::new());
    }
    let row = model.views.picker?;
    model.dirty = true;
    let count = model.views.count();
    match (model.keymap.action_for(key), key.code) {
        (Some(Action::Up), _) => model.views.picker = Some(row.saturating_sub(1)),
        (Some(Action::Down), _) => model.views.picker = Some((row + 1).min(count - 1)),
        (Some(Action::Open), _) => {
            model.views.picker = None;
            switch_view(model, row);
        }
        (_, KeyCode::Char(c @ '1'..='9')) => {
            model.views.picker = None;
            switch_view(model, c as usize - '1' as usize);
        }
        (Some(Action::Quit | Action::QuitNow), _) => {
            model.views.picker = None;
            return None;
        }
        _ => model.views.picker = None,
    }
    Some(Vec::new())
}

/// Ctrl-digit or Alt-digit: the view of that number (1-based).
fn view_digit(key: &KeyEvent) -> Option<usize> {
    let m = key.modifiers;
    if !m.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
        return None;
    }
    match key.code {
        KeyCode::Char(c @ '1'..='9') => Some(c as usize - '1' as usize),
        _ => None,
    }
}

/// Open the group picker on the current view.
pub(crate) fn open_picker(model: &mut Model) {
    model.views.picker = Some(model.views.current);
    model.dirty = true;
}

/// Show view `view` (0-based), with the selection it had when it was left;
/// a search is cleared so that the view shows.
pub(crate) fn switch_view(model: &mut Model, view: usize) {
    if view >= model.views.count() {
        model.message = Some(format!(
            "No view {}: {} views (1 everyone, 2 favourites, then the [[group]] entries)",
            view + 1,
            model.views.count()
        ));
        model.dirty = true;
        return;
    }
    if let Some(cell) = model.selected_cell().copied() {
        let current = model.views.current;
        model
            .views
            .kept
            .insert(current, (cell.id, cell.in_favourites));
    }
    model.views.current = view;
    if model.search.is_active() {
        model.search.set_query("");
    }
    let keep = model.views.kept.get(&view).copied();
    model.cursor = 0;
    model.scroll = 0;
    model.list = Default::default();
    model.rebuild_list(keep);
    model.panel_scroll = 0;
    model.dirty = true;
}
