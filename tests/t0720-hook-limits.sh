#!/bin/sh
# Hooks that hang, fork children that hang, or flood their output: killed
# at hook_timeout with their whole process group, the run going on with
# the next event; output capped in the log.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks "hook_timeout = 1s" "retry_base = 1h" "retry_max = 1h" "max_body = 4M"

base=$(date -u +%s)
at() { date -u -d "@$((base - $1))" +%Y-%m-%dT%H:%M:%SZ; }

hook call.initiated 'echo $$ > hang.pid; exec sleep 600'
hook call.answered '(exec sleep 601) & echo $! > child.pid; wait'
hook call.completed 'trap "" TERM; (trap "" TERM; exec sleep 602) & echo $! > stubborn.pid; while :; do sleep 1; done'
hook call.failed 'echo next >> next.ran'
deliver evt_hang call.initiated "$(at 40)"
deliver evt_fork call.answered "$(at 30)"
deliver evt_stubborn call.completed "$(at 20)"
deliver evt_next call.failed "$(at 10)"

start=$(date +%s)
hh run > "$T/run.out"
took=$(( $(date +%s) - start ))
check "the run ends (took ${took}s for three 1s timeouts)" [ "$took" -le 15 ]
check "a hanging hook: timed out" grep -q 'evt_hang call.initiated: attempt 1 of 10 failed, retry in 3600s: hook call.initiated: timed out after 1s' "$T/run.out"
check_gone "the hanging hook's process is gone" "$T/hooks/hang.pid"
check "a hook whose child hangs: timed out" grep -q 'evt_fork call.answered: .*timed out after 1s' "$T/run.out"
check_gone "the hanging child is gone too" "$T/hooks/child.pid"
check "a hook ignoring SIGTERM: timed out" grep -q 'evt_stubborn call.completed: .*timed out after 1s' "$T/run.out"
check_gone "it and its child are killed after the grace period" "$T/hooks/stubborn.pid"
check "the run went on with the next event" '[ "$(state_of evt_next)" = done ] && [ -s "$T/hooks/next.ran" ]'
check "the timed-out events are kept for a retry" [ "$(state_of evt_hang)$(state_of evt_fork)$(state_of evt_stubborn)" = retryingretryingretrying ]
check "the log says so" grep -q '^=== timed out after 1s$' "$T/spool/logs/evt_hang.log"

# A child left running after the hook exits is killed with its group.
hook call.disallowed '(exec sleep 603) & echo $! > stray.pid; exit 0'
deliver evt_stray call.disallowed
hh run > /dev/null
check "a hook that exits leaving a child: done" [ "$(state_of evt_stray)" = "done" ]
sleep 0.2
check_gone "the child it left is gone" "$T/hooks/stray.pid"

# Megabytes of output: the hook is not blocked, the log is capped.
rm -f "$T/hooks/call.failed"
hook call.failed 'head -c 5000000 /dev/zero | tr "\0" x; echo; echo tail-line >&2'
deliver evt_flood call.failed
hh run > /dev/null
check "a hook printing 5 MB: done" [ "$(state_of evt_flood)" = "done" ]
size=$(wc -c < "$T/spool/logs/evt_flood.log")
check "its log is capped near 1 MiB (got $size bytes)" '[ "$size" -gt 1000000 ] && [ "$size" -lt 1100000 ]'
check "the log says how much was dropped" grep -q 'more bytes of output not kept' "$T/spool/logs/evt_flood.log"

# A hook killed by a signal of its own.
hook call.completed 'kill -SEGV $$'
deliver evt_sig call.completed
hh run > "$T/run.out"
check "a hook killed by a signal: retried, reported" grep -q 'evt_sig call.completed: .*killed by signal 11' "$T/run.out"
# An environment too large for execve(2) (E2BIG would make every attempt
# fail with 127): the data values that do not fit are left out, the hook
# runs and is told so. 100 values of 32000 bytes with max_body = 4M.
hook call.answered 'env | LC_ALL=C sort > "$HUSKY_EVENT_ID.env"; cat > "$HUSKY_EVENT_ID.stdin"'
big=$(head -c 32000 /dev/zero | tr '\0' b)
# bigenv ID: an event with small values around 100 big ones.
bigenv() {
	{
		printf '{"event_id":"%s","event_type":"call.answered","created_at":"%s","org_id":"o","data":{"call_id":"c_small","first_small":"s1"' "$1" "$(now_utc)"
		i=0
		while [ $i -lt 100 ]; do
			printf ',"v%d":"%s"' $i "$big"
			i=$((i + 1))
		done
		printf ',"last_small":"s2","huge":"%s%s","truncated":"0"}}' "$big" "$big"
	} > "$T/$1.json"
	post "$T/$1.json"
	[ "$STATUS" = 200 ] || diag "delivery of $1 answered $STATUS"
}
bigenv evt_bigenv
hh run > "$T/run.out" 2>&1
e=$T/hooks/evt_bigenv.env
check "100 values of 32000 bytes: the hook runs and succeeds" [ "$(state_of evt_bigenv)" = "done" ]
check "100 values of 32000 bytes: HUSKY_DATA_TRUNCATED=1" grep -qx 'HUSKY_DATA_TRUNCATED=1' "$e"
check "the small values are there, before and after the big ones" \
    'grep -qx HUSKY_DATA_CALL_ID=c_small "$e" && grep -qx HUSKY_DATA_FIRST_SMALL=s1 "$e" && grep -qx HUSKY_DATA_LAST_SMALL=s2 "$e"'
check "some of the big ones too" grep -q '^HUSKY_DATA_V0=bbbb' "$e"
check "a data key 'truncated' cannot fake or hide the flag" '[ "$(grep -c "^HUSKY_DATA_TRUNCATED=" "$e")" = 1 ]'
envsize=$(wc -c < "$e")
check "the environment stays under 512 KiB (got $envsize bytes)" [ "$envsize" -lt 524288 ]
check "stdin still has every value" cmp -s "$T/evt_bigenv.json" "$T/hooks/evt_bigenv.stdin"
check "the hook log counts what was left out" grep -q 'data values left out of the environment' "$T/spool/logs/evt_bigenv.log"

# The same under a 2 MiB stack, where execve allows 512 KiB in all.
bigenv evt_smallstack
# shellcheck disable=SC3045
(ulimit -s 2048 && hh run > "$T/run.out" 2>&1)
e=$T/hooks/evt_smallstack.env
check "ulimit -s 2048: the hook runs and succeeds" [ "$(state_of evt_smallstack)" = "done" ]
check "ulimit -s 2048: HUSKY_DATA_TRUNCATED=1" grep -qx 'HUSKY_DATA_TRUNCATED=1' "$e"
check "ulimit -s 2048: the small values are there" \
    'grep -qx HUSKY_DATA_CALL_ID=c_small "$e" && grep -qx HUSKY_DATA_LAST_SMALL=s2 "$e"'

# Values dropped for their own sake are flagged too: one over 32 KiB.
printf '{"event_id":"evt_onebig","event_type":"call.answered","created_at":"%s","org_id":"o","data":{"call_id":"c1","huge":"%s%s"}}' "$(now_utc)" "$big" "$big" > "$T/onebig.json"
post "$T/onebig.json"
deliver evt_fits call.answered
hh run > /dev/null 2>&1
check "a value over 32 KiB left out: HUSKY_DATA_TRUNCATED=1" grep -qx 'HUSKY_DATA_TRUNCATED=1' "$T/hooks/evt_onebig.env"
check "nothing left out: no HUSKY_DATA_TRUNCATED" '! grep -q HUSKY_DATA_TRUNCATED "$T/hooks/evt_fits.env"'
check "nothing left out: no note in a log" [ ! -e "$T/spool/logs/evt_fits.log" ]

# Hooks that leave their session (setsid) are outside the process group
# that is killed: they are killed as orphans of the run, which reaps
# them, whether the hook exits or times out.
hook call.initiated 'setsid sh -c '\''echo $$ > detached.pid; exec sleep 600'\'' > /dev/null 2>&1 &
while [ ! -s detached.pid ]; do sleep 0.05; done
(setsid sh -c '\''echo $$ > double.pid; exec sleep 600'\'' &)
while [ ! -s double.pid ]; do sleep 0.05; done
exit 0'
hook call.completed 'setsid sh -c '\''echo $$ > detached2.pid; exec sleep 600'\'' &
while [ ! -s detached2.pid ]; do sleep 0.05; done
exec sleep 600'
hook call.failed 'setsid sh -c '\''echo $$ > piped.pid; exec sleep 600'\'' &
while [ ! -s piped.pid ]; do sleep 0.05; done
echo parent-done'
deliver evt_setsid call.initiated
deliver evt_setsid_hang call.completed
deliver evt_setsid_pipe call.failed
start=$(date +%s)
hh run > "$T/run.out" 2>&1
took=$(( $(date +%s) - start ))
check "hooks with setsid children: the run ends (took ${took}s)" [ "$took" -le 10 ]
check "a hook that setsids a child and exits: done" [ "$(state_of evt_setsid)" = "done" ]
check_gone "its detached child is gone" "$T/hooks/detached.pid"
check_gone "its double-forked detached grandchild is gone" "$T/hooks/double.pid"
check "a hook that setsids a child and hangs: timed out" grep -q 'evt_setsid_hang call.completed: .*timed out after 1s' "$T/run.out"
check_gone "its detached child is gone too" "$T/hooks/detached2.pid"
check "a detached child holding the output pipe: done, output kept" grep -q parent-done "$T/spool/logs/evt_setsid_pipe.log"
check_gone "and the child is gone" "$T/hooks/piped.pid"
for f in detached double detached2 piped; do
	kill -9 "$(cat "$T/hooks/$f.pid")" 2>/dev/null
done

# A hook that cannot be executed (its interpreter is missing): the log
# says so, from the child that could not exec, and the event is retried.
rm -f "$T/hooks/call.initiated"
printf '#!/nonexistent/interpreter\n' > "$T/hooks/call.initiated"
chmod 755 "$T/hooks/call.initiated"
deliver evt_noexec call.initiated
hh run > "$T/run.out" 2>&1
check "a hook that cannot be executed: retried" [ "$(state_of evt_noexec)" = retrying ]
check "its log says why" grep -q "^huskyhook: cannot execute $T/hooks/call.initiated: No such file or directory$" "$T/spool/logs/evt_noexec.log"
check "and the exit status is 127" grep -q '^=== exit 127$' "$T/spool/logs/evt_noexec.log"

# A hook has no controlling terminal, even when run is started from one
# (script(1) gives it a pseudo-terminal): it cannot read what is typed
# there, nor push input into it (TIOCSTI).
if command -v script > /dev/null; then
	rm -f "$T/hooks/call.completed"
	hook call.completed 'if (: < /dev/tty) 2> /dev/null; then echo has-tty; else echo no-tty; fi > tty.out'
	deliver evt_tty call.completed
	script -qec "$HUSKYHOOK -c $CONF run" /dev/null > /dev/null 2>&1
	check "a hook run from a terminal has none itself" [ "$(cat "$T/hooks/tty.out" 2>/dev/null)" = no-tty ]
else
	skip "script(1) is not installed"
fi
done_testing
