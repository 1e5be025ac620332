#!/bin/sh
# Slow senders, who need no secret to be slow. One FastCGI receiver under
# spawn-fcgi with its default 8 threads, sent 24 requests whose bodies
# trickle in a byte a second (tests/slowpeer, as a web server streams a
# slow client's body): a signed delivery sent after them all is answered
# 200 within 30 s, and each slow one is answered 408 and logged, nothing
# stored. The arithmetic, with the defaults of src/bounds.h: 24 senders
# over 8 threads are 3 rounds ahead of the delivery, each of at most
# RECEIVE_READ_BUDGET_SEC and RECEIVE_CUT_GRACE_SEC (7 + 1 s): 24 s.
# Then a peer that sends nothing, and one that sends its parameters a
# byte a second, are let go (RECEIVE_IDLE_SEC, 5 s, and the budget), and
# the threads serve again. As CGI, a body that trickles
# on standard input is answered 408 within the budget.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/wait.sh
. "$top_srcdir/tests/wait.sh"
command -v spawn-fcgi > /dev/null || skip_all "spawn-fcgi is not installed"
command -v cgi-fcgi > /dev/null || skip_all "cgi-fcgi (libfcgi-bin) is not installed"
SLOWPEER=$top_builddir/tests/slowpeer
[ -x "$SLOWPEER" ] || skip_all "tests/slowpeer is not built"
setup
sockdir
SOCKET=$SOCKDIR/slow.sock
SENDERS=24
BUDGET=7	# RECEIVE_READ_BUDGET_SEC
IDLE=5		# RECEIVE_IDLE_SEC

stop_receiver() {
	[ -s "$T/spawn.pid" ] && kill "$(cat "$T/spawn.pid")" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap stop_receiver EXIT
# The receiver's own default thread count.
unset HUSKYHOOK_FCGI_THREADS
if HUSKYHOOK_CONFIG=$CONF spawn-fcgi -s "$SOCKET" -P "$T/spawn.pid" -- "$RECEIVE" \
    > "$T/spawn.out" 2>> "$T/stderr"; then
	ok "spawn-fcgi starts the receiver"
else
	not_ok "spawn-fcgi starts the receiver"
	done_testing
	exit 1
fi

# now_ds: the time now in tenths of a second.
now_ds() {
	date +%s%N | sed 's/........$//'
}

# fcgi_post FILE: a signed FastCGI request by cgi-fcgi, given up after
# 60 s; its status in $STATUS, how long it took (tenths of a second) in
# $TOOK.
fcgi_post() {
	fpost_sig=$(sign "$1")
	fpost_len=$(wc -c < "$1" | tr -d ' ')
	fpost_start=$(now_ds)
	env -i PATH="$PATH" REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$fpost_len" \
	    HTTP_X_HUSKY_SIGNATURE="$fpost_sig" REMOTE_ADDR=192.0.2.9 \
	    timeout 60 cgi-fcgi -bind -connect "$SOCKET" < "$1" > "$T/out" \
	    2>> "$T/stderr"
	TOOK=$(($(now_ds) - fpost_start))
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}

# As CGI, beside it: a body that comes a byte a second on standard input.
# The trickle ends when the receiver stops reading; the time is the
# receiver's own, from its start to its end.
event evt_cgi_slow > "$T/cgi-slow.json"
cgi_sig=$(sign "$T/cgi-slow.json")
(
	cgi_start=$(now_ds)
	{
		i=0
		while [ $i -lt 60 ]; do
			printf 'x' || exit 0
			sleep 1
			i=$((i + 1))
		done
	} | {
		env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 \
		    REQUEST_METHOD=POST ASAN_OPTIONS="$ASAN_OPTIONS" \
		    UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		    CONTENT_TYPE=application/json CONTENT_LENGTH=60 \
		    HTTP_X_HUSKY_SIGNATURE="$cgi_sig" REMOTE_ADDR=203.0.113.5 \
		    HUSKYHOOK_CONFIG="$CONF" timeout 70 "$RECEIVE" \
		    > "$T/cgi-slow.out" 2>> "$T/stderr"
		echo $(($(now_ds) - cgi_start)) > "$T/cgi-slow.took"
	}
) &

i=1
while [ $i -le $SENDERS ]; do
	"$SLOWPEER" "$SOCKET" body 120 "198.51.100.$i" > "$T/slow.$i" 2>&1 &
	i=$((i + 1))
done
# Every sender connected (the first 8 taken by the threads, the rest
# queued before the delivery).
connected() {
	[ "$(cat "$T"/slow.* 2>/dev/null | grep -c '^connected$')" -eq $SENDERS ]
}
check "$SENDERS slow senders are connected" wait_until 10 connected

event evt_behind_slow > "$T/good.json"
fcgi_post "$T/good.json"
diag "the delivery behind $SENDERS slow senders took $TOOK tenths of a second"
check "a signed delivery behind $SENDERS slow senders: 200" [ "$STATUS" = 200 ]
check "answered within 30 s" [ "$TOOK" -le 300 ]
check "and stored" stored evt_behind_slow
wait
check "every slow sender was answered 408" \
    '[ "$(cat "$T"/slow.* | grep -c "^answered 408 ")" -eq $SENDERS ]'
# The first 8 are cut BUDGET s after they were accepted.
first=$(sed -n 's/^answered 408 after \([0-9]*\)\..*/\1/p' "$T"/slow.* | sort -n | head -n 1)
check "the first ones after the budget (${first:-never})" \
    '[ -n "$first" ] && [ "$first" -ge $((BUDGET - 1)) ] && [ "$first" -le $((BUDGET + 1)) ]'
check "each is logged with its address and the bytes that arrived" \
    '[ "$(grep -c "refused 408 from 198\.51\.100\.[0-9]*: the body did not arrive in time ([0-9]* of 100 bytes in $BUDGET s)" "$T/receive.log")" -eq $SENDERS ]'
check "the answer says why" \
    'grep -q "^{\"error\":\"the body did not arrive in time ([0-9]* of 100 bytes in $BUDGET s)\"}" "$T/slow.1"'
check "only the delivery is stored" [ "$(count_files "$T/spool/events")" -eq 1 ]

check "CGI: a body trickling on standard input: 408" \
    'grep -q "^Status: 408 Request Timeout" "$T/cgi-slow.out"'
took=$(cat "$T/cgi-slow.took")
check "CGI: within the budget ($took tenths of a second)" \
    '[ -n "$took" ] && [ "$took" -ge $((BUDGET * 10 - 5)) ] && [ "$took" -le $((BUDGET * 10 + 20)) ]'
check "CGI: the answer says how much arrived" \
    'sed "1,/^\r*\$/d" "$T/cgi-slow.out" | grep -q "^{\"error\":\"the body did not arrive in time ([0-9]* of 60 bytes in $BUDGET s)\"}"'
check "CGI: logged with its address" grep -q "refused 408 from 203\.0\.113\.5: " "$T/receive.log"
check "CGI: nothing stored" '! stored evt_cgi_slow'

# Before the body: a peer that sends nothing, and one whose parameters
# trickle, each let go by itself; a delivery meanwhile is answered at once.
"$SLOWPEER" "$SOCKET" silent 60 > "$T/silent" 2>&1 &
"$SLOWPEER" "$SOCKET" params 60 > "$T/params" 2>&1 &
event evt_beside > "$T/beside.json"
fcgi_post "$T/beside.json"
check "a delivery beside them: 200" [ "$STATUS" = 200 ]
wait
silent=$(sed -n 's/^closed after \([0-9]*\)\..*/\1/p' "$T/silent")
check "a peer that sends nothing is let go after $IDLE s (${silent:-never})" \
    '[ -n "$silent" ] && [ "$silent" -ge $((IDLE - 1)) ] && [ "$silent" -le $((IDLE + 1)) ]'
params=$(sed -n 's/^closed after \([0-9]*\)\..*/\1/p' "$T/params")
check "one whose parameters trickle, after the budget (${params:-never})" \
    '[ -n "$params" ] && [ "$params" -ge $((BUDGET - 1)) ] && [ "$params" -le $((BUDGET + 1)) ]'
check "that is logged, naming who connected" grep -q "closed a FastCGI connection from uid $(id -u) pid [0-9]* that sent no whole request in $BUDGET s" "$T/receive.log"

# Every thread serves again: 16 deliveries at once.
i=1
while [ $i -le 16 ]; do
	event "evt_after_$i" > "$T/after.$i.json"
	sig=$(sign "$T/after.$i.json")
	len=$(wc -c < "$T/after.$i.json" | tr -d ' ')
	env -i PATH="$PATH" REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$len" HTTP_X_HUSKY_SIGNATURE="$sig" \
	    timeout 30 cgi-fcgi -bind -connect "$SOCKET" < "$T/after.$i.json" \
	    > "$T/after.$i.out" 2>> "$T/stderr" &
	i=$((i + 1))
done
wait
check "then 16 deliveries at once: all 200" \
    '[ "$(cat "$T"/after.*.out | grep -c "^Status: 200")" -eq 16 ]'

# A peer without the secret that asks to keep its connection: answered,
# then let go at once, not kept to send its next refused request (which
# would hold a thread for good, each request within its deadlines).
"$SLOWPEER" "$SOCKET" keep 10 > "$T/keep" 2>&1
check "a refused request asking for keep-alive: answered 401" grep -q '^answered 401 ' "$T/keep"
kept=$(sed -n 's/^closed after \([0-9]*\)\..*/\1/p' "$T/keep")
check "and its connection closed at once (${kept:-never})" '[ -n "$kept" ] && [ "$kept" -le 3 ]'
done_testing
