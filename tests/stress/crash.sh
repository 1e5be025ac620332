#!/bin/sh
# Crash consistency at scale. Phase 1: the FastCGI receivers behind
# lighttpd are SIGKILLed RECEIVER_KILLS times (default 1000) at random
# moments while signed events pour in over 8 connections. Phase 2:
# `huskyhook run` is SIGKILLed RUN_KILLS times (default 200) in the
# middle of its work. Afterwards every event that was answered 200
# "accepted" is stored complete, exactly once, and was dispatched.
# Run from a build directory: sh ../tests/stress/crash.sh
# (make check runs it small, as tests/t0560-crash-scale.sh).
# shellcheck source=tests/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/servers.sh"
RECEIVER_KILLS=${RECEIVER_KILLS:-1000}
RUN_KILLS=${RUN_KILLS:-200}
# Phase 1 ends after the kills, or after ACCEPTED_PER_KILL accepted
# events per kill asked for. A receiver of 8 threads accepts more between
# two kills than one of 1 did: raise it for a full run.
ACCEPTED_PER_KILL=${ACCEPTED_PER_KILL:-100}
setup_hooks
T0=$T
load_start

# Phase 1: load, and kills of whichever receiver runs.
"$HHLOAD" -p "$LIGHTTPD_PORT" -s "$SECRET" -n 100000000 -c "${LOAD_CONNS:-8}" -x crash \
    -o "$T/accepted.txt" > "$T/load.out" 2>&1 &
load=$!
kills=0
# The quota bounds phase 2's work on a slow machine too. Between a kill
# and lighttpd starting the receiver again there is none to kill: those
# moments are waited out, within a time budget of 2 s a kill.
deadline=$(($(date +%s) + RECEIVER_KILLS * 2 + 30))
while [ $kills -lt "$RECEIVER_KILLS" ] && [ "$(date +%s)" -lt "$deadline" ] &&
    [ "$(wc -l < "$T/accepted.txt" 2>/dev/null || echo 0)" -lt $((RECEIVER_KILLS * ACCEPTED_PER_KILL)) ]; do
	pid=$(receiver_pids | shuf -n 1)
	if [ -z "$pid" ]; then
		sleep 0.05
		continue
	fi
	sleep "0.0$(shuf -i 0-30 -n 1 | awk '{ printf "%02d", $1 }')"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
done
sleep 1
kill "$load" 2>/dev/null
wait "$load" 2>/dev/null
lighttpd_stop
accepted=$(sort -u "$T/accepted.txt" | wc -l)
diag "$kills receivers killed; $accepted events answered accepted"
check "receivers killed under load ($kills; $RECEIVER_KILLS asked for, fewer if the load filled its quota first)" \
    '[ "$kills" -ge "$RECEIVER_KILLS" ] || [ "$(wc -l < "$T/accepted.txt")" -ge $((RECEIVER_KILLS * ACCEPTED_PER_KILL)) ]'
check "events were accepted meanwhile" [ "$accepted" -gt 0 ]
missing=0
while read -r id; do
	[ -s "$T/spool/events/$id.json" ] || missing=$((missing + 1))
done < "$T/accepted.txt"
check "every accepted event is stored" [ "$missing" = 0 ]
# Each stored body ends in "}}" (the event's, after data's): the last two
# bytes of every one, together, are nothing but braces, two per body.
nbodies=$(find "$T/spool/events" -name '*.json' | wc -l)
find "$T/spool/events" -name '*.json' -exec tail -q -c 2 {} + > "$T/ends"
check "no stored event is partial ($nbodies)" \
    '[ "$(wc -c < "$T/ends")" = $((2 * nbodies)) ] && [ "$(tr -d "}" < "$T/ends" | wc -c)" = 0 ]'

# Phase 2: runs killed in the middle of their work.
hook default 'test -n "$HUSKY_DATA_CALL_ID" || exit 100; echo "$HUSKY_EVENT_ID" >> dispatched.log'
stored=$(find "$T/spool/events" -name '*.json' | wc -l)
rkills=0
while [ $rkills -lt "$RUN_KILLS" ]; do
	"$HUSKYHOOK" -c "$CONF" run > /dev/null 2>&1 &
	r=$!
	sleep "0.0$(shuf -i 5-60 -n 1 | awk '{ printf "%02d", $1 }')"
	kill -9 $r 2>/dev/null && rkills=$((rkills + 1))
	wait $r 2>/dev/null
	[ "$(count_files "$T/spool/pending")" -gt 0 ] || break
done
diag "$rkills runs killed mid-work"
# Events left without meta by a killed receiver are picked up once
# they are a minute old; give them that, then run until done.
find "$T/spool/events" -name '*.json' -exec touch -d '2 minutes ago' {} +
hh run
hh run
check "at least $RUN_KILLS runs were killed mid-work, or all work was done first" \
    '[ "$rkills" -ge "$RUN_KILLS" ] || [ "$(count_files "$T/spool/pending")" = 0 ]'
check "afterwards nothing is pending or failed" \
    '[ "$(count_files "$T/spool/pending")" = 0 ] && [ "$(count_files "$T/spool/failed")" = 0 ]'
check "every stored event is done ($stored)" [ "$(count_files "$T/spool/done")" = "$stored" ]
find "$T/spool/events" -name '*.json' | sed 's#.*/##; s/\.json$//' | sort > "$T/stored.ids"
sort -u "$T/hooks/dispatched.log" > "$T/dispatched.ids"
undispatched=$(comm -23 "$T/stored.ids" "$T/dispatched.ids" | wc -l)
check "every stored event was dispatched with its data intact" [ "$undispatched" = 0 ]
diag "$(wc -l < "$T/hooks/dispatched.log") dispatches for $stored events (more means re-runs after kills: at least once)"
T=$T0
done_testing
