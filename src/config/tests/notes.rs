//! `[notes]`: SQLite path or PostgreSQL URL, the password, the operator.

use super::*;

#[test]
fn notes_default_to_the_data_directory_and_the_login_name() {
    let c = parse_with_account(&[]);
    assert_eq!(c.notes, Notes::default());
}

#[test]
fn notes_url_takes_its_password_from_the_environment() {
    let c = parse_with_account(&[
        "[notes]",
        "url = \"postgres://sb@db.example.test/sb\"",
        "password_env = \"SB_PASSWORD\"",
        "operator = \"Ann\"",
    ]);
    assert_eq!(
        c.notes.url.as_deref(),
        Some("postgres://sb@db.example.test/sb")
    );
    assert_eq!(c.notes.password.as_deref(), Some("from-env"));
    assert_eq!(c.notes.operator.as_deref(), Some("Ann"));
    assert!(
        !format!("{:?}", c.notes).contains("from-env"),
        "password shown"
    );
}

#[test]
fn notes_path_and_url_together_are_refused_at_the_later_one() {
    let msg = error_with_account(
        &[
            "[notes]",
            "path = \"/srv/notes.sqlite\"",
            "url = \"postgres://db/sb\"",
        ],
        5,
        "notes.url",
    );
    assert!(msg.contains("keep only one"), "{msg}");
}

#[test]
fn notes_url_must_be_postgres_and_password_env_must_be_set() {
    let msg = error_with_account(&["[notes]", "url = \"mysql://db/sb\""], 4, "notes.url");
    assert!(msg.contains("postgres://"), "{msg}");
    let msg = error_with_account(
        &[
            "[notes]",
            "url = \"postgres://db/sb\"",
            "password_env = \"NOPE\"",
        ],
        5,
        "notes.password_env",
    );
    assert!(msg.contains("NOPE is not set"), "{msg}");
    error_with_account(&["[notes]", "colour = 1"], 4, "notes.colour");
}
