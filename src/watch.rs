//! `switchboard watch`: the store as JSON lines, no terminal UI.
//!
//! First one object per contact (the snapshot, once every contact has an
//! answer or the timeout passed), then one per change. `--once` exits after
//! the snapshot.

use std::time::SystemTime;

use serde::Serialize;

use crate::presence::{Availability, Freshness, LineState, Presence, Source, SubscriptionStatus};
use crate::store::{ContactId, Store};

/// One output line.
#[derive(Debug, Serialize)]
pub struct Line<'a> {
    pub contact: &'a str,
    pub name: &'a str,
    pub presence: Presence,
    pub availability: Option<&'a Availability>,
    pub line: LineState,
    pub note: Option<&'a str>,
    /// The person's return time (RFC 3339 UTC) when their status says one.
    pub until: Option<&'a str>,
    pub subscription: &'a SubscriptionStatus,
    /// Why the state is failing or not current: the text of an `error` or
    /// `unavailable` subscription, else why the last body could not be
    /// read (`unreadable dialog document: …`); null when all is well.
    pub reason: Option<&'a str>,
    /// True when the shown state is no longer backed by a live subscription.
    pub stale: bool,
    pub source: Source,
    pub rule: &'a str,
    /// The server the shown state came from (its `name`, or the address
    /// of a single `[server]`); null before anything is known.
    pub server: Option<&'a str>,
    /// When the shown state last changed (RFC 3339, UTC, milliseconds).
    pub at: String,
    /// The other party while the line rings or is in a call: display name,
    /// else number (null with `[ui] show_peers = false`).
    pub peer: Option<String>,
    /// `incoming`, `outgoing`, or null (no call, or not said).
    pub direction: Option<&'static str>,
    /// The rule behind `line` alone ("not registered", "call forwarding
    /// on", "in a call"…; `rule` is the whole cell's).
    pub line_rule: &'a str,
    /// While forwarded: `voicemail` or the number; else null.
    pub forwarded_to: Option<&'a str>,
    /// New voice messages (message waiting), when the server says any.
    pub messages: Option<u32>,
    /// Ringing for longer than `ringing_suspect_after`.
    pub suspect: bool,
    /// Each line of a contact with several (`lines`): its URI, state and
    /// why, its own URI first. Absent for a contact with one line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<OneLine>,
}

/// One of a contact's several lines in a JSON line.
#[derive(Debug, Serialize)]
pub struct OneLine {
    pub uri: String,
    pub line: LineState,
    pub rule: &'static str,
}

/// The JSON line for one contact. `wall` maps the store's instants.
pub fn line(
    store: &Store,
    id: ContactId,
    wall: impl Fn(std::time::Instant) -> SystemTime,
    now: SystemTime,
) -> String {
    let info = store.info(id);
    let shown = store.shown(id);
    let at = shown.since.map(&wall).unwrap_or(now);
    let l = Line {
        contact: &info.uri,
        name: &info.name,
        presence: shown.presence,
        availability: shown.availability.as_ref(),
        line: shown.line,
        note: shown.note.as_deref(),
        until: shown.until.as_deref(),
        subscription: &shown.subscription,
        reason: shown.reason(),
        stale: shown.freshness == Freshness::Stale,
        source: shown.source,
        rule: shown.rule,
        server: store.shown_server(id),
        at: rfc3339(at),
        peer: call_peer(shown).and_then(crate::store::Peer::label),
        direction: call_peer(shown).and_then(|p| match p.direction? {
            crate::body::Direction::Recipient => Some("incoming"),
            crate::body::Direction::Initiator => Some("outgoing"),
        }),
        line_rule: shown.line_rule,
        forwarded_to: shown.forwarded_to.as_deref(),
        messages: shown.messages,
        suspect: shown.suspect,
        lines: several_lines(store, id),
    };
    serde_json::to_string(&l).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Every line of a contact that has several; empty for one line.
fn several_lines(store: &Store, id: ContactId) -> Vec<OneLine> {
    let lines = store.lines(id);
    if lines.len() < 2 {
        return Vec::new();
    }
    lines
        .into_iter()
        .map(|l| OneLine {
            uri: l.uri,
            line: l.state,
            rule: l.rule,
        })
        .collect()
}

/// The other party, while the line rings or is in a call.
fn call_peer(shown: &crate::store::Shown) -> Option<&crate::store::Peer> {
    shown
        .peer
        .as_deref()
        .filter(|_| matches!(shown.line, LineState::Ringing | LineState::Active))
}

/// The contacts still without a definite answer (the snapshot waits for
/// none), kept up to date one changed contact at a time: asking every
/// contact after every event, with 10,000 contacts arriving through a list,
/// was 10,000 × 20,000 looks, 5 s of the snapshot's 5.3 s.
#[derive(Debug, Default)]
pub struct Unanswered {
    ids: std::collections::HashSet<ContactId>,
    /// The store's slot count when `ids` was built: contacts added since
    /// (list members, a reload) make it build anew.
    slots: usize,
}

impl Unanswered {
    /// Every contact of `store` without an answer.
    pub fn of(store: &Store) -> Self {
        Unanswered {
            ids: store
                .ids()
                .filter(|&id| !store.shown(id).subscription.is_answered())
                .collect(),
            slots: store.len(),
        }
    }

    /// After an event: `changed` is the contact whose shown state changed
    /// (an answer is a change), if any.
    pub fn update(&mut self, store: &Store, changed: Option<ContactId>) {
        if store.len() != self.slots {
            *self = Unanswered::of(store);
            return;
        }
        if let Some(id) = changed {
            if store.shown(id).subscription.is_answered() {
                self.ids.remove(&id);
            } else {
                self.ids.insert(id);
            }
        }
    }

    /// Every contact has its answer.
    pub fn none(&self) -> bool {
        self.ids.is_empty()
    }
}

/// `2026-11-21T10:15:02.123Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let millis = d.subsec_millis();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::{dialog_info, notify, pidf};
    use crate::presence::{ContactInfo, EventKind};
    use crate::sip::events::EngineEvent;
    use std::time::{Duration, Instant};

    /// Legal in XML 1.0, obeyed by terminals reading the JSON stream.
    const PAYLOAD: &str = "Eve\u{9b}2J\u{9d}0;owned\u{9c}\u{202e}txt.exe\u{2066}\u{7f}";

    fn one_contact() -> Store {
        Store::new(vec![ContactInfo {
            name: "Alice".into(),
            uri: "sip:alice@example.com".into(),
            extension: None,
            department: None,
        }])
    }

    fn json_of(store: &Store) -> String {
        line(
            store,
            ContactId(0),
            |_| SystemTime::UNIX_EPOCH,
            SystemTime::UNIX_EPOCH,
        )
    }

    fn hostile_chars(json: &str) -> Vec<char> {
        json.chars()
            .filter(|c| crate::text::is_hostile(*c))
            .collect()
    }

    #[test]
    fn the_snapshot_waits_for_each_contact_and_for_contacts_added_later() {
        let at = Instant::now();
        let mut store = one_contact();
        let mut waiting = Unanswered::of(&store);
        assert!(!waiting.none(), "Alice has no answer yet");
        let status = |status| EngineEvent::Subscription {
            contact: ContactId(0),
            event: EventKind::Presence,
            status,
            at,
        };
        let changed = store.apply_event(&status(SubscriptionStatus::Requesting));
        waiting.update(&store, changed);
        assert!(!waiting.none(), "still asking");
        let changed = store.apply_event(&status(SubscriptionStatus::Active));
        waiting.update(&store, changed);
        assert!(waiting.none(), "answered");
        // A list member learnt later has no answer yet.
        store.add_contact(ContactInfo::named(
            "Bob".into(),
            "sip:bob@example.com".into(),
        ));
        waiting.update(&store, None);
        assert!(!waiting.none(), "Bob is new and unanswered");
    }

    #[test]
    fn peer_and_direction_while_ringing_and_none_with_show_peers_off() {
        let at = Instant::now();
        let body = "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\"><dialog id=\"d\" direction=\"recipient\"><state>early</state><remote><identity display=\"Carol Customer\">sip:+498912345@x</identity></remote></dialog></dialog-info>";
        let ev = EngineEvent::Dialog {
            contact: ContactId(0),
            doc: Some(dialog_info::parse(body.as_bytes()).unwrap()),
            at,
        };
        let mut store = one_contact();
        store.apply_event(&ev);
        let v: serde_json::Value = serde_json::from_str(&json_of(&store)).unwrap();
        assert_eq!(
            (&v["line"], &v["peer"], &v["direction"]),
            (
                &serde_json::json!("ringing"),
                &serde_json::json!("Carol Customer"),
                &serde_json::json!("incoming")
            )
        );
        assert_eq!(v["suspect"], false);
        let mut hidden = one_contact();
        hidden.set_hide_peers(true);
        hidden.apply_event(&ev);
        let json = json_of(&hidden);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["line"], "ringing");
        assert!(v["peer"].is_null() && v["direction"].is_null(), "{json}");
        assert!(
            !json.contains("Carol") && !json.contains("498912345"),
            "{json}"
        );
    }

    #[test]
    fn a_hostile_contact_reaches_json_without_a_control_character() {
        let at = Instant::now();
        let pidf_body = format!(
            "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@x\"><tuple id=\"t\"><status><basic>open</basic></status><note>{PAYLOAD}\nsecond line</note></tuple></presence>"
        );
        let dialog_body = format!(
            "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\"><dialog id=\"d\" direction=\"recipient\"><state>early</state><remote><identity display=\"{PAYLOAD}\">sip:{PAYLOAD}@x</identity></remote></dialog></dialog-info>"
        );
        let err =
            notify::read(EventKind::Dialog, &format!("text/{PAYLOAD}"), b"<x/>", true).unwrap_err();
        let mut store = one_contact();
        for ev in [
            EngineEvent::Presence {
                contact: ContactId(0),
                doc: pidf::parse(pidf_body.as_bytes()).unwrap(),
                at,
            },
            EngineEvent::Dialog {
                contact: ContactId(0),
                doc: Some(dialog_info::parse(dialog_body.as_bytes()).unwrap()),
                at,
            },
            EngineEvent::Unreadable {
                contact: ContactId(0),
                event: EventKind::Dialog,
                reason: notify::unreadable_reason(EventKind::Dialog, &err),
                at,
            },
        ] {
            store.apply_event(&ev);
        }
        let json = json_of(&store);
        assert_eq!(hostile_chars(&json), Vec::<char>::new(), "{json}");
        assert!(
            !json.contains("\\u001b") && !json.contains("\\u0000"),
            "{json}"
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["note"], "Eve2J0;ownedtxt.exe\nsecond line", "{json}");
        assert_eq!(v["line"], "ringing");
        assert_eq!(v["stale"], true);
        let reason = v["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("unreadable dialog document: ") && reason.contains("Eve2J0;owned"),
            "{json}"
        );
    }

    #[test]
    fn json_would_carry_them_raw_without_ingest() {
        // serde_json escapes C0 but writes C1 and bidi characters as they
        // are: only ingest keeps them out of the stream.
        let mut doc = pidf::parse(
            b"<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@x\"><tuple id=\"t\"><status><basic>open</basic></status></tuple></presence>",
        )
        .unwrap();
        doc.note = Some(PAYLOAD.into());
        let mut store = one_contact();
        store.apply_presence(ContactId(0), doc, Instant::now());
        assert!(!hostile_chars(&json_of(&store)).is_empty());
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_millis() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_256_102_123);
        assert_eq!(rfc3339(t), "2026-11-21T10:15:02.123Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&rfc3339(leap)[..10], "2000-02-29");
    }
}
