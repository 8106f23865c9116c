//! Loading a large configuration: what the start costs before the first
//! socket. `config::parse` of a file with 10,000 and 100,000 `[[contact]]`
//! tables (TOML parsing, every check, the RFC 3261 duplicate check), and
//! `config::load` of the 100,000-contact file from disk; and the `toml`
//! crate's parse alone, to show what our checks add to it.
//!
//! `cargo bench --bench config_load`. Under `cargo test --all-targets` the
//! same path runs once over 100 contacts (a smoke test, not a measurement).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput};
use switchboard::config;

/// A configuration with `n` contacts, as a person would write it.
fn config_text(n: usize) -> String {
    let mut text = String::with_capacity(n * 110 + 200);
    text.push_str("[account]\nuri = \"sip:attendant@example.test\"\n\n");
    text.push_str(
        "[server]\naddress = \"127.0.0.1:5060\"\n\n[keys]\nquit = [\"F10\", \"Ctrl-q\"]\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "\n[[contact]]\nname = \"Contact {i}\"\nuri = \"sip:c{i}@example.test\"\nextension = {}\ndepartment = \"Dept {}\"\n",
            10_000 + i,
            i % 40
        ));
    }
    text
}

fn env(_: &str) -> Option<String> {
    None
}

fn parse(c: &mut Criterion, sizes: &[usize]) {
    let mut group = c.benchmark_group("config_load/parse");
    group.sample_size(10);
    for &n in sizes {
        let text = config_text(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| {
                let c = config::parse(black_box(text), Path::new("bench.toml"), &env)
                    .expect("a valid configuration");
                black_box(c.contacts.len())
            })
        });
    }
    group.finish();
}

/// The TOML parse alone (the `toml` crate's tree), for comparison: what
/// our checks add on top of it.
fn toml_only(c: &mut Criterion, n: usize) {
    let text = config_text(n);
    let mut group = c.benchmark_group("config_load/toml_only");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| {
            let (doc, errors) = toml::de::DeTable::parse_recoverable(black_box(&text));
            black_box((doc.get_ref().len(), errors.len()))
        })
    });
    group.finish();
}

fn load(c: &mut Criterion, n: usize) {
    let path = std::env::temp_dir().join(format!("switchboard-bench-{}.toml", std::process::id()));
    std::fs::write(&path, config_text(n)).expect("bench file written");
    let mut group = c.benchmark_group("config_load/load");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| {
            black_box(
                config::load(black_box(&path))
                    .expect("valid")
                    .contacts
                    .len(),
            )
        })
    });
    group.finish();
    remove(path);
}

fn remove(path: PathBuf) {
    let _ = std::fs::remove_file(path);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    // `cargo bench` passes --bench; under `cargo test` one small run only
    // proves the path works.
    if std::env::args().any(|a| a == "--bench") {
        parse(&mut c, &[10_000, 100_000]);
        toml_only(&mut c, 10_000);
        toml_only(&mut c, 100_000);
        load(&mut c, 100_000);
    } else {
        parse(&mut c, &[100]);
        toml_only(&mut c, 100);
        load(&mut c, 100);
    }
    c.final_summary();
}
