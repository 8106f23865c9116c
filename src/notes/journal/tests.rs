use super::*;

fn dialog(id: &str, state: DialogState, direction: Option<Direction>) -> DialogEntry {
    DialogEntry {
        id: id.into(),
        state,
        direction,
        remote_identity: Some("sip:+49891234@pbx.example.test".into()),
        remote_display: None,
    }
}

const H: i64 = 3_600_000;
const M: i64 = 60_000;
/// 2026-12-05 00:00 UTC.
const DAY: i64 = 1_796_428_800_000;

fn at(kind: Kind, value: &str, ms: i64) -> Entry {
    let mut e = Entry::change("sip:bob@x", kind, value, "presence", "rule");
    e.at_ms = ms;
    e
}

#[test]
fn a_ringing_dialog_that_ends_unanswered_is_missed_with_its_caller() {
    let ringing = vec![dialog("d1", DialogState::Early, Some(Direction::Recipient))];
    let missed = missed_calls(&ringing, &[]);
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].kind, Kind::Missed);
    assert_eq!(missed[0].peer.as_deref(), Some("+49891234"));
    assert_eq!(
        missed[0].peer_uri.as_deref(),
        Some("sip:+49891234@pbx.example.test")
    );
    assert_eq!(missed[0].reference.as_deref(), Some("d1"));
}

#[test]
fn an_answered_or_outgoing_call_is_not_missed() {
    let before = vec![dialog("d1", DialogState::Early, Some(Direction::Recipient))];
    let answered = vec![dialog(
        "d1",
        DialogState::Confirmed,
        Some(Direction::Recipient),
    )];
    assert!(missed_calls(&before, &answered).is_empty(), "answered");
    let outgoing = vec![dialog("d2", DialogState::Early, Some(Direction::Initiator))];
    assert!(
        ringing(&outgoing).is_empty(),
        "our own call rings elsewhere"
    );
    let confirmed = vec![dialog(
        "d3",
        DialogState::Confirmed,
        Some(Direction::Recipient),
    )];
    assert!(
        ringing(&confirmed).is_empty(),
        "a call that ends after talking"
    );
}

#[test]
fn the_caller_is_the_display_name_else_the_number() {
    assert_eq!(
        caller_label(Some("Carol"), Some("sip:1001@x")).as_deref(),
        Some("Carol")
    );
    assert_eq!(
        caller_label(Some("  "), Some("sip:1001@x;user=phone")).as_deref(),
        Some("1001")
    );
    assert_eq!(
        caller_label(None, Some("tel:+4930123")).as_deref(),
        Some("+4930123")
    );
    assert_eq!(caller_label(None, None), None);
}

#[test]
fn a_day_reads_as_spans_missed_calls_and_an_open_state() {
    let mut missed = at(Kind::Missed, "missed", DAY + 10 * H + 3 * M);
    missed.peer = Some("+49 89 1234".into());
    let entries = vec![
        at(Kind::Presence, "available", DAY + 8 * H),
        at(Kind::Presence, "busy", DAY + 9 * H + 12 * M),
        // Another console saw the same change a moment later.
        at(Kind::Presence, "busy", DAY + 9 * H + 12 * M + 40),
        at(Kind::Presence, "available", DAY + 9 * H + 40 * M),
        missed,
        at(Kind::Presence, "away", DAY + 11 * H),
        at(Kind::Line, "ready", DAY + 8 * H),
    ];
    let items = timeline(&entries);
    let tz = TimeZone::UTC;
    assert_eq!(
        summary(&items, DAY + 12 * H, &tz),
        "busy 09:12–09:40, missed 10:03 from +49 89 1234, away since 11:00"
    );
    assert_eq!(
        describe(&items[0], DAY + 36 * H, &tz),
        "busy 2026-12-05 09:12–2026-12-05 09:40",
        "another day's times carry their date"
    );
}

#[test]
fn batches_flush_by_size_or_age() {
    let mut b = Batch::default();
    assert_eq!(b.due_ms(), None);
    assert!(!b.push([at(Kind::Line, "ringing", 0)], 1_000));
    assert_eq!(b.due_ms(), Some(1_000 + FLUSH_AFTER_MS));
    let many = (0..FLUSH_AT).map(|i| at(Kind::Line, "ringing", i as i64));
    assert!(b.push(many, 1_010), "full: write now");
    assert_eq!(b.take().len(), FLUSH_AT + 1);
    assert!(b.is_empty() && b.due_ms().is_none());
    let back = vec![at(Kind::Line, "active", 1), at(Kind::Line, "ready", 2)];
    assert_eq!(b.restore(back, 2_000, 1), 1, "one over the cap dropped");
    assert_eq!(b.len(), 1);
}

#[test]
fn retention_prunes_at_once_then_hourly() {
    let mut r = Retention::new(30);
    assert_eq!(r.cutoff(DAY), DAY - 30 * 24 * H);
    assert!(r.due(DAY));
    r.pruned(DAY);
    assert!(!r.due(DAY + 59 * M));
    assert!(r.due(DAY + H));
}

#[test]
fn since_reads_clock_times_dates_and_ages() {
    let tz = TimeZone::fixed(jiff::tz::offset(1));
    let now = DAY + 12 * H; // 13:00 at +01:00
    assert_eq!(parse_since("09:00", now, &tz), Ok(DAY + 8 * H));
    assert_eq!(parse_since("2026-12-05", now, &tz), Ok(DAY - H));
    assert_eq!(
        parse_since("2026-12-05 10:30", now, &tz),
        Ok(DAY + 9 * H + 30 * M)
    );
    assert_eq!(parse_since("2h", now, &tz), Ok(now - 2 * H));
    assert_eq!(
        parse_since("2026-12-05T09:00:00Z", now, &tz),
        Ok(DAY + 9 * H)
    );
    let err = parse_since("yesterday", now, &tz).unwrap_err();
    assert!(err.contains("HH:MM"), "{err}");
    assert_eq!(start_of_day(now, &tz), DAY - H);
}
