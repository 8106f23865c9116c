//! The help overlay, generated from the keymap (never a hand-kept list) and
//! from the glyph set in use.

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

/// One line per action: its keys and what it does.
pub fn key_lines(model: &Model) -> Vec<Line<'static>> {
    let theme = &Theme::of(model);
    let labels: Vec<(String, &str)> = Action::ALL
        .into_iter()
        .filter(|a| !model.keymap.keys(*a).is_empty())
        .map(|a| {
            let keys: Vec<String> = model
                .keymap
                .keys(a)
                .iter()
                .map(|k| k.label(theme.ascii))
                .collect();
            (keys.join(", "), a.description())
        })
        .collect();
    let typing = "letters, digits";
    let w = labels
        .iter()
        .map(|(k, _)| Span::raw(k.as_str()).width())
        .max()
        .unwrap_or(0)
        .max(typing.len())
        + 1;
    let mut out = vec![Line::from(vec![
        Span::styled(format!("{typing:<w$}"), theme.key()),
        Span::raw("Search: just type"),
    ])];
    for (keys, description) in labels {
        out.push(Line::from(vec![
            Span::styled(format!("{keys:<w$}"), theme.key()),
            Span::raw(description),
        ]));
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
    out.push(Line::raw(format!(
        "{} break    {} trip",
        av(Availability::Break),
        av(Availability::BusinessTrip)
    )));
    out.push(Line::raw(format!(
        "{} home     {} vacation",
        av(Availability::HomeOffice),
        av(Availability::Vacation)
    )));
    out.push(Line::raw(format!(
        "{} other    {} note",
        av(Availability::Custom(String::new())),
        g.note
    )));
    out.push(Line::raw(format!("{}3m stale, with its age", g.stale)));
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
