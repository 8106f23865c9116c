//! Reading `tmux capture-pane -p -e` output: rows of characters with the
//! colours and attributes tmux has for them. The capture holds only SGR
//! escapes (`ESC [ ... m`) and text; the style carries over from one row to
//! the next.

/// A colour as the terminal was told it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Colour {
    #[default]
    Default,
    /// 0-255 (30-37/40-47 are 0-7, 90-97/100-107 are 8-15).
    Indexed(u8),
    Rgb(u8, u8, u8),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub fg: Colour,
    pub bg: Colour,
    pub bold: bool,
    pub reverse: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub ch: char,
    pub style: Style,
}

/// One styled row per line of the capture.
pub fn parse(capture: &str) -> Vec<Vec<Cell>> {
    let mut rows = vec![Vec::new()];
    let mut style = Style::default();
    let mut chars = capture.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\x1b' => {
                if chars.peek() != Some(&'[') {
                    continue;
                }
                chars.next();
                let mut body = String::new();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        if c == 'm' {
                            apply(&mut style, &params(&body));
                        }
                        break;
                    }
                    body.push(c);
                }
            }
            '\n' => rows.push(Vec::new()),
            _ => {
                if let Some(row) = rows.last_mut() {
                    row.push(Cell { ch, style });
                }
            }
        }
    }
    if rows.last().is_some_and(Vec::is_empty) {
        rows.pop();
    }
    rows
}

/// The parameters of every SGR escape in the capture.
pub fn all_sgr(capture: &str) -> Vec<Vec<u16>> {
    let mut out = Vec::new();
    let mut rest = capture;
    while let Some(i) = rest.find("\x1b[") {
        rest = &rest[i + 2..];
        let end = rest
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        if rest[end..].starts_with('m') {
            out.push(params(&rest[..end]));
        }
        rest = &rest[end..];
    }
    out
}

/// `1;38;5;208` → [1, 38, 5, 208]; ':' sub-parameters count as parameters;
/// an empty parameter is 0.
fn params(body: &str) -> Vec<u16> {
    body.split([';', ':'])
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

fn apply(style: &mut Style, params: &[u16]) {
    let mut i = 0;
    while i < params.len() {
        let p = params[i];
        match p {
            0 => *style = Style::default(),
            1 => style.bold = true,
            22 => style.bold = false,
            7 => style.reverse = true,
            27 => style.reverse = false,
            30..=37 => style.fg = Colour::Indexed((p - 30) as u8),
            40..=47 => style.bg = Colour::Indexed((p - 40) as u8),
            90..=97 => style.fg = Colour::Indexed((p - 90 + 8) as u8),
            100..=107 => style.bg = Colour::Indexed((p - 100 + 8) as u8),
            39 => style.fg = Colour::Default,
            49 => style.bg = Colour::Default,
            38 | 48 => {
                let (colour, used) = extended(&params[i + 1..]);
                if p == 38 {
                    style.fg = colour;
                } else {
                    style.bg = colour;
                }
                i += used;
            }
            _ => {}
        }
        i += 1;
    }
}

/// `5;N` or `2;R;G;B` after a 38/48: the colour and how many parameters it
/// took.
fn extended(rest: &[u16]) -> (Colour, usize) {
    let byte = |i: usize| rest.get(i).map_or(0, |v| (*v).min(255) as u8);
    match rest.first() {
        Some(5) => (Colour::Indexed(byte(1)), 2),
        Some(2) => (Colour::Rgb(byte(1), byte(2), byte(3)), 4),
        _ => (Colour::Default, 0),
    }
}

/// Whether an SGR parameter list sets a colour (foreground, background or
/// underline colour) rather than resetting one or changing an attribute.
pub fn sets_colour(params: &[u16]) -> bool {
    // A 38/48 sequence's own numbers come after the 38/48, which counts.
    params
        .iter()
        .any(|p| matches!(p, 30..=38 | 40..=48 | 58 | 90..=97 | 100..=107))
}

/// The text of a styled row.
pub fn text(row: &[Cell]) -> String {
    row.iter().map(|c| c.ch).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_carry_over_and_extended_colours_parse() {
        let rows = parse("\x1b[1m\x1b[38;5;0m\x1b[48;5;208mAB\x1b[0m C\n\x1b[41mD\x1b[49mE\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(text(&rows[0]), "AB C");
        assert_eq!(rows[0][0].style.bg, Colour::Indexed(208));
        assert!(rows[0][0].style.bold);
        assert_eq!(rows[0][3].style, Style::default());
        assert_eq!(rows[1][0].style.bg, Colour::Indexed(1));
        assert_eq!(rows[1][1].style.bg, Colour::Default);
        assert!(sets_colour(&[0, 38, 5, 2]));
        assert!(!sets_colour(&[0, 1, 7, 22, 27, 39, 49]));
        assert_eq!(all_sgr("a\x1b[1;7mb\x1b[0m").len(), 2);
    }
}
