//! The F5 status picker: the states with their letters, the profiles with
//! their digits, and the optional fields (note, availability, until). The
//! field with the keyboard is marked with `>` (no colour needed).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::app::model::Model;
use crate::app::own_status::{Field, Picker};
use crate::status::Chosen;
use crate::ui::theme::Theme;

/// The picker's lines.
pub fn lines(model: &Model, picker: &Picker) -> Vec<Line<'static>> {
    let theme = &Theme::of(model);
    let mut out = Vec::new();
    let choosing = picker.field == Field::Choice;
    out.push(Line::styled(
        if choosing {
            "> press a letter (or a profile's digit)"
        } else {
            "  letters type into the field; Enter: back to choosing"
        },
        Style::new().add_modifier(Modifier::BOLD),
    ));
    let mut row = Vec::new();
    for (i, state) in Chosen::ALL.into_iter().enumerate() {
        row.push(Span::styled(format!("  {}", state.key()), theme.key()));
        row.push(Span::raw(format!(" {:<15}", state.label())));
        if i % 3 == 2 {
            out.push(Line::from(std::mem::take(&mut row)));
        }
    }
    if !row.is_empty() {
        out.push(Line::from(row));
    }
    for (i, p) in model.own.profiles.iter().take(9).enumerate() {
        let mut what = vec![p.state.label().to_lowercase()];
        what.extend(p.availability.as_ref().map(|a| a.label().to_string()));
        what.extend(p.duration.map(|d| match d.as_secs() {
            s if s % 3600 == 0 => format!("{} h", s / 3600),
            s => format!("{} min", s.div_ceil(60)),
        }));
        out.push(Line::from(vec![
            Span::styled(format!("  {}", i + 1), theme.key()),
            Span::raw(format!(" {} — {}", p.name, what.join(", "))),
        ]));
    }
    let field = |f: Field, name: &str, value: &str, hint: &str| {
        let mark = if picker.field == f { "> " } else { "  " };
        let shown = if value.is_empty() && picker.field != f {
            Span::styled(hint.to_string(), theme.dim())
        } else {
            Span::styled(format!("{value}_"), theme.matched())
        };
        Line::from(vec![Span::raw(format!("{mark}{name:<13}")), shown])
    };
    out.push(field(Field::Note, "Note", &picker.note, "(optional)"));
    out.push(field(
        Field::Availability,
        "Availability",
        &picker.availability,
        "break, business-trip, home-office, vacation, or text",
    ));
    out.push(field(
        Field::Until,
        "Until",
        &picker.until,
        "14:30, 2026-12-14, 45m (optional)",
    ));
    out.push(Line::styled("  Tab: next field   Esc: close", theme.dim()));
    out
}

/// Draw the picker over the grid, centred.
pub fn render(model: &Model, screen: Rect, buf: &mut Buffer) {
    let Some(picker) = &model.own.picker else {
        return;
    };
    let lines = lines(model, picker);
    let want_h = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let w = screen.width.min(76);
    let h = screen.height.min(want_h);
    let area = Rect {
        x: screen.x + (screen.width - w) / 2,
        y: screen.y + (screen.height - h) / 2,
        width: w,
        height: h,
    };
    Clear.render(area, buf);
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" My status (F5) "),
        )
        .render(area, buf);
}
