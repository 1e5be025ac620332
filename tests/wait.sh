# For the tests of what happens on its own (run --watch, the kick, a
# receiver's deadlines, a lock waited for): polling for a state instead
# of sleeping and hoping.
# shellcheck shell=sh

# wait_until SECONDS COMMAND...: 0 once COMMAND succeeds (tried every
# tenth of a second), 1 if it did not within SECONDS.
wait_until() {
	wait_left=$(($1 * 10))
	shift
	while [ "$wait_left" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		wait_left=$((wait_left - 1))
	done
	return 1
}

# wait_for PATTERN FILE SECONDS: a line of FILE matches PATTERN.
wait_for() {
	wait_until "$3" grep -q "$1" "$2" 2>/dev/null
}

# wait_state ID STATE SECONDS: the event ID is in STATE (as state_of
# tells it). A hook's last line comes before its outcome is recorded
# (and made durable).
wait_state() {
	wait_until "$3" wait_is_state "$1" "$2"
}
wait_is_state() { [ "$(state_of "$1")" = "$2" ]; }

# wait_lines PATTERN FILE N SECONDS: N lines of FILE match PATTERN.
wait_lines() {
	wait_until "$4" wait_has_lines "$1" "$2" "$3"
}
wait_has_lines() { [ "$(grep -c "$1" "$2" 2>/dev/null)" = "$3" ]; }

# wait_files DIR PATTERN N SECONDS: DIR holds N files named PATTERN.
wait_files() {
	wait_until "$4" wait_has_files "$1" "$2" "$3"
}
wait_has_files() { [ "$(find "$1" -name "$2" | wc -l)" = "$3" ]; }

# wait_gone PIDFILE SECONDS: the process PIDFILE names has ended.
wait_gone() {
	wait_until "$2" wait_is_gone "$(cat "$1")"
}
wait_is_gone() { ! alive "$1"; }
