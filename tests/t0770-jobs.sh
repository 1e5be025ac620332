#!/bin/sh
# run -j N: 100 events over 10 calls, delivered out of created_at order,
# with a hook that notes its start and end: no two events of one call
# overlap, each call's events start in created_at order, N hooks are busy
# at once. Then order_by's values, and a retry taken by the cron tick it
# falls due at.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks "max_age = 0"

hook call.completed "echo \"start \$HUSKY_EVENT_ID \$HUSKY_DATA_CALL_ID \$HUSKY_CREATED_AT \$(date +%s%N)\" >> '$T/times'
sleep 0.2
echo \"end \$HUSKY_EVENT_ID \$HUSKY_DATA_CALL_ID \$HUSKY_CREATED_AT \$(date +%s%N)\" >> '$T/times'"

# call_event ID CALL CREATED_AT: an event of that call.
call_event() {
	printf '{"event_id":"%s","event_type":"call.completed","created_at":"%s","org_id":"org_abc_123","data":{"call_id":"%s"}}' \
	    "$1" "$3" "$2" > "$T/ev.json"
	post "$T/ev.json"
}

# 10 events per call, delivered newest first.
base=$(($(date +%s) - 1000))
i=99
while [ $i -ge 0 ]; do
	call_event "evt_$i" "call_$((i % 10))" \
	    "$(date -u -d "@$((base + i))" +%Y-%m-%dT%H:%M:%SZ)"
	i=$((i - 1))
done
check "100 events stored" [ "$(count_files "$T/spool/pending")" = 100 ]
start=$(date +%s%N)
hh run -j 8
end=$(date +%s%N)
diag "100 events, hook 0.2 s, -j 8: $(((end - start) / 1000000)) ms"
check "all 100 done" [ "$(count_files "$T/spool/done")" = 100 ]
check "each ran once" [ "$(grep -c '^start ' "$T/times")" = 100 ]

# Per call: the intervals in start order never overlap, and the starts
# are in created_at order.
awk '
$1 == "start" { s[$2] = $5; call[$2] = $3; created[$2] = $4 }
$1 == "end" { e[$2] = $5 }
END {
	for (id in s) print call[id], s[id], e[id], created[id]
}' "$T/times" | sort -k1,1 -k2,2n > "$T/intervals"
awk '
$1 == last && $2 < lastend { overlap++ }
$1 == last && $4 < lastcreated { order++ }
{ last = $1; lastend = $3; lastcreated = $4 }
END { printf "%d %d\n", overlap, order }' "$T/intervals" > "$T/violations"
check "no two events of one call overlapped" [ "$(cut -d' ' -f1 "$T/violations")" = 0 ]
check "each call's events started in created_at order" [ "$(cut -d' ' -f2 "$T/violations")" = 0 ]
# Most hooks busy at once: +1 at a start, -1 at an end, in time order.
awk '$1 == "start" { print $5, 1 } $1 == "end" { print $5, -1 }' "$T/times" |
    sort -n -k1,1 -k2,2n | awk '{ n += $2; if (n > max) max = n } END { print max }' > "$T/busy"
diag "most hooks busy at once: $(cat "$T/busy") (-j 8)"
check "never more than 8 at once" [ "$(cat "$T/busy")" -le 8 ]
check "8 at once (at least 6: the machine may be busy)" [ "$(cat "$T/busy")" -ge 6 ]

# order_by = none: one call's events run side by side.
: > "$T/times"
write_conf "hooks = $T/hooks" "max_age = 0" "order_by = none" "jobs = 4"
i=0
while [ $i -lt 8 ]; do
	call_event "evt_none$i" call_same "$(now_utc)"
	i=$((i + 1))
done
hh run
awk '$1 == "start" { print $5, 1 } $1 == "end" { print $5, -1 }' "$T/times" |
    sort -n -k1,1 -k2,2n | awk '{ n += $2; if (n > max) max = n } END { print max }' > "$T/busy"
check "order_by = none, jobs = 4: one call's events ran side by side" [ "$(cat "$T/busy")" -ge 2 ]

for bad in data.a.b call_id 'data.' 'data.x y' data.$(printf '%065d' 0); do
	write_conf "hooks = $T/hooks" "order_by = $bad"
	check "order_by = $bad is refused" '! "$HUSKYHOOK" -c "$CONF" run 2> "$T/err" && grep -q order_by "$T/err"'
done
write_conf "hooks = $T/hooks" "jobs = 65"
check "jobs = 65 is refused" '! "$HUSKYHOOK" -c "$CONF" run 2> /dev/null'
check "run -j 0 is a usage error" '"$HUSKYHOOK" -c "$CONF" run -j 0 2> /dev/null; [ $? = 2 ]'

# A retry is taken by the cron tick it falls due at: its delay counts
# from the start of the run that tried it, not from the end of a slow
# hook (which made it miss that tick by the hook's time).
write_conf "hooks = $T/hooks" "retry_base = 6s"
hook call.failed "[ \"\$HUSKY_ATTEMPT\" = 1 ] && { sleep 3; exit 1; }; exit 0"
deliver evt_tick call.failed
t0=$(date +%s)
hh run > /dev/null
next=$(meta evt_tick next_attempt)
check "after a 3 s hook, next_attempt is the run's start + retry_base" [ "$next" -le $((t0 + 6)) ]
# The "tick": a run at next_attempt, a little early as cron may be.
while [ "$(date +%s)" -lt $((next - 1)) ]; do sleep 0.2; done
hh run > /dev/null
check "a run within a second before it is due takes it" [ "$(state_of evt_tick)" = "done" ]
deliver evt_tick2 call.failed
hh run > /dev/null
hh run > /dev/null
check "a retry seconds away is not taken" [ "$(meta evt_tick2 attempts)" = 1 ]
done_testing
