#!/bin/sh
# Measures the demo presence server (benches/demo_server.rs): the sans-IO
# core handling 20,000 SUBSCRIBEs and NOTIFYing changes, the startup of
# `demo::spawn` with 10,000 contacts, and NOTIFYs per second over loopback
# UDP to a client holding 10,000 presence + 10,000 dialog subscriptions.
#
#   scripts/demo-bench.sh                 # everything
#   scripts/demo-bench.sh subscribe       # only benchmarks matching a filter
#   scripts/demo-bench.sh demo/loopback   # only the loopback measurement
#
# Uses `cargo bench --bench demo_server` when Cargo.toml registers that
# bench (harness = false); otherwise a scratch crate under target/ that
# points at this one, so the measurement runs without touching Cargo.toml.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)

if grep -q '^name = "demo_server"' Cargo.toml; then
    exec cargo bench --bench demo_server -- "$@"
fi

scratch="$root/target/demo-bench-crate"
mkdir -p "$scratch"
cat > "$scratch/Cargo.toml" <<TOML
[package]
name = "switchboard-demo-bench"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
switchboard = { path = "$root" }
tokio = { version = "1", default-features = false, features = ["rt", "rt-multi-thread", "net", "time", "macros", "sync"] }

[dev-dependencies]
criterion = { version = "0.8.2", default-features = false, features = ["cargo_bench_support"] }

[lib]
path = "lib.rs"

[[bench]]
name = "demo_server"
path = "$root/benches/demo_server.rs"
harness = false
TOML
: > "$scratch/lib.rs"
cp Cargo.lock "$scratch/Cargo.lock"
CARGO_TARGET_DIR="$root/target" exec cargo bench --manifest-path "$scratch/Cargo.toml" --bench demo_server -- "$@"
