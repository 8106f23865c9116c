//! What the grid shows, in order: group headers and cells, cut into rows of
//! `cols` cells. Rebuilt by `update` when the search, the favourites or the
//! width change; `view` only reads it. Navigation (up/down/page) is answered
//! here from the row structure.

use crate::presence::ContactId;

/// One cell of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRef {
    pub id: ContactId,
    /// Index into `Search::hits()` while a search is active.
    pub hit: Option<usize>,
    /// True for the copy of a contact shown in the favourites group.
    pub in_favourites: bool,
}

/// One screen row of the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Header {
        title: String,
        count: usize,
        favourites: bool,
    },
    /// Cells `start..end` of [`GridList::cells`].
    Cells { start: usize, end: usize },
}

/// A group of cells under one header (no header while searching).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub title: Option<String>,
    pub favourites: bool,
    pub cells: Vec<CellRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GridList {
    pub cells: Vec<CellRef>,
    pub rows: Vec<Row>,
    /// For each cell, the index of its row.
    pub cell_row: Vec<usize>,
    pub cols: usize,
}

impl GridList {
    pub fn build(groups: Vec<Group>, cols: usize) -> GridList {
        let cols = cols.max(1);
        let mut list = GridList {
            cols,
            ..GridList::default()
        };
        for g in groups {
            if let Some(title) = g.title {
                list.rows.push(Row::Header {
                    title,
                    count: g.cells.len(),
                    favourites: g.favourites,
                });
            }
            for chunk in g.cells.chunks(cols) {
                let start = list.cells.len();
                list.cells.extend_from_slice(chunk);
                let end = list.cells.len();
                list.cell_row
                    .extend(std::iter::repeat_n(list.rows.len(), chunk.len()));
                list.rows.push(Row::Cells { start, end });
            }
        }
        list
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    fn cells_of_row(&self, row: usize) -> Option<(usize, usize)> {
        match self.rows.get(row)? {
            Row::Cells { start, end } => Some((*start, *end)),
            Row::Header { .. } => None,
        }
    }

    /// The cell `delta` cell-rows above (negative) or below the cursor, in
    /// the same column where that row is long enough; clamped at the ends.
    pub fn move_rows(&self, cursor: usize, delta: isize) -> usize {
        let Some(&row) = self.cell_row.get(cursor) else {
            return 0;
        };
        let Some((start, _)) = self.cells_of_row(row) else {
            return cursor;
        };
        let col = cursor - start;
        let mut r = row;
        let mut left = delta.unsigned_abs();
        let mut target = row;
        while left > 0 {
            let next = if delta < 0 {
                r.checked_sub(1)
            } else {
                Some(r + 1).filter(|n| *n < self.rows.len())
            };
            let Some(n) = next else { break };
            r = n;
            if self.cells_of_row(r).is_some() {
                target = r;
                left -= 1;
            }
        }
        match self.cells_of_row(target) {
            Some((s, e)) if target != row => (s + col).min(e - 1),
            _ if delta < 0 && left > 0 => 0,
            _ if delta > 0 && left > 0 => self.cells.len().saturating_sub(1),
            _ => cursor,
        }
    }

    /// The first row to show so that the cursor's row is visible in a window
    /// of `height` rows, moving as little as possible from `scroll`. A group
    /// header directly above the cursor's row is kept in view too.
    pub fn scroll_for(&self, cursor: usize, scroll: usize, height: usize) -> usize {
        let height = height.max(1);
        let max_scroll = self.rows.len().saturating_sub(height);
        let Some(&row) = self.cell_row.get(cursor) else {
            return 0;
        };
        let wanted_top = match row.checked_sub(1).and_then(|r| self.rows.get(r)) {
            Some(Row::Header { .. }) if height > 1 => row - 1,
            _ => row,
        };
        let scroll = if wanted_top < scroll {
            wanted_top
        } else if row >= scroll + height {
            row + 1 - height
        } else {
            scroll
        };
        scroll.min(max_scroll)
    }

    /// Where a contact is shown: its occurrence in (or out of) the
    /// favourites group if it has one, else any occurrence.
    pub fn position_of(&self, id: ContactId, in_favourites: bool) -> Option<usize> {
        self.cells
            .iter()
            .position(|c| c.id == id && c.in_favourites == in_favourites)
            .or_else(|| self.cells.iter().position(|c| c.id == id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(title: &str, ids: std::ops::Range<u32>) -> Group {
        Group {
            title: Some(title.into()),
            favourites: false,
            cells: ids
                .map(|i| CellRef {
                    id: ContactId(i),
                    hit: None,
                    in_favourites: false,
                })
                .collect(),
        }
    }

    // Rows: 0 header A, 1 [0 1 2], 2 [3 4], 3 header B, 4 [5 6 7], 5 [8]
    fn sample() -> GridList {
        GridList::build(vec![group("A", 0..5), group("B", 5..9)], 3)
    }

    #[test]
    fn rows_break_at_group_ends() {
        let l = sample();
        assert_eq!(l.rows.len(), 6);
        assert_eq!(l.cell_row, vec![1, 1, 1, 2, 2, 4, 4, 4, 5]);
    }

    #[test]
    fn up_and_down_keep_the_column_and_skip_headers() {
        let l = sample();
        assert_eq!(l.move_rows(1, 1), 4); // column 1 → row [3 4] col 1
        assert_eq!(l.move_rows(2, 1), 4); // column 2 clamps to the short row's end
        assert_eq!(l.move_rows(4, 1), 6); // across the header B
        assert_eq!(l.move_rows(6, -1), 4);
        assert_eq!(l.move_rows(1, -1), 0); // top: clamp to the first cell
        assert_eq!(l.move_rows(8, 1), 8); // last cell stays
        assert_eq!(l.move_rows(0, 10), 8); // a page past the end: the last cell
    }

    #[test]
    fn scrolling_keeps_the_cursor_and_its_header_visible() {
        let l = sample();
        assert_eq!(l.scroll_for(8, 0, 3), 3);
        assert_eq!(l.scroll_for(5, 4, 3), 3); // header B comes into view
        assert_eq!(l.scroll_for(0, 3, 3), 0);
        assert_eq!(l.scroll_for(3, 0, 3), 0);
    }
}
