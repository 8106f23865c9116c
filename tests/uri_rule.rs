//! One URI rule from the file to the output: URIs that RFC 3261 19.1.4
//! calls different (`sip:a@h` and `sip:a@h:5060`) are accepted by the
//! configuration and stay two contacts in the store, the search and the
//! `watch` JSON; URIs it calls the same are refused with both lines named.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::path::Path;
use std::time::{Instant, SystemTime};

use switchboard::config;
use switchboard::search::{Search, SearchDoc};
use switchboard::store::Store;

const HEAD: &str = "[account]\nuri = \"sip:attendant@example.test\"\n";

fn contacts(uris: &[(&str, &str)]) -> String {
    let mut text = HEAD.to_string();
    for (name, uri) in uris {
        text.push_str(&format!(
            "[[contact]]\nname = \"{name}\"\nuri = \"{uri}\"\n"
        ));
    }
    text
}

#[test]
fn with_and_without_the_default_port_live_side_by_side() {
    let text = contacts(&[
        ("Plain Alice", "sip:alice@example.test"),
        ("Ported Alice", "sip:alice@example.test:5060"),
    ]);
    let cfg = config::parse(&text, Path::new("c.toml"), &|_| None).expect("both accepted");
    let store = Store::new(cfg.contacts);
    let plain = store.find("sip:alice@EXAMPLE.test").expect("plain found");
    let ported = store
        .find("sip:alice@example.test:5060")
        .expect("ported found");
    assert_ne!(plain, ported);
    assert_eq!(store.info(plain).name, "Plain Alice");
    assert_eq!(store.info(ported).name, "Ported Alice");

    let docs = store
        .ids()
        .map(|id| SearchDoc {
            id,
            name: store.info(id).name.clone(),
            extension: String::new(),
            department: String::new(),
            uri: store.info(id).uri.clone(),
            note: String::new(),
            extra: String::new(),
        })
        .collect();
    let mut search = Search::new(docs);
    search.set_query("alice");
    let mut hits: Vec<_> = search.hits().iter().map(|h| h.id).collect();
    hits.sort();
    assert_eq!(hits, [plain, ported]);

    let now = SystemTime::now();
    let wall = |_: Instant| now;
    let json: Vec<serde_json::Value> = store
        .ids()
        .map(|id| serde_json::from_str(&switchboard::watch::line(&store, id, wall, now)).unwrap())
        .collect();
    let shown: Vec<&str> = json
        .iter()
        .map(|l| l["contact"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        ["sip:alice@example.test", "sip:alice@example.test:5060"]
    );
}

#[test]
fn the_same_uri_by_the_rule_is_refused_naming_both_lines() {
    let text = contacts(&[
        ("Alice", "sip:alice@example.test;transport=tcp"),
        ("Alice again", "sip:alice@Example.Test;TRANSPORT=TCP;x=1"),
    ]);
    let err = config::parse(&text, Path::new("c.toml"), &|_| None).expect_err("a duplicate");
    let msg = err.to_string();
    assert_eq!(
        (err.line(), err.key()),
        (Some(8), Some("contact[2].uri")),
        "{msg}"
    );
    assert!(msg.contains("already listed at line 5"), "{msg}");
}
