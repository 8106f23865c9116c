//! `write_response_to` against the `Response` it replaces on the hot path.

use super::*;
use std::path::PathBuf;

/// Every request we have on disk: Kamailio's NOTIFYs and the RFC torture
/// messages that parse as requests.
fn requests() -> Vec<(String, Request)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for dir in ["kamailio", "rfc4475", "rfc5118"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let Ok(bytes) = std::fs::read(e.path()) else {
                continue;
            };
            if let Ok(Message::Request(r)) = parse(&bytes) {
                out.push((e.path().display().to_string(), r));
            }
        }
    }
    out
}

#[test]
fn the_answer_written_in_one_buffer_is_the_response_built_and_serialised() {
    let reqs = requests();
    assert!(reqs.len() >= 20, "fixtures found: {}", reqs.len());
    let extras: [&[(&str, &str)]; 4] = [
        &[("User-Agent", "Switchboard/1.0")],
        &[("Allow", "NOTIFY, OPTIONS"), ("user-agent", "x")],
        &[
            ("Allow-Events", "presence, dialog"),
            ("l", "99"),
            ("X-Odd", " y "),
        ],
        &[],
    ];
    for (file, req) in &reqs {
        for extra in extras {
            for (status, reason) in [(200, "OK"), (405, "Method Not Allowed"), (489, "Bad Event")] {
                let mut resp = response_to(req, status, reason, None);
                for (name, value) in extra {
                    resp.headers.push(name, *value);
                }
                assert_eq!(
                    String::from_utf8_lossy(&write_response_to(req, status, reason, extra)),
                    String::from_utf8_lossy(&resp.to_bytes()),
                    "{file} {status} {extra:?}"
                );
            }
        }
    }
}
