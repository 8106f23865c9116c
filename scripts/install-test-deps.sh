#!/usr/bin/env bash
# Install what the real-server integration tests need (Debian/Ubuntu):
# Kamailio 5.x with the presence, sqlite, utils and tls modules, sipp (package
# sip-tester), sqlite3, tmux and PostgreSQL (the notes tests start a private
# cluster with its initdb; the server is never started as a service) and
# iproute2 and nftables (a network namespace and its faults for the
# network-fault tests). Does nothing
# when all of it is present.
#
#   scripts/install-test-deps.sh [--with-baresip]
#
# --with-baresip also installs baresip-core (only scripts/scale.sh uses it).
# Never starts kamailio as a system service; the tests run their own
# instances on free loopback ports and never use 5060.
# Exit status: 0 when everything is installed afterwards, 1 otherwise.
set -euo pipefail

packages=(kamailio kamailio-presence-modules kamailio-sqlite-modules kamailio-utils-modules kamailio-tls-modules sip-tester sqlite3 tmux postgresql iproute2 nftables)
commands=(kamailio sipp sqlite3 tmux ip nft)
# one module file per module package
modules=(presence.so presence_xml.so presence_dialoginfo.so pua.so pua_dialoginfo.so db_sqlite.so utils.so auth_db.so dialog.so rls.so db_text.so tls.so)
if [[ "${1:-}" == "--with-baresip" ]]; then
	packages+=(baresip-core)
	commands+=(baresip)
elif [[ $# -gt 0 ]]; then
	echo "usage: $0 [--with-baresip]" >&2
	exit 2
fi

# shellcheck source=../tests/kamailio/module-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tests/kamailio/module-dir.sh"

# prints what is missing, one item a line
missing() {
	local c m dir
	for c in "${commands[@]}"; do
		command -v "$c" >/dev/null 2>&1 || echo "command $c"
	done
	# Debian keeps initdb off the PATH, under /usr/lib/postgresql/<version>/bin
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || echo "postgresql (initdb)"
	id postgres >/dev/null 2>&1 || echo "postgresql (the postgres user)"
	if dir="$(module_dir)"; then
		for m in "${modules[@]}"; do
			[[ -f "$dir/$m" ]] || echo "kamailio module $m"
		done
	else
		echo "kamailio modules (no folder with presence.so)"
	fi
}

gone="$(missing)"
if [[ -z "$gone" ]]; then
	echo "install-test-deps: everything is installed"
	exit 0
fi
echo "install-test-deps: missing:"
sed 's/^/  /' <<<"$gone"

fail() {
	echo "install-test-deps: FAILED: $*" >&2
	echo "install-test-deps: install by hand: apt-get install ${packages[*]}" >&2
	exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "no apt-get on this machine"
as_root=()
if [[ "$(id -u)" != 0 ]]; then
	command -v sudo >/dev/null 2>&1 || fail "not root and no sudo"
	sudo -n true 2>/dev/null || fail "not root and sudo needs a password"
	as_root=(sudo -n)
fi

# Keep package scripts from starting a kamailio service (it would take 5060
# and is none of ours): invoke-rc.d asks policy-rc.d, 101 = "not allowed".
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e "$policy" ]]; then
	printf '#!/bin/sh\n# temporary, from switchboard scripts/install-test-deps.sh\nexit 101\n' |
		"${as_root[@]}" tee "$policy" >/dev/null || fail "cannot write $policy"
	"${as_root[@]}" chmod 755 "$policy"
	made_policy=1
fi
cleanup() {
	if [[ "$made_policy" == 1 ]]; then
		"${as_root[@]}" rm -f "$policy" || true
	fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update || fail "apt-get update"
"${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}" ||
	fail "apt-get install ${packages[*]}"

gone="$(missing)"
if [[ -n "$gone" ]]; then
	fail "still missing after apt-get install: $(tr '\n' ',' <<<"$gone")"
fi
echo "install-test-deps: installed ${packages[*]}"
