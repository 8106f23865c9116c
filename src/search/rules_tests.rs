//! The search rules of the receptionist's console (issue 13) against a
//! fixed office: per-word fuzzy matching in notes, name/extension/
//! department matches above note matches, note-only hits marked, `is:`
//! filters parsed out of the text.

use super::*;

fn doc(id: u32, name: &str, dept: &str, note: &str) -> SearchDoc {
    let slug: String = name
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(".");
    SearchDoc {
        id: ContactId(id),
        name: name.to_owned(),
        extension: format!("{}", 100 + id),
        department: dept.to_owned(),
        uri: format!("sip:{slug}@example.com"),
        note: note.to_owned(),
        extra: String::new(),
    }
}

fn office() -> Search {
    Search::new(office_docs())
}

/// The fixed office of issue 13's search cases.
pub(super) fn office_docs() -> Vec<SearchDoc> {
    vec![
        doc(0, "Sara Lindqvist", "Sales", ""),
        doc(1, "Sam Lee", "Sales", ""),
        doc(
            2,
            "Tom Ritter",
            "Engineering",
            "Ask him about the sales figures",
        ),
        doc(
            3,
            "Tina Rios",
            "Finance",
            "On vacation until Friday … please call Bob",
        ),
        doc(4, "Olga Berg", "Legal", "Business trip to Lyon"),
        doc(5, "Fred Forward", "Sales", "Calls forwarded to reception"),
        doc(6, "Frieda Nilsson", "Sales", "Free after 3"),
        doc(7, "Sally Freeman", "Sales", ""),
    ]
}

/// (id, note_only) of each hit, best first.
fn hits(s: &mut Search, q: &str) -> Vec<(u32, bool)> {
    s.set_query(q);
    s.hits().iter().map(|h| (h.id.0, h.note_only())).collect()
}

#[test]
fn sales_brings_the_sales_department_first_and_marks_a_note_match() {
    let mut s = office();
    let got = hits(&mut s, "sales");
    let strong: Vec<(u32, bool)> = got.iter().copied().filter(|(_, n)| !n).collect();
    let weak: Vec<(u32, bool)> = got.iter().copied().filter(|(_, n)| *n).collect();
    let mut strong: Vec<u32> = strong.iter().map(|(id, _)| *id).collect();
    strong.sort_unstable();
    assert_eq!(strong, [0, 1, 5, 6, 7], "the Sales department: {got:?}");
    assert_eq!(weak, [(2, true)], "Tom's note says sales: {got:?}");
    assert_eq!(
        got.last(),
        Some(&(2, true)),
        "note matches rank last: {got:?}"
    );
}

#[test]
fn trip_is_found_within_a_word_of_a_note_never_across_words() {
    let mut s = office();
    assert_eq!(
        hits(&mut s, "trip"),
        [(4, true)],
        "\"Business trip\", not t-r-i-p spread over \"until Friday … please\""
    );
    // Typo tolerance inside a word of a note still works.
    assert_eq!(hits(&mut s, "busness"), [(4, true)]);
}

#[test]
fn sales_free_needs_both_words_and_a_forwarded_phone_is_not_free() {
    let mut s = office();
    assert_eq!(
        hits(&mut s, "sales free"),
        [(7, false), (6, true)],
        "Sally Freeman by name, Frieda by her note; not \"forwarded … reception\""
    );
}

#[test]
fn is_filters_are_not_text() {
    let mut s = office();
    s.set_query("dept:sales is:available");
    assert_eq!(s.states(), [StateFilter::Available]);
    assert!(s.ranked());
    let mut ids: Vec<u32> = s.hits().iter().map(|h| h.id.0).collect();
    ids.sort_unstable();
    assert_eq!(ids, [0, 1, 5, 6, 7], "the text part alone decides the hits");
    s.set_query("is:ringing");
    assert_eq!(s.states(), [StateFilter::Ringing]);
    assert!(!s.ranked() && s.is_active(), "only a state: every doc");
    assert_eq!(s.hits().len(), 8);
    s.set_query("is:");
    assert!(s.states().is_empty(), "incomplete: restricts nothing yet");
}

#[test]
fn typing_on_after_an_is_filter_gives_the_same_results_as_a_fresh_search() {
    let mut typed = office();
    for q in [
        "s",
        "sa",
        "sal",
        "sal is:av",
        "sal is:available",
        "sal is:available f",
    ] {
        typed.set_query(q);
    }
    let mut fresh = office();
    fresh.set_query("sal is:available f");
    assert_eq!(typed.hits(), fresh.hits());
}
