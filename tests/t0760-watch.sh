#!/bin/sh
# huskyhook run --watch: a hook starts within a second of the receiver's
# answer (CGI), a burst of deliveries each runs once, a retry runs when
# it falls due, a cron run beside it exits at once, SIGTERM lets running
# hooks finish and records them, SIGKILL then a restart loses nothing;
# requeue and purge work beside it.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/wait.sh
. "$top_srcdir/tests/wait.sh"
setup_hooks "jobs = 4" "retry_base = 2s" "hook_timeout = 20s"

# now_ms: the time in milliseconds.
now_ms() {
	date +%s%3N
}

# The hook notes when it starts, then what it was told to do.
hook call.completed "echo \"start \$HUSKY_EVENT_ID \$(date +%s%3N)\" >> '$T/times'
echo \$\$ > '$T/hook.pid'
case \$HUSKY_EVENT_ID in
*slow*) sleep 3 ;;
*fail*) [ \"\$HUSKY_ATTEMPT\" = 1 ] && exit 1 ;;
*dead*) [ -e '$T/revive' ] || exit 100 ;;
esac
echo \"end \$HUSKY_EVENT_ID \$(date +%s%3N)\" >> '$T/times'"

watch_start() {
	"$HUSKYHOOK" -c "$CONF" run --watch -v >> "$T/watch.out" 2>&1 &
	WATCH=$!
	# Up once it says it watches.
	wait_for '^watching' "$T/watch.out" 10
}


watch_start
check "run --watch starts and holds the lock" alive "$WATCH"
hh run -v > "$T/cron.out"
check "a cron run beside it exits at once" grep -q 'another run holds the lock' "$T/cron.out"

# Latency: from the start of the delivery (a CGI process: the hook may
# start before it has exited) to the hook's start.
: > "$T/latency"
for n in 1 2 3 4 5; do
	t0=$(now_ms)
	deliver "evt_lat$n"
	wait_for "^start evt_lat$n " "$T/times" 10
	t1=$(sed -n "s/^start evt_lat$n //p" "$T/times")
	echo $((t1 - t0)) >> "$T/latency"
done
diag "delivery to hook start (ms): $(tr '\n' ' ' < "$T/latency")"
# Generous: the machine may be busy; the benchmark measures it.
check "each hook started within 2 s of the delivery" awk '$1 > 2000 { bad = 1 } END { exit bad }' "$T/latency"

# A burst: each event runs exactly once.
i=0
while [ $i -lt 40 ]; do
	deliver "evt_burst$i"
	i=$((i + 1))
done
check "a burst of 40 deliveries: each event is done" wait_files "$T/spool/done" 'evt_burst*' 40 30
check "... each hook ran once" [ "$(grep -c '^start evt_burst' "$T/times")" = 40 ]

# A retry runs when it falls due, not at a tick.
deliver evt_fail1
wait_for "^end evt_fail1 " "$T/times" 15
check "a failed attempt is retried by the watcher" [ "$(grep -c '^start evt_fail1 ' "$T/times")" = 2 ]
check "... and then done" wait_state evt_fail1 "done" 10
first=$(sed -n 's/^start evt_fail1 //p' "$T/times" | head -n 1)
second=$(sed -n 's/^start evt_fail1 //p' "$T/times" | tail -n 1)
diag "retry after $((second - first)) ms (retry_base 2s)"
check "... after retry_base, not at once" [ $((second - first)) -ge 1000 ]

# SIGTERM while hooks run: they finish, are recorded, then it exits 0.
hook call.failed "echo \"start \$HUSKY_EVENT_ID \$(date +%s%3N)\" >> '$T/times'; sleep 3; echo \"end \$HUSKY_EVENT_ID\" >> '$T/times'"
deliver evt_slow1
deliver evt_slow2 call.failed
wait_for "^start evt_slow1 " "$T/times" 10
wait_for "^start evt_slow2 " "$T/times" 10
deliver evt_after_term
kill -TERM "$WATCH"
wait "$WATCH"
rc=$?
check "SIGTERM during hooks: exit 0" [ "$rc" = 0 ]
check "the running hooks finished" 'grep -q "^end evt_slow1 " "$T/times" && grep -q "^end evt_slow2" "$T/times"'
check "and were recorded done" '[ "$(state_of evt_slow1)" = "done" ] && [ "$(state_of evt_slow2)" = "done" ]'
check "nothing new was started after SIGTERM" '[ -e "$T/spool/pending/evt_after_term" ] || grep -q "^start evt_after_term" "$T/times"'

# SIGKILL in the middle of a hook, then a restart: nothing lost.
: > "$T/watch.out"
watch_start
wait_for "^end evt_after_term " "$T/times" 10
check "restarted, it runs what was left pending" [ "$(state_of evt_after_term)" = "done" ]
deliver evt_slow3
wait_for "^start evt_slow3 " "$T/times" 10
kill -KILL "$WATCH"
wait "$WATCH" 2>/dev/null
wait_gone "$T/hook.pid" 5
check_gone "SIGKILL: the hook went with it" "$T/hook.pid"
check "the event is still pending" [ "$(state_of evt_slow3)" = pending ]
: > "$T/watch.out"
watch_start
wait_for "^end evt_slow3 " "$T/times" 15
check "after a restart it runs again and is done" [ "$(state_of evt_slow3)" = "done" ]

# requeue and purge while the watcher holds the run lock: they do not
# wait for it, and the watcher runs what was requeued at once.
deliver evt_dead1
wait_for "^start evt_dead1 " "$T/times" 10
check "a hook exiting 100: failed for good" wait_state evt_dead1 failed 5
touch "$T/revive"
t0=$(now_ms)
hh requeue evt_dead1 > "$T/requeue.out" 2>&1
rc=$?
t1=$(now_ms)
check "requeue beside the watcher: exit 0" [ "$rc" = 0 ]
check "... without waiting for its lock ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 5000 ]
wait_for "^end evt_dead1 " "$T/times" 10
check "the watcher ran the requeued event" wait_state evt_dead1 "done" 10
# A retrying event may be in the watcher's hands: not requeued beside it.
deliver evt_fail2
wait_for '^attempts=1$' "$T/spool/retrying/evt_fail2" 5
hh requeue evt_fail2 > "$T/requeue2.out" 2>&1
check "requeue of a retrying event beside the watcher: exit 1" [ $? = 1 ]
check "... saying a run holds the lock and runs it when due" grep -q 'pending or retrying, and a run holds the lock' "$T/requeue2.out"
wait_for "^end evt_fail2 " "$T/times" 10
check "... which it does" wait_state evt_fail2 "done" 10
hh purge --done > "$T/purge.out" 2>&1
check "purge beside the watcher: exit 0" [ $? = 0 ]
check "... and it purged" grep -q '^[1-9][0-9]* done events purged' "$T/purge.out"
check "the watcher still runs" alive "$WATCH"
deliver evt_after_purge
wait_for "^end evt_after_purge " "$T/times" 10
check "... and still runs new events" wait_state evt_after_purge "done" 10
# A receiver's pending meta that lands late, beside the done one (a
# receiver stalled between its link and its rename while a run rebuilt
# and ran the event): the watcher is notified of it, and runs nothing.
# The next delivery's hook ending says the notification was handled.
cp "$T/spool/done/evt_after_purge" "$T/late.meta"
sed -i 's/^finished=.*/finished=0/' "$T/late.meta"
mv "$T/late.meta" "$T/spool/pending/evt_after_purge"
deliver evt_after_late
wait_for "^end evt_after_late " "$T/times" 10
check "a late pending meta beside a done one runs nothing" \
    [ "$(grep -c '^start evt_after_purge ' "$T/times")" = 1 ]
rm -f "$T/spool/pending/evt_after_purge"
kill -TERM "$WATCH"
wait "$WATCH"
check "nothing pending or failed at the end" '[ "$(count_files "$T/spool/pending")" = 0 ] && [ "$(count_files "$T/spool/failed")" = 0 ]'
check "no event ran twice but the one killed" [ "$(grep '^end ' "$T/times" | sort | uniq -d | wc -l)" = 0 ]
done_testing
