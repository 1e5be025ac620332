# For the tests of hooks that run on their own (run --watch, the kick):
# waiting for what a hook writes.
# shellcheck shell=sh

# wait_for PATTERN FILE SECONDS: 0 once a line of FILE matches PATTERN,
# 1 if none did within SECONDS.
wait_for() {
	i=0
	while [ $i -lt $(($3 * 10)) ]; do
		grep -q "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
