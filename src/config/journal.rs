//! The `[journal]` table: how long the journal of state changes and missed
//! calls is kept in the notes database.
//!
//! ```toml
//! [journal]
//! retention_days = 30   # 1-3650; older entries are pruned
//! ```

use serde::Deserialize;
use toml::Spanned;

use super::sections::Reader;

/// The table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawJournal {
    pub retention_days: Option<Spanned<i64>>,
}

/// `[journal]` as checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Journal {
    /// Entries older than this many days are pruned.
    pub retention_days: u32,
}

impl Default for Journal {
    fn default() -> Self {
        Journal {
            retention_days: crate::notes::journal::DEFAULT_RETENTION_DAYS,
        }
    }
}

/// The longest retention accepted (ten years).
const MAX_DAYS: u64 = 3650;

/// Check `[journal]`; a mistake is recorded in `r` (and the default kept).
pub(super) fn check(r: &mut Reader<'_, '_>) -> Journal {
    let d = Journal::default();
    let Some(raw) = r.table::<RawJournal>("journal").map(Spanned::into_inner) else {
        return d;
    };
    let src = r.src;
    let days = r.keep(super::validate::in_range(
        src,
        raw.retention_days.as_ref(),
        "journal.retention_days",
        1..=MAX_DAYS,
        u64::from(d.retention_days),
        "days",
    ));
    Journal {
        retention_days: days
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(d.retention_days),
    }
}

/// The example value of each key (for messages and the example-file test).
pub(super) fn example(path: &str) -> Option<&'static str> {
    Some(match path {
        "journal" => "[journal] with retention_days = 30",
        "journal.retention_days" => "retention_days = 30",
        _ => return None,
    })
}
