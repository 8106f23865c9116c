use std::path::Path;

use super::*;

const CSV: &[u8] = include_bytes!("../../tests/fixtures/directory/office.csv");
const VCF: &[u8] = include_bytes!("../../tests/fixtures/directory/office.vcf");

fn csv() -> Loaded {
    parse(Format::Csv, CSV, Path::new("office.csv"))
}

fn vcf() -> Loaded {
    parse(Format::Vcard, VCF, Path::new("office.vcf"))
}

fn names(l: &Loaded) -> Vec<&str> {
    l.entries.iter().map(|e| e.info.name.as_str()).collect()
}

fn problem_lines(l: &Loaded) -> Vec<Option<u64>> {
    l.problems.iter().map(|p| p.line).collect()
}

#[test]
fn csv_quoted_commas_bom_crlf_and_quotes_load() {
    let l = csv();
    let alice = &l.entries[0];
    assert_eq!(
        alice.info.name, "Adams, Alice",
        "BOM skipped, quoted comma kept"
    );
    assert_eq!(alice.info.uri, "sip:alice@example.test");
    assert_eq!(alice.info.extension.as_deref(), Some("1001"));
    assert_eq!(alice.info.department.as_deref(), Some("Sales"));
    assert_eq!(
        alice.extra,
        [
            ("Mobile".to_string(), "+44 7700 900001".to_string()),
            ("Room".to_string(), "2.14".to_string())
        ],
        "extra columns kept under their header, CR not part of the last"
    );
    assert_eq!(
        l.entries[1].info.department.as_deref(),
        Some("Support, 2nd line")
    );
    assert!(l.entries[1].extra.is_empty(), "empty extras are not kept");
    assert_eq!(l.entries[2].info.name, "Carol \"CC\" Clark");
    assert_eq!(
        l.entries[2].info.uri, "sip:carol@example.test",
        "bare user@host gets sip:"
    );
}

#[test]
fn csv_bad_rows_are_reported_with_their_line_and_the_rest_loads() {
    let l = csv();
    assert_eq!(
        names(&l),
        [
            "Adams, Alice",
            "Bob Brown",
            "Carol \"CC\" Clark",
            "Eve [31mEvil",
            "Grace Hopper"
        ]
    );
    assert_eq!(problem_lines(&l), [Some(5), Some(6), Some(9)]);
    let text: Vec<String> = l.problems.iter().map(ToString::to_string).collect();
    assert!(
        text[0].starts_with("office.csv:5: no SIP URI"),
        "{}",
        text[0]
    );
    assert!(
        text[1].contains("office.csv:6: column 1 is not UTF-8"),
        "{}",
        text[1]
    );
    assert!(
        text[2].contains("\"mailto:frank@example.test\" is not a SIP URI"),
        "{}",
        text[2]
    );
}

#[test]
fn csv_strings_are_made_harmless() {
    let l = csv();
    let all = l.entries.iter().flat_map(|e| {
        [&e.info.name, &e.info.uri]
            .into_iter()
            .chain(e.info.extension.iter())
            .chain(e.info.department.iter())
    });
    for s in all {
        assert!(!s.chars().any(crate::text::is_hostile), "{s:?}");
    }
}

#[test]
fn csv_without_a_uri_column_is_one_problem_at_the_header() {
    let l = parse(Format::Csv, b"name,phone\nAlice,1\n", Path::new("x.csv"));
    assert!(l.entries.is_empty());
    assert_eq!(problem_lines(&l), [Some(1)]);
    assert!(
        l.problems[0].message.contains("no uri column"),
        "{}",
        l.problems[0]
    );
}

#[test]
fn csv_name_defaults_to_the_uri_user() {
    let l = parse(
        Format::Csv,
        b"uri,name\nsip:zoe@example.test,\n",
        Path::new("x.csv"),
    );
    assert_eq!(names(&l), ["zoe"]);
}

#[test]
fn vcard_3_and_4_folded_lines_escapes_and_groups() {
    let l = vcf();
    let heidi = &l.entries[0];
    assert_eq!(heidi.info.name, "Heidi Hall");
    assert_eq!(heidi.info.uri, "sip:heidi@example.test");
    assert_eq!(heidi.info.extension.as_deref(), Some("2001"));
    assert_eq!(heidi.info.department.as_deref(), Some("Finance"));
    assert_eq!(
        heidi.extra,
        [("title".to_string(), "Controller".to_string())]
    );
    let ivan = &l.entries[1];
    assert_eq!(
        ivan.info.name, "Ivan Ivanov-Petrovich-Very-Long-Name-That-Is-Folded",
        "a folded line is unfolded"
    );
    assert_eq!(ivan.info.uri, "sip:ivan@example.test", "X-SIP, bare");
    assert_eq!(
        ivan.info.extension.as_deref(),
        Some("2002"),
        "tel: URI with ext="
    );
    assert_eq!(ivan.info.department.as_deref(), Some("Example Ltd"));
    assert_eq!(l.entries[2].info.name, "Karl , Komma");
    assert_eq!(l.entries[2].info.uri, "sip:karl@example.test");
}

#[test]
fn vcard_bad_cards_are_reported_with_their_line() {
    let l = vcf();
    assert_eq!(
        names(&l),
        [
            "Heidi Hall",
            "Ivan Ivanov-Petrovich-Very-Long-Name-That-Is-Folded",
            "Karl , Komma",
            "Alice From VCard"
        ]
    );
    assert_eq!(problem_lines(&l), [Some(17), Some(29)]);
    assert!(
        l.problems[0].message.contains("no SIP URI"),
        "{}",
        l.problems[0]
    );
    assert!(
        l.problems[1].message.contains("not UTF-8"),
        "{}",
        l.problems[1]
    );
}

#[test]
fn vcard_without_end_is_reported() {
    let l = parse(
        Format::Vcard,
        b"BEGIN:VCARD\nFN:A\nIMPP:sip:a@x.test\n",
        Path::new("x.vcf"),
    );
    assert!(l.entries.is_empty());
    assert_eq!(problem_lines(&l), [Some(1)]);
}

#[test]
fn merge_by_canonical_uri_first_source_wins_and_fills_gaps() {
    let config = ContactInfo {
        name: "Alice (config)".into(),
        uri: "sip:alice@EXAMPLE.test".into(),
        extension: None,
        department: None,
    };
    let merged = merge(vec![
        Loaded {
            entries: vec![Entry::from(config)],
            problems: Vec::new(),
        },
        csv(),
        vcf(),
    ]);
    let alice: Vec<&Entry> = merged
        .entries
        .iter()
        .filter(|e| e.info.uri.eq_ignore_ascii_case("sip:alice@example.test"))
        .collect();
    assert_eq!(alice.len(), 1, "one Alice across three sources");
    let alice = alice[0];
    assert_eq!(alice.info.name, "Alice (config)", "[[contact]] wins");
    assert_eq!(alice.info.uri, "sip:alice@EXAMPLE.test");
    assert_eq!(
        alice.info.extension.as_deref(),
        Some("1001"),
        "gap filled from the CSV"
    );
    assert_eq!(alice.info.department.as_deref(), Some("Sales"));
    assert_eq!(alice.extra.len(), 2);
    assert_eq!(merged.entries.len(), 1 + 4 + 3);
    assert_eq!(merged.problems.len(), 3 + 2, "every source's problems kept");
}

#[test]
fn merge_keeps_uris_that_differ_by_port() {
    let e = |uri: &str| {
        Entry::from(ContactInfo {
            name: uri.into(),
            uri: uri.into(),
            extension: None,
            department: None,
        })
    };
    let merged = merge(vec![Loaded {
        entries: vec![e("sip:a@h.test"), e("sip:a@h.test:5060"), e("sip:a@H.TEST")],
        problems: Vec::new(),
    }]);
    assert_eq!(merged.entries.len(), 2);
}

#[test]
fn load_reports_an_unreadable_file_and_keeps_the_rest() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/directory");
    let sources = Sources {
        csv: vec![dir.join("office.csv"), dir.join("missing.csv")],
        vcard: vec![dir.join("office.vcf")],
    };
    let l = load(&[], &sources);
    assert_eq!(l.entries.len(), 5 + 3);
    let missing = l
        .problems
        .iter()
        .find(|p| p.line.is_none())
        .expect("a problem for the file");
    assert!(
        missing.to_string().contains("missing.csv: cannot be read"),
        "{missing}"
    );
}

#[test]
fn a_file_that_cannot_be_read_for_a_moment_keeps_its_last_contacts() {
    let dir = std::env::temp_dir().join(format!("switchboard-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("staff.csv");
    std::fs::write(&file, "name,uri\nAlice,sip:alice@example.test\n").unwrap();
    let sources = Sources {
        csv: vec![file.clone()],
        vcard: Vec::new(),
    };
    let mut reader = Reader::default();
    assert_eq!(reader.load(&[], &sources).entries.len(), 1);
    std::fs::remove_file(&file).unwrap();
    let l = reader.load(&[], &sources);
    assert_eq!(names(&l), ["Alice"], "kept while the file is gone");
    assert!(
        l.problems[0]
            .message
            .contains("from the last read are kept"),
        "{}",
        l.problems[0]
    );
    assert!(
        load(&[], &sources).entries.is_empty(),
        "a first read has nothing to keep"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_with_semicolons_or_tabs_from_a_spreadsheet() {
    for text in [
        &b"Name;URI;Department\n\"Adams; Alice\";sip:alice@example.test;Sales, EMEA\n"[..],
        &b"Name\tURI\tDepartment\nAdams; Alice\tsip:alice@example.test\tSales, EMEA\n"[..],
    ] {
        let l = parse(Format::Csv, text, Path::new("x.csv"));
        assert_eq!(names(&l), ["Adams; Alice"], "{:?}", l.problems);
        assert_eq!(l.entries[0].info.department.as_deref(), Some("Sales, EMEA"));
    }
}

#[test]
fn csv_line_numbers_stay_right_across_blank_lines_and_quoted_breaks() {
    let mut text = String::from("name,uri\n");
    for i in 0..1000 {
        text.push_str(&format!("\"P\n{i}\",sip:p{i}@x.test\n\n"));
    }
    text.push_str("Bad,\n");
    let l = parse(Format::Csv, text.as_bytes(), Path::new("x.csv"));
    assert_eq!(l.entries.len(), 1000);
    assert_eq!(problem_lines(&l), [Some(1 + 3 * 1000 + 1)]);
}

#[test]
fn vcard_strings_are_made_harmless() {
    let card = "BEGIN:VCARD\r\nFN:Mallory \u{1b}[2J\u{202e}Evil\r\nORG:X;\u{9b}31mRed\r\nIMPP:sip:m@x.test\r\nTITLE:\u{7}Boss\r\nEND:VCARD\r\n";
    let l = parse(Format::Vcard, card.as_bytes(), Path::new("x.vcf"));
    let e = &l.entries[0];
    for s in [
        &e.info.name,
        e.info.department.as_ref().unwrap(),
        &e.extra[0].1,
    ] {
        assert!(!s.chars().any(crate::text::is_hostile), "{s:?}");
    }
    assert_eq!(e.info.name, "Mallory [2JEvil");
}
