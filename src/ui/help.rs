//! The help overlay, generated from the keymap (never a hand-kept list) and
//! from the glyph set in use. Each action is listed with its keys, the name
//! the config's `[keys]` table knows it by, and what it does; at 80x24 the
//! key table and the legend share the screen.

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

/// The heading of the name column.
const NAME_HEADING: &str = "Name in [keys]";

/// One line per action: its keys, its name in `[keys]` and what it does.
/// Then, if the operator's own URI is not in the directory, what that means.
pub fn key_lines(model: &Model) -> Vec<Line<'static>> {
    let theme = &Theme::of(model);
    let labels: Vec<(String, &str, &str)> = Action::ALL
        .into_iter()
        .filter(|a| !model.keymap.keys(*a).is_empty())
        // The notes keys only when this console has a notes database.
        .filter(|a| model.notes.enabled || !matches!(a, Action::EditNote | Action::NoteHistory))
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
    out
}

pub fn render(model: &Model, screen: Rect, buf: &mut Buffer) {
    let keys = key_lines(model);
    let legend = legend_lines(model);
    let width = |lines: &[Line]| lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let key_w = width(&keys);
    let legend_w = width(&legend);
    let two_columns = screen.width >= key_w + legend_w + 3;
    let (w, h) = if two_columns {
        (
            key_w + legend_w + 3,
            keys.len().max(legend.len()) as u16 + 2,
        )
    } else {
        (
            screen.width.min(key_w + 2),
            (keys.len() + legend.len() + 1) as u16 + 2,
        )
    };
    let w = w.min(screen.width);
    let h = h.min(screen.height);
    let area = Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    );
    Clear.render(area, buf);
    let block = Theme::of(model)
        .block()
        .border_style(Theme::of(model).header())
        .title(Span::styled(" Help ", Theme::of(model).header()));
    let inner = block.inner(area);
    block.render(area, buf);
    if two_columns {
        let left = Rect::new(inner.x, inner.y, key_w.min(inner.width), inner.height);
        Paragraph::new(keys).render(left, buf);
        let lx = inner.x + key_w + 1;
        let right = Rect::new(lx, inner.y, inner.right().saturating_sub(lx), inner.height);
        Paragraph::new(legend).render(right, buf);
    } else {
        let mut all = keys;
        all.push(Line::raw(""));
        all.extend(legend);
        Paragraph::new(all).render(inner, buf);
    }
}
