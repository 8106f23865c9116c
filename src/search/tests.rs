use super::*;

fn doc(id: u32, name: &str, ext: &str, dept: &str, note: &str) -> SearchDoc {
    let slug: String = name
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(".");
    SearchDoc {
        id: ContactId(id),
        name: name.to_owned(),
        extension: ext.to_owned(),
        department: dept.to_owned(),
        uri: format!("sip:{slug}@example.com"),
        note: note.to_owned(),
        extra: String::new(),
    }
}

fn names(docs: &[SearchDoc]) -> Search {
    Search::new(docs.to_vec())
}

/// The ids of the hits for `query`, best first.
fn ids(s: &mut Search, query: &str) -> Vec<u32> {
    s.set_query(query);
    s.hits().iter().map(|h| h.id.0).collect()
}

fn office() -> Vec<SearchDoc> {
    vec![
        doc(0, "Simon Mills", "1000", "Sales", ""),
        doc(1, "Alice Adams", "1099", "Support", "Out for lunch"),
        doc(2, "Anna Smith", "2100", "Sales", ""),
        doc(3, "Bob Jones", "1200", "Engineering", "In a meeting"),
        doc(4, "Zoë Ødegaard", "3001", "Finance", ""),
        doc(5, "José Núñez", "3002", "Sales", "Working from home"),
        doc(6, "Alice Brown", "3003", "Legal", ""),
    ]
}

#[test]
fn a_name_prefix_ranks_above_a_scattered_match() {
    let mut s = names(&office());
    let hits = ids(&mut s, "smi");
    assert_eq!(hits.first(), Some(&2), "Anna Smith first: {hits:?}");
    assert!(
        hits.contains(&0),
        "Simon Mills (s-m-i scattered) still matches: {hits:?}"
    );
    let first = &s.hits()[0];
    assert_eq!(
        first.name_indices,
        vec![5, 6, 7],
        "'Smi' of 'Anna Smith' highlighted"
    );
}

#[test]
fn words_match_in_any_order_and_all_must_match() {
    let mut s = names(&office());
    assert_eq!(ids(&mut s, "adams alice"), vec![1]);
    assert_eq!(ids(&mut s, "alice adams"), vec![1]);
    assert_eq!(
        s.hits()[0].name_indices,
        (0..11).filter(|&i| i != 5).collect::<Vec<u32>>()
    );
    assert_eq!(ids(&mut s, "alice zzz"), Vec::<u32>::new());
}

#[test]
fn swapped_letters_and_missing_letters_are_tolerated_but_rank_lower() {
    let mut docs = office();
    docs.push(doc(7, "Tim Simth", "4000", "Research", ""));
    let mut s = names(&docs);
    // One pair of adjacent letters swapped: Smith is found, after the
    // contact whose name really is spelled that way.
    assert_eq!(ids(&mut s, "simth"), vec![7, 2]);
    assert_eq!(
        s.hits()[1].name_indices,
        vec![5, 6, 7, 8, 9],
        "the name's 'Smith' highlighted"
    );
    // Missing letters: fuzzy matching is a subsequence match.
    assert_eq!(ids(&mut s, "smth").first(), Some(&2));
    // Swaps are forgiven in names only.
    assert_eq!(
        ids(&mut s, "suppotr"),
        Vec::<u32>::new(),
        "not in the department"
    );
    assert_eq!(ids(&mut s, "support"), vec![1]);
    // A wrong letter is not tolerated.
    assert!(!ids(&mut s, "smoth").contains(&2));
}

#[test]
fn department_filter_alone_and_with_a_name_word() {
    let mut s = names(&office());
    assert_eq!(
        ids(&mut s, "dept:sales"),
        vec![0, 2, 5],
        "directory order among equal matches"
    );
    assert_eq!(
        ids(&mut s, "Department:SALES"),
        Vec::<u32>::new(),
        "uppercase value respects case"
    );
    assert_eq!(
        ids(&mut s, "DEPT:Sales"),
        vec![0, 2, 5],
        "the key is case-insensitive"
    );
    assert_eq!(ids(&mut s, "dept:sales anna"), vec![2]);
    assert_eq!(ids(&mut s, "jose dept:sales"), vec![5]);
    assert_eq!(
        ids(&mut s, "dept:sup"),
        vec![1],
        "substring of the department"
    );
    assert_eq!(ids(&mut s, "!dept:sales alice"), vec![1, 6]);
}

#[test]
fn extension_filter_is_a_prefix() {
    let mut s = names(&office());
    assert_eq!(
        ids(&mut s, "ext:10"),
        vec![0, 1],
        "1000 and 1099, not 2100 nor 1200"
    );
    assert_eq!(ids(&mut s, "ext:300"), vec![4, 5, 6]);
    assert_eq!(ids(&mut s, "ext:3002$"), vec![5]);
    assert_eq!(ids(&mut s, "ext:00"), Vec::<u32>::new());
}

#[test]
fn note_text_is_searched() {
    let mut s = names(&office());
    assert_eq!(ids(&mut s, "lunch"), vec![1]);
    assert!(
        s.hits()[0].name_indices.is_empty(),
        "nothing of the name highlighted for a note match"
    );
    assert_eq!(ids(&mut s, "note:meeting"), vec![3]);
    assert_eq!(ids(&mut s, "note:home jose"), vec![5]);
}

#[test]
fn uri_is_searched_without_its_scheme() {
    let mut s = names(&office());
    assert_eq!(ids(&mut s, "uri:bob.jones"), vec![3]);
    assert_eq!(
        ids(&mut s, "sip:anna.smith@example.com"),
        vec![2],
        "a pasted URI"
    );
    assert_eq!(
        ids(&mut s, "xample"),
        Vec::<u32>::new(),
        "plain words skip the shared host"
    );
    assert_eq!(ids(&mut s, "uri:xample").len(), 7);
}

#[test]
fn highlights_are_char_indices_in_non_ascii_names() {
    let mut s = names(&office());
    assert_eq!(ids(&mut s, "zoe ode"), vec![4]);
    assert_eq!(
        s.hits()[0].name_indices,
        vec![0, 1, 2, 4, 5, 6],
        "Z o ë _ Ø d e"
    );
    assert_eq!(ids(&mut s, "núñez"), vec![5]);
    assert_eq!(s.hits()[0].name_indices, vec![5, 6, 7, 8, 9]);
    // Decomposed accents: each combining mark is its own char and is
    // highlighted with its letter.
    let mut s = names(&[doc(9, "Jose\u{301} Nu\u{301}n\u{303}ez", "1", "", "")]);
    assert_eq!(ids(&mut s, "nunez"), vec![9]);
    assert_eq!(s.hits()[0].name_indices, vec![6, 7, 8, 9, 10, 11, 12]);
}

#[test]
fn update_doc_changes_the_results() {
    let mut s = names(&office());
    assert_eq!(ids(&mut s, "holiday"), Vec::<u32>::new());
    let mut bob = office()[3].clone();
    bob.note = "On holiday".into();
    s.update_doc(bob);
    assert_eq!(
        s.hits().iter().map(|h| h.id.0).collect::<Vec<_>>(),
        vec![3],
        "re-matched at once"
    );
    s.update_doc(doc(42, "Doc Holiday", "5000", "Sales", ""));
    assert_eq!(s.len(), 8);
    assert_eq!(
        s.hits().iter().map(|h| h.id.0).collect::<Vec<_>>(),
        vec![42, 3],
        "new doc, ranked by score"
    );
    let mut bob = office()[3].clone();
    bob.note.clear();
    s.update_doc(bob);
    assert_eq!(
        s.hits().iter().map(|h| h.id.0).collect::<Vec<_>>(),
        vec![42]
    );
    // Typing on narrows from the updated results.
    assert_eq!(ids(&mut s, "holiday dept:s"), vec![42]);
    assert_eq!(
        ids(&mut s, ""),
        vec![0, 1, 2, 3, 4, 5, 6, 42],
        "appended at the end of the directory"
    );
}

#[test]
fn an_empty_query_shows_everything_in_directory_order() {
    let mut s = names(&office());
    assert!(!s.is_active());
    assert_eq!(ids(&mut s, ""), (0..7).collect::<Vec<_>>());
    ids(&mut s, "alice");
    assert_eq!(ids(&mut s, "   "), (0..7).collect::<Vec<_>>());
    assert!(!s.is_active());
    assert_eq!(
        ids(&mut s, "dept:"),
        (0..7).collect::<Vec<_>>(),
        "a key without a value restricts nothing"
    );
    assert!(s.is_active());
    assert!(
        s.hits()
            .iter()
            .all(|h| h.score == 0 && h.name_indices.is_empty())
    );
}

#[test]
fn odd_input_never_panics() {
    let mut s = names(&office());
    for q in [
        "\\", "!", "^", "$", "'", ":", "::", "dept:!", "!dept:", "名前", "a\u{301}", "\u{200d}",
        "^$", "\\ \\",
    ] {
        s.set_query(q);
        assert!(s.hits().len() <= 7, "{q}");
    }
    s.set_query(&"ab".repeat(5000));
    assert!(s.hits().is_empty());
}

/// A small deterministic generator for the property tests.
fn lcg(state: &mut u64) -> usize {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 33) as usize
}

/// Queries a person would type: pieces of names, departments, filters.
fn queries(docs: &[SearchDoc], n: usize, seed: u64) -> Vec<String> {
    let mut st = seed;
    let mut out = vec![
        "smith".to_owned(),
        "simth jo".to_owned(),
        "dept:sales mi".to_owned(),
        "ext:10".to_owned(),
        "zoë ø".to_owned(),
        "note:lun".to_owned(),
        "!smi jo".to_owned(),
        "'ma son$".to_owned(),
        "^jo dept:".to_owned(),
        "sip:alice".to_owned(),
    ];
    for _ in 0..n {
        let d = &docs[lcg(&mut st) % docs.len()];
        let words: Vec<&str> = d.name.split_whitespace().collect();
        let mut q = String::new();
        for w in words.iter().rev() {
            let take = 1 + lcg(&mut st) % w.chars().count().max(1);
            q.extend(
                w.chars()
                    .take(take)
                    .filter(|_| !lcg(&mut st).is_multiple_of(5)),
            );
            q.push(' ');
        }
        if lcg(&mut st).is_multiple_of(3) {
            q.push_str("dept:");
            q.extend(d.department.chars().take(3));
        }
        out.push(q.trim_end().to_owned());
    }
    out
}

fn snapshot(s: &Search) -> Vec<Hit> {
    s.hits().to_vec()
}

#[test]
fn typing_on_gives_the_same_results_as_a_fresh_search() {
    let docs = sample::directory(400, 7);
    let mut typed = names(&docs);
    let mut fresh = names(&docs);
    for q in queries(&docs, 60, 11) {
        typed.set_query("");
        let mut prefix = String::new();
        for c in q.chars() {
            prefix.push(c);
            typed.set_query(&prefix);
            fresh.set_query("");
            fresh.set_query(&prefix);
            assert_eq!(snapshot(&typed), snapshot(&fresh), "query {prefix:?}");
        }
        assert!(typed.hits().len() <= docs.len());
    }
}

#[test]
fn the_threaded_search_gives_the_same_results() {
    let docs = sample::directory(1500, 3);
    let mut seq = names(&docs);
    let mut par = names(&docs);
    par.parallel_min = 1;
    if par.workers.len() < 2 {
        par.workers.push(score::Worker::new());
    }
    for q in queries(&docs, 20, 5) {
        for end in [1, q.len() / 2, q.len()] {
            let Some(prefix) = q.get(..end) else { continue };
            seq.set_query(prefix);
            par.set_query(prefix);
            assert_eq!(snapshot(&seq), snapshot(&par), "query {prefix:?}");
        }
    }
}

#[test]
fn hits_are_best_first_then_in_directory_order() {
    let docs = sample::directory(800, 9);
    let mut s = names(&docs);
    // "in", "o mo", "home": name and note matches mixed (strong ones
    // sorted apart from the weak, note-only ones, then joined).
    for q in ["s", "sm", "mi ro", "ext:1", "dept:s", "in", "o mo", "home"] {
        s.set_query(q);
        let hits = s.hits();
        assert!(!hits.is_empty(), "{q}");
        assert!(
            hits.windows(2).all(|w| w[0].score > w[1].score || (w[0].score == w[1].score && w[0].id < w[1].id)),
            "{q}"
        );
    }
    s.set_query("in");
    let hits = s.hits();
    assert!(hits.len() > 256, "the radix path: {}", hits.len());
    assert!(
        hits.iter().any(|h| h.note_only()) && hits.iter().any(|h| !h.note_only()),
        "both kinds"
    );
}

#[test]
fn many_note_changes_keep_the_text_right() {
    let mut s = names(&office());
    s.set_query("note:round");
    for round in 0..2000 {
        let mut d = office()[round % 7].clone();
        d.note = format!("round {round} of status changes, Zoë's note");
        s.update_doc(d);
    }
    assert_eq!(s.hits().len(), 7, "every doc's latest note matches");
    assert_eq!(ids(&mut s, "note:1999"), vec![4], "1999 % 7");
    assert_eq!(ids(&mut s, "note:1998"), vec![3]);
    assert_eq!(
        ids(&mut s, "núñez"),
        vec![5],
        "names survive the compaction"
    );
    assert_eq!(s.hits()[0].name_indices, vec![5, 6, 7, 8, 9]);
    assert_eq!(ids(&mut s, "ext:3001"), vec![4]);
}

/// Positions in `hits` of the hits whose name has highlights in `eager` (a
/// search that highlights everything).
fn with_highlights(eager: &Search) -> Vec<usize> {
    (0..eager.hits().len())
        .filter(|&i| !eager.hits()[i].name_indices.is_empty())
        .collect()
}

fn eager(docs: &[SearchDoc]) -> Search {
    let mut s = names(docs);
    s.highlight_top = usize::MAX;
    s
}

#[test]
fn the_best_hits_of_a_broad_query_are_highlighted() {
    let docs = sample::directory(HIGHLIGHT_TOP * 2, 13);
    let mut s = names(&docs);
    s.set_query("a");
    assert!(s.hits().len() > HIGHLIGHT_TOP + 100, "{}", s.hits().len());
    let mut highlighted = 0;
    for hit in &s.hits()[..HIGHLIGHT_TOP] {
        let name: Vec<char> = docs[hit.id.0 as usize].name.chars().collect();
        let is_a = |c: &char| nucleo::chars::normalize(*c).eq_ignore_ascii_case(&'a');
        if name.iter().any(is_a) {
            assert_eq!(hit.name_indices.len(), 1, "{name:?}");
            assert!(is_a(&name[hit.name_indices[0] as usize]), "{name:?}");
            highlighted += 1;
        }
    }
    assert!(highlighted > HIGHLIGHT_TOP / 2, "{highlighted}");
}

#[test]
fn a_hit_beyond_the_best_is_highlighted_on_demand() {
    let docs = sample::directory(HIGHLIGHT_TOP * 3, 13);
    let mut all = eager(&docs);
    let mut s = names(&docs);
    for q in ["e", "an", "r a"] {
        all.set_query(q);
        s.set_query(q);
        let &far = with_highlights(&all)
            .iter()
            .find(|&&i| i >= HIGHLIGHT_TOP)
            .expect("a highlighted name past the best");
        assert!(s.hits()[far].name_indices.is_empty(), "{q}: not yet");
        s.ensure_highlights(far..far + 1);
        assert_eq!(s.hits()[far], all.hits()[far], "{q}: now highlighted");
        s.ensure_highlights(far - 1..far + 2);
        s.ensure_highlights(far..far + 1);
        assert_eq!(s.hits()[far - 1..=far + 1], all.hits()[far - 1..=far + 1]);
        s.ensure_highlights(0..usize::MAX);
        assert_eq!(s.hits(), all.hits(), "{q}: everything on demand");
    }
    // A hit leaving the best ones lets the next move up, highlighted.
    let mut s = names(&docs);
    s.set_query("a");
    let best = s.hits()[0].id;
    let mut gone = docs[best.0 as usize].clone();
    gone.name = "Zz".into();
    gone.department = "Zz".into();
    gone.uri = "sip:zz@example.com".into();
    gone.extension = "1".into();
    gone.note.clear();
    s.update_doc(gone.clone());
    all.set_query("a");
    all.update_doc(gone);
    assert_eq!(s.hits()[..HIGHLIGHT_TOP], all.hits()[..HIGHLIGHT_TOP]);
}

#[test]
fn highlighting_later_changes_no_result_nor_its_rank() {
    let docs = sample::directory(1500, 17);
    let mut all = eager(&docs);
    let mut s = names(&docs);
    s.highlight_top = 7;
    for q in queries(&docs, 30, 23) {
        for end in 1..=q.len() {
            let Some(prefix) = q.get(..end) else { continue };
            all.set_query(prefix);
            s.set_query(prefix);
            let key = |h: &Hit| (h.id, h.score);
            let (a, b) = (all.hits(), s.hits());
            assert!(a.iter().map(key).eq(b.iter().map(key)), "{prefix:?}");
            let top = a.len().min(7);
            assert_eq!(a[..top], b[..top], "{prefix:?}");
        }
        s.ensure_highlights(0..s.hits().len());
        assert_eq!(all.hits(), s.hits(), "{q:?}");
        // The score matched without highlights is the one nucleo gives
        // when it traces the highlights (the ranking of before).
        let Search {
            index,
            query,
            workers,
            hit_keys,
            ..
        } = &mut all;
        for &k in hit_keys.iter() {
            let doc = index.doc(key_doc(k)).unwrap();
            let traced = workers[0].match_doc(doc, key_doc(k), query, true);
            assert_eq!(traced.map(|c| c.key), Some(k), "{q:?}");
        }
    }
}
