//! The layers point one way: a module never names one above it.
//!
//! domain (`presence`, `text`, `tls_roots`: what TLS trusts) < `body` < `sip`, `status` (what one's own
//! status is: domain and body only) < `store`, `demo` (its server side sees
//! domain, body and sip only), `directory` (CSV and vCard files), `notes`
//! (the pure notes domain) < `search`, `watch` < `app` < `ui`, `config`,
//! `notes_db` (the notes databases: blocking I/O, no tasks or clock, just
//! below the runtime that runs them on a thread) < `runtime` < `cli`. This
//! test reads every production source file under `src/` and fails on any
//! `crate::X` path that names a module of the same rank (other than its own)
//! or a higher one. Test-only code (`tests.rs`, `tests/` folders,
//! `sample.rs`, and what follows `#[cfg(test)]`) is exempt: a test may build
//! its fixture with anything.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The rank of each top-level module; a module may name only lower ranks.
const RANKS: &[(&str, u8)] = &[
    ("presence", 0),
    ("text", 0),
    ("tls_roots", 0),
    ("body", 1),
    ("sip", 2),
    ("status", 2),
    ("store", 3),
    ("demo", 3),
    ("directory", 3),
    ("notes", 3),
    ("search", 4),
    ("watch", 4),
    ("app", 5),
    ("ui", 6),
    ("config", 6),
    ("notes_db", 6),
    ("runtime", 7),
    ("cli", 8),
    ("main", 8),
    ("lib", 9),
];

fn rank(module: &str) -> Option<u8> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "tests") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name != "tests.rs" && name != "sample.rs" {
                out.push(path);
            }
        }
    }
}

/// The production part of a file: everything before its first `#[cfg(test)]`
/// item (test modules sit at the end of a file in this code base).
fn production_part(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

/// Every module named as `crate::X` (also inside `use crate::{X, Y}`).
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("file under src/");
    let first = rel.components().next().expect("a path component");
    let first = first.as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn no_module_names_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut faults = Vec::new();
    for file in &files {
        let module = top_module(&src, file);
        let Some(own) = rank(&module) else {
            faults.push(format!(
                "{}: module `{module}` has no rank in tests/layering.rs",
                file.display()
            ));
            continue;
        };
        let text = fs::read_to_string(file).expect("source is UTF-8");
        for named in named_modules(production_part(&text)) {
            if named == module {
                continue;
            }
            match rank(&named) {
                Some(r) if r < own => {}
                Some(r) => faults.push(format!(
                    "{}: `{module}` (rank {own}) names `crate::{named}` (rank {r})",
                    file.display()
                )),
                None => {} // an item of lib.rs, a macro, not a module
            }
        }
    }
    assert!(
        faults.is_empty(),
        "layering violations:\n{}",
        faults.join("\n")
    );
}

#[test]
fn the_check_sees_a_violation() {
    let code = "use crate::store::ContactId;\nuse crate::{app, ui::theme};";
    let named = named_modules(code);
    assert!(named.contains("store") && named.contains("app") && named.contains("ui"));
    assert_eq!(production_part("a\n#[cfg(test)]\nuse crate::ui;"), "a\n");
}
