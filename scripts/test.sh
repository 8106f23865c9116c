#!/usr/bin/env bash
# The whole test suite: installs what the interop tests need when missing
# (Kamailio, sipp, tmux — Debian packages), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

cargo fmt --all -- --check
cargo test --locked --all-targets "$@"
