//! Phones as the receptionist follows them: when each ringing phone began
//! to ring (the status bar names the first), when each call began (its
//! duration), missed calls not yet looked at, and F6, the next ringing
//! phone.
//!
//! A call's duration counts from when this console saw it start: the line
//! went from ready or ringing to active while we watched. A call already
//! active in the first state we got (the console started, or re-subscribed,
//! mid-call) counts from then and is marked approximate (`≈`).

use std::collections::HashMap;
use std::time::Instant;

use crate::app::model::{Focus, Model};
use crate::presence::{ContactId, LineState};

/// When a call began and whether the console saw it begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallStart {
    pub at: Instant,
    pub exact: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Calls {
    /// The line state each contact was last seen in.
    last: HashMap<ContactId, LineState>,
    /// Active calls.
    pub started: HashMap<ContactId, CallStart>,
    /// Ringing phones: when each began to ring.
    pub ringing_since: HashMap<ContactId, Instant>,
}

impl Calls {
    /// A contact's line is now `line` (at `now`).
    pub fn observe(&mut self, id: ContactId, line: LineState, now: Instant) {
        let before = self.last.insert(id, line);
        if line == LineState::Active {
            let exact = matches!(before, Some(LineState::Ready | LineState::Ringing));
            self.started
                .entry(id)
                .or_insert(CallStart { at: now, exact });
        } else {
            self.started.remove(&id);
        }
        if line == LineState::Ringing {
            self.ringing_since.entry(id).or_insert(now);
        } else {
            self.ringing_since.remove(&id);
        }
    }

    /// The phone that has rung longest.
    pub fn first_ringing(&self) -> Option<ContactId> {
        self.ringing_since
            .iter()
            .min_by_key(|(id, at)| (**at, **id))
            .map(|(id, _)| *id)
    }
}

/// How long a call has lasted, as a cell and the panel show it: `4m`,
/// `≈4m` when the console did not see it start (`~` in ASCII).
pub fn duration_label(start: CallStart, now: Instant, ascii: bool) -> String {
    let mark = match (start.exact, ascii) {
        (true, _) => "",
        (false, false) => "≈",
        (false, true) => "~",
    };
    let s = now.saturating_duration_since(start.at).as_secs();
    let d = match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        _ => format!("{}h{:02}", s / 3600, s % 3600 / 60),
    };
    format!("{mark}{d}")
}

/// F6: select the next ringing phone (after the selected one, in grid
/// order; the longest-ringing first when none is selected) and open its
/// details, where the caller is. A ringing phone the grid does not list
/// (a search, a filter or a group hides it) brings back everyone.
pub(crate) fn next_ringing(model: &mut Model) {
    if model.ringing.is_empty() {
        model.message = Some("No phone is ringing".into());
        return;
    }
    let mut order: Vec<(usize, ContactId)> = model
        .ringing
        .iter()
        .map(|&id| (model.list.position_of(id, false).unwrap_or(usize::MAX), id))
        .collect();
    order.sort_unstable();
    let current = model.selected();
    let after = current
        .and_then(|c| order.iter().position(|(_, id)| *id == c))
        .map(|i| i + 1);
    let target = match after {
        Some(i) => order.get(i).or(order.first()),
        None => {
            let first = model.calls.first_ringing();
            order
                .iter()
                .find(|(_, id)| Some(*id) == first)
                .or(order.first())
        }
    };
    let Some(&(pos, id)) = target else { return };
    if pos == usize::MAX {
        crate::app::update::show_everyone(model);
    }
    if let Some(cursor) = model.list.position_of(id, false) {
        model.cursor = cursor;
        model.panel_scroll = 0;
    }
    crate::app::update::open_details(model);
    model.focus = Focus::Grid;
    model.fix_scroll();
    model.dirty = true;
}
