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

# wait_state ID STATE SECONDS: 0 once the event ID is in STATE (as
# state_of tells it), 1 if it was not within SECONDS. A hook's last line
# comes before its outcome is recorded (and made durable).
wait_state() {
	i=0
	while [ $i -lt $(($3 * 10)) ]; do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_lines PATTERN FILE N SECONDS: 0 once N lines of FILE match
# PATTERN, 1 if that was not so within SECONDS.
wait_lines() {
	i=0
	while [ $i -lt $(($4 * 10)) ]; do
		[ "$(grep -c "$1" "$2" 2>/dev/null)" = "$3" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_files DIR PATTERN N SECONDS: 0 once DIR holds N files named
# PATTERN, 1 if it did not within SECONDS.
wait_files() {
	i=0
	while [ $i -lt $(($4 * 10)) ]; do
		[ "$(find "$1" -name "$2" | wc -l)" = "$3" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
