#!/usr/bin/env bash
# Scale benchmark for resource list subscriptions (RFC 4662), run by hand:
# how long from start until every contact shows a state, for a console
# configured with nothing but a server and a list URI (`switchboard watch
# --once`, which exits once every contact has an answer).
#
#   scripts/scale-list.sh demo [N]       the demo server's list of N people
#                                        (default 10000), over TCP; beside it
#                                        the same N as [[contact]] entries
#                                        (one subscription per contact, UDP)
#   scripts/scale-list.sh kamailio [N]   Kamailio's rls list of N users
#                                        (default 1000) over TCP; beside it
#                                        the same N as [[contact]] entries
#
# Env: DEADLINE=seconds per run (60), SWITCHBOARD_BIN=path (skips `cargo
# build --release`). Output folder: target/scale-list/. Prints one line per
# run: contacts, seconds, and how many lines showed a state.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run="$root/tests/kamailio/run.sh"
mode="${1:-demo}"
deadline="${DEADLINE:-60}"
out="$root/target/scale-list"
PATH="$PATH:/usr/sbin:/sbin"
case "$mode" in
demo) n="${2:-10000}" ;;
kamailio) n="${2:-1000}" ;;
*)
	echo "usage: $0 demo|kamailio [N]" >&2
	exit 2
	;;
esac
[[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 99999 ]] || {
	echo "N must be 1..99999" >&2
	exit 2
}

rm -rf "$out"
mkdir -p "$out"
sb="${SWITCHBOARD_BIN:-}"
if [[ -z "$sb" ]]; then
	(cd "$root" && cargo build --release --quiet)
	sb="$root/target/release/switchboard"
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
demo_pid=""
cleanup() {
	if [[ -n "$demo_pid" ]] && kill -0 "$demo_pid" 2>/dev/null; then kill "$demo_pid"; fi
	if [[ "$mode" == kamailio ]]; then "$run" stop "$out/kamailio" || true; fi
}
trap cleanup EXIT

# watch --once with CONFIG; prints "SECONDS STATES LINES"
timed_watch() {
	local cfg="$1" name="$2" t0 t1 rc
	t0="$(now)"
	set +e
	timeout "$((deadline + 5))" "$sb" --config "$cfg" --log "$out/$name.log" watch --once \
		--timeout "$deadline" >"$out/$name.out" 2>"$out/$name.err"
	rc=$?
	set -e
	t1="$(now)"
	[[ $rc == 0 ]] || echo "($name: exit $rc: $(head -n 2 "$out/$name.err" | tr '\n' ' '))" >&2
	echo "$(elapsed "$t0" "$t1") $(grep -vc '"presence":"unknown"' "$out/$name.out" || true) $(wc -l <"$out/$name.out")"
}

# CONFIG ACCOUNT_LINES PORT TRANSPORT LIST(0|1) USERS(prefix) FIRST: writes a config
write_cfg() {
	local cfg="$1" account="$2" port="$3" transport="$4" list="$5"
	shift 5
	{
		printf '[account]\n%b\n\n[server]\naddress = "127.0.0.1:%s"\ntransport = "%s"\n' \
			"$account" "$port" "$transport"
		if [[ "$list" == 1 ]]; then
			printf 'list = "sip:attendant-list@127.0.0.1"\n'
		else
			"$@"
		fi
	} >"$cfg"
	chmod 600 "$cfg"
}

if [[ "$mode" == demo ]]; then
	port="$("$run" free-port)"
	"$sb" demo-server --listen "127.0.0.1:$port" --contacts "$n" >"$out/demo.out" 2>"$out/demo.err" &
	demo_pid=$!
	for _ in $(seq 1 100); do grep -q . "$out/demo.out" 2>/dev/null && break; sleep 0.1; done
	users=$(awk '/^uri = "sip:/ { print }' "$out/demo.out" | wc -l)
	contacts() { awk '/^\[\[contact\]\]/,0' "$out/demo.out"; }
	write_cfg "$out/list.toml" 'uri = "sip:attendant@127.0.0.1"' "$port" tcp 1
	write_cfg "$out/single.toml" 'uri = "sip:attendant@127.0.0.1"' "$port" udp 0 contacts
	read -r secs states lines < <(timed_watch "$out/list.toml" list)
	echo "demo server, $n people, one list over TCP:        $secs s ($states of $lines shown with a state)"
	read -r secs states lines < <(timed_watch "$out/single.toml" single)
	echo "demo server, $n people, one subscription each (UDP): $secs s ($states of $lines shown with a state)"
	exit 0
fi

kdir="$out/kamailio"
{
	"$run" users "$n" secret
	echo "attendant secret"
} >"$out/users.txt"
port="$("$run" free-port)"
contacts() {
	for ((i = 1; i <= n; i++)); do
		printf '\n[[contact]]\nname = "User %04d"\nuri = "sip:user%04d@127.0.0.1"\n' "$i" "$i"
	done
}
account='uri = "sip:attendant@127.0.0.1"\npassword = "secret"'
write_cfg "$out/list.toml" "$account" "$port" tcp 1
write_cfg "$out/single.toml" "$account" "$port" tcp 0 contacts
RLS_LIST=attendant-list KAM_SHM_MB=256 "$run" start "$kdir" "$port" "$out/users.txt" >/dev/null
read -r secs states lines < <(timed_watch "$out/list.toml" list)
echo "kamailio rls, $n users, one list over TCP:           $secs s ($states of $lines shown with a state)"
"$run" stop "$kdir"
RLS_LIST=attendant-list KAM_SHM_MB=256 "$run" start "$kdir" "$port" "$out/users.txt" >/dev/null
read -r secs states lines < <(timed_watch "$out/single.toml" single)
echo "kamailio, $n users, one subscription each over TCP:  $secs s ($states of $lines shown with a state)"
