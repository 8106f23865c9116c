#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that read what servers and callers
# send (see FUZZING.md): builds the cargo-fuzz targets, runs each for
# FUZZ_SECONDS (default 900) at the lowest priority, two at a time, then
# minimises each corpus in place (fuzz/corpus/<target>/) to a set of inputs
# that covers every edge the whole corpus covers.
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Usage: scripts/fuzz.sh [target...]   (default: every target)
# A crash lands in fuzz/artifacts/<target>/; keep it as a file in
# fuzz/regressions/<target>/, which `cargo test --test fuzz_corpus` replays.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-900}"
logs="${FUZZ_LOGS:-target/fuzz-logs}"
if [ "$#" -gt 0 ]; then targets=("$@"); else
  targets=(sip_codec pidf dialog_info rlmi_multipart)
fi
mkdir -p "$logs"

# -s none: no sanitizer (no unsafe code under test; coverage is what
# guides); -a: debug assertions, so arithmetic overflow is a crash too.
nice -n 19 cargo +nightly fuzz build -s none -a
bin="target/$(rustc +nightly -vV | sed -n 's/^host: //p')/release"

# The binaries are run directly (what `cargo fuzz run` does after its
# build), so a source file touched meanwhile does not start a rebuild.
# -timeout: an input taking over 10 s is a finding (a hang);
# -rss_limit_mb: one needing over 2 GB is one too.
run() {
  local t="$1"
  mkdir -p "artifacts/$t"
  nice -n 19 "$bin/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$seconds" \
    -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "corpus/$t" \
    >"$logs/$t.log" 2>&1 || echo "$t: stopped with a finding, see $logs/$t.log"
}

i=0
for t in "${targets[@]}"; do
  run "$t" &
  i=$((i + 1))
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait

# Minimise: the fewest inputs that still cover every edge (hit counts
# ignored, which keeps the corpus small).
for t in "${targets[@]}"; do
  min="$(mktemp -d)"
  nice -n 19 "$bin/$t" -set_cover_merge=1 -use_counters=0 -max_len=8192 "$min" "corpus/$t" \
    >"$logs/$t.cmin.log" 2>&1
  rm -rf "corpus/$t" && mv "$min" "corpus/$t"
  grep -E "^stat::number_of_executed_units|DONE" "$logs/$t.log" | tail -2
  "$bin/$t" -runs=0 "corpus/$t" 2>&1 | grep INITED
done
