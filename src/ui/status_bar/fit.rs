//! Fitting the status items into one row: the lowest [`Keep`] gives way
//! first; a connection failure's reason is cut at its end rather than
//! dropped; the search query keeps its end when even the essentials are too
//! wide; the clock sits at the right end.

use ratatui::text::{Line, Span};

use crate::ui::theme::Theme;

/// Status items, most important first to keep: at 80x24 the search, the
/// connection and the clock are never cut; the others give way, lowest
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Keep {
    /// "type to search": gone first.
    Placeholder,
    Counts,
    ListNote,
    Me,
    /// Why the connection failed: the state itself is [`Keep::Always`];
    /// its reason stays longer than the own-status line, gives way to
    /// notes waiting to be saved, views and ringing phones, and when it
    /// does not fit whole its start is kept ("certificate check failed: …
    /// expired…").
    Reason,
    Notes,
    ReadOnly,
    View,
    /// "N missed" (the journal): after the ringing phones.
    Missed,
    Ringing,
    Always,
}

/// The fewest columns of a connection failure's reason worth showing.
const REASON_MIN: usize = 24;

/// Cut a [`Keep::Reason`] item by `over` columns, keeping its start; false
/// (nothing changed) for any other item or when too little would be left.
fn cut_reason(item: &mut (Keep, Vec<Span<'_>>), over: usize, ellipsis: &str) -> bool {
    let (Keep::Reason, spans) = item else {
        return false;
    };
    let Some(span) = spans.last_mut() else {
        return false;
    };
    let ell = Span::raw(ellipsis).width();
    let keep = span.width().saturating_sub(over + ell);
    if keep < REASON_MIN {
        return false;
    }
    let mut head = String::new();
    let mut w = 0;
    for c in span.content.chars() {
        let cw = Span::raw(c.to_string()).width();
        if w + cw > keep {
            break;
        }
        w += cw;
        head.push(c);
    }
    *span = Span::styled(format!("{head}{ellipsis}"), span.style);
    true
}

/// Drop the items that do not fit, lowest [`Keep`] first (latest first
/// among equals); the clock goes at the right end.
pub(super) fn fit<'a>(
    mut items: Vec<(Keep, Vec<Span<'a>>)>,
    clock: Option<Span<'a>>,
    width: u16,
    theme: &Theme,
) -> Line<'a> {
    let bar = theme.glyphs.bar;
    let bar_w = Span::raw(bar).width();
    let clock_w = clock.as_ref().map_or(0, |c| c.width() + bar_w);
    // A reason is glued to the state before it (no bar).
    let bars = |items: &[(Keep, Vec<Span>)]| {
        items
            .iter()
            .skip(1)
            .filter(|(k, _)| *k != Keep::Reason)
            .count()
    };
    let total = |items: &[(Keep, Vec<Span>)]| {
        items
            .iter()
            .map(|(_, spans)| spans.iter().map(Span::width).sum::<usize>())
            .sum::<usize>()
            + bar_w * bars(items)
            + clock_w
    };
    while total(&items) > usize::from(width) {
        let lowest = items
            .iter()
            .enumerate()
            .filter(|(_, (k, _))| *k != Keep::Always)
            .min_by_key(|(i, (k, _))| (*k, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match lowest {
            Some(i) => {
                let over = total(&items) - usize::from(width);
                if !cut_reason(&mut items[i], over, theme.glyphs.ellipsis) {
                    items.remove(i);
                }
            }
            None => break,
        }
    }
    // Still too wide: the search query keeps its end (what is being
    // typed), so the clock and the connection stay whole.
    let over = total(&items).saturating_sub(usize::from(width));
    if over > 0
        && let Some((_, item)) = items.iter_mut().rev().find(|(k, _)| *k == Keep::Always)
        && let Some(longest) = item.iter_mut().max_by_key(|s| s.width())
    {
        let ellipsis = theme.glyphs.ellipsis;
        let keep = longest
            .width()
            .saturating_sub(over + Span::raw(ellipsis).width());
        let text: String = longest.content.chars().collect();
        let mut tail: Vec<char> = Vec::new();
        let mut w = 0;
        for c in text.chars().rev() {
            let cw = Span::raw(c.to_string()).width();
            if w + cw > keep {
                break;
            }
            w += cw;
            tail.push(c);
        }
        let cut: String = tail.into_iter().rev().collect();
        *longest = Span::styled(format!("{ellipsis}{cut}"), longest.style);
    }
    let used = total(&items);
    let mut spans = Vec::new();
    for (i, (keep, item)) in items.into_iter().enumerate() {
        if i > 0 && keep != Keep::Reason {
            spans.push(Span::styled(bar, theme.dim()));
        }
        spans.extend(item);
    }
    if let Some(clock) = clock {
        let pad = usize::from(width).saturating_sub(used);
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled(bar, theme.dim()));
        spans.push(clock);
    }
    Line::from(spans)
}
