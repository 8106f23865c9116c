#!/bin/sh
# CPU of the real console binary, measured from outside: the console runs in
# a private tmux server (own socket, 200x60), its utime+stime is read from
# /proc/PID/stat at the start and end of the window.
#
#   scripts/idle-cpu.sh [SECONDS] [BINARY]
#
# Two setups (SECONDS each, default 20; BINARY default target/release/switchboard,
# built e.g. by `cargo bench --bench idle_cpu`):
#   1. 10,000 contacts from a standalone `switchboard demo-server --contacts
#      10000 --rate 0.01` (one change every 100 s: an almost idle office; the
#      console's engine keeps 20,000 subscriptions refreshed);
#   2. the embedded demo office (`--demo --speed 1`, about 200 people, a
#      realistic day: calls ring, are answered, people come and go).
# RATE=N: setup 1's demo server makes N state changes a second instead of
# 0.01 (the console's memory while 5,000 changes a second arrive: RATE=5000).
# EXPIRES=N: setup 1 asks for N-second subscriptions (`[subscribe] expires`)
# and SETTLE=S waits S seconds (default 5) before the window: with
# EXPIRES=600 SETTLE=400 the window holds the steady refreshes (they start at
# 55 % of the grant), which at the default 3600 s begin only after 33 min.
# LIST=1: setup 1 configures nothing but the server (over TCP) and the demo
# server's resource list (RFC 4662) -- one list subscription per package
# instead of 20,000 -- the configuration the issue's targets name.
# The in-process figure for "10,000 contacts and exactly 5 ringing lines" is
# `cargo bench --bench idle_cpu`.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-20}
bin=${2:-target/release/switchboard}
[ -x "$bin" ] || { echo "no $bin (cargo bench --bench idle_cpu builds it)" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/sb-idle-cpu.XXXXXX")
sock=sb-idle-cpu-$$
server_pid=
tm() { TMUX_TMPDIR=$work tmux -u -L "$sock" "$@"; }
cleanup() {
    tm kill-server 2>/dev/null || true
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
printf 'set -g status off\nset -g history-limit 0\n' > "$work/tmux.conf"
export HOME="$work" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" LC_ALL=C.UTF-8
unset NO_COLOR TMUX SWITCHBOARD_CONFIG SWITCHBOARD_LOG 2>/dev/null || true

# Polls the pane (every 0.1 s) until it shows $1, at most $2 seconds.
wait_pane() {
    n=0
    while ! tm capture-pane -p -t cpu | grep -q -- "$1"; do
        n=$((n + 1))
        if [ "$n" -gt $(($2 * 10)) ]; then
            echo "timed out waiting for '$1':" >&2
            tm capture-pane -p -t cpu >&2
            tail -20 "$work/console.log" >&2 || true
            exit 1
        fi
        sleep 0.1
    done
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Runs the console command $2 in tmux, waits for $3 on screen, lets the
# start-up burst settle, then measures.
measure() {
    label=$1
    tm -f "$work/tmux.conf" new-session -d -s cpu -x 200 -y 60 "exec $2 --log '$work/console.log'"
    pid=$(tm display-message -p -t cpu '#{pane_pid}')
    wait_pane "$3" 120
    sleep "${SETTLE:-5}" # the start-up burst (subscribing, first NOTIFYs) settles
    hz=$(getconf CLK_TCK)
    t0=$(ticks "$pid"); s0=$(date +%s.%N)
    sleep "$secs"
    t1=$(ticks "$pid"); s1=$(date +%s.%N)
    ringing=$(tm capture-pane -p -t cpu | grep -o '☎' | wc -l)
    status=$(tm capture-pane -p -t cpu | tail -2 | head -1)
    if [ -n "${KEEP:-}" ]; then tm capture-pane -p -t cpu > "$work/pane.txt"; cp "$work/pane.txt" "${KEEP}"; fi
    awk -v l="$label" -v t="$((t1 - t0))" -v hz="$hz" -v s0="$s0" -v s1="$s1" -v r="$ringing" \
        'BEGIN { w = s1 - s0; printf "%-34s cpu: %.2f%% of a core (%d ticks in %.1f s), ringing on screen at the end: %d\n", l, 100 * t / hz / w, t, w, r }'
    echo "    status bar: $status"
    awk '$1 == "VmRSS:" || $1 == "VmHWM:" { printf "    %s %.1f MB\n", $1, $2 / 1024 }' "/proc/$pid/status"
    tm kill-server 2>/dev/null || true
}

echo "--- the real binary in tmux (200x60), $secs s per setup ---"

# Port 0: a free one; the configuration it prints names it.
rate=${RATE:-0.01}
"$bin" demo-server --listen 127.0.0.1:0 --contacts 10000 --rate "$rate" \
    > "$work/config.toml" 2> "$work/server.log" &
server_pid=$!
n=0
until [ "$(grep -c '^\[\[contact\]\]' "$work/config.toml" 2>/dev/null || true)" -ge 10000 ]; do
    n=$((n + 1))
    if [ "$n" -gt 300 ] || ! kill -0 "$server_pid" 2>/dev/null; then
        echo "the demo server did not start:" >&2; tail -20 "$work/server.log" >&2; exit 1
    fi
    sleep 0.1
done
ready="10000 active"
label="10,000 contacts, --rate $rate"
if [ "${LIST:-0}" = 1 ]; then
    sed -n '/^\[\[contact\]\]/q;p' "$work/config.toml" \
        | sed 's/^transport = .*/transport = "tcp"/' > "$work/list.toml"
    echo 'list = "sip:attendant-list@127.0.0.1"' >> "$work/list.toml"
    mv "$work/list.toml" "$work/config.toml"
    ready="Other (1000"
    label="10,000 via a list, --rate $rate"
fi
if [ -n "${EXPIRES:-}" ]; then
    printf '\n[subscribe]\nexpires = %s\n' "$EXPIRES" >> "$work/config.toml"
    label="$label, expires $EXPIRES"
fi
chmod 600 "$work/config.toml"
measure "$label" "'$bin' --config '$work/config.toml'" "$ready"
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=

# SETUPS=1: setup 1 only.
if [ "${SETUPS:-2}" -ge 2 ]; then
    measure "demo office, --speed 1" "'$bin' --demo --speed 1" "connected"
fi
