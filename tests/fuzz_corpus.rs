//! The fuzzing corpus, replayed in the test command: every file under
//! `fuzz/corpus/<target>/` (what cargo-fuzz kept, minimised),
//! `fuzz/regressions/<target>/` (inputs that once crashed) and, for the
//! codec, the RFC 4475/5118 torture messages and Kamailio captures is fed
//! to the same entry function the fuzz target calls (`fuzz/entries.rs`),
//! on the stable toolchain, and must return without a panic. See
//! FUZZING.md.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

#[path = "../fuzz/entries.rs"]
mod entries;

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a corpus directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_and_regression_input_passes_through_its_target_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut failures = Vec::new();
    for (target, entry) in entries::TARGETS {
        let corpus = files(&root.join("corpus").join(target));
        assert!(
            corpus.len() >= 5,
            "fuzz/corpus/{target} has {} files: the corpus is missing",
            corpus.len()
        );
        let regressions = files(&root.join("regressions").join(target));
        // The torture messages and captures seeded the codec's corpus;
        // minimising may drop a seed, so they are replayed from where
        // they live.
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let seeds: Vec<PathBuf> = match target {
            "sip_codec" => ["rfc4475", "rfc5118", "kamailio"]
                .iter()
                .flat_map(|d| files(&fixtures.join(d)))
                .collect(),
            _ => Vec::new(),
        };
        for path in corpus.iter().chain(&regressions).chain(&seeds) {
            let data = fs::read(path).expect("a corpus file");
            if catch_unwind(AssertUnwindSafe(|| entry(&data))).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "inputs that panic: {failures:#?}");
}
