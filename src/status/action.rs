//! The per-state command's environment: which variables it gets.
//!
//! `SWITCHBOARD_OLD_STATE`, `SWITCHBOARD_NEW_STATE` (the published presence:
//! `available`, `busy`, `dnd`, `away`, `inactive`, `offline`),
//! `SWITCHBOARD_NEW_NOTE`, `SWITCHBOARD_NEW_UNTIL` (RFC 3339, empty when
//! none), `SWITCHBOARD_SOURCE` (`chosen`, `idle`, `calendar`) and
//! `SWITCHBOARD_ACCOUNT`. The runtime runs it with a time limit; its failure
//! is shown and logged, never fatal.

use super::auto::Published;

/// The environment for a change from `old` to `new`.
pub fn environment(
    account: &str,
    old: Option<&Published>,
    new: &Published,
) -> Vec<(String, String)> {
    let until = new
        .until
        .map(|u| u.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    vec![
        ("SWITCHBOARD_ACCOUNT".into(), account.to_string()),
        (
            "SWITCHBOARD_OLD_STATE".into(),
            old.map(|o| o.presence.as_str().to_string())
                .unwrap_or_default(),
        ),
        (
            "SWITCHBOARD_OLD_NOTE".into(),
            old.and_then(|o| o.note.clone()).unwrap_or_default(),
        ),
        (
            "SWITCHBOARD_NEW_STATE".into(),
            new.presence.as_str().to_string(),
        ),
        (
            "SWITCHBOARD_NEW_NOTE".into(),
            new.note.clone().unwrap_or_default(),
        ),
        ("SWITCHBOARD_NEW_UNTIL".into(), until),
        ("SWITCHBOARD_SOURCE".into(), new.source.as_str().to_string()),
    ]
}
