//! The directory files of a large site: reading them, and a reload under a
//! running console.
//!
//! - `directory/parse_csv`, `directory/parse_vcard`: one file of n
//!   contacts (two extra columns / a title each) read into entries.
//! - `directory/load`: `directory::load` from disk (CSV + vCard of n/2
//!   each, merged by canonical URI), what the start and each reload read.
//! - `directory/apply`: `Model::apply_directory` on a console with n
//!   contacts when one row left and one came: the store, the search index,
//!   the groups and the grid; the time the console loop is busy per reload.
//!
//! `cargo bench --bench directory_reload`. Under `cargo test --all-targets`
//! every path runs once over 100 contacts (a smoke test, not a measurement).
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput};
use switchboard::app::{Model, Msg, Settings, sample, update};
use switchboard::directory::{self, Entry, Format, Loaded, Sources};

fn csv_text(n: usize, from: usize) -> String {
    let mut text = String::from("name,uri,extension,department,Mobile,Room\r\n");
    for i in from..from + n {
        text.push_str(&format!(
            "\"Person {i}, Jr.\",sip:p{i}@example.test,{},Dept {},+44 7700 {i:06},R{}\r\n",
            10_000 + i,
            i % 40,
            i % 300
        ));
    }
    text
}

fn vcard_text(n: usize, from: usize) -> String {
    let mut text = String::new();
    for i in from..from + n {
        text.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Person {i}\r\nORG:Example;Dept {}\r\nTEL;VALUE=uri:tel:+44-20-7946-0000;ext={}\r\nIMPP:sip:p{i}@example.test\r\nTITLE:Clerk\r\nEND:VCARD\r\n",
            i % 40,
            10_000 + i
        ));
    }
    text
}

fn parse(c: &mut Criterion, n: usize) {
    let mut group = c.benchmark_group("directory/parse_csv");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    let csv = csv_text(n, 0);
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| {
            let l = directory::parse(Format::Csv, black_box(csv.as_bytes()), Path::new("x.csv"));
            assert_eq!(l.entries.len(), n);
            black_box(l.entries.len())
        })
    });
    group.finish();
    let mut group = c.benchmark_group("directory/parse_vcard");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    let vcf = vcard_text(n, 0);
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| {
            let l = directory::parse(Format::Vcard, black_box(vcf.as_bytes()), Path::new("x.vcf"));
            assert_eq!(l.entries.len(), n);
            black_box(l.entries.len())
        })
    });
    group.finish();
}

fn load(c: &mut Criterion, n: usize) {
    let dir = std::env::temp_dir().join(format!("switchboard-bench-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let (csv, vcf) = (dir.join("staff.csv"), dir.join("staff.vcf"));
    std::fs::write(&csv, csv_text(n / 2, 0)).expect("csv written");
    std::fs::write(&vcf, vcard_text(n / 2, n / 2)).expect("vcf written");
    let sources = Sources {
        csv: vec![csv],
        vcard: vec![vcf],
    };
    let mut group = c.benchmark_group("directory/load");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| {
            let l = directory::load(&[], black_box(&sources));
            assert_eq!(l.entries.len(), n / 2 * 2);
            black_box(l.entries.len())
        })
    });
    group.finish();
    remove(dir);
}

fn apply(c: &mut Criterion, n: usize) {
    let contacts = sample::directory(n);
    let mut model = Model::new(contacts.clone(), Settings::default());
    update(
        &mut model,
        Msg::Resize {
            width: 100,
            height: 30,
        },
    );
    let all: Vec<Entry> = contacts.into_iter().map(Entry::from).collect();
    let mut other = all.clone();
    other.remove(n / 2);
    other.push(Entry::from(switchboard::presence::ContactInfo {
        name: "Newcomer".into(),
        uri: "sip:newcomer@example.test".into(),
        extension: None,
        department: Some("Sales".into()),
    }));
    let versions = [all, other];
    let mut k = 0;
    let mut group = c.benchmark_group("directory/apply");
    group.sample_size(20);
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| {
            k = 1 - k;
            let loaded = Loaded {
                entries: versions[k].clone(),
                problems: Vec::new(),
            };
            let change = model.apply_directory(black_box(loaded));
            assert_eq!((change.added.len(), change.removed.len()), (1, 1));
            black_box(change)
        })
    });
    group.finish();
}

fn remove(path: PathBuf) {
    let _ = std::fs::remove_dir_all(path);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let n = if std::env::args().any(|a| a == "--bench") {
        10_000
    } else {
        100
    };
    parse(&mut c, n);
    load(&mut c, n);
    apply(&mut c, n);
    c.final_summary();
}
