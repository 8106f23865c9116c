//! The journal: every state change the console saw (presence, line, note),
//! with the source and rule that decided it, and the missed calls — "what
//! happened while you looked away".
//!
//! This is the pure part (beside the notes, in the same database): what an
//! entry is, which dialogs were missed calls, how a day of entries reads as
//! a timeline, how entries are batched before they are written, and how
//! long they are kept. Times are milliseconds since the Unix epoch passed in;
//! local time needs a [`TimeZone`] passed in too. The backends
//! (`notes_db`) store and prune the rows; the console's notes thread
//! batches and writes them (`runtime::notes`).
//!
//! Decisions:
//! - A missed call is a dialog towards the contact (ringing: trying,
//!   proceeding or early, direction `recipient`) that went away without
//!   ever being confirmed, whether the document said `terminated` or a
//!   full state simply no longer listed it ([`missed_calls`]).
//! - Several consoles may share one database and each journals what it
//!   sees: a missed call carries its dialog id as `reference`, and the
//!   backends keep one row per (contact, kind, reference); state changes
//!   seen twice read as one in the timeline (consecutive equal states
//!   merge, [`timeline`]).
//! - Every text is made harmless before it is stored and again when read
//!   ([`Entry::made_harmless`]).

use jiff::tz::TimeZone;
use serde::Serialize;

use crate::body::{DialogEntry, DialogState, Direction};

/// `[journal] retention_days` when not set.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// Entries are written at least this often (ms) while any are waiting.
pub const FLUSH_AFTER_MS: i64 = 250;
/// ... and at once when this many are waiting (one transaction each).
pub const FLUSH_AT: usize = 2048;
/// Old entries are pruned at most this often (ms).
pub const PRUNE_EVERY_MS: i64 = 3_600_000;
/// The longest value kept (a status note can be long).
const MAX_VALUE_CHARS: usize = 500;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The person's presence (`busy`, `away`, ...).
    Presence,
    /// The phone line (`ringing`, `active`, ...).
    Line,
    /// A note: the person's own status note, or an attendant note
    /// (source `attendant`).
    Note,
    /// A call towards the contact that was never answered.
    Missed,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Presence, Kind::Line, Kind::Note, Kind::Missed];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Presence => "presence",
            Kind::Line => "line",
            Kind::Note => "note",
            Kind::Missed => "missed",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One row of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The contact's key (its canonical URI, [`super::contact_key`]).
    pub contact: String,
    /// When it happened (ms since the epoch).
    pub at_ms: i64,
    pub kind: Kind,
    /// The new state (`busy`, `ringing`), the note text, or `missed`.
    pub value: String,
    /// Which source decided it (`presence`, `dialog`, `subscription`,
    /// `attendant`).
    pub source: String,
    /// The rule the store applied (its "why").
    pub rule: String,
    /// The other party: the caller's display name, else its number or URI.
    pub peer: Option<String>,
    /// The other party's URI (remote identity).
    pub peer_uri: Option<String>,
    /// What makes the entry unique across consoles (a missed call's dialog
    /// id); `None` for state changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl Entry {
    /// A state change (no peer, no reference).
    pub fn change(contact: &str, kind: Kind, value: &str, source: &str, rule: &str) -> Entry {
        Entry {
            contact: contact.to_string(),
            at_ms: 0,
            kind,
            value: value.to_string(),
            source: source.to_string(),
            rule: rule.to_string(),
            peer: None,
            peer_uri: None,
            reference: None,
        }
    }

    /// Every text made harmless and capped (rows may come from anyone who
    /// could write to the database).
    pub fn made_harmless(mut self) -> Entry {
        use crate::text::{MAX_LINE_CHARS, line};
        let clean = |s: &str, n: usize| line(s, n).into_owned();
        self.contact = clean(&self.contact, MAX_LINE_CHARS);
        self.value = clean(&self.value, MAX_VALUE_CHARS);
        self.source = clean(&self.source, 40);
        self.rule = clean(&self.rule, MAX_LINE_CHARS);
        self.peer = self.peer.map(|p| clean(&p, MAX_LINE_CHARS));
        self.peer_uri = self.peer_uri.map(|p| clean(&p, MAX_LINE_CHARS));
        self.reference = self.reference.map(|r| clean(&r, MAX_LINE_CHARS));
        self
    }
}

/// An attendant note saved (journalled by the save's own transaction, so
/// once whichever console or command wrote it).
pub fn note_saved(h: &super::HistoryEntry) -> Entry {
    let value = h.new_text.as_deref().unwrap_or("(cleared)");
    let mut e = Entry::change(
        &h.contact,
        Kind::Note,
        value,
        "attendant",
        &format!("written by {}", h.author),
    );
    e.at_ms = h.at_ms;
    e.made_harmless()
}

/// A dialog towards the contact that is ringing (as the store's rules read
/// it: trying/proceeding/early to the recipient, or early without a
/// direction).
pub fn is_ringing(d: &DialogEntry) -> bool {
    matches!(
        (d.state, d.direction),
        (
            DialogState::Trying | DialogState::Proceeding | DialogState::Early,
            Some(Direction::Recipient)
        ) | (DialogState::Early, None)
    )
}

/// The ringing dialogs of `dialogs` (kept before a document is applied, to
/// compare with [`missed_calls`]).
pub fn ringing(dialogs: &[DialogEntry]) -> Vec<DialogEntry> {
    dialogs.iter().filter(|d| is_ringing(d)).cloned().collect()
}

/// The calls missed between two views of a line: each dialog that was
/// ringing `before` and is gone `after` (terminated without being
/// confirmed). A dialog that was confirmed meanwhile is still listed
/// `after` (or was not ringing before its end): not missed.
pub fn missed_calls(before: &[DialogEntry], after: &[DialogEntry]) -> Vec<Entry> {
    before
        .iter()
        .filter(|b| !after.iter().any(|a| a.id == b.id))
        .map(|d| Entry {
            contact: String::new(),
            at_ms: 0,
            kind: Kind::Missed,
            value: "missed".into(),
            source: "dialog".into(),
            rule: "early → terminated, never confirmed".into(),
            peer: caller_label(d.remote_display.as_deref(), d.remote_identity.as_deref()),
            peer_uri: d.remote_identity.clone(),
            reference: Some(d.id.clone()),
        })
        .collect()
}

/// Who called, as a receptionist reads it: the display name, else the
/// number (the user part of a SIP/tel URI), else the URI.
pub fn caller_label(display: Option<&str>, identity: Option<&str>) -> Option<String> {
    if let Some(d) = display.map(str::trim).filter(|d| !d.is_empty()) {
        return Some(d.to_string());
    }
    let uri = identity.map(str::trim).filter(|u| !u.is_empty())?;
    let lower = uri.to_ascii_lowercase();
    let rest = ["sip:", "sips:", "tel:"]
        .iter()
        .find_map(|s| lower.starts_with(s).then(|| &uri[s.len()..]));
    let user = rest.map(|r| r.split(['@', ';', '?']).next().unwrap_or(r));
    Some(match user {
        Some(u) if !u.is_empty() => u.to_string(),
        _ => uri.to_string(),
    })
}

/// Entries waiting to be written: flushed when [`FLUSH_AT`] are waiting or
/// the oldest has waited [`FLUSH_AFTER_MS`].
#[derive(Debug, Default)]
pub struct Batch {
    pending: Vec<Entry>,
    oldest_ms: Option<i64>,
}

impl Batch {
    /// Add entries; true when the batch should be written now.
    pub fn push(&mut self, entries: impl IntoIterator<Item = Entry>, now_ms: i64) -> bool {
        self.pending.extend(entries);
        if !self.pending.is_empty() && self.oldest_ms.is_none() {
            self.oldest_ms = Some(now_ms);
        }
        self.pending.len() >= FLUSH_AT
    }
    /// When the batch must be written at the latest (`None`: empty).
    pub fn due_ms(&self) -> Option<i64> {
        self.oldest_ms.map(|t| t + FLUSH_AFTER_MS)
    }
    pub fn len(&self) -> usize {
        self.pending.len()
    }
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
    /// Everything waiting (the batch is empty afterwards).
    pub fn take(&mut self) -> Vec<Entry> {
        self.oldest_ms = None;
        std::mem::take(&mut self.pending)
    }
    /// Put back entries that could not be written (the database is
    /// away), keeping at most `cap` (the newest are dropped past it, and
    /// counted, rather than growing without bound).
    pub fn restore(&mut self, mut entries: Vec<Entry>, now_ms: i64, cap: usize) -> usize {
        entries.append(&mut self.pending);
        let dropped = entries.len().saturating_sub(cap);
        entries.truncate(cap);
        self.pending = entries;
        self.oldest_ms = (!self.pending.is_empty()).then_some(now_ms);
        dropped
    }
}

/// How long entries are kept, and when they were last pruned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub days: u32,
    last_prune_ms: Option<i64>,
}

impl Retention {
    pub fn new(days: u32) -> Retention {
        Retention {
            days,
            last_prune_ms: None,
        }
    }
    /// Entries older than this are removed.
    pub fn cutoff(&self, now_ms: i64) -> i64 {
        now_ms - i64::from(self.days) * 86_400_000
    }
    /// Whether a prune is due (the first at once, then every
    /// [`PRUNE_EVERY_MS`]).
    pub fn due(&self, now_ms: i64) -> bool {
        self.last_prune_ms
            .is_none_or(|t| now_ms - t >= PRUNE_EVERY_MS || now_ms < t)
    }
    pub fn pruned(&mut self, now_ms: i64) {
        self.last_prune_ms = Some(now_ms);
    }
}

impl Default for Retention {
    fn default() -> Self {
        Retention::new(DEFAULT_RETENTION_DAYS)
    }
}

/// One item of a timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A state held from `from_ms` to `to_ms` (`None`: still now).
    Span {
        what: String,
        from_ms: i64,
        to_ms: Option<i64>,
    },
    /// A missed call.
    Missed { at_ms: i64, caller: Option<String> },
    /// An attendant note written.
    Note { at_ms: i64, text: String },
}

impl Item {
    pub fn at_ms(&self) -> i64 {
        match self {
            Item::Span { from_ms, .. } => *from_ms,
            Item::Missed { at_ms, .. } | Item::Note { at_ms, .. } => *at_ms,
        }
    }
}

/// The words a timeline uses for a presence or line state; `None`: not
/// worth a span (available, ready, unknown: the ordinary).
fn span_word(kind: Kind, value: &str) -> Option<&'static str> {
    match (kind, value) {
        (Kind::Presence, "busy") => Some("busy"),
        (Kind::Presence, "dnd") => Some("do not disturb"),
        (Kind::Presence, "away") => Some("away"),
        (Kind::Presence, "inactive") => Some("inactive"),
        (Kind::Presence, "offline") => Some("offline"),
        (Kind::Line, "active") => Some("in a call"),
        (Kind::Line, "faulty") => Some("line faulty"),
        (Kind::Line, "redirected") => Some("forwarded"),
        (Kind::Line, "protected") => Some("call protection"),
        _ => None,
    }
}

/// The timeline of one contact's entries (any order): presence spans,
/// line spans (calls, forwarding), missed calls and attendant notes, in
/// time order. Consecutive entries of the same state (another console saw
/// it too) extend one span.
pub fn timeline(entries: &[Entry]) -> Vec<Item> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.at_ms);
    let mut items = Vec::new();
    for kind in [Kind::Presence, Kind::Line] {
        let mut open: Option<(&str, i64)> = None;
        for e in sorted.iter().filter(|e| e.kind == kind) {
            if open.is_some_and(|(v, _)| v == e.value) {
                continue;
            }
            if let Some((v, from)) = open.take()
                && let Some(what) = span_word(kind, v)
            {
                items.push(Item::Span {
                    what: what.into(),
                    from_ms: from,
                    to_ms: Some(e.at_ms),
                });
            }
            open = Some((&e.value, e.at_ms));
        }
        if let Some((v, from)) = open
            && let Some(what) = span_word(kind, v)
        {
            items.push(Item::Span {
                what: what.into(),
                from_ms: from,
                to_ms: None,
            });
        }
    }
    for e in &sorted {
        match (e.kind, e.source.as_str()) {
            (Kind::Missed, _) => items.push(Item::Missed {
                at_ms: e.at_ms,
                caller: e.peer.clone(),
            }),
            (Kind::Note, "attendant") => items.push(Item::Note {
                at_ms: e.at_ms,
                text: e.value.clone(),
            }),
            _ => {}
        }
    }
    items.sort_by_key(Item::at_ms);
    items
}

/// `HH:MM` in `tz`, with the date in front when not on `today`'s date.
pub fn clock(ms: i64, today_ms: i64, tz: &TimeZone) -> String {
    let (Ok(t), Ok(today)) = (
        jiff::Timestamp::from_millisecond(ms),
        jiff::Timestamp::from_millisecond(today_ms),
    ) else {
        return "?".into();
    };
    let (t, today) = (t.to_zoned(tz.clone()), today.to_zoned(tz.clone()));
    if t.date() == today.date() {
        t.strftime("%H:%M").to_string()
    } else {
        t.strftime("%Y-%m-%d %H:%M").to_string()
    }
}

/// One item as a receptionist reads it: "busy 09:12–09:40", "away since
/// 11:00", "missed 10:03 from +49 89 1234".
pub fn describe(item: &Item, now_ms: i64, tz: &TimeZone) -> String {
    let at = |ms| clock(ms, now_ms, tz);
    match item {
        Item::Span {
            what,
            from_ms,
            to_ms: Some(to),
        } => format!("{what} {}–{}", at(*from_ms), at(*to)),
        Item::Span {
            what,
            from_ms,
            to_ms: None,
        } => format!("{what} since {}", at(*from_ms)),
        Item::Missed { at_ms, caller } => match caller {
            Some(c) => format!("missed {} from {c}", at(*at_ms)),
            None => format!("missed {}", at(*at_ms)),
        },
        Item::Note { at_ms, text } => {
            let short: String = text.chars().take(40).collect();
            let more = if short.len() < text.len() { "…" } else { "" };
            format!("note {}: {short}{more}", at(*at_ms))
        }
    }
}

/// The whole timeline on one line: "busy 09:12–09:40, missed 10:03 from
/// +49 89 1234, away since 11:00" (empty: nothing to tell).
pub fn summary(items: &[Item], now_ms: i64, tz: &TimeZone) -> String {
    items
        .iter()
        .map(|i| describe(i, now_ms, tz))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The start of the day of `now_ms` in `tz` (ms since the epoch).
pub fn start_of_day(now_ms: i64, tz: &TimeZone) -> i64 {
    jiff::Timestamp::from_millisecond(now_ms)
        .ok()
        .and_then(|t| t.to_zoned(tz.clone()).start_of_day().ok())
        .map_or(now_ms - now_ms.rem_euclid(86_400_000), |z| {
            z.timestamp().as_millisecond()
        })
}

/// A `--since` as written: `09:00` (today), `2026-12-05`,
/// `2026-12-05 09:00` (local), an RFC 3339 time, or an age (`90m`, `2h`,
/// `3d`). A clear error otherwise.
pub fn parse_since(s: &str, now_ms: i64, tz: &TimeZone) -> Result<i64, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "--since {t:?} is not a time; write HH:MM (today), YYYY-MM-DD, \"YYYY-MM-DD HH:MM\" or an age such as 90m, 2h, 3d"
        )
    };
    if let Some(age) = parse_age(t) {
        return Ok(now_ms - age);
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    let now = jiff::Timestamp::from_millisecond(now_ms)
        .map_err(|_| bad())?
        .to_zoned(tz.clone());
    let local = if let Ok(time) = jiff::civil::Time::strptime("%H:%M", t) {
        now.date().to_datetime(time)
    } else if let Ok(dt) = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", t) {
        dt
    } else if let Ok(d) = jiff::civil::Date::strptime("%Y-%m-%d", t) {
        d.to_datetime(jiff::civil::Time::midnight())
    } else {
        return Err(bad());
    };
    local
        .to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|_| bad())
}

/// `90s`, `45m`, `2h`, `3d` in ms.
fn parse_age(s: &str) -> Option<i64> {
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    let per = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return None,
    };
    n.checked_mul(per).filter(|ms| *ms >= 0)
}

#[cfg(test)]
mod tests;
