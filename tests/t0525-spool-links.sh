#!/bin/sh
# The files the spool writes in place rather than under a fresh tmp/
# name (run.lock, state.lock, logs/<id>.log) are refused when they have
# another link or another owner: in a spool shared through a group,
# another member could make one a hard link to a file of ours elsewhere,
# which a run would then empty or append to. The victim stays as it was,
# and the command or the log says why, naming the file.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks
hook call.completed 'echo "$HUSKY_EVENT_ID" >> ran.log'
hook call.failed 'echo "printed by the hook"; exit 1'

printf 'the victim: not the spool'"'"'s\n' > "$T/victim"
cp "$T/victim" "$T/victim.orig"
victim_kept() {
	cmp -s "$T/victim" "$T/victim.orig" && [ "$(stat -c %h "$T/victim")" = 2 ]
}

# run.lock
deliver evt_link_1
ln "$T/victim" "$T/spool/run.lock"
hh run > "$T/run.out" 2>&1
rc=$?
check "run.lock a hard link: run refuses, exit 1" [ "$rc" = 1 ]
check "the victim is unchanged" victim_kept
check "run says why, naming the file" \
    grep -q 'run.lock: it has another link (a hard link to some other file?): refused; remove it' "$T/run.out"
check "the event did not run" [ "$(state_of evt_link_1)" = pending ]
check "status names nobody as its holder (it only looks)" \
    'hh status > /dev/null 2>&1 && victim_kept'
rm "$T/spool/run.lock"
hh run
check "removed: the run works" [ "$(state_of evt_link_1)" = "done" ]

# state.lock
rm -f "$T/spool/state.lock"
ln "$T/victim" "$T/spool/state.lock"
hh requeue evt_link_1 > "$T/requeue.out" 2>&1
rc=$?
check "state.lock a hard link: requeue refuses" '[ "$rc" = 1 ] && [ "$(state_of evt_link_1)" = "done" ]'
check "the victim is unchanged" victim_kept
check "the log says why, naming the file" \
    grep -q "spool/state.lock: it has another link (a hard link to some other file?); refused" "$T/receive.log"
hh run > "$T/run.out" 2>&1
rc=$?
check "a run goes on without its recovery, saying why in the log" \
    '[ "$rc" = 0 ] && victim_kept && grep -q "state.lock: it has another link.*refused; remove it" "$T/receive.log"'
rm "$T/spool/state.lock"

# logs/<id>.log
deliver evt_link_2 call.failed
ln "$T/victim" "$T/spool/logs/evt_link_2.log"
hh run > "$T/run.out" 2>&1
check "a hook's log a hard link: the victim is unchanged" victim_kept
check "the log says so, naming the file, once" \
    '[ "$(grep -c "event evt_link_2: logs/evt_link_2.log: it has another link" "$T/receive.log")" = 1 ]'
check "the outcome is still recorded" \
    '[ "$(meta evt_link_2 attempts)" = 1 ] && grep -q "exit 1" "$T/run.out"'
rm "$T/spool/logs/evt_link_2.log"

# Another owner (a file made by another member of the group).
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
	: > "$T/spool/run.lock"
	chown nobody "$T/spool/run.lock"
	hh run > "$T/run.out" 2>&1
	rc=$?
	check "run.lock of another owner: refused, saying so" \
	    '[ "$rc" = 1 ] && grep -q "run.lock: it belongs to another user: refused" "$T/run.out"'
	rm "$T/spool/run.lock"
	deliver evt_link_3 call.failed
	: > "$T/spool/logs/evt_link_3.log"
	chown nobody "$T/spool/logs/evt_link_3.log"
	hh run > /dev/null 2>&1
	check "a hook's log of another owner: not written" \
	    '[ ! -s "$T/spool/logs/evt_link_3.log" ] && grep -q "logs/evt_link_3.log: it belongs to another user" "$T/receive.log"'
else
	skip "another owner: needs root and the user nobody"
	skip "another owner: needs root and the user nobody"
fi

# The log named by the config: not written through another link either
# (the message goes to stderr instead, saying why).
mv "$T/receive.log" "$T/receive.log.old"
ln "$T/victim" "$T/receive.log"
deliver evt_link_4
hh run > "$T/run.out" 2>&1
check "the log a hard link: the victim is unchanged" victim_kept
check "run says why on stderr" grep -q "log $T/receive.log: Too many links" "$T/run.out"
check "and the event ran" [ "$(state_of evt_link_4)" = "done" ]
rm "$T/receive.log"
mv "$T/receive.log.old" "$T/receive.log"

done_testing
