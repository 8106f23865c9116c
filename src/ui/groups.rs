//! The group picker (F9 / Ctrl-G): every view with the number Ctrl-n and
//! Alt-n choose it by; Enter or the digit switches, Esc closes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use crate::app::model::Model;
use crate::ui::theme::Theme;

pub fn render(model: &Model, screen: Rect, buf: &mut Buffer) {
    let Some(row) = model.views.picker else {
        return;
    };
    let theme = Theme::of(model);
    let count = model.views.count();
    let lines: Vec<Line> = (0..count)
        .map(|i| {
            let members = match i {
                crate::app::views::EVERYONE => model.store.len(),
                crate::app::views::FAVOURITES => model.meta.iter().filter(|m| m.favourite).count(),
                n => model.views.groups.get(n - 2).map_or(0, |g| g.members.len()),
            };
            let digit = if i < 9 {
                format!("{} ", i + 1)
            } else {
                "  ".into()
            };
            let current = if i == model.views.current { " *" } else { "" };
            let text = format!("{digit}{} ({members}){current}", model.views.name(i));
            let style = if i == row {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    let w = lines.iter().map(Line::width).max().unwrap_or(0).max(30) as u16 + 2;
    let w = w.min(screen.width);
    let h = (count as u16 + 2).min(screen.height);
    let area = Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    );
    Clear.render(area, buf);
    let block = theme
        .block()
        .border_style(theme.header())
        .title(Span::styled(" Groups: Enter or 1-9 ", theme.header()));
    let first = usize::from(h.saturating_sub(2));
    let scroll = row.saturating_sub(first.saturating_sub(1));
    Paragraph::new(lines)
        .block(block)
        .scroll((u16::try_from(scroll).unwrap_or(0), 0))
        .render(area, buf);
}
