//! `[directory]`: paths resolved against the file's folder; mistakes at
//! their line and key.

use super::*;

#[test]
fn directory_paths_are_relative_to_the_config_file() {
    let c = parse_with_account(&[
        "[directory]",
        "csv = [\"staff.csv\", \"/srv/export/branch.csv\"]",
        "vcard = \"cards/staff.vcf\"",
    ]);
    assert_eq!(
        c.directory.csv,
        [
            PathBuf::from("/home/x/staff.csv"),
            PathBuf::from("/srv/export/branch.csv")
        ]
    );
    assert_eq!(
        c.directory.vcard,
        [PathBuf::from("/home/x/cards/staff.vcf")]
    );
    assert!(
        c.warnings.is_empty(),
        "no 'console will be empty' warning with a directory: {:?}",
        c.warnings
    );
}

#[test]
fn directory_mistakes_name_line_and_key() {
    let msg = error_with_account(&["[directory]", "csv = \"\""], 4, "directory.csv");
    assert!(msg.contains("file name is empty"), "{msg}");
    let typed = error_with_account(&["[directory]", "vcard = 3"], 4, "directory.vcard");
    assert!(
        typed.contains("a file name or a list of file names"),
        "{typed}"
    );
    let unknown = error_with_account(&["[directory]", "ldap = \"x\""], 4, "directory.ldap");
    assert!(unknown.contains("csv"), "{unknown}");
}
