#!/usr/bin/env bash
# Scale benchmark (run by hand, not in CI): how long until every one of N
# contacts shows a state, for switchboard and for baresip, against the test
# Kamailio (tests/kamailio/) on a free loopback port.
#
#   scripts/scale.sh [N]            N contacts, default 1000 (user0001..)
#
# Env: SKIP_SWITCHBOARD=1, SKIP_BARESIP=1, DEADLINE=seconds per client (120),
#      KAM_CHILDREN=UDP workers of kamailio (default 2), SWITCHBOARD_BIN=path
#      (skips `cargo build --release` and runs that binary instead).
# Output folder: target/scale/ (kamailio run folder, config.toml, baresip
# config and logs). Kamailio is restarted between the two clients so each
# starts from an empty server. Prints both timings and Kamailio's counters.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run="$root/tests/kamailio/run.sh"
n="${1:-1000}"
deadline="${DEADLINE:-120}"
out="$root/target/scale"
kdir="$out/kamailio"
PATH="$PATH:/usr/sbin:/sbin"

[[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 9999 ]] || {
	echo "usage: $0 [N (1..9999)]" >&2
	exit 2
}

"$root/scripts/install-test-deps.sh" --with-baresip

rm -rf "$out"
mkdir -p "$out"
port="$("$run" free-port)"

cleanup() {
	"$run" stop "$kdir" || true
	if [[ -n "${bpid:-}" ]] && kill -0 "$bpid" 2>/dev/null; then
		kill "$bpid" 2>/dev/null || true
	fi
}
trap cleanup EXIT

{
	"$run" users "$n" secret
	echo "attendant secret"
} >"$out/users.txt"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

stat_of() { # NAME -> value from kamailio's counters (0 when absent)
	"$run" stats "$kdir" 2>/dev/null | awk -v k="$1" '$1 == k { v = $3 } END { print v + 0 }'
}

server_start() {
	local t0 t1
	"$run" stop "$kdir"
	t0="$(now)"
	"$run" start "$kdir" "$port" "$out/users.txt"
	t1="$(now)"
	echo "kamailio: ready on 127.0.0.1:$port with $((n + 1)) users after $(elapsed "$t0" "$t1") s"
}

report_server() { # LABEL
	echo "  kamailio counters for $1: SUBSCRIBE received $(stat_of core:rcv_requests_subscribe)," \
		"401 sent $(stat_of sl:401_replies), 2xx transactions $(stat_of tmx:2xx_transactions)," \
		"NOTIFY 2xx received $(stat_of core:rcv_replies_2xx)"
}

sb_result="skipped"
bs_result="skipped"

# ---------------------------------------------------------------- switchboard
if [[ "${SKIP_SWITCHBOARD:-0}" != 1 ]]; then
	server_start
	cfg="$out/config.toml"
	{
		printf '[account]\nuri = "sip:attendant@127.0.0.1"\npassword = "secret"\n\n'
		printf '[server]\naddress = "127.0.0.1:%s"\ntransport = "udp"\n' "$port"
		for ((i = 1; i <= n; i++)); do
			printf '\n[[contact]]\nname = "User %04d"\nuri = "sip:user%04d@127.0.0.1"\nextension = "%d"\n' \
				"$i" "$i" "$((1000 + i))"
		done
	} >"$cfg"
	chmod 600 "$cfg" # it holds a password
	sb="${SWITCHBOARD_BIN:-}"
	if [[ -z "$sb" ]]; then
		echo "switchboard: cargo build --release ..."
		(cd "$root" && cargo build --release --quiet)
		sb="$root/target/release/switchboard"
	fi
	t0="$(now)"
	set +e
	timeout "$((deadline + 5))" "$sb" watch --once --config "$cfg" --timeout "$deadline" \
		--log "$out/switchboard.log" >"$out/switchboard.out" 2>"$out/switchboard.err"
	rc=$?
	set -e
	t1="$(now)"
	if [[ $rc == 0 ]]; then
		sb_result="$(elapsed "$t0" "$t1") s"
	elif [[ $rc == 124 ]]; then
		sb_result="no result within $deadline s"
	else
		sb_result="failed (exit $rc): $(head -n 3 "$out/switchboard.err" | tr '\n' ' ')"
	fi
	echo "switchboard watch --once: $sb_result (output: $out/switchboard.out)"
	report_server switchboard
fi

# -------------------------------------------------------------------- baresip
if [[ "${SKIP_BARESIP:-0}" != 1 ]]; then
	server_start
	bdir="$out/baresip"
	mkdir -p "$bdir"
	bport="$("$run" free-port)"
	modules=/usr/lib/baresip/modules
	[[ -f "$modules/presence.so" ]] || modules="$(dirname "$(find /usr -name presence.so -path '*baresip*' 2>/dev/null | head -n 1)")"
	cat >"$bdir/config" <<-EOF
		poll_method		epoll
		sip_listen		127.0.0.1:$bport
		net_interface		127.0.0.1
		module_path		$modules
		module			g711.so
		module_app		account.so
		module_app		contact.so
		module_app		presence.so
	EOF
	# no registration, no sipnat; every SUBSCRIBE goes to our kamailio
	echo "<sip:attendant@127.0.0.1>;auth_pass=secret;outbound=\"sip:127.0.0.1:$port\";regint=0" >"$bdir/accounts"
	for ((i = 1; i <= n; i++)); do
		printf '"User %04d" <sip:user%04d@127.0.0.1>;presence=p2p\n' "$i" "$i"
	done >"$bdir/contacts"

	# A contact "shows a state" once its first NOTIFY arrived (baresip sets
	# open/closed/unknown from it). Counted from baresip's SIP trace (-s):
	# distinct From users of NOTIFYs received from kamailio.
	count_states() {
		awk -v k="UDP 127.0.0.1:$port -> " '
			index($0, k) == 1 { next_is_first = 1; next }
			next_is_first { next_is_first = 0; in_notify = ($0 ~ /^NOTIFY /); next }
			in_notify && /^From:/ {
				if (match($0, /sip:[^@>;]+@/)) seen[substr($0, RSTART + 4, RLENGTH - 5)] = 1
				in_notify = 0
			}
			END { print length(seen) }' "$bdir/baresip.log"
	}
	: >"$bdir/baresip.log"
	t0="$(now)"
	stdbuf -oL -eL baresip -f "$bdir" -s -t "$((deadline + 5))" </dev/null >"$bdir/baresip.log" 2>&1 &
	bpid=$!
	seen=0
	while :; do
		seen="$(count_states || echo 0)"
		t1="$(now)"
		if ((seen >= n)); then
			bs_result="$(elapsed "$t0" "$t1") s"
			break
		fi
		if ! kill -0 "$bpid" 2>/dev/null; then
			bs_result="baresip exited after $(elapsed "$t0" "$t1") s with $seen/$n states (log: $bdir/baresip.log)"
			break
		fi
		if awk -v a="$t0" -v b="$t1" -v d="$deadline" 'BEGIN { exit !(b - a > d) }'; then
			bs_result="only $seen/$n states after $deadline s"
			break
		fi
		sleep 0.1
	done
	kill "$bpid" 2>/dev/null || true
	wait "$bpid" 2>/dev/null || true
	bpid=""
	echo "baresip: $bs_result (SUBSCRIBEs sent incl. retransmissions: $(grep -c '^SUBSCRIBE ' "$bdir/baresip.log" || true))"
	report_server baresip
fi

echo
echo "=== $n contacts: time until every contact shows a state"
echo "switchboard: $sb_result"
echo "baresip:     $bs_result"
