#!/bin/sh
# Failing hooks: retried with growing delays, failed after max_attempts,
# exit 100 fails at once, requeue brings events back, and a retry runs
# only the hooks of a directory that have not yet succeeded.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks "retry_base = 2s" "retry_max = 6s" "max_attempts = 4"

# No test here waits for a retry delay to pass: the delays are read from
# next_attempt, and then made due.
# due ID [TIME]: the retrying event ID's next_attempt set to TIME (0 if
# not given), as if its delay had passed; the meta rewritten whole.
due() {
	sed "s/^next_attempt=.*/next_attempt=${2:-0}/" "$T/spool/retrying/$1" > "$T/due.tmp" &&
	    mv "$T/due.tmp" "$T/spool/retrying/$1"
}
# run_timed: hh run, its report in $T/run.out; the times (s) around it
# in $ran_from and $ran_to.
run_timed() {
	ran_from=$(date +%s)
	hh run > "$T/run.out"
	ran_to=$(date +%s)
}
# delay_is ID SECONDS: the event's next_attempt is SECONDS after the
# run_timed that set it.
delay_is() {
	delay_next=$(meta "$1" next_attempt)
	[ "$delay_next" -ge $((ran_from + $2)) ] && [ "$delay_next" -le $((ran_to + $2)) ]
}

hook call.failed 'echo "attempt $HUSKY_ATTEMPT"; exit 1'
deliver evt_fail call.failed
run_timed
check "attempt 1 fails: the event is retrying" '[ "$(state_of evt_fail)" = retrying ] && [ "$(meta evt_fail attempts)" = 1 ]'
check "run reports the failure (for cron's mail)" grep -q 'evt_fail call.failed: attempt 1 of 4 failed, retry in 2s: hook call.failed: exit 1' "$T/run.out"
check "next_attempt is retry_base after attempt 1" delay_is evt_fail 2
# Due well after the next run (a cron run takes what falls due within
# its next second, so 2 s could be due if this run started a second on).
due evt_fail "$(($(date +%s) + 30))"
hh run
check "not due yet: not run again" [ "$(meta evt_fail attempts)" = 1 ]
due evt_fail "$(date +%s)"
run_timed
check "attempt 2 once next_attempt is now" [ "$(meta evt_fail attempts)" = 2 ]
check "the delay doubles" grep -q 'retry in 4s' "$T/run.out"
check "next_attempt moves further out: 2 x retry_base after attempt 2" delay_is evt_fail 4
due evt_fail
run_timed
check "attempt 3, the delay capped at retry_max" grep -q 'attempt 3 of 4 failed, retry in 6s' "$T/run.out"
check "next_attempt is retry_max after attempt 3" delay_is evt_fail 6
due evt_fail
hh run > "$T/run.out"
check "after max_attempts: failed" [ "$(state_of evt_fail)" = failed ]
check "reported as failed for good" grep -q 'evt_fail call.failed: failed for good after attempt 4' "$T/run.out"
check "the hook saw HUSKY_ATTEMPT 1 to 4" [ "$(grep -c '^attempt [1-4]$' "$T/spool/logs/evt_fail.log")" = 4 ]
check "the log records each exit" [ "$(grep -c '^=== exit 1$' "$T/spool/logs/evt_fail.log")" = 4 ]
check "status counts it as failed" '"$HUSKYHOOK" -c "$CONF" status | grep -q "^failed *1\$"'
check "list failed shows it" '"$HUSKYHOOK" -c "$CONF" list failed | grep -q "^evt_fail "'

# Dedupe holds after failed.
post "$T/deliver.json"
check "a redelivery of a failed event is a duplicate" 'grep -q "\"duplicate\"" "$T/out"'

# requeue brings it back; fixed, it is done.
hh requeue evt_fail > /dev/null
check "requeue: pending again" [ "$(state_of evt_fail)" = pending ]
check "requeue resets attempts" [ "$(meta evt_fail attempts)" = 0 ]
hook call.failed 'exit 0'
hh run
check "requeued and fixed: done" [ "$(state_of evt_fail)" = "done" ]

# Exit 100: failed at once.
hook call.disallowed 'echo "no such customer" >&2; exit 100'
deliver evt_perm call.disallowed
hh run > "$T/run.out"
check "exit 100: failed at once" '[ "$(state_of evt_perm)" = failed ] && [ "$(meta evt_perm attempts)" = 1 ]'
check "its stderr is in the log" grep -q 'no such customer' "$T/spool/logs/evt_perm.log"

# requeue --failed.
hook call.disallowed 'exit 0'
hh requeue --failed > /dev/null
hh run
check "requeue --failed, then run: done" [ "$(state_of evt_perm)" = "done" ]

# A directory of two hooks, the second failing once.
mkdir -p "$T/hooks/call.answered"
hook call.answered/10-first 'echo x >> first.count'
hook call.answered/20-second 'echo x >> second.count; [ -e second.ok ] || { touch second.ok; exit 1; }'
deliver evt_dir call.answered
hh run > /dev/null
check "first run: both hooks ran once" \
    '[ "$(grep -c . "$T/hooks/first.count")" = 1 ] && [ "$(grep -c . "$T/hooks/second.count")" = 1 ]'
check "the first hook is remembered as done" [ "$(meta evt_dir hooks_done)" = 10-first ]
due evt_dir
hh run > /dev/null
check "the retry ran only the second hook" \
    '[ "$(grep -c . "$T/hooks/first.count")" = 1 ] && [ "$(grep -c . "$T/hooks/second.count")" = 2 ]'
check "then the event is done" [ "$(state_of evt_dir)" = "done" ]
check "with both hooks recorded" [ "$(meta evt_dir hooks_done)" = "10-first 20-second" ]

# run-parts names: *.disabled, *~ and dotfiles are not run.
mkdir -p "$T/hooks/call.initiated"
hook call.initiated/10-run 'echo ran >> names.log'
hook call.initiated/20-x.disabled 'echo disabled >> names.log'
hook 'call.initiated/30-x~' 'echo backup >> names.log'
hook call.initiated/.hidden 'echo hidden >> names.log'
printf 'not executable\n' > "$T/hooks/call.initiated/40-readme"
deliver evt_names call.initiated
hh run
check "only the run-parts names ran" [ "$(cat "$T/hooks/names.log")" = ran ]
check "a non-executable file in a hook directory is skipped" [ "$(state_of evt_names)" = "done" ]

# A hook file that is not executable: retried, not lost, and named.
printf '#!/bin/sh\nexit 0\n' > "$T/hooks/call.completed"
chmod 644 "$T/hooks/call.completed"
deliver evt_noexec call.completed
hh run > "$T/run.out"
check "a non-executable hook: the event is kept for a retry" [ "$(state_of evt_noexec)" = retrying ]
check "the report names the file" grep -q "hooks/call.completed is not an executable file" "$T/run.out"
check "huskyhook check names it too" '"$HUSKYHOOK" -c "$CONF" check | grep -q "problem: .*call.completed is not an executable file"'
chmod 755 "$T/hooks/call.completed"
due evt_noexec
hh run
check "made executable: done on the retry" [ "$(state_of evt_noexec)" = "done" ]

# hooks_done holds every hook a directory may hold: 20 hooks with names of
# 64 characters (over 1,300 bytes of names), the last failing once. On the
# retry none of the 19 that succeeded runs again.
long=$(printf '%060d' 0)
i=10
while [ $i -lt 30 ]; do
	hook "call.longnames/${i}-$long" "echo $i >> long.log"
	i=$((i + 1))
done
hook "call.longnames/29-$long" '[ -e failed.once ] || { touch failed.once; exit 1; }; echo 29 >> long.log'
deliver evt_longnames call.longnames
hh run > /dev/null
check "20 long-named hooks, the last failing: retrying" [ "$(state_of evt_longnames)" = retrying ]
due evt_longnames
hh run > /dev/null
check "on the retry it is done" [ "$(state_of evt_longnames)" = "done" ]
check "every hook ran exactly once, none again on the retry" '[ "$(sort -n "$T/hooks/long.log" | uniq -c | awk "\$1 != 1" | wc -l)" = 0 ] && [ "$(wc -l < "$T/hooks/long.log")" = 20 ]'
done_testing
