#!/bin/sh
# huskyhook run as cron drives it: two runs at once, a run killed in the
# middle of a hook, events stored without meta, housekeeping, and a
# cron-style loop racing deliveries. Nothing accepted is lost, nothing
# done runs again.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks "retry_base = 1s"

# 1. Two runs started together: one works, the other exits 0 at once.
hook call.completed 'echo "$HUSKY_EVENT_ID" >> ran.log; sleep 0.3'
for i in 1 2 3 4 5; do deliver "evt_two_$i"; done
"$HUSKYHOOK" -c "$CONF" run > "$T/a.out" 2>&1 &
a=$!
sleep 0.1
start=$(date +%s%N)
hh run -v > "$T/b.out" 2>&1
b_rc=$?
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait $a
check "the second run exits 0" [ "$b_rc" = 0 ]
check "at once (${took_ms} ms, while the first takes 1.5 s)" [ "$took_ms" -lt 1000 ]
check "saying another run holds the lock (-v)" grep -q 'another run holds the lock' "$T/b.out"
check "every event ran exactly once" \
    '[ "$(sort "$T/hooks/ran.log" | uniq -d | wc -l)" = 0 ] && [ "$(grep -c . "$T/hooks/ran.log")" = 5 ]'

# 2. A run killed (SIGKILL) in the middle of a hook.
hook call.answered 'echo $$ > hook.pid; touch started.mark; exec sleep 30'
deliver evt_kill call.answered
"$HUSKYHOOK" -c "$CONF" run > /dev/null 2>&1 &
runpid=$!
i=0
while [ ! -e "$T/hooks/started.mark" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $runpid
wait $runpid 2>/dev/null
sleep 0.3
check "killed mid-hook: the event is not marked done" [ "$(state_of evt_kill)" = pending ]
check "killed mid-hook: not counted as an attempt either" [ "$(meta evt_kill attempts)" = 0 ]
check_gone "the hook did not outlive its run" "$T/hooks/hook.pid"
hook call.answered 'echo again >> killed.log'
hh run
check "the next run dispatches it again" [ "$(grep -c again "$T/hooks/killed.log")" = 1 ]
check "and then it is done" [ "$(state_of evt_kill)" = "done" ]

# 3. Events stored without meta (a receiver killed between its link and
#    its rename) are recovered, with the file's mtime as receipt time.
hook call.failed 'echo "$HUSKY_EVENT_ID $HUSKY_RECEIVED_AT" >> orphans.log'
event evt_orphan call.failed > "$T/spool/events/evt_orphan.json"
touch -d '2 minutes ago' "$T/spool/events/evt_orphan.json"
event evt_young call.failed > "$T/spool/events/evt_young.json"
hh run
check "an old event without meta is dispatched" grep -q '^evt_orphan ' "$T/hooks/orphans.log"
check "with its mtime as HUSKY_RECEIVED_AT" grep -q "^evt_orphan $(date -u -d '2 minutes ago' +%Y-%m-%dT%H:%M)" "$T/hooks/orphans.log"
check "a just-written one is left to its writer" '! grep -q evt_young "$T/hooks/orphans.log"'
check "a torn meta file is rebuilt from the body" \
    ': > "$T/spool/pending/evt_young" && "$HUSKYHOOK" -c "$CONF" run && grep -q evt_young "$T/hooks/orphans.log"'
printf 'not json' > "$T/spool/events/evt_junk.json"
touch -d '2 minutes ago' "$T/spool/events/evt_junk.json"
hh run
check "a body that is not an event goes to failed, not lost" [ "$(state_of evt_junk)" = failed ]

# 4. Housekeeping: done events past keep_days, tmp files past 36 hours.
touch -d '8 days ago' "$T/spool/events/evt_two_1.json"
touch -d '37 hours ago' "$T/spool/tmp/stale"
touch -d '35 hours ago' "$T/spool/tmp/recent"
hh run
check "done events are looked at once an hour: not yet" [ "$(state_of evt_two_1)" = "done" ]
echo $(($(date +%s) - 3600)) > "$T/spool/last-purge"
hh run
check "a done event past keep_days is purged" '[ "$(state_of evt_two_1)" = none ] && [ ! -e "$T/spool/events/evt_two_1.json" ]'
check "its log went with it" [ ! -e "$T/spool/logs/evt_two_1.log" ]
check "a done event within keep_days stays" [ "$(state_of evt_two_2)" = "done" ]
check "a tmp/ file older than 36 hours is removed" [ ! -e "$T/spool/tmp/stale" ]
check "a younger one stays" [ -e "$T/spool/tmp/recent" ]
check "a failed event is never purged by run" [ "$(state_of evt_junk)" = failed ]

# 5. Cron-style: runs every 0.2 s while 40 events arrive.
hook call.disallowed 'echo "$HUSKY_EVENT_ID" >> cron.log'
(
	i=0
	while [ $i -lt 25 ]; do "$HUSKYHOOK" -c "$CONF" run; sleep 0.2; i=$((i + 1)); done
) &
cron=$!
i=0
while [ $i -lt 40 ]; do deliver "evt_cron_$i" call.disallowed; i=$((i + 1)); done
wait $cron
hh run
check "all 40 events dispatched" [ "$(sort -u "$T/hooks/cron.log" | wc -l)" = 40 ]
check "none twice" [ "$(wc -l < "$T/hooks/cron.log")" = 40 ]
check "status agrees: nothing pending" '"$HUSKYHOOK" -c "$CONF" status | grep -q "^pending *0\$"'
done_testing
