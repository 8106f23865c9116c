#!/bin/sh
# Resident memory of `switchboard watch` with 10,000 contacts, idle and under
# load, and how many subscriptions it leaves open when it quits.
#
#   scripts/mem-load.sh [RATE] [SECONDS] [BINARY]
#
# RATE: state changes per second on the demo server (default 5000; 0.01 is
# an idle office). SECONDS: how long `watch` runs after its snapshot (20).
# BINARY: default target/release/switchboard (`cargo build --release`).
#
# A standalone `demo-server --contacts 10000 --rate RATE` on a free loopback
# port; `watch` with the configuration it prints (10,000 contacts, 20,000
# subscriptions over UDP), output to /dev/null. VmRSS is sampled every
# 0.5 s from /proc; VmHWM (the peak) is read just before `watch` gets
# SIGTERM. Then: how long `watch` took to exit, and the demo server's own
# count of subscriptions still open (its stats line, every 10 s).
set -eu
cd "$(dirname "$0")/.."
rate=${1:-5000}
secs=${2:-20}
bin=${3:-target/release/switchboard}
# LIST=1: `watch` is configured with nothing but the server (over TCP) and
# the demo server's resource list (RFC 4662): one list subscription per
# package instead of 20,000, the configuration the issue's targets name.
list=${LIST:-0}
# SERVER_BIN: the binary whose demo server runs (default BINARY), so that
# two builds of `watch` can be compared against the same server.
server_bin=${SERVER_BIN:-$bin}
[ -x "$bin" ] || { echo "no $bin (cargo build --release)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sb-mem.XXXXXX")
server_pid=
watch_pid=
cleanup() {
    for p in $watch_pid $server_pid; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    if [ -n "${KEEP:-}" ]; then echo "kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM
export HOME="$work" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" LC_ALL=C.UTF-8
unset SWITCHBOARD_CONFIG SWITCHBOARD_LOG 2>/dev/null || true

"$server_bin" demo-server --listen 127.0.0.1:0 --contacts 10000 --rate "$rate" \
    --log "$work/server.log" > "$work/config.toml" 2> "$work/server.err" &
server_pid=$!
n=0
until [ "$(cat "$work/config.toml" 2>/dev/null | grep -c '^\[\[contact\]\]')" -ge 10000 ]; do
    n=$((n + 1))
    if [ "$n" -gt 300 ] || ! kill -0 "$server_pid" 2>/dev/null; then
        echo "the demo server did not start:" >&2; tail -20 "$work/server.err" >&2; exit 1
    fi
    sleep 0.1
done
if [ "$list" = 1 ]; then
    sed -n '/^\[\[contact\]\]/q;p' "$work/config.toml" \
        | sed 's/^transport = .*/transport = "tcp"/' > "$work/list.toml"
    echo 'list = "sip:attendant-list@127.0.0.1"' >> "$work/list.toml"
    mv "$work/list.toml" "$work/config.toml"
fi
chmod 600 "$work/config.toml"

kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

"$bin" watch --config "$work/config.toml" --log "$work/watch.log" > "$work/watch.out" 2> "$work/watch.err" &
watch_pid=$!
# The snapshot: one line per contact (10,000 lines, a deadline of 30 s).
n=0
until [ "$(cat "$work/watch.out" 2>/dev/null | wc -l)" -ge 10000 ]; do
    n=$((n + 1))
    if [ "$n" -gt 300 ] || ! kill -0 "$watch_pid" 2>/dev/null; then
        echo "watch did not print its snapshot:" >&2; tail -5 "$work/watch.err" >&2; exit 1
    fi
    sleep 0.1
done
lines0=$(wc -l < "$work/watch.out")
max=0
series=
i=0
while [ "$i" -lt $((secs * 2)) ]; do
    r=$(kb "$watch_pid" VmRSS)
    [ "$r" -gt "$max" ] && max=$r
    [ $((i % 10)) -eq 0 ] && series="$series $((r / 1024))"
    sleep 0.5
    i=$((i + 1))
done
rss=$(kb "$watch_pid" VmRSS)
hwm=$(kb "$watch_pid" VmHWM)
anon=$(kb "$watch_pid" RssAnon)
file=$(kb "$watch_pid" RssFile)
lines1=$(wc -l < "$work/watch.out")
open0=$(grep "demo server subscriptions=" "$work/server.err" "$work/server.log" 2>/dev/null | tail -1 | sed -n 's/.*subscriptions=\([0-9]*\).*/\1/p')
t0=$(date +%s.%N)
kill -TERM "$watch_pid"
wait "$watch_pid" 2>/dev/null || true
t1=$(date +%s.%N)
watch_pid=
# The demo server's stats line (at most every 10 s, when something wakes
# it: a stray datagram) counts what is left. Only a line logged at least
# 10 s after `watch` exited counts: a loaded server logs late, and an
# older line tells what was open before quitting.
after=$(date -u -d "@$(echo "$t1 + 10" | bc)" +%Y-%m-%dT%H:%M:%S)
addr=$(sed -n 's/^address = "\(.*\)"/\1/p' "$work/config.toml" | head -1)
left=
n=0
while [ -z "$left" ] && [ "$n" -lt 60 ]; do
    sleep 1
    python3 -c 'import socket, sys; h, p = sys.argv[1].rsplit(":", 1); socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"\r\n\r\n", (h, int(p)))' "$addr"
    line=$(cat "$work/server.log" "$work/server.err" 2>/dev/null | grep "demo server subscriptions=" | awk -v a="$after" '$1 >= a' | head -1)
    left=$(echo "$line" | sed -n 's/.*subscriptions=\([0-9]*\).*/\1/p')
    n=$((n + 1))
done
field() { echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
echo "open on the demo server before SIGTERM (its last stats line): ${open0:-?}; by the count below: NOTIFYs never answered $(field timeouts), un-SUBSCRIBEs accepted $(field unsubscribes), NOTIFYs refused $(field refused), of the open ones ending (final NOTIFY unanswered) $(field ending)"
awk -v rate="$rate" -v s="$secs" -v rss="$rss" -v max="$max" -v hwm="$hwm" \
    -v l="$((lines1 - lines0))" -v t0="$t0" -v t1="$t1" -v left="$left" -v ending="$(field ending)" -v series="$series" -v anon="$anon" -v file="$file" 'BEGIN {
    printf "rate %s/s, %d s after the snapshot: VmRSS now %.1f MB, sampled max %.1f MB, VmHWM %.1f MB; %d change lines (%.0f/s)\n",
        rate, s, rss / 1024, max / 1024, hwm / 1024, l, l / s
    printf "of which RssAnon %.1f MB (heap, stacks), RssFile %.1f MB (the mapped binary)\n", anon / 1024, file / 1024
    printf "VmRSS every 5 s (MB):%s\n", series
    printf "SIGTERM -> exit: %.2f s; subscriptions left open on the demo server: %s of 20000 (%s still active, %s ended but their final NOTIFY unanswered)\n", t1 - t0, left, left - ending, ending
}'
