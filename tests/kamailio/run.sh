#!/usr/bin/env bash
# Run the test Kamailio presence server from tests/kamailio/kamailio.cfg.
#
#   run.sh start DIR PORT USERS_FILE   create DIR (sqlite db with the users,
#                                      kamailio.cfg), start kamailio in the
#                                      background and wait until it answers
#                                      OPTIONS (set KAM_NO_WAIT=1 to skip)
#   run.sh wait DIR PORT [SECONDS]     wait until 127.0.0.1:PORT answers OPTIONS
#   run.sh stop DIR                    SIGTERM the instance of DIR, SIGKILL
#                                      after 5 s; no-op when it is not running
#   run.sh users N [PASSWORD]          print N users user0001.. (USERS_FILE)
#   run.sh free-port                   print a port free for UDP and TCP
#   run.sh stats DIR                   print kamailio's statistics (kamcmd)
#
# USERS_FILE: one "username password" per line (no spaces in either).
# Domain is 127.0.0.1. Logs: DIR/kamailio.log. Env: KAM_CHILDREN (UDP
# worker processes, default 2), RLS_LIST=NAME (serve the resource list
# sip:NAME@127.0.0.1 of every user to the watcher attendant, module rls),
# KAM_SHM_MB (shared memory, default 64), KAM_TLS=1 (SIP over TLS as
# DIR/tls-listen.cfg and DIR/tls.cfg say; the caller writes both),
# REGINFO=1 (serve registration state, RFC 3680 Event: reg, modules
# presence_reginfo + pua_reginfo).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# kamailio and kamcmd live in /usr/sbin, not always on a user's PATH
PATH="$PATH:/usr/sbin:/sbin"

die() {
	echo "run.sh: $*" >&2
	exit 1
}

# shellcheck source=module-dir.sh
source "$here/module-dir.sh"

# whether PID is a live (not zombie) kamailio started with DIR's config
is_ours() {
	local dir="$1" pid="$2" state
	[[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
	state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null || echo X)"
	[[ "$state" != "Z" && "$state" != "X" ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-f $dir/kamailio.cfg "
}

# pid of the main process of DIR's instance (from its pidfile), or nothing
instance_pid() {
	local dir="$1" pid
	[[ -f "$dir/kamailio.pid" ]] || return 0
	pid="$(cat "$dir/kamailio.pid" 2>/dev/null || true)"
	if is_ours "$dir" "$pid"; then echo "$pid"; fi
}

# every live process of DIR's instance (main and children)
instance_pids() {
	local dir="$1" p
	for p in /proc/[0-9]*; do
		if is_ours "$dir" "${p#/proc/}"; then echo "${p#/proc/}"; fi
	done
}

# one OPTIONS over UDP; 0 when a 200 comes back within 200 ms
probe() {
	local dir="$1" port="$2" reply=""
	local msg="OPTIONS sip:127.0.0.1:$port SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-probe-$RANDOM$RANDOM\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:127.0.0.1:$port>\r\nCall-ID: probe-$RANDOM$RANDOM@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	# one write() = one datagram: printf would send every line on its own
	printf "$msg" >"$dir/.probe"
	exec 3<>"/dev/udp/127.0.0.1/$port" || return 1
	cat "$dir/.probe" >&3 || true
	# not `read`: it takes a socket byte by byte and UDP drops the rest
	reply="$(timeout 0.2 head -c 12 <&3 2>/dev/null || true)"
	exec 3<&- 3>&-
	[[ "$reply" == "SIP/2.0 200"* ]]
}

cmd_wait() {
	local dir="$1" port="$2" secs="${3:-20}"
	local deadline=$((SECONDS + secs))
	while ((SECONDS < deadline)); do
		if probe "$dir" "$port"; then
			return 0
		fi
		if [[ -z "$(instance_pid "$dir")" ]] && [[ -f "$dir/kamailio.pid" ]]; then
			tail -n 40 "$dir/kamailio.log" >&2 || true
			die "kamailio of $dir died during startup"
		fi
		sleep 0.05
	done
	tail -n 40 "$dir/kamailio.log" >&2 || true
	die "kamailio on 127.0.0.1:$port did not answer OPTIONS within $secs s"
}

cmd_start() {
	local dir="$1" port="$2" users="$3"
	[[ "$port" =~ ^[0-9]+$ && "$port" != 5060 ]] || die "bad port '$port' (never 5060)"
	[[ -f "$users" ]] || die "no users file '$users'"
	command -v kamailio >/dev/null || die "kamailio not installed (run scripts/install-test-deps.sh)"
	command -v sqlite3 >/dev/null || die "sqlite3 not installed (run scripts/install-test-deps.sh)"
	mkdir -p "$dir"
	dir="$(cd "$dir" && pwd)"
	if [[ -n "$(instance_pid "$dir")" ]]; then
		die "an instance of $dir is already running"
	fi
	local mpath
	mpath="$(module_dir)" || die "no kamailio module folder with presence.so (run scripts/install-test-deps.sh)"
	sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" -e "s|@MPATH@|$mpath/|g" \
		-e "s|@CHILDREN@|${KAM_CHILDREN:-2}|g" "$here/kamailio.cfg" >"$dir/kamailio.cfg"
	# a fresh database each start: users may have changed (restart keeps them)
	rm -f "$dir/kamailio.sqlite" "$dir/kamailio.sqlite-wal" "$dir/kamailio.sqlite-shm"
	{
		echo "PRAGMA journal_mode=WAL;" # persists in the file
		cat "$here/schema.sql"
		echo "BEGIN;"
		awk 'NF >= 2 {
			gsub(/\047/, "\047\047", $1); gsub(/\047/, "\047\047", $2);
			printf "INSERT INTO subscriber (username, domain, password) VALUES (\047%s\047, \047127.0.0.1\047, \047%s\047);\n", $1, $2
		}' "$users"
		echo "COMMIT;"
	} | sqlite3 "$dir/kamailio.sqlite" >/dev/null || die "could not create $dir/kamailio.sqlite"
	if [[ -n "${RLS_LIST:-}" ]]; then
		write_rls "$dir" "$users" "$RLS_LIST"
	fi
	echo "$port" >"$dir/port"
	echo "=== run.sh start $(date '+%F %T') port $port users $(wc -l <"$users")" >>"$dir/kamailio.log"
	# kamailio forks into the background; the parent exits once it is initialised
	local defines=()
	if [[ -n "${RLS_LIST:-}" ]]; then defines=(-A WITH_RLS); fi
	if [[ "${KAM_TLS:-0}" == 1 ]]; then
		[[ -f "$dir/tls.cfg" && -f "$dir/tls-listen.cfg" ]] || die "KAM_TLS=1 needs $dir/tls.cfg and $dir/tls-listen.cfg"
		defines+=(-A WITH_TLS)
	fi
	if [[ "${REGINFO:-0}" == 1 ]]; then defines+=(-A WITH_REGINFO); fi
	if ! kamailio -f "$dir/kamailio.cfg" -P "$dir/kamailio.pid" -Y "$dir" -w "$dir" \
		-m "${KAM_SHM_MB:-64}" -M 8 "${defines[@]}" </dev/null >>"$dir/kamailio.log" 2>&1; then
		tail -n 40 "$dir/kamailio.log" >&2 || true
		die "kamailio failed to start (log: $dir/kamailio.log)"
	fi
	if [[ "${KAM_NO_WAIT:-0}" != 1 ]]; then
		cmd_wait "$dir" "$port" 20
	fi
}

# RLS_LIST=NAME: the list sip:NAME@127.0.0.1 of every user but attendant,
# for the watcher attendant (xcap row, doc_type 8 = rls-services), and the
# db_text tables rls keeps its state in.
write_rls() {
	local dir="$1" users="$2" name="$3" doc
	mkdir -p "$dir/rlsdb"
	rm -f "$dir/rlsdb/"*
	printf 'table_name(string) table_version(int) \nrls_presentity:1\nrls_watchers:3\n' >"$dir/rlsdb/version"
	cp /usr/share/kamailio/dbtext/kamailio/rls_presentity /usr/share/kamailio/dbtext/kamailio/rls_watchers "$dir/rlsdb/"
	doc="$(awk -v n="$name" 'BEGIN {
			printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rls-services xmlns=\"urn:ietf:params:xml:ns:rls-services\" xmlns:rl=\"urn:ietf:params:xml:ns:resource-lists\"><service uri=\"sip:%s@127.0.0.1\"><list name=\"all\">", n
		}
		NF >= 2 && $1 != "attendant" { printf "<rl:entry uri=\"sip:%s@127.0.0.1\"/>", $1 }
		END { printf "</list><packages><package>presence</package><package>dialog</package></packages></service></rls-services>" }' "$users")"
	printf "INSERT INTO xcap (username, domain, doc, doc_type, etag, source, doc_uri, port) VALUES ('attendant', '127.0.0.1', '%s', 8, 'e1', 1, '/rls-services/global/index', 0);\n" "$doc" |
		sqlite3 "$dir/kamailio.sqlite" || die "could not write the list into $dir/kamailio.sqlite"
}

cmd_stop() {
	local dir="$1" pid i
	pid="$(instance_pid "$dir")"
	if [[ -n "$pid" ]]; then
		kill -TERM "$pid" 2>/dev/null || true
	fi
	# wait for the children too: one still holding the port would answer the
	# next start's OPTIONS probe or make its bind fail
	for ((i = 0; i < 100; i++)); do
		[[ -n "$(instance_pids "$dir")" ]] || return 0
		sleep 0.05
	done
	echo "run.sh: kamailio of $dir ignored SIGTERM for 5 s, sending SIGKILL" >&2
	for pid in $(instance_pids "$dir"); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for ((i = 0; i < 100; i++)); do
		[[ -n "$(instance_pids "$dir")" ]] || return 0
		sleep 0.05
	done
	die "kamailio of $dir still running after SIGKILL"
}

# a port in 20000-29999 with no UDP or TCP socket on it (IPv4 or IPv6)
cmd_free_port() {
	local port hex i
	for ((i = 0; i < 200; i++)); do
		port=$((20000 + RANDOM % 10000))
		printf -v hex '%04X' "$port"
		if ! awk -v h=":$hex" 'NR > 1 && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }' \
			/proc/net/udp /proc/net/tcp /proc/net/udp6 /proc/net/tcp6 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	die "no free port found"
}

cmd_users() {
	local n="$1" pw="${2:-secret}"
	seq -f "user%04g $pw" 1 "$n"
}

cmd_stats() {
	local dir="$1"
	command -v kamcmd >/dev/null || die "kamcmd not installed"
	kamcmd -s "unix:$dir/kamailio_ctl" stats.get_statistics all
}

case "${1:-}" in
start) [[ $# -eq 4 ]] || die "usage: run.sh start DIR PORT USERS_FILE"; cmd_start "$2" "$3" "$4" ;;
wait) [[ $# -ge 3 ]] || die "usage: run.sh wait DIR PORT [SECONDS]"; cmd_wait "$2" "$3" "${4:-20}" ;;
stop) [[ $# -eq 2 ]] || die "usage: run.sh stop DIR"; cmd_stop "$(cd "$2" 2>/dev/null && pwd || echo "$2")" ;;
free-port) cmd_free_port ;;
users) [[ $# -ge 2 ]] || die "usage: run.sh users N [PASSWORD]"; cmd_users "$2" "${3:-secret}" ;;
stats) [[ $# -eq 2 ]] || die "usage: run.sh stats DIR"; cmd_stats "$2" ;;
*) die "usage: run.sh start|wait|stop|users|free-port|stats ... (see the header of $0)" ;;
esac
