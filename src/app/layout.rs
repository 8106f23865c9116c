//! Screen geometry: where the grid, the side panel and the status bar go.
//! Pure functions of the terminal size, shared by `update` (navigation needs
//! the number of columns and visible rows) and `view`.

use ratatui::layout::Rect;

/// Cells are at least this wide; the grid divides its width evenly.
pub const MIN_CELL_WIDTH: u16 = 24;
/// Rows of the status bar: the information line and the key hints.
pub const STATUS_ROWS: u16 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The DEMO line on top, when running against the demo server.
    pub demo: Option<Rect>,
    pub grid: Rect,
    /// The details panel, when open.
    pub panel: Option<Rect>,
    pub status: Rect,
}

/// Split the screen. On narrow terminals (< 56 columns) an open panel takes
/// the whole middle instead of sharing it with the grid.
pub fn areas(width: u16, height: u16, panel_open: bool, demo: bool) -> Areas {
    let demo_rows = u16::from(demo && height > STATUS_ROWS + 2);
    let status_rows = STATUS_ROWS.min(height.saturating_sub(demo_rows));
    let middle_h = height.saturating_sub(demo_rows + status_rows);
    let demo = (demo_rows > 0).then(|| Rect::new(0, 0, width, 1));
    let middle = Rect::new(0, demo_rows, width, middle_h);
    let status = Rect::new(0, demo_rows + middle_h, width, status_rows);
    if !panel_open {
        return Areas {
            demo,
            grid: middle,
            panel: None,
            status,
        };
    }
    if width < 56 {
        let grid = Rect::new(0, middle.y, 0, middle_h);
        return Areas {
            demo,
            grid,
            panel: Some(middle),
            status,
        };
    }
    let panel_w = (width / 3).clamp(30, 48);
    let grid = Rect::new(0, middle.y, width - panel_w, middle_h);
    let panel = Rect::new(width - panel_w, middle.y, panel_w, middle_h);
    Areas {
        demo,
        grid,
        panel: Some(panel),
        status,
    }
}

/// How many cell columns fit into a grid this wide (at least one).
pub fn grid_columns(grid_width: u16) -> usize {
    usize::from((grid_width / MIN_CELL_WIDTH).max(1))
}

/// The width of one cell (the grid's width shared evenly).
pub fn cell_width(grid_width: u16, cols: usize) -> u16 {
    let cols = u16::try_from(cols.max(1)).unwrap_or(u16::MAX);
    grid_width / cols
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_fills_the_terminal_and_the_panel_takes_a_third() {
        let a = areas(80, 24, false, false);
        assert_eq!(a.grid, Rect::new(0, 0, 80, 22));
        assert_eq!(a.status, Rect::new(0, 22, 80, 2));
        assert_eq!(grid_columns(a.grid.width), 3);
        let a = areas(160, 48, true, true);
        assert_eq!(a.demo, Some(Rect::new(0, 0, 160, 1)));
        assert_eq!(a.panel, Some(Rect::new(112, 1, 48, 45)));
        assert_eq!(a.grid.width, 112);
        assert_eq!(grid_columns(a.grid.width), 4);
        assert_eq!(cell_width(112, 4), 28);
    }

    #[test]
    fn tiny_terminals_do_not_underflow() {
        for (w, h) in [(0, 0), (1, 1), (10, 2), (40, 3)] {
            let a = areas(w, h, true, true);
            assert!(
                a.status.bottom() <= h && a.grid.bottom() <= h,
                "{w}x{h}: {a:?}"
            );
        }
    }
}
