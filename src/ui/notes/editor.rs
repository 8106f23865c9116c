//! The note editor on screen: the text soft-wrapped to the box, scrolled so
//! the cursor's row is visible, the cursor drawn as a reversed cell (seen on
//! every terminal, colour or not, and in a test buffer), then the "until"
//! field, a problem if any, and the keys with the bytes used.
//!
//! The view is pure, so the scroll is not remembered: the first row shown
//! is the one that puts the cursor on the last visible row when it would
//! be below the box, else the top.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::app::notes::Editor;
use crate::notes::MAX_NOTE_BYTES;
use crate::ui::theme::Theme;

/// The width of one char on screen (0 for combining marks, 2 for wide).
fn width(c: char) -> usize {
    let mut b = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut b)).width()
}

/// The text's rows when wrapped at `w` cells (byte ranges), and the
/// cursor's (row, column).
pub fn wrap(text: &str, cursor: usize, w: usize) -> (Vec<(usize, usize)>, (usize, usize)) {
    let w = w.max(2);
    let mut rows = Vec::new();
    let mut at = (0, 0);
    let mut base = 0;
    for line in text.split('\n') {
        let (mut row_start, mut col) = (base, 0);
        for (i, c) in line.char_indices() {
            let cw = width(c);
            if col + cw > w {
                rows.push((row_start, base + i));
                row_start = base + i;
                col = 0;
            }
            if base + i == cursor {
                at = (rows.len(), col);
            }
            col += cw;
        }
        let end = base + line.len();
        if cursor == end {
            if col >= w {
                rows.push((row_start, end));
                row_start = end;
                col = 0;
            }
            at = (rows.len(), col);
        }
        rows.push((row_start, end));
        base = end + 1;
    }
    (rows, at)
}

fn reverse(buf: &mut Buffer, x: u16, y: u16) {
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_style(Style::new().add_modifier(Modifier::REVERSED));
    }
}

/// Draw the editor inside `area` (the box's inside).
pub fn render(ed: &Editor, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut bottom: Vec<Line> = Vec::new();
    let label = "Until (YYYY-MM-DD, empty: none): ";
    bottom.push(Line::raw(""));
    bottom.push(Line::from(vec![
        Span::styled(label, theme.header()),
        Span::raw(format!("{:<12}", ed.until)),
        Span::styled(
            format!("{}/{MAX_NOTE_BYTES} bytes", ed.text.len()),
            theme.dim(),
        ),
    ]));
    if let Some(p) = &ed.problem {
        bottom.push(Line::styled(p.as_str(), theme.error()));
    }
    bottom.push(Line::styled(
        [
            "Ctrl-s save",
            "Esc cancel",
            "Tab text/until",
            "Ctrl-e clear until",
        ]
        .join(super::sep(theme)),
        theme.key(),
    ));
    let text_h = usize::from(area.height).saturating_sub(bottom.len()).max(1);
    let w = usize::from(area.width);
    let (rows, (crow, ccol)) = wrap(&ed.text, ed.cursor.min(ed.text.len()), w);
    let first = (crow + 1).saturating_sub(text_h);
    for (y, &(s, e)) in rows.iter().skip(first).take(text_h).enumerate() {
        let y = area.y + y as u16;
        buf.set_stringn(area.x, y, &ed.text[s..e], w, Style::new());
    }
    let top = area.y + text_h.min(usize::from(area.height)) as u16;
    for (y, line) in (top..area.y + area.height).zip(&bottom) {
        buf.set_line(area.x, y, line, area.width);
    }
    if ed.on_until {
        let until_y = area.y + text_h as u16 + 1;
        let col = label.len()
            + ed.until[..ed.until_cursor.min(ed.until.len())]
                .chars()
                .count();
        if col < w && until_y < area.y + area.height {
            reverse(buf, area.x + col as u16, until_y);
        }
    } else if ccol < w {
        reverse(buf, area.x + ccol as u16, area.y + (crow - first) as u16);
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_lines_wrap_and_the_cursor_follows_onto_the_next_row() {
        let (rows, at) = wrap("abcdef\ngh", 3, 4);
        assert_eq!(rows, vec![(0, 4), (4, 6), (7, 9)]);
        assert_eq!(at, (0, 3));
        assert_eq!(wrap("abcdef\ngh", 5, 4).1, (1, 1));
        assert_eq!(wrap("abcd", 4, 4).1, (1, 0), "at a full row's end");
        assert_eq!(wrap("abcdef\ngh", 9, 4).1, (2, 2));
        assert_eq!(wrap("", 0, 4), (vec![(0, 0)], (0, 0)));
    }
}
