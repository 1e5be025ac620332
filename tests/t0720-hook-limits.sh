#!/bin/sh
# Hooks that hang, fork children that hang, or flood their output: killed
# at hook_timeout with their whole process group, the run going on with
# the next event; output capped in the log.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks "hook_timeout = 1s" "retry_base = 1h" "retry_max = 1h"

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
check "the run went on with the next event" [ "$(state_of evt_next)" = "done" ] && [ -s "$T/hooks/next.ran" ]
check "the timed-out events are kept for a retry" [ "$(state_of evt_hang)$(state_of evt_fork)$(state_of evt_stubborn)" = pendingpendingpending ]
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
check "its log is capped near 1 MiB (got $size bytes)" [ "$size" -gt 1000000 ] && [ "$size" -lt 1100000 ]
check "the log says how much was dropped" grep -q 'more bytes of output not kept' "$T/spool/logs/evt_flood.log"

# A hook killed by a signal of its own.
hook call.completed 'kill -SEGV $$'
deliver evt_sig call.completed
hh run > "$T/run.out"
check "a hook killed by a signal: retried, reported" grep -q 'evt_sig call.completed: .*killed by signal 11' "$T/run.out"
done_testing
