//! The status bar: connection health, subscription counts, the operator's own
//! status, the search, and the focused panel's key hints (from the keymap).
//!
//! A message (a saved favourite, a config warning at startup) replaces the
//! hints until the next key. One too long for a row is wrapped and drawn
//! from the bottom of the screen up, over the status rows and as many grid
//! rows as it needs, so a warning's advice ("chmod 600 …") is never cut off
//! at 80 columns; the layout stays as it is, the next key brings it back.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::Action;
use crate::app::model::{Focus, Model};
use crate::sip::events::ConnectionState;
use crate::ui::theme::Theme;
use crate::ui::{grid, help, panel};

mod fit;
use fit::{Keep, fit};

pub fn render(model: &Model, area: Rect, buf: &mut Buffer) {
    if area.height == 0 {
        return;
    }
    let long_message = model
        .message
        .as_deref()
        .filter(|m| area.height > 1 && Span::raw(*m).width() > usize::from(area.width));
    if let Some(m) = long_message {
        let lines = wrap(m, usize::from(area.width));
        let rows = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .clamp(area.height, area.bottom());
        let top = area.bottom() - rows;
        let style = Theme::of(model).warning();
        for y in top..area.bottom() {
            buf.set_string(area.x, y, " ".repeat(usize::from(area.width)), Style::new());
        }
        for (line, y) in lines.iter().zip(top..area.bottom()) {
            buf.set_stringn(area.x, y, line, usize::from(area.width), style);
        }
        return;
    }
    buf.set_line(area.x, area.y, &info_line(model, area.width), area.width);
    if area.height > 1 {
        let line = match &model.message {
            Some(m) => Line::from(Span::styled(m.as_str(), Theme::of(model).warning())),
            None => hints_line(model, area.width),
        };
        buf.set_line(area.x, area.y + 1, &line, area.width);
    }
}

/// Wrap `text` at spaces into lines of at most `width` columns (a word
/// longer than a line is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let cols = |s: &str| Span::raw(s).width();
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let sep = usize::from(!cur.is_empty());
        if cols(&cur) + sep + cols(word) <= width {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        for ch in word.chars() {
            let mut tmp = [0u8; 4];
            if cols(&cur) + cols(ch.encode_utf8(&mut tmp)) > width {
                lines.push(std::mem::take(&mut cur));
            }
            cur.push(ch);
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// The hints of whatever has the keyboard: help overlay, details or grid.
pub fn focused_hints(model: &Model) -> Vec<(Action, &'static str)> {
    if model.views.picker.is_some() {
        vec![(Action::Open, "choose"), (Action::Back, "close")]
    } else if model.help_open {
        help::hints(model)
    } else if model.details_open && model.focus == Focus::Details {
        panel::hints(model)
    } else {
        grid::hints(model)
    }
}

/// Which hints give way first when the row is too narrow (lowest first):
/// quitting, help, leaving and the ringing phone stay longest.
fn hint_rank(action: Action) -> u8 {
    match action {
        Action::ToggleFavourite | Action::GroupPicker => 0,
        Action::NextPanel | Action::PrevPanel => 1,
        Action::Open | Action::Down | Action::Up => 2,
        Action::AvailableOnly => 3,
        Action::Help => 5,
        Action::NextRinging => 6,
        Action::Back => 7,
        Action::Quit | Action::QuitNow => 8,
        _ => 4,
    }
}

fn hints_line(model: &Model, width: u16) -> Line<'_> {
    let theme = &Theme::of(model);
    let mut hints: Vec<(Action, String, &str)> = focused_hints(model)
        .into_iter()
        .filter_map(|(action, label)| {
            let key = model.keymap.keys(action).first()?;
            Some((action, key.label(theme.ascii), label))
        })
        .collect();
    let total = |h: &[(Action, String, &str)]| {
        h.iter()
            .map(|(_, k, l)| Span::raw(k.as_str()).width() + 1 + l.len())
            .sum::<usize>()
            + 2 * h.len().saturating_sub(1)
    };
    while total(&hints) > usize::from(width) && hints.len() > 1 {
        let lowest = hints
            .iter()
            .enumerate()
            .min_by_key(|(i, (a, _, _))| (hint_rank(*a), std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        if let Some(i) = lowest {
            hints.remove(i);
        }
    }
    let mut spans = Vec::new();
    for (_, key, label) in hints {
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    Line::from(spans)
}

fn info_line(model: &Model, width: u16) -> Line<'_> {
    let theme = &Theme::of(model);
    let g = theme.glyphs;
    let mut items: Vec<(Keep, Vec<Span>)> = Vec::new();
    let (state, reason) = connection(model, theme);
    items.push((Keep::Always, vec![state]));
    if let Some(reason) = reason {
        items.push((Keep::Reason, vec![reason]));
    }
    if let Some(first) = model
        .calls
        .first_ringing()
        .filter(|_| !model.ringing.is_empty())
    {
        let name = model.store.info(first).name.as_str();
        let n = model.ringing.len();
        let text = match n {
            1 => format!("{} ringing: {name}", g.line[1]),
            _ => format!("{} {n} ringing: {name} first", g.line[1]),
        };
        items.push((
            Keep::Ringing,
            vec![Span::styled(text, theme.ringing_badge(false))],
        ));
    }
    let mut view = Vec::new();
    if model.views.current != crate::app::views::EVERYONE && !model.search.ranked() {
        view.push(Span::styled(
            format!("{} {}", g.favourite, model.views.name(model.views.current)),
            theme.header(),
        ));
    }
    if model.views.available_only {
        if !view.is_empty() {
            view.push(Span::raw(" "));
        }
        view.push(Span::styled("available only", theme.good()));
    }
    if !view.is_empty() {
        items.push((Keep::View, view));
    }
    if model.notes.offline.is_some() {
        let queued = model.notes.queued;
        let text = if queued > 0 {
            format!("notes offline ({queued} waiting)")
        } else {
            "notes offline".to_string()
        };
        items.push((Keep::Notes, vec![Span::styled(text, theme.error())]));
    }
    if let Some(missed) = crate::ui::journal::status_span(model, theme) {
        items.push((Keep::Missed, vec![missed]));
    }
    if let Some(note) = &model.list_note {
        let style = if note.starts_with("list refused") {
            theme.warning()
        } else {
            Style::new()
        };
        items.push((Keep::ListNote, vec![Span::styled(note.as_str(), style)]));
    }
    items.push((Keep::Counts, counts(model, theme)));
    if model.own_uri.is_some() {
        items.push((Keep::Me, me(model, theme)));
    }
    if model.read_only {
        items.push((
            Keep::ReadOnly,
            vec![Span::styled("READ-ONLY", theme.warning())],
        ));
    }
    if model.search.is_active() {
        items.push((
            Keep::Always,
            vec![
                Span::styled("search: ", theme.key()),
                Span::styled(model.search.query(), theme.matched()),
                Span::raw(format!(
                    " ({} of {})",
                    shown_count(model),
                    model.search.len()
                )),
            ],
        ));
    } else {
        items.push((
            Keep::Placeholder,
            vec![Span::styled("type to search", theme.dim())],
        ));
    }
    let clock = model
        .clock
        .as_ref()
        .map(|c| Span::styled(crate::ui::clock::clock_text(c), theme.header()));
    fit(items, clock, width, theme)
}

/// How many contacts the grid lists (each once).
fn shown_count(model: &Model) -> usize {
    model.list.cells.iter().filter(|c| !c.in_favourites).count()
}

/// The connection state, and why it failed (a separate span: it may give
/// way at 80 columns, the state never does).
fn connection<'a>(model: &'a Model, theme: &Theme) -> (Span<'a>, Option<Span<'a>>) {
    let g = theme.glyphs;
    let (glyph, text, reason, style) = if model.engine_stopped {
        (g.failed, "engine stopped", None, theme.error())
    } else {
        match &model.connection {
            ConnectionState::Connecting => (g.connecting, "connecting", None, theme.warning()),
            ConnectionState::Connected => (g.connected, "connected", None, theme.good()),
            ConnectionState::Unreachable(r) => (g.failed, "unreachable", Some(r), theme.error()),
            ConnectionState::AuthFailed(r) => (g.failed, "auth failed", Some(r), theme.error()),
        }
    };
    (
        Span::styled(format!("{glyph} {text}"), style),
        reason.map(|r| Span::styled(format!(": {r}"), style)),
    )
}

fn counts<'a>(model: &Model, theme: &Theme) -> Vec<Span<'a>> {
    let g = theme.glyphs;
    let c = model.counts;
    let mut spans = vec![Span::raw(format!(
        "{} active{sep}{} pending{sep}",
        c.active,
        c.pending,
        sep = g.sep
    ))];
    let failed_style = if c.failed > 0 {
        theme.error()
    } else {
        Style::new()
    };
    spans.push(Span::styled(format!("{} failed", c.failed), failed_style));
    if c.unreadable > 0 {
        // Up, but sending what we cannot read: not failed, not current.
        spans.push(Span::styled(
            format!("{}{} unreadable", g.sep, c.unreadable),
            theme.warning(),
        ));
    }
    spans
}

/// Is what we know of ourselves out of date? The server is gone (or not
/// there yet) like for every other cell, or our own cell is stale.
fn own_stale(model: &Model) -> bool {
    model.engine_stopped
        || model.connection != ConnectionState::Connected
        || model
            .own_id
            .is_some_and(|id| model.store.shown(id).freshness == crate::presence::Freshness::Stale)
}

fn me<'a>(model: &'a Model, theme: &Theme) -> Vec<Span<'a>> {
    let mut spans = vec![Span::raw("me: ")];
    let known = model.own.line.is_some() || model.own_id.is_some();
    let stale = known && own_stale(model);
    if stale {
        spans.push(Span::styled(theme.glyphs.stale, theme.warning()));
    }
    match (&model.own.line, model.own_id) {
        // What we publish (state, note, until), from the keeper.
        (Some(line), _) => {
            let style = if model.own.error.is_some() {
                theme.warning()
            } else if stale {
                theme.dim()
            } else {
                Style::new()
            };
            let text = crate::ui::clock::with_relative_until(line, model.clock.as_ref());
            spans.push(Span::styled(text, style));
        }
        (None, own_id) => own_presence(model, theme, own_id, &mut spans),
    }
    spans
}

/// "me:" before the keeper has said anything: our presence as a watcher sees
/// it (when we are a contact), or why there is none.
fn own_presence<'a>(
    model: &'a Model,
    theme: &Theme,
    own_id: Option<crate::presence::ContactId>,
    spans: &mut Vec<Span<'a>>,
) {
    match own_id {
        Some(id) => {
            let s = model.store.shown(id);
            let confident = s.freshness == crate::presence::Freshness::Fresh && !own_stale(model);
            spans.push(Span::styled(
                theme.presence_glyph(s.presence),
                theme.presence_style(s.presence, confident),
            ));
            spans.push(Span::raw(format!(" {}", s.presence.label())));
        }
        // The help says what this means and what to do.
        None => {
            let help = model.keymap.keys(Action::Help).first();
            let text = match help {
                Some(k) => format!("not a [[contact]] ({})", k.label(theme.ascii)),
                None => "not a [[contact]]".to_string(),
            };
            spans.push(Span::styled(text, theme.warning()));
        }
    }
}
