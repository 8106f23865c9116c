#!/usr/bin/env bash
# The whole test suite: installs what the interop tests need when missing
# (Kamailio, sipp, tmux — Debian packages), checks formatting and clippy
# (warnings are errors; clippy.toml keeps clock reads and task spawning in
# the runtime), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets "$@"
