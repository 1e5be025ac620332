#!/bin/sh
# S2 never partial: a receiver killed (SIGKILL) at any moment leaves
# either nothing or the complete event under its name, and a redelivery
# afterwards is answered 200 with the complete event stored.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup
[ -f "$FAULTLIB" ] || skip_all "tests/faultinject.so not built"

# A body of ~256 KiB so that writing it takes a while.
big_event() {
	pad=$(head -c 196608 /dev/zero | base64 -w0)
	printf '{"event_id":"%s","event_type":"call.completed","created_at":"%s","org_id":"o","data":{"transcript":"%s"}}' "$1" "$(now_utc)" "$pad"
}

# intact ID BODY: events/ID.json absent or identical to BODY.
intact() {
	[ ! -e "$T/spool/events/$1.json" ] || cmp -s "$2" "$T/spool/events/$1.json"
}

# 1. Killed just before each system call of the commit path, in turn.
killed=0
for call in openat mkdirat write fsync close linkat renameat unlinkat; do
	n=1
	while [ $n -le 10 ]; do
		id="evt_k_${call}_$n"
		big_event "$id" > "$T/body.json"
		rm -f "$T/fired"
		post "$T/body.json" LD_PRELOAD="$FAULTLIB" FAULT_CALL=$call \
		    FAULT_NTH=$n FAULT_ACTION=kill FAULT_MARK="$T/fired"
		[ -e "$T/fired" ] || break
		killed=$((killed + 1))
		# An answer may only have been sent if it was sent after the
		# event was stored (the closes at exit come after the answer).
		check "killed before $call #$n: no answer, or 200 for a stored event" \
		    '[ -z "$STATUS" ] || { [ "$STATUS" = 200 ] && cmp -s "$T/body.json" "$T/spool/events/$id.json"; }'
		check "killed before $call #$n: nothing partial" intact "$id" "$T/body.json"
		post "$T/body.json"
		check "killed before $call #$n: redelivery 200" [ "$STATUS" = 200 ]
		check "killed before $call #$n: stored complete" cmp -s "$T/body.json" "$T/spool/events/$id.json"
		n=$((n + 1))
	done
done
diag "killed at $killed distinct points"
check "killed at 20 or more distinct points" [ "$killed" -ge 20 ]
check "nothing partial anywhere in events/" '! find "$T/spool/events" -type f -size -190k | grep -q .'

# 2. Killed at random moments.
i=0
kills=0
while [ $i -lt 150 ]; do
	id="evt_r_$i"
	big_event "$id" > "$T/r$i.json"
	# shellcheck disable=SC2094
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    CONTENT_LENGTH="$(wc -c < "$T/r$i.json" | tr -d ' ')" \
	    HTTP_X_HUSKY_SIGNATURE="$(sign "$T/r$i.json")" \
	    HUSKYHOOK_CONFIG="$CONF" "$RECEIVE" < "$T/r$i.json" > /dev/null 2>&1 &
	pid=$!
	sleep "0.0$(printf %02d $((i * 7 % 40)))"
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
	i=$((i + 1))
done
diag "$kills of 150 receivers were killed while running;" \
    "$(find "$T/spool/events" -name 'evt_r_*' | wc -l) had stored their event first"
bad=0
i=0
while [ $i -lt 150 ]; do
	intact "evt_r_$i" "$T/r$i.json" || bad=$((bad + 1))
	i=$((i + 1))
done
check "after 150 random kills: no partial event" [ $bad = 0 ]
bad=0
i=0
while [ $i -lt 150 ]; do
	post "$T/r$i.json"
	{ [ "$STATUS" = 200 ] && cmp -s "$T/r$i.json" "$T/spool/events/evt_r_$i.json"; } || bad=$((bad + 1))
	i=$((i + 1))
done
check "after 150 random kills: every redelivery 200 and stored complete" [ $bad = 0 ]
# 3. A duplicate is answered 200 only once the first copy's name is
# durable: killed after its link, before the directory's fsync, the
# first delivery left a name that a crash could still take away. A
# redelivery must sync the directory itself, and answer 503 if that
# fails.
event evt_unsynced > "$T/unsynced.json"
post "$T/unsynced.json" LD_PRELOAD="$FAULTLIB" FAULT_CALL=fsync FAULT_NTH=2 FAULT_ACTION=kill
check "killed between link and directory fsync: the name exists, no meta" '[ -e "$T/spool/events/evt_unsynced.json" ] && [ ! -e "$T/spool/pending/evt_unsynced" ]'
post "$T/unsynced.json" LD_PRELOAD="$FAULTLIB" FAULT_CALL=fsync FAULT_NTH=1 FAULT_ERRNO=EIO
check "a redelivery whose fsync of the directory fails: 503, not duplicate" [ "$STATUS" = 503 ]
post "$T/unsynced.json"
check "a redelivery that syncs it: 200 duplicate" '[ "$STATUS" = 200 ] && grep -q duplicate "$T/out"'
event evt_synced > "$T/synced.json"
post "$T/synced.json"
post "$T/synced.json" LD_PRELOAD="$FAULTLIB" FAULT_CALL=fsync FAULT_NTH=1 FAULT_ERRNO=EIO
check "with its meta in pending/ a duplicate needs no fsync: 200" '[ "$STATUS" = 200 ] && grep -q duplicate "$T/out"'
check "nothing but tmp/ holds leftovers" '[ "$(ls "$T/spool/pending" | wc -l)" -le "$(ls "$T/spool/events" | wc -l)" ]'
done_testing
