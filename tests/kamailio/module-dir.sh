# module_dir: prints the Kamailio module folder (the one holding presence.so),
# or returns 1. Sourced by scripts/install-test-deps.sh and tests/kamailio/run.sh.
module_dir() {
	local d
	for d in /usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/*/kamailio/modules \
		/usr/lib/kamailio/modules /usr/lib64/kamailio/modules /usr/local/lib64/kamailio/modules \
		/usr/local/lib/kamailio/modules; do
		if [[ -f "$d/presence.so" ]]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}
