use super::date::{format_day, parse_day};
use super::*;

fn edit(text: Option<&str>, base: i64, now: i64) -> Edit {
    Edit {
        contact: "sip:alice@example.test".into(),
        text: text.map(str::to_string),
        author: "ann".into(),
        expires_ms: None,
        base_version: base,
        now_ms: now,
    }
}

#[test]
fn an_expired_note_is_no_longer_current_but_its_text_is_kept() {
    let (mut n, _) = apply(None, &edit(Some("on leave"), 0, 1_000));
    n.expires_ms = Some(5_000);
    assert!(n.is_current(4_999));
    assert!(!n.is_current(5_000));
    assert_eq!(n.text.as_deref(), Some("on leave"));
}

#[test]
fn a_save_based_on_an_old_version_may_not_write() {
    let (n1, _) = apply(None, &edit(Some("a"), 0, 1));
    let (n2, h2) = apply(Some(&n1), &edit(Some("b"), 1, 2));
    assert!(may_write(Some(&n2), 2));
    assert!(!may_write(Some(&n2), 1), "based on version 1, stored is 2");
    assert!(!may_write(Some(&n2), 0), "believed there was no note");
    assert!(may_write(None, 0));
    assert_eq!(h2.old_text.as_deref(), Some("a"));
    assert_eq!(h2.new_text.as_deref(), Some("b"));
}

#[test]
fn clearing_keeps_the_row_and_bumps_the_version() {
    let (n1, _) = apply(None, &edit(Some("a"), 0, 1));
    let (n2, h) = apply(Some(&n1), &edit(None, 1, 2));
    assert_eq!(n2.version, 2);
    assert!(n2.text.is_none() && !n2.is_current(3));
    assert_eq!(h.old_text.as_deref(), Some("a"));
}

#[test]
fn typed_text_is_made_harmless_and_capped() {
    let t = clean_text("line one\n\x1b[2Jline two\u{202e}\n").unwrap();
    assert_eq!(t.as_deref(), Some("line one\n[2Jline two"));
    assert_eq!(clean_text("  \n ").unwrap(), None, "blank means clear");
    let err = clean_text(&"x".repeat(MAX_NOTE_BYTES + 1)).unwrap_err();
    assert!(err.to_string().contains("at most 4096 bytes"), "{err}");
    assert_eq!(clean_author("\x1bann "), "ann");
}

#[test]
fn dates_round_trip_and_bad_ones_are_refused() {
    let ms = parse_day("2027-03-01").unwrap();
    assert_eq!(format_day(ms), "2027-03-01");
    assert_eq!(parse_day("1970-01-01").unwrap(), 0);
    assert!(parse_day("2027-02-30").unwrap_err().contains("YYYY-MM-DD"));
    assert!(parse_day("tomorrow").is_err());
}

#[test]
fn ages_read_like_a_person_would_say_them() {
    assert_eq!(age(10_000, 9_000), "just now");
    assert_eq!(age(3_600_000, 0), "1 h ago");
    assert_eq!(age(5 * 60_000, 0), "5 min ago");
}
