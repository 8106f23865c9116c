//! The grid of contact cells. A cell, `w` columns wide, reads:
//!
//! ```text
//! ●✓✎Alice Smith-Jon… ?3m 201⌂
//! │││name (ellipsised) │   │  └ availability marker (its column is kept
//! ││└ attendant note   │   │    so that extensions line up)
//! │└ line state        │   └ extension
//! └ presence           └ age, when the state is stale or unknown
//! ```
//!
//! The name gets every column the other parts do not need: one space
//! separates it from the tail. When the cell is too narrow, the age goes
//! first, then the extension, before the name is cut below
//! [`NAME_MIN`] columns.
//!
//! A ringing line turns the whole cell red and orange by turns (in mono:
//! reversed and bold, then bold; the selection reverses only the name, so
//! the two never look alike, and a selected ringing cell is underlined),
//! the presence glyph's shape still drawn. A blink toggle re-sends the cell
//! (its width in characters and one colour change: under 64 bytes, checked
//! in `benches/render.rs`).
//!
//! While a call rings or lasts, the extension's place names the other
//! party when the directory knows them (`←Bob Brown`, `→` for our call
//! out), and an active call shows its duration where a stale cell shows
//! its age. The gap column after the badge marks, in this order: a missed
//! call not yet looked at (`!`), a search hit found only in a note (`¶`),
//! an attendant note (`✎`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

use crate::app::grid_list::{CellRef, Row};
use crate::app::layout;
use crate::app::model::{Model, age_label};
use crate::presence::{Freshness, LineState};
use crate::ui::theme::Theme;

/// Columns before the name: presence glyph, line glyph, space.
const BADGE: u16 = 3;
/// The name keeps at least this many columns (or its whole width, if
/// shorter) before the age or the extension is shown.
pub const NAME_MIN: u16 = 10;

pub fn render(model: &Model, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let theme = &Theme::of(model);
    if model.list.is_empty() {
        let text = if model.search.is_active() {
            format!(
                "No match for \"{}\" (Esc clears the search)",
                model.search.query()
            )
        } else if model.filtering_states() {
            "No one in that state now (F3 or Esc shows everyone)".to_string()
        } else if model.views.current != crate::app::views::EVERYONE {
            format!(
                "No one in {} (Ctrl-1 or Alt-1: everyone)",
                model.views.name(model.views.current)
            )
        } else {
            "No contacts in the directory".to_string()
        };
        buf.set_stringn(
            area.x + 1,
            area.y,
            text,
            usize::from(area.width.saturating_sub(1)),
            theme.dim(),
        );
        return;
    }
    let cw = layout::cell_width(area.width, model.list.cols);
    let rows = model
        .list
        .rows
        .iter()
        .skip(model.scroll)
        .take(usize::from(area.height));
    for (dy, row) in rows.enumerate() {
        let y = area.y + dy as u16;
        match row {
            Row::Header {
                title,
                count,
                favourites,
            } => header(model, title, *count, *favourites, area, y, buf),
            Row::Cells { start, end } => {
                for (i, cell) in model.list.cells.iter().enumerate().take(*end).skip(*start) {
                    let x = area.x + (i - start) as u16 * cw;
                    let rect = Rect::new(x, y, cw, 1).intersection(area);
                    render_cell(model, cell, i == model.cursor, rect, buf);
                }
            }
        }
    }
}

fn header(
    model: &Model,
    title: &str,
    count: usize,
    favourites: bool,
    area: Rect,
    y: u16,
    buf: &mut Buffer,
) {
    let g = Theme::of(model).glyphs;
    let label = if favourites {
        format!("{}{} {} {title} ({count}) ", g.rule, g.rule, g.favourite)
    } else {
        format!("{}{} {title} ({count}) ", g.rule, g.rule)
    };
    let (x, _) = buf.set_stringn(
        area.x,
        y,
        &label,
        usize::from(area.width),
        Theme::of(model).header(),
    );
    let rest = area.right().saturating_sub(x);
    if rest > 0 {
        buf.set_stringn(
            x,
            y,
            g.rule.repeat(usize::from(rest)),
            usize::from(rest),
            Theme::of(model).dim(),
        );
    }
}

/// Draw one contact cell into `rect` (one row; its last column is the gap).
pub fn render_cell(model: &Model, cell: &CellRef, selected: bool, rect: Rect, buf: &mut Buffer) {
    let theme = &Theme::of(model);
    let g = theme.glyphs;
    let shown = model.store.shown(cell.id);
    let info = model.store.info(cell.id);
    let width = rect.width.saturating_sub(1);
    if width < BADGE + 2 {
        return;
    }
    let (x, y) = (rect.x, rect.y);
    let confident = shown.freshness == Freshness::Fresh;

    // The badge.
    let ringing = shown.line == LineState::Ringing;
    let ring_style = theme.ringing_cell(model.blink.phase, selected);
    let (p_style, l_style) = if ringing {
        (ring_style, ring_style)
    } else {
        (
            theme.presence_style(shown.presence, confident),
            theme.line_style(shown.line, confident),
        )
    };
    put(buf, x, y, theme.presence_glyph(shown.presence), p_style);
    put(buf, x + 1, y, theme.line_glyph(shown.line), l_style);

    let base = if ringing {
        ring_style
    } else if selected {
        theme.selected()
    } else {
        Style::new()
    };
    // Background of the selected (or ringing) cell: from the gap column
    // to the marker.
    buf.set_style(Rect::new(x + 2, y, width - 2, 1), base);
    let hit = cell.hit.and_then(|h| model.search.hits().get(h));
    let mark = if model.missed_calls.contains_key(&cell.id) {
        Some((g.missed, theme.error()))
    } else if hit.is_some_and(crate::search::Hit::note_only) {
        Some((g.via_note, theme.dim()))
    } else if model.notes.current(cell.id).is_some() {
        Some((g.note, theme.header()))
    } else {
        None
    };
    if let Some((glyph, style)) = mark {
        let style = if ringing { base } else { base.patch(style) };
        put(buf, x + 2, y, glyph, style);
    }
    let name_x = x + BADGE;
    let end = x + width;
    let tail = Tail::of(model, cell, end, name_x, &info.name);
    if let Some(avail) = &shown.availability {
        put(
            buf,
            end - 1,
            y,
            theme.availability_glyph(avail),
            base.patch(theme.warning()),
        );
    }
    if let Some((ext, ext_x)) = &tail.ext {
        buf.set_stringn(*ext_x, y, ext, usize::from(end - 1 - ext_x), base);
    }
    if let Some((age, age_x)) = &tail.age {
        buf.set_stringn(*age_x, y, age, age.len(), base.patch(theme.dim()));
    }

    // The name, ellipsised, with matched characters highlighted.
    let indices: &[u32] = hit.map_or(&[], |h| h.name_indices.as_slice());
    let name_style = if confident || ringing {
        base
    } else {
        base.patch(theme.dim())
    };
    name(
        &info.name,
        indices,
        (name_x, y, tail.name_end.saturating_sub(name_x)),
        name_style,
        theme.matched(),
        g.ellipsis,
        buf,
    );
}

/// Where the right-aligned parts of a cell go: `[?age ][ext]<avail>`, and
/// where the name must end.
struct Tail {
    /// The age label and its column.
    age: Option<(String, u16)>,
    /// The extension and its column.
    ext: Option<(String, u16)>,
    /// The name ends before this column.
    name_end: u16,
}

impl Tail {
    /// `end`: the cell's last column + 1 (the availability marker sits at
    /// `end - 1`); `name_x`: where the name starts.
    fn of(model: &Model, cell: &CellRef, end: u16, name_x: u16, name: &str) -> Tail {
        let theme = Theme::of(model);
        let g = theme.glyphs;
        let shown = model.store.shown(cell.id);
        let info = model.store.info(cell.id);
        let age = model
            .now
            .filter(|_| model.aged.contains(&cell.id))
            .and_then(|now| {
                model
                    .aged_since(cell.id)
                    .map(|t| format!("{}{}", g.stale, age_label(now, t)))
            })
            .or_else(|| {
                let start = model.calls.started.get(&cell.id)?;
                let now = model.now?;
                Some(crate::app::calls::duration_label(*start, now, theme.ascii))
            });
        let (ext, caller) = tail_text(model, cell.id, shown, info.extension.as_deref(), g.ellipsis);
        // The marker's column is kept when the cell shows an extension or
        // an age (so extensions line up); otherwise only when it is shown.
        let marker_x = end - 1;
        let name_w = u16::try_from(Span::raw(name).width()).unwrap_or(u16::MAX);
        // A caller takes columns from the name first (it is what the
        // receptionist needs now); it is cut to what is left.
        let keep = name_w.min(if caller { CALLER_NAME_MIN } else { NAME_MIN });
        let fits = |w: u16, right: u16| right >= name_x + keep + 1 + w;
        let mut right = marker_x;
        let ext = if caller {
            let room = right.saturating_sub(name_x + keep + 1);
            cut_to(&ext, room, g.ellipsis)
        } else {
            ext
        };
        let mut tail = Tail {
            age: None,
            ext: None,
            name_end: if shown.availability.is_some() {
                marker_x.saturating_sub(1)
            } else {
                end
            },
        };
        let ext_w = u16::try_from(Span::raw(ext.as_str()).width()).unwrap_or(u16::MAX);
        if ext_w > 0 && fits(ext_w, right) {
            right -= ext_w;
            tail.ext = Some((ext, right));
        }
        if let Some(age) = age {
            let age_w = u16::try_from(age.len()).unwrap_or(u16::MAX);
            let gap = u16::from(tail.ext.is_some());
            if right >= gap && fits(age_w + gap, right) {
                right -= age_w + gap;
                tail.age = Some((age, right));
            }
        }
        if tail.age.is_some() || tail.ext.is_some() {
            tail.name_end = right - 1;
        }
        tail
    }
}

/// The longest caller shown in a ringing cell: "Carol Custome…".
const CALLER_MAX: usize = 14;
/// A ringing cell's name gives way to the caller down to this many columns.
const CALLER_NAME_MIN: u16 = 7;
/// A caller is shown when at least this many columns are left for it.
const CALLER_MIN: u16 = 5;

/// `text` in at most `room` columns, ellipsised when cut; empty when even
/// [`CALLER_MIN`] columns are not left.
fn cut_to(text: &str, room: u16, ellipsis: &str) -> String {
    let w = u16::try_from(Span::raw(text).width()).unwrap_or(u16::MAX);
    if w <= room {
        return text.to_string();
    }
    if room < CALLER_MIN {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0u16;
    for ch in text.chars() {
        let cw = u16::try_from(unicode_width(ch)).unwrap_or(2);
        if used + cw > room - 1 {
            break;
        }
        out.push(ch);
        used += cw;
    }
    out.push_str(ellipsis);
    out
}

fn unicode_width(ch: char) -> usize {
    let mut tmp = [0u8; 4];
    Span::raw(&*ch.encode_utf8(&mut tmp)).width()
}
/// The mark of a line ringing for too long (its hang-up may have been
/// missed): distinct from the stale `?`, one column in any terminal.
const SUSPECT_MARK: &str = "!";

/// The right-hand text of a cell: while the line rings, the caller
/// (display name, else number; not with `show_peers = false`) in place of
/// the extension, marked `!` when suspect; otherwise the extension, with
/// the number of new voice messages beside it (`1001 ✉2`).
fn tail_text(
    model: &Model,
    id: crate::presence::ContactId,
    shown: &crate::store::Shown,
    extension: Option<&str>,
    ellipsis: &str,
) -> (String, bool) {
    let ringing = shown.line == LineState::Ringing;
    let mark = if ringing && shown.suspect {
        SUSPECT_MARK
    } else {
        ""
    };
    // The other party by name when the directory knows them (ringing or
    // in a call: `←Name`), else, while ringing, as the call names them.
    let caller = caller_name(model, id)
        .filter(|_| !model.line.hide_peers)
        .or_else(|| {
            shown
                .peer
                .as_deref()
                .filter(|_| ringing && !model.line.hide_peers)
                .and_then(crate::store::Peer::label)
        });
    if let Some(caller) = caller {
        let cut = caller.chars().count() > CALLER_MAX;
        let mut s: String = mark.to_string();
        s.extend(
            caller
                .chars()
                .take(if cut { CALLER_MAX - 1 } else { CALLER_MAX }),
        );
        if cut {
            s.push_str(ellipsis);
        }
        return (s, true);
    }
    let mut s: String = mark.to_string();
    s.extend(extension.unwrap_or("").chars().take(8));
    if let Some(n) = shown.messages {
        let mail = if model.ascii { "m" } else { "\u{2709}" };
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("{mail}{}", n.min(99)));
    }
    (s, false)
}

/// The other party of a ringing or active call, when the directory knows
/// them: `←Name` (calling in) or `→Name` (called out).
pub fn caller_name(model: &Model, id: crate::presence::ContactId) -> Option<String> {
    let shown = model.store.shown(id);
    if !matches!(shown.line, LineState::Ringing | LineState::Active) {
        return None;
    }
    let peer = shown.peer.as_ref()?;
    let who = model
        .callers
        .lookup(&model.store, peer.identity.as_deref()?)?;
    let ascii = Theme::of(model).ascii;
    let arrow = match (peer.direction, ascii) {
        (Some(crate::body::Direction::Initiator), false) => "→",
        (Some(crate::body::Direction::Initiator), true) => ">",
        (_, false) => "←",
        (_, true) => "<",
    };
    Some(format!("{arrow}{}", model.store.info(who).name))
}

/// Draw `text` in at most `max` columns, ellipsised if longer.
fn name(
    text: &str,
    indices: &[u32],
    (x, y, max): (u16, u16, u16),
    style: Style,
    matched: Style,
    ellipsis: &str,
    buf: &mut Buffer,
) {
    if max == 0 {
        return;
    }
    let full = Span::raw(text).width();
    let limit = if full > usize::from(max) {
        max - 1
    } else {
        max
    };
    let mut cx = x;
    let mut tmp = [0u8; 4];
    for (i, ch) in text.chars().enumerate() {
        let s: &str = ch.encode_utf8(&mut tmp);
        let w = Span::raw(s).width() as u16;
        if w == 0 {
            continue; // combining marks and controls: not drawn
        }
        if cx + w > x + limit {
            break;
        }
        let st = if indices.binary_search(&(i as u32)).is_ok() {
            style.patch(matched)
        } else {
            style
        };
        if w == 1 {
            put(buf, cx, y, s, st);
        } else {
            buf.set_stringn(cx, y, s, usize::from(w), st);
        }
        cx += w;
    }
    if full > usize::from(max) {
        put(buf, cx, y, ellipsis, style);
    }
}

/// Write a one-column glyph (cheaper than `set_stringn`'s grapheme walk,
/// which matters with hundreds of cells a frame).
fn put(buf: &mut Buffer, x: u16, y: u16, symbol: &str, style: Style) {
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_symbol(symbol).set_style(style);
    }
}

/// The key hints of the grid.
pub fn hints(model: &Model) -> Vec<(crate::app::Action, &'static str)> {
    use crate::app::Action as A;
    let mut h = Vec::new();
    if model.search.is_active() {
        h.push((A::Back, "clear search"));
        h.push((A::AvailableOnly, "available"));
    } else if model.details_open {
        h.push((A::Back, "close details"));
    }
    h.push((A::Open, "details"));
    if !model.ringing.is_empty() {
        h.push((A::NextRinging, "ringing"));
    }
    if !model.search.is_active() {
        h.push((A::AvailableOnly, "available"));
    }
    h.push((A::ToggleFavourite, "favourite"));
    if !model.views.groups.is_empty() {
        h.push((A::GroupPicker, "groups"));
    }
    if model.details_open {
        h.push((A::NextPanel, "panel"));
    }
    h.push((A::Help, "help"));
    h.push((A::Quit, "quit"));
    h
}
