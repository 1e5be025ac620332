#!/bin/sh
# A hooks directory that cannot be used (moved aside, a file in its
# place, not searchable, gone in the middle of a run) is an error, never
# "no hook": run exits 1 and says why once, and every event it did not
# run stays pending as it was, attempts untouched. run --watch says so
# once, keeps going, and runs the events when the directory is back.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/wait.sh
. "$top_srcdir/tests/wait.sh"
setup_hooks "retry_base = 1h" "retry_max = 1h"

hook call.completed 'echo "$HUSKY_EVENT_ID" >> '"'$T/ran'"

# untouched ID...: each event is pending, never tried, with no error.
untouched() {
	for untouched_id in "$@"; do
		[ "$(state_of "$untouched_id")" = pending ] &&
		    [ "$(meta "$untouched_id" attempts)" = 0 ] &&
		    [ -z "$(meta "$untouched_id" last_error)" ] &&
		    [ "$(meta "$untouched_id" next_attempt)" = 0 ] || return 1
	done
}

# all_done ID...: each event is done.
all_done() {
	for all_done_id in "$@"; do
		[ "$(state_of "$all_done_id")" = "done" ] || return 1
	done
}

# one_line FILE PATTERN: FILE is one line, and it matches PATTERN.
one_line() {
	[ "$(wc -l < "$1")" = 1 ] && grep -q "$2" "$1"
}

# ran IDS: the hooks that ran, sorted, are IDS (one space after each).
ran() {
	[ "$(sort "$T/ran" 2>/dev/null | tr '\n' ' ')" = "$1" ]
}

# refused WHAT REASON ID1 ID2 [RUN ARGS]: run (as $AS) with the hooks
# directory unusable: exit 1, one line on stderr and one in the log
# naming it and REASON, nothing on stdout, no hook run, both events
# untouched.
refused() {
	refused_what=$1 refused_why=$2 refused_a=$3 refused_b=$4
	shift 4
	: > "$T/receive.log"
	$AS "$HUSKYHOOK" -c "$CONF" run "$@" > "$T/run.out" 2> "$T/run.err"
	check "$refused_what: run exits 1" [ $? = 1 ]
	check "$refused_what: one line on stderr naming the directory and why" \
	    one_line "$T/run.err" "^huskyhook: hooks directory $T/hooks: $refused_why: "
	check "$refused_what: the same line in the log, once" \
	    one_line "$T/receive.log" "error: hooks directory $T/hooks: $refused_why: "
	check "$refused_what: nothing on stdout (no line per event)" [ ! -s "$T/run.out" ]
	check "$refused_what: no hook ran" [ ! -e "$T/ran" ]
	check "$refused_what: both events stay pending, never tried" \
	    untouched "$refused_a" "$refused_b"
}

# runs_again WHAT ID1 ID2 [RUN ARGS]: with the directory back, run runs
# both events' hooks.
runs_again() {
	runs_what=$1 runs_a=$2 runs_b=$3
	shift 3
	$AS "$HUSKYHOOK" -c "$CONF" run "$@" > "$T/run.out" 2>&1
	check "$runs_what, back: run exits 0" [ $? = 0 ]
	check "$runs_what, back: both hooks ran, once each" ran "$runs_a $runs_b "
	check "$runs_what, back: both done" all_done "$runs_a" "$runs_b"
	rm -f "$T/ran"
}

AS=
for jobs in 1 2; do
	# Moved aside, as during a redeploy (a typo in hooks =, or a
	# filesystem not mounted, is the same ENOENT).
	deliver "m${jobs}a"
	deliver "m${jobs}b"
	mv "$T/hooks" "$T/hooks.away"
	refused "-j $jobs, missing" 'No such file or directory' "m${jobs}a" "m${jobs}b" -j "$jobs"
	mv "$T/hooks.away" "$T/hooks"
	runs_again "-j $jobs, missing" "m${jobs}a" "m${jobs}b" -j "$jobs"

	# A file where the directory should be.
	deliver "f${jobs}a"
	deliver "f${jobs}b"
	mv "$T/hooks" "$T/hooks.away"
	: > "$T/hooks"
	refused "-j $jobs, a file" 'Not a directory' "f${jobs}a" "f${jobs}b" -j "$jobs"
	rm "$T/hooks"
	mv "$T/hooks.away" "$T/hooks"
	runs_again "-j $jobs, a file" "f${jobs}a" "f${jobs}b" -j "$jobs"
done

# Not searchable: chmod 000 stops anyone but root, so as root the runs
# are made as nobody, over a layout nobody owns.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ "$(id -u)" != 0 ] || [ -n "$AS" ]; then
	deliver p1
	deliver p2
	[ -n "$AS" ] && chown -R 65534:65534 "$T"
	chmod 000 "$T/hooks"
	refused "not searchable" 'Permission denied' p1 p2
	chmod 700 "$T/hooks"
	runs_again "not searchable" p1 p2
	[ -n "$AS" ] && chown -R 0:0 "$T"
	AS=
else
	skip "root without setpriv: chmod 000 does not stop root"
fi

# Gone in the middle of a run: the first event's hook moves the
# directory aside. That event is done; the next is not tried, and the
# run stops and says so once.
hook call.completed 'echo "$HUSKY_EVENT_ID" >> '"'$T/ran'"'
case $HUSKY_EVENT_ID in *a) mv '"'$T/hooks' '$T/hooks.away'"' ;; esac'
base=$(date -u +%s)
for jobs in 1 2; do
	# One call (order_by): b starts only after a has ended.
	deliver "g${jobs}a" call.completed "$(date -u -d "@$((base - 20))" +%Y-%m-%dT%H:%M:%SZ)"
	deliver "g${jobs}b" call.completed "$(date -u -d "@$((base - 10))" +%Y-%m-%dT%H:%M:%SZ)"
	: > "$T/receive.log"
	hh run -j "$jobs" > "$T/run.out" 2> "$T/run.err"
	check "-j $jobs, gone mid-run: run exits 1" [ $? = 1 ]
	check "-j $jobs, gone mid-run: the first event's hook ran, it is done" \
	    'ran "g${jobs}a " && all_done "g${jobs}a"'
	check "-j $jobs, gone mid-run: the next one stays pending, never tried" untouched "g${jobs}b"
	check "-j $jobs, gone mid-run: one line on stderr" \
	    one_line "$T/run.err" "^huskyhook: hooks directory $T/hooks: No such file or directory: "
	check "-j $jobs, gone mid-run: one line in the log" \
	    one_line "$T/receive.log" "error: hooks directory $T/hooks: No such file or directory: "
	mv "$T/hooks.away" "$T/hooks"
	rm -f "$T/ran"
	hh run -j "$jobs" > /dev/null 2>&1
	check "-j $jobs, back: the next one ran and is done" \
	    'ran "g${jobs}b " && all_done "g${jobs}b"'
	rm -f "$T/ran"
done

# run --watch: told once that the directory is missing, it keeps going,
# leaves the events it cannot run as they are, and runs them once the
# directory is back; the same when it goes while it watches.
hook call.completed 'echo "$HUSKY_EVENT_ID" >> '"'$T/ran'"
mv "$T/hooks" "$T/hooks.away"
: > "$T/receive.log"
"$HUSKYHOOK" -c "$CONF" run --watch > "$T/watch.out" 2> "$T/watch.err" &
WATCH=$!
check "watch, missing at start: the log says so" \
    wait_for "error: hooks directory $T/hooks: No such file or directory: .*until it is back" "$T/receive.log" 10
check "watch, missing at start: and stderr" \
    wait_for "^huskyhook: hooks directory $T/hooks: No such file or directory" "$T/watch.err" 10
deliver w1
# It looks again every second: within three, a line a look would show.
sleep 3
check "watch, missing: it keeps running" alive "$WATCH"
check "watch, missing: said once, not once a look" \
    '[ "$(grep -c "hooks directory" "$T/receive.log")" = 1 ] && [ "$(wc -l < "$T/watch.err")" = 1 ]'
check "watch, missing: the event stays pending, never tried" untouched w1
mv "$T/hooks.away" "$T/hooks"
check "watch, back: the event runs and is done" wait_state w1 "done" 10
check "watch, back: said once" wait_lines "hooks directory $T/hooks is back" "$T/receive.log" 1 5

# Gone while it watches: the delivery wakes it, and it looks first.
mv "$T/hooks" "$T/hooks.away"
deliver w2
check "watch, gone while watching: said, once more" \
    wait_lines "error: hooks directory $T/hooks: No such file or directory" "$T/receive.log" 2 10
check "watch, gone while watching: the event stays pending, never tried" untouched w2
mv "$T/hooks.away" "$T/hooks"
check "watch, back again: the event runs and is done" wait_state w2 "done" 10
check "watch, back again: said" wait_lines "hooks directory $T/hooks is back" "$T/receive.log" 2 5
check "watch: each event's hook ran once" ran "w1 w2 "
kill -TERM "$WATCH"
wait "$WATCH"
check "watch: exits 0 on SIGTERM" [ $? = 0 ]
check "watch: each change said once on stderr too" \
    '[ "$(grep -c "No such file" "$T/watch.err")" = 2 ] && [ "$(grep -c "is back: events run again" "$T/watch.err")" = 2 ]'
done_testing
