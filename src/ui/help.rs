//! The help overlay, generated from the keymap (never a hand-kept list) and
//! from the glyph set in use. Each action is listed with its keys, the name
//! the config's `[keys]` table knows it by, and what it does; at 80x24 the
//! key table and the legend share the screen. A help taller than the
//! screen (notes, the status picker and an own URI outside the directory at
//! 80x24) is paged: PgDn/PgUp, said in its bottom border, cycle through the
//! pages; the page is kept in the model, clamped here (the view knows the
//! sizes).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use crate::app::Action;
use crate::app::model::Model;
use crate::presence::{Availability, LineState, Presence};
use crate::ui::theme::Theme;

/// The key hints while the help is open.
pub fn hints(_model: &Model) -> Vec<(Action, &'static str)> {
    vec![(Action::Back, "close help"), (Action::Quit, "quit")]
}

/// The field filters of the search, with what each does (the `is:`
/// filters come from [`crate::search::StateFilter::ALL`]).
const FIELD_FILTERS: [(&str, &str); 5] = [
    ("dept:sales", "Department contains"),
    ("ext:20", "Extension starts with"),
    ("name:ann", "Name only"),
    ("note:lunch", "Note contains"),
    ("sales free", "Every word must match"),
];

/// The heading of the name column.
const NAME_HEADING: &str = "Name in [keys]";

/// One line per action: its keys, its name in `[keys]` and what it does.
/// Then, if the operator's own URI is not in the directory, what that means.
pub fn key_lines(model: &Model) -> Vec<Line<'static>> {
    let theme = &Theme::of(model);
    let labels: Vec<(String, &str, &str)> = Action::ALL
        .iter()
        .copied()
        .filter(|a| !model.keymap.keys(*a).is_empty())
        // The notes keys only when this console has a notes database.
        // The history (F8) is read from the notes database too.
        .filter(|a| {
            model.notes.enabled
                || !matches!(a, Action::EditNote | Action::NoteHistory | Action::History)
        })
        .map(|a| {
            let keys: Vec<String> = model
                .keymap
                .keys(a)
                .iter()
                .map(|k| k.label(theme.ascii))
                .collect();
            (keys.join(", "), a.name(), a.description())
        })
        .collect();
    let typing = "letters, digits";
    let w = labels
        .iter()
        .map(|(k, _, _)| Span::raw(k.as_str()).width())
        .max()
        .unwrap_or(0)
        .max(typing.len())
        + 1;
    let nw = labels
        .iter()
        .map(|(_, n, _)| n.len())
        .max()
        .unwrap_or(0)
        .max(NAME_HEADING.len())
        + 1;
    let row = |keys: &str, name: &str, does: &str| {
        Line::from(vec![
            Span::styled(format!("{keys:<w$}"), theme.key()),
            Span::styled(format!("{name:<nw$}"), theme.dim()),
            Span::raw(does.to_string()),
        ])
    };
    let heading = Style::new().add_modifier(Modifier::BOLD);
    let mut out = vec![
        Line::styled(
            format!("{:<w$}{NAME_HEADING:<nw$}What it does", "Keys"),
            heading,
        ),
        row(typing, "", "Search: just type"),
    ];
    for (keys, name, description) in labels {
        out.push(row(&keys, name, description));
    }
    // The search filters, each with an example (one line each: a new
    // filter is one entry in `FIELD_FILTERS` or `StateFilter::ALL`).
    out.push(Line::styled("Search filters (combine freely)", heading));
    for (example, does) in FIELD_FILTERS {
        out.push(row(example, "", does));
    }
    for (_, name, example) in crate::search::StateFilter::ALL {
        out.push(row(&format!("is:{name}"), "", &format!("e.g. {example}")));
    }
    if let (Some(uri), None) = (&model.own_uri, model.own_id) {
        // No blank line before: at 80x24 the hints row stays visible.
        let warning = theme.warning();
        out.push(Line::styled(
            format!("me: {uri} is not a [[contact]]:"),
            warning,
        ));
        out.push(Line::styled(
            "add it to the config to see your own status.",
            warning,
        ));
    }
    out
}

/// The glyph legend.
pub fn legend_lines(model: &Model) -> Vec<Line<'static>> {
    let theme = &Theme::of(model);
    let g = theme.glyphs;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut out = vec![Line::styled("Presence", bold)];
    for p in Presence::ALL {
        out.push(Line::from(vec![
            Span::styled(theme.presence_glyph(p), theme.presence_style(p, true)),
            Span::raw(format!(" {}", p.label())),
        ]));
    }
    out.push(Line::styled("Line", bold));
    for l in LineState::ALL {
        let style = if l == LineState::Ringing {
            theme.ringing_badge(false)
        } else {
            theme.line_style(l, true)
        };
        out.push(Line::from(vec![
            Span::styled(theme.line_glyph(l), style),
            Span::raw(format!(" {}", l.label())),
        ]));
    }
    out.push(Line::styled("Marks", bold));
    let av = |a: Availability| theme.availability_glyph(&a);
    // At most 17 columns, like the widest presence ("⊗ Call protection").
    out.push(Line::raw(format!(
        "{} vacation {} trip",
        av(Availability::Vacation),
        av(Availability::BusinessTrip)
    )));
    out.push(Line::raw(format!(
        "{} break    {} home",
        av(Availability::Break),
        av(Availability::HomeOffice)
    )));
    out.push(Line::raw(format!(
        "{} other",
        av(Availability::Custom(String::new()))
    )));
    out.push(Line::raw(format!("{}3m stale, 3m ago", g.stale)));
    if model.notes.enabled {
        out.push(Line::raw(format!("{} attendant note", g.note)));
    }
    out.push(Line::raw(format!("{} missed call", g.missed)));
    out.push(Line::raw(format!("{} found in note", g.via_note)));
    out.push(Line::raw(format!("{}3m call, start unseen", g.approx)));
    out
}

/// Which rows of a help `total` rows long show in `height` rows: the first
/// row, the page shown (0-based) and the number of pages. The page asked
/// for cycles ([`Model::help_page`] modulo the pages); the last page shows
/// the last `height` rows, so no page is half empty.
pub fn page(total: usize, height: usize, asked: i32) -> (usize, usize, usize) {
    let height = height.max(1);
    if total <= height {
        return (0, 0, 1);
    }
    let pages = total.div_ceil(height);
    let shown = i64::from(asked).rem_euclid(pages as i64) as usize;
    ((shown * height).min(total - height), shown, pages)
}

/// The bottom border of a help with several pages: where we are and the
/// keys that page (as bound in `[keys]`).
fn pager(model: &Model, shown: usize, pages: usize) -> String {
    let ascii = Theme::of(model).ascii;
    let first = |a: Action| {
        model
            .keymap
            .keys(a)
            .first()
            .map_or_else(|| a.name().to_string(), |k| k.label(ascii))
    };
    format!(
        " page {}/{pages}: {} more, {} back ",
        shown + 1,
        first(Action::PageDown),
        first(Action::PageUp)
    )
}

/// Draw the help over `screen`, paged when taller than it.
pub fn render(model: &Model, screen: Rect, buf: &mut Buffer) {
    let keys = key_lines(model);
    let legend = legend_lines(model);
    let width = |lines: &[Line]| lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let key_w = width(&keys);
    let legend_w = width(&legend);
    let two_columns = screen.width >= key_w + legend_w + 3;
    let (w, total) = if two_columns {
        (key_w + legend_w + 3, keys.len().max(legend.len()))
    } else {
        (screen.width.min(key_w + 2), keys.len() + legend.len() + 1)
    };
    let w = w.min(screen.width);
    let h = (total as u16 + 2).min(screen.height);
    let area = Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    );
    Clear.render(area, buf);
    let theme = Theme::of(model);
    let mut block = theme
        .block()
        .border_style(theme.header())
        .title(Span::styled(" Help ", theme.header()));
    let (first, shown, pages) = page(total, usize::from(h.saturating_sub(2)), model.help_page);
    if pages > 1 {
        block = block.title_bottom(Span::styled(pager(model, shown, pages), theme.key()));
    }
    let scroll = (u16::try_from(first).unwrap_or(u16::MAX), 0);
    let inner = block.inner(area);
    block.render(area, buf);
    if two_columns {
        let left = Rect::new(inner.x, inner.y, key_w.min(inner.width), inner.height);
        Paragraph::new(keys).scroll(scroll).render(left, buf);
        let lx = inner.x + key_w + 1;
        let right = Rect::new(lx, inner.y, inner.right().saturating_sub(lx), inner.height);
        // The legend moves only as far as it must to show its own end.
        let legend_first = first.min(legend.len().saturating_sub(usize::from(inner.height)));
        let legend_scroll = (u16::try_from(legend_first).unwrap_or(u16::MAX), 0);
        Paragraph::new(legend)
            .scroll(legend_scroll)
            .render(right, buf);
    } else {
        let mut all = keys;
        all.push(Line::raw(""));
        all.extend(legend);
        Paragraph::new(all).scroll(scroll).render(inner, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::page;

    #[test]
    fn a_help_that_fits_has_one_page_and_a_longer_one_cycles() {
        assert_eq!(page(22, 22, 5), (0, 0, 1));
        assert_eq!(page(26, 22, 0), (0, 0, 2));
        assert_eq!(page(26, 22, 1), (4, 1, 2), "the last page ends at the end");
        assert_eq!(page(26, 22, 2), (0, 0, 2), "PgDn past the end: the first");
        assert_eq!(
            page(26, 22, -1),
            (4, 1, 2),
            "PgUp before the start: the last"
        );
        assert_eq!(page(50, 10, -2), (30, 3, 5));
    }
}
