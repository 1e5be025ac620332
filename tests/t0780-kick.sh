#!/bin/sh
# kick = yes: the receiver starts huskyhook run after answering, under
# CGI and under FastCGI (spawn-fcgi, cgi-fcgi): the hook runs within
# seconds with no cron, the answer does not wait for a hook that sleeps
# 5 s, and the run started holds none of the receiver's descriptors.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/wait.sh
. "$top_srcdir/tests/wait.sh"
setup_hooks "kick = yes" "kick_program = $HUSKYHOOK"

hook call.completed "echo \"HOME=\$HOME USER=\$USER LOGNAME=\$LOGNAME\" > '$T/env.'\$HUSKY_EVENT_ID; echo \"start \$HUSKY_EVENT_ID \$(date +%s%3N)\" >> '$T/times'; sleep 5; echo \"end \$HUSKY_EVENT_ID\" >> '$T/times'"
# The receiver's threads would share getpwuid's one static entry.
if command -v nm > /dev/null; then
	check "the receiver calls getpwuid_r, not getpwuid" '! nm -u "$RECEIVE" | grep -qw getpwuid'
else
	skip "nm is not installed"
fi


t0=$(date +%s%3N)
deliver evt_cgi1
t1=$(date +%s%3N)
diag "CGI answer with kick: $((t1 - t0)) ms"
check "CGI: accepted" [ "$STATUS" = 200 ]
check "CGI: the answer did not wait for the 5 s hook" [ $((t1 - t0)) -lt 3000 ]
check "CGI: the hook starts within a few seconds, no cron" wait_for '^start evt_cgi1 ' "$T/times" 5
# Within the same second, while that run holds the lock: no second run,
# but the first lists again before it ends.
deliver evt_cgi2
check "an event stored while the kicked run works is run by it too" wait_for '^start evt_cgi2 ' "$T/times" 15
wait_for '^end evt_cgi2' "$T/times" 10
check "each ran once" [ "$(grep -c '^start ' "$T/times")" = 2 ]
check "both done" 'wait_state evt_cgi1 "done" 10 && wait_state evt_cgi2 "done" 10'

# A duplicate starts nothing: a receiver that kicks leaves the
# kick-wanted mark and the last-kick stamp before it answers, so their
# absence once it has answered says no run was or will be started.
rm -f "$T/spool/last-kick" "$T/spool/kick-wanted"
deliver evt_cgi1
check "a duplicate kicks nothing" '[ ! -e "$T/spool/last-kick" ] && [ ! -e "$T/spool/kick-wanted" ]'
check "and ran nothing" [ "$(grep -c '^start ' "$T/times")" = 2 ]

# kick = no (the default): nothing runs, by the same token.
write_conf "hooks = $T/hooks"
rm -f "$T/spool/last-kick" "$T/spool/kick-wanted"
deliver evt_nokick
check "without kick nothing is kicked" '[ ! -e "$T/spool/last-kick" ] && [ ! -e "$T/spool/kick-wanted" ]'
check "and nothing runs" [ "$(state_of evt_nokick)" = pending ]
hh run
write_conf "hooks = $T/hooks" "kick = yes" "kick_program = $HUSKYHOOK"

if command -v spawn-fcgi > /dev/null && command -v cgi-fcgi > /dev/null; then
	sockdir
	SOCKET=$SOCKDIR/kick.sock
	stop_receiver() {
		[ -s "$T/spawn.pid" ] && kill "$(cat "$T/spawn.pid")" 2>/dev/null
		rm -rf "$SOCKDIR"
	}
	trap stop_receiver EXIT
	HUSKYHOOK_CONFIG=$CONF spawn-fcgi -s "$SOCKET" -P "$T/spawn.pid" \
	    -- "$RECEIVE" > "$T/spawn.out" 2>> "$T/stderr"
	event evt_fcgi1 > "$T/f.json"
	rm -f "$T/spool/last-kick"
	fsig=$(sign "$T/f.json")
	flen=$(wc -c < "$T/f.json" | tr -d ' ')
	t0=$(date +%s%3N)
	env -i PATH="$PATH" REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$flen" HTTP_X_HUSKY_SIGNATURE="$fsig" \
	    cgi-fcgi -bind -connect "$SOCKET" < "$T/f.json" > "$T/out" 2>> "$T/stderr"
	t1=$(date +%s%3N)
	diag "FastCGI answer with kick: $((t1 - t0)) ms"
	check "FastCGI: accepted" grep -q '"accepted"' "$T/out"
	check "FastCGI: the answer did not wait for the 5 s hook" [ $((t1 - t0)) -lt 3000 ]
	check "FastCGI: the hook starts within a few seconds" wait_for '^start evt_fcgi1 ' "$T/times" 5
	# The run holds nothing of the receiver's: not its listening socket.
	runpid=$(pgrep -f "huskyhook run -c $CONF" | head -n 1)
	if [ -n "$runpid" ]; then
		check "the kicked run holds no socket" '! ls -l "/proc/$runpid/fd" 2> /dev/null | grep -q socket'
		check "the kicked run is in another session than the receiver" [ "$(ps -o sid= -p "$runpid")" != "$(ps -o sid= -p "$(cat "$T/spawn.pid")")" ]
	else
		skip "the run ended before it could be looked at"
	fi
	wait_for '^end evt_fcgi1' "$T/times" 10
	check "FastCGI: done" wait_state evt_fcgi1 "done" 10
	pw_dir=$(getent passwd "$(id -u)" | cut -d: -f6)
	check "FastCGI: the hook has the password entry's HOME, USER and LOGNAME" \
	    [ "$(cat "$T/env.evt_fcgi1")" = "HOME=$pw_dir USER=$(id -un) LOGNAME=$(id -un)" ]
	stop_receiver
else
	skip "spawn-fcgi or cgi-fcgi is not installed"
fi

# SIGTERM stops a cron-style run after the event in hand, though
# deliveries meanwhile bring the kick's mark back (which would have it
# list pending/ again).
write_conf "hooks = $T/hooks" "kick = yes" "kick_program = /bin/true"
hook call.answered "echo \"\$HUSKY_EVENT_ID\" >> '$T/term.ran'; sleep 1"
for i in 1 2 3 4; do
	deliver "evt_term_$i" call.answered
done
hh run -v > "$T/term.out" 2>&1 &
R=$!
wait_until 10 test -s "$T/term.ran"
deliver evt_term_5 call.answered
kill -TERM "$R"
wait "$R"
check "SIGTERM, kick = yes, a delivery meanwhile: the run stops after the event in hand" \
    [ "$(wc -l < "$T/term.ran")" = 1 ]
check "... the others stay pending" \
    '[ "$(state_of evt_term_2)" = pending ] && [ "$(state_of evt_term_5)" = pending ]'
done_testing
