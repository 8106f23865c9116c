//! The speed-ups give the same results as matching every text: the same
//! contacts, in the same order, with the same scores (so the same
//! note-only marks) and the same highlights, on the sample office and on
//! random queries typed over a generated directory (fixed seeds).

use super::*;

/// A search that matches every department and note per contact (the
/// straightforward path: nothing remembered per distinct text).
fn plain(docs: Vec<SearchDoc>) -> Search {
    let mut s = Search::new(docs);
    s.workers.iter_mut().for_each(|w| w.remember = false);
    s
}

/// Both searches give the same hits for `query` (typed onto the previous).
fn same(fast: &mut Search, slow: &mut Search, query: &str) {
    fast.set_query(query);
    slow.set_query(query);
    let n = fast.hits().len();
    fast.ensure_highlights(0..n);
    slow.ensure_highlights(0..n);
    assert_eq!(fast.hits(), slow.hits(), "query {query:?}");
    let marks: Vec<bool> = fast.hits().iter().map(Hit::note_only).collect();
    let want: Vec<bool> = slow.hits().iter().map(Hit::note_only).collect();
    assert_eq!(marks, want, "note-only marks for {query:?}");
}

/// Type `query` one character at a time into both.
fn typed(fast: &mut Search, slow: &mut Search, query: &str) {
    for (at, c) in query.char_indices() {
        same(fast, slow, &query[..at + c.len_utf8()]);
    }
}

/// The hits of `typed` (after typing, skipping and narrowing) are those of
/// a fresh search for its query.
fn as_fresh(typed: &mut Search, docs: &[SearchDoc]) {
    let mut fresh = Search::new(docs.to_vec());
    fresh.set_query(typed.query());
    let n = fresh.hits().len();
    fresh.ensure_highlights(0..n);
    typed.ensure_highlights(0..n);
    assert_eq!(typed.hits(), fresh.hits(), "{:?} typed", typed.query());
}

/// SplitMix64, as in `sample.rs`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A random query word: a piece of some doc's text (maybe cut, swapped,
/// upper-cased), maybe behind a column key or negated.
fn word(rng: &mut Rng, docs: &[SearchDoc]) -> String {
    let doc = &docs[rng.below(docs.len())];
    let source = match rng.below(5) {
        0 => &doc.name,
        1 => &doc.department,
        2 => &doc.note,
        3 => &doc.extension,
        _ => &doc.uri,
    };
    let words: Vec<&str> = source.split_whitespace().collect();
    let mut w: Vec<char> = words
        .get(rng.below(words.len()))
        .map_or("x".chars().collect(), |w| w.chars().collect());
    let len = 1 + rng.below(w.len().max(1));
    w.truncate(len);
    if w.len() > 2 && rng.below(4) == 0 {
        let i = 1 + rng.below(w.len() - 1);
        w.swap(i - 1, i);
    }
    let mut w: String = w.into_iter().collect();
    if rng.below(6) == 0 {
        w = w.to_uppercase();
    }
    match rng.below(12) {
        0 => format!("dept:{}", w.to_lowercase()),
        1 => format!("note:{w}"),
        2 => format!("!{w}"),
        3 => format!("name:{w}"),
        4 => "is:available".to_owned(),
        _ => w,
    }
}

#[test]
fn the_sample_office_gives_the_same_hits() {
    let office = super::rules_tests::office_docs();
    let (mut fast, mut slow) = (Search::new(office.clone()), plain(office.clone()));
    for q in [
        "sales",
        "trip",
        "sales free",
        "dept:sales is:available",
        "sales home",
        "home",
        "lunch",
        "dept:eng",
        "smith",
        "!sales",
        "note:meeting",
    ] {
        typed(&mut fast, &mut slow, q);
        as_fresh(&mut fast, &office);
        same(&mut fast, &mut slow, "");
    }
}

#[test]
fn random_queries_over_a_generated_directory_give_the_same_hits() {
    let docs = sample::directory(3000, 0xE0A1);
    let (mut fast, mut slow) = (Search::new(docs.clone()), plain(docs.clone()));
    for s in [&mut fast, &mut slow] {
        s.parallel_min = 500;
        s.highlight_top = 64;
    }
    let mut current = docs.clone();
    let mut rng = Rng(0x5EED);
    for round in 0..120 {
        let words = 1 + rng.below(3);
        let query: Vec<String> = (0..words).map(|_| word(&mut rng, &docs)).collect();
        typed(&mut fast, &mut slow, &query.join(" "));
        if round % 10 == 0 {
            as_fresh(&mut fast, &current);
        }
        // Notes and departments change under a running query, to new
        // texts and to texts seen before.
        if round % 3 == 0 {
            let mut doc = docs[rng.below(docs.len())].clone();
            let other = &docs[rng.below(docs.len())];
            doc.note = match rng.below(3) {
                0 => format!("back at {round} smith sales"),
                1 => other.note.clone(),
                _ => String::new(),
            };
            doc.department = other.department.clone();
            if let Some(slot) = current.iter_mut().find(|d| d.id == doc.id) {
                *slot = doc.clone();
            }
            fast.update_doc(doc.clone());
            slow.update_doc(doc);
            assert_eq!(fast.hits(), slow.hits(), "after an update, {query:?}");
        }
        if rng.below(2) == 0 {
            same(&mut fast, &mut slow, "");
        }
    }
}

/// Numbering repeated texts costs little memory: under 1 MB at 10,000
/// contacts (the console's memory target is 40 MB in all), ids included.
/// `cargo test --lib index_memory -- --nocapture` prints the sizes.
#[test]
fn index_memory_grows_by_under_a_megabyte_at_10000_contacts() {
    for n in [10_000, 100_000] {
        let s = Search::new(sample::directory(n, 0x5EA4C4));
        let (total, interned) = s.index.heap_bytes();
        println!(
            "{n} contacts: index {:.2} MB, of which numbered texts {:.3} MB",
            total as f64 / 1e6,
            interned as f64 / 1e6
        );
        if n == 10_000 {
            assert!(interned < 1_000_000, "{interned} bytes");
        }
    }
}

/// Past [`intern::MAX_DISTINCT`](super::intern::MAX_DISTINCT) distinct
/// notes, the others are matched per contact: still the same hits.
#[test]
fn more_distinct_notes_than_are_numbered_give_the_same_hits() {
    let mut docs = sample::directory(2600, 0xD15C);
    for (i, d) in docs.iter_mut().enumerate() {
        d.note = format!("back at {} in room {}", i % 1440, i);
    }
    let (mut fast, mut slow) = (Search::new(docs.clone()), plain(docs));
    for q in ["room 25", "back 13", "note:room 2599", "ro", "!room1"] {
        typed(&mut fast, &mut slow, q);
        same(&mut fast, &mut slow, "");
    }
    assert!(fast.hits().len() == 2600);
}
