//! Drawing: `view(&Model, &mut Frame)` reads the model and draws; it never
//! changes state, matches or does I/O.

pub mod clock;
pub mod diagnostics;
pub mod grid;
pub mod groups;
pub mod help;
pub mod journal;
pub(crate) mod line_panel;
pub mod notes;
pub mod panel;
pub mod status_bar;
pub mod status_picker;
pub mod theme;

use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::app::layout;
use crate::app::model::Model;
use crate::ui::theme::Theme;

/// Draw the whole console.
pub fn view(model: &Model, frame: &mut Frame) {
    let screen = frame.area();
    let areas = layout::areas(
        screen.width,
        screen.height,
        model.details_open,
        model.demo_hint.is_some(),
    );
    let buf = frame.buffer_mut();
    if let (Some(rect), Some(hint)) = (areas.demo, &model.demo_hint) {
        let line = Line::from(vec![
            Span::styled(" DEMO ", Theme::of(model).demo()),
            Span::raw(" "),
            Span::styled(hint.as_str(), Theme::of(model).dim()),
        ]);
        buf.set_line(rect.x, rect.y, &line, rect.width);
    }
    grid::render(model, areas.grid, buf);
    if let Some(rect) = areas.panel {
        panel::render(model, rect, buf);
    }
    status_bar::render(model, areas.status, buf);
    if model.help_open {
        help::render(model, screen, buf);
    }
    notes::render_overlay(model, screen, buf);
    journal::render_overlay(model, screen, buf);
    status_picker::render(model, screen, buf);
    diagnostics::render(model, screen, buf);
    groups::render(model, screen, buf);
}
