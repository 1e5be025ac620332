#!/bin/sh
# huskyhook status --prometheus: the spool's numbers in Prometheus' text
# format, as promtool checks it; counters that run keeps in the spool,
# which outlive a purge and the events counted, and lose no count when
# run's children record at once; the example alert rules under
# promtool test rules.
# The variables the checks' scripts use are set for eval:
# shellcheck disable=SC2034
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/wait.sh
. "$top_srcdir/tests/wait.sh"
setup_hooks "retry_base = 1h"

if ! command -v promtool > /dev/null; then
	# CI installs it (.ci/run): there, its absence is a failure.
	[ -z "${CI:-}" ] ||
	    { not_ok "promtool is installed (Debian's prometheus package)"; done_testing; exit 1; }
	skip_all "promtool is not installed (Debian's prometheus package)"
fi

# metric NAME{LABELS}: its value in $T/metrics, the last scrape.
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/metrics"
}

scrape() {
	hh status --prometheus > "$T/metrics"
}

hh run
scrape
check "status --prometheus exits 0" [ $? -eq 0 ]
check "promtool check metrics finds nothing to say" \
    'promtool check metrics < "$T/metrics" > "$T/promtool.out" 2>&1 && [ ! -s "$T/promtool.out" ]'
check "no events: every state 0" \
    '[ "$(metric "huskyhook_events{state=\"pending\"}")$(metric "huskyhook_events{state=\"done\"}")" = 00 ]'
check "no attempts counted yet" [ "$(metric 'huskyhook_hook_attempts_total{result="done"}')" = 0 ]
before=$(date +%s)

hook call.completed 'exit 0'
hook call.failed 'exit 1'
hook call.disallowed 'exit 100'
deliver evt_m_ok call.completed
deliver evt_m_retry call.failed
deliver evt_m_gone call.disallowed
scrape
check "before the run: 3 pending" [ "$(metric 'huskyhook_events{state="pending"}')" = 3 ]
check "the oldest pending event's age is told" \
    '[ "$(metric "huskyhook_oldest_event_age_seconds{state=\"pending\"}")" -ge 0 ] && [ "$(metric "huskyhook_oldest_event_age_seconds{state=\"pending\"}")" -le $(($(date +%s) - before + 1)) ]'
hh run > /dev/null 2>&1
after=$(date +%s)
scrape
check "promtool check metrics after a run" \
    'promtool check metrics < "$T/metrics" > "$T/promtool.out" 2>&1 && [ ! -s "$T/promtool.out" ]'
check "events by state" \
    '[ "$(metric "huskyhook_events{state=\"done\"}") $(metric "huskyhook_events{state=\"retrying\"}") $(metric "huskyhook_events{state=\"failed\"}") $(metric "huskyhook_events{state=\"pending\"}")" = "1 1 1 0" ]'
check "attempts counted by result" \
    '[ "$(metric "huskyhook_hook_attempts_total{result=\"done\"}") $(metric "huskyhook_hook_attempts_total{result=\"retry\"}") $(metric "huskyhook_hook_attempts_total{result=\"failed\"}")" = "1 1 1" ]'
check "the last run's result" \
    '[ "$(metric "huskyhook_last_run_events{result=\"done\"}") $(metric "huskyhook_last_run_events{result=\"retry\"}") $(metric "huskyhook_last_run_events{result=\"failed\"}")" = "1 1 1" ]'
start=$(metric huskyhook_last_run_start_timestamp_seconds)
end=$(metric huskyhook_last_run_end_timestamp_seconds)
check "the last run's start and end, in order, within the test's run" \
    '[ "$before" -le "$start" ] && [ "$start" -le "$end" ] && [ "$end" -le "$after" ]'
check "nothing pending: the oldest pending age is 0" \
    [ "$(metric 'huskyhook_oldest_event_age_seconds{state="pending"}')" = 0 ]

# The counts outlive the events: purged, they are still there.
hh purge --done > /dev/null
hh purge --failed > /dev/null
scrape
check "purged: no done or failed event left" \
    '[ "$(metric "huskyhook_events{state=\"done\"}")$(metric "huskyhook_events{state=\"failed\"}")" = 00 ]'
check "the counters outlive a purge" \
    '[ "$(metric "huskyhook_hook_attempts_total{result=\"done\"}") $(metric "huskyhook_hook_attempts_total{result=\"failed\"}")" = "1 1" ]'
check "the counters file is whole and no temporary is left" \
    '[ "$(wc -l < "$T/spool/counters")" = 7 ] && [ ! -e "$T/spool/counters.tmp" ]'

# Children recording at once (run -j): every count kept (the run adds up
# its children's outcomes).
hook call.completed 'exit 0'
i=0
while [ $i -lt 40 ]; do
	i=$((i + 1))
	deliver "evt_m_j$i" call.completed
done
hh run -j 8 > /dev/null 2>&1
scrape
check "40 events run by 8 children at once: 40 more counted" \
    [ "$(metric 'huskyhook_hook_attempts_total{result="done"}')" = 41 ]

# run --watch adds its count as it goes (when it next looks at pending/:
# a new event, or its rescan), not only when it stops.
"$HUSKYHOOK" -c "$CONF" run --watch > "$T/watch.out" 2>&1 &
watcher=$!
deliver evt_m_w1 call.completed
wait_state evt_m_w1 "done" 20
deliver evt_m_w2 call.completed
watch_counted() {
	scrape
	[ "$(metric 'huskyhook_hook_attempts_total{result="done"}')" -ge 42 ]
}
check "run --watch counts while it runs" wait_until 40 watch_counted
kill "$watcher"
wait "$watcher"
scrape
check "and the rest when it stops; its start is not told" \
    '[ "$(metric "huskyhook_hook_attempts_total{result=\"done\"}")" = 43 ] && [ -z "$(metric huskyhook_last_run_start_timestamp_seconds)" ]'

# A counters file that does not read is not overwritten with zeros (a
# counter that went down would be taken for a reset).
mv "$T/spool/counters" "$T/counters.saved"
ln -s "$T/counters.saved" "$T/spool/counters"
cp "$T/counters.saved" "$T/counters.before"
deliver evt_m_after call.completed
hh run > /dev/null 2>&1
check "a counters file that does not read (a symbolic link) is left as it was" \
    '[ -L "$T/spool/counters" ] && cmp -s "$T/counters.saved" "$T/counters.before"'
check "and run says why it did not count" grep -q 'counters: cannot count' "$T/receive.log"
rm "$T/spool/counters"
printf 'attempts_done 5\nattempts_retry x\nrun_start 99999999999999999999\nbogus 1\nattempts_failed 3' > "$T/spool/counters"
scrape
check "values that do not read are left out, not trusted" \
    '[ "$(metric "huskyhook_hook_attempts_total{result=\"done\"}") $(metric "huskyhook_hook_attempts_total{result=\"retry\"}") $(metric "huskyhook_hook_attempts_total{result=\"failed\"}")" = "5 0 0" ]'

hh status --json --prometheus > /dev/null 2>&1
check "--json with --prometheus is a usage error" [ $? -eq 2 ]

check "promtool test rules: the example alerts" \
    'promtool test rules "$top_srcdir/examples/prometheus/huskyhook-alerts.test.yml" > "$T/rules.out" 2>&1'
grep -v '^$' "$T/rules.out" | sed 's/^/# /' 

done_testing
