//! `[[group]]` and `[numbers]`: members by URI, name or extension; an
//! unknown member named with its file, line and key.

use super::*;

const CONTACTS: [&str; 8] = [
    "[[contact]]",
    "name = \"Alice Adams\"",
    "uri = \"sip:alice@example.test\"",
    "extension = \"1001\"",
    "[[contact]]",
    "name = \"Bob Brown\"",
    "uri = \"sip:bob@example.test\"",
    "extension = 1002",
];

fn with_contacts(rest: &[&str]) -> Vec<String> {
    CONTACTS.iter().chain(rest).map(|s| s.to_string()).collect()
}

#[test]
fn groups_take_members_by_uri_name_or_extension() {
    let lines = with_contacts(&[
        "[[group]]",
        "name = \"Management assistants\"",
        "members = [\"sip:alice@EXAMPLE.test\", \"bob brown\", \"1002\"]",
        "[[group]]",
        "name = \"Site B\"",
        "members = []",
    ]);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let c = parse_with_account(&refs);
    assert_eq!(
        c.groups,
        [
            (
                "Management assistants".to_string(),
                vec![
                    "sip:alice@EXAMPLE.test".to_string(),
                    "bob brown".to_string(),
                    "1002".to_string()
                ]
            ),
            ("Site B".to_string(), vec![])
        ]
    );
}

#[test]
fn an_unknown_member_is_named_with_its_line_and_key() {
    // Line 1-2: the account; 3-10: contacts; 11-13: the group.
    let lines = with_contacts(&[
        "[[group]]",
        "name = \"Site B\"",
        "members = [\"Alice Adams\", \"Zed Zimmer\"]",
    ]);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let msg = error_with_account(&refs, 13, "group[1].members[2]");
    assert!(msg.contains("Zed Zimmer"), "{msg}");
    let lines = with_contacts(&["[[group]]", "members = [\"1001\"]"]);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    error_with_account(&refs, 11, "group[1].name");
    let lines = with_contacts(&[
        "[[group]]",
        "name = \"A\"",
        "members = [\"1001\"]",
        "[[group]]",
        "name = \"a\"",
        "members = [\"1001\"]",
    ]);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let msg = error_with_account(&refs, 15, "group[2].name");
    assert!(msg.contains("already at line 12"), "{msg}");
}

#[test]
fn with_directory_files_members_are_found_when_they_load() {
    let lines = with_contacts(&[
        "[directory]",
        "csv = \"staff.csv\"",
        "[[group]]",
        "name = \"Site B\"",
        "members = [\"Zed Zimmer\"]",
    ]);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let c = parse_with_account(&refs);
    assert_eq!(c.groups[0].1, ["Zed Zimmer"]);
}

#[test]
fn numbers_take_digits_only() {
    let c = parse_with_account(&["[numbers]", "country_code = \"+49\"", "area_code = \"089\""]);
    assert_eq!(c.numbering.country_code.as_deref(), Some("49"));
    assert_eq!(c.numbering.area_code.as_deref(), Some("89"));
    assert_eq!(c.numbering.national_prefix, "0");
    let msg = error_with_account(
        &["[numbers]", "country_code = \"DE\""],
        4,
        "numbers.country_code",
    );
    assert!(msg.contains("digits only"), "{msg}");
}
