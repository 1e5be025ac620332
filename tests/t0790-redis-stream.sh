#!/bin/sh
# examples/hooks/redis-stream against a real redis-server on a loopback
# port: two spools handing over the same events make one stream entry
# each; a hostile body adds no Redis command; Redis down: the hook fails
# (not permanently), the event waits, and the retry forwards it once
# Redis is back.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
command -v redis-server > /dev/null ||
    skip_all "redis-server is not installed (Debian: redis-server)"
command -v redis-cli > /dev/null || skip_all "redis-cli is not installed (Debian: redis-tools)"

setup
BASE=$T
mkdir -p "$T/redis"
REDIS_PID=
stop_redis() {
	if [ -n "$REDIS_PID" ]; then
		kill "$REDIS_PID" 2>/dev/null
		wait "$REDIS_PID" 2>/dev/null
		REDIS_PID=
	fi
}
trap stop_redis EXIT
trap 'exit 1' INT TERM
PORT=$((40000 + $$ % 20000))
# start_redis: on $PORT of 127.0.0.1, its data kept in $T/redis across a
# restart (append-only file).
start_redis() {
	redis-server --port "$PORT" --bind 127.0.0.1 --dir "$BASE/redis" \
	    --appendonly yes --save '' --daemonize no \
	    > "$BASE/redis/server.log" 2>&1 &
	REDIS_PID=$!
	i=0
	until [ "$(rcli ping 2>/dev/null)" = PONG ]; do
		i=$((i + 1))
		kill -0 "$REDIS_PID" 2>/dev/null && [ $i -lt 50 ] || return 1
		sleep 0.1
	done
}
rcli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }
# A free port: nothing answers there yet.
tries=0
while [ "$(rcli ping 2>/dev/null)" = PONG ] && [ $tries -lt 20 ]; do
	PORT=$((PORT + 1))
	tries=$((tries + 1))
done
start_redis || { not_ok "redis-server starts"; sed 's/^/# /' "$T/redis/server.log"; done_testing; exit 1; }
ok "redis-server starts on 127.0.0.1:$PORT"
rcli set canary alive > /dev/null

# Two spools, each with its config and the hook as a user installs it.
for n in one two; do
	d=$BASE/$n
	mkdir -p "$d/spool" "$d/hooks"
	printf '%s\n' "$SECRET" > "$d/secret"
	{
		echo "secret_file = $d/secret"
		echo "spool = $d/spool"
		echo "hooks = $d/hooks"
		echo "log = $d/receive.log"
		echo "retry_base = 1s"
	} > "$d/huskyhook.conf"
	sed -e "s/^REDIS_PORT=.*/REDIS_PORT=$PORT/" \
	    "$top_srcdir/examples/hooks/redis-stream" > "$d/hooks/default"
	chmod 755 "$d/hooks/default"
done
check "the settings are where the hook says" grep -q "^REDIS_PORT=$PORT$" "$BASE/one/hooks/default"

# to N: the test's helpers work on spool N.
to() { T=$BASE/$1; CONF=$T/huskyhook.conf; }
for id in evt_r1 evt_r2 evt_r3; do
	event $id > "$BASE/$id.json"
done
# A body whose values are Redis protocol and Lua.
printf '{"event_id":"evt_hostile","event_type":"call.completed","created_at":"%s","org_id":"org_abc_123","data":{"summary":"x\\r\\n*1\\r\\n$8\\r\\nFLUSHALL\\r\\n","lua":"\\" end redis.call(\\"FLUSHALL\\") --","nl":"a\\nb"}}' \
    "$(now_utc)" > "$BASE/evt_hostile.json"
for n in one two; do
	to $n
	for id in evt_r1 evt_r2 evt_r3 evt_hostile; do
		post "$BASE/$id.json"
		[ "$STATUS" = 200 ] || diag "spool $n: $id answered $STATUS"
	done
done
to one
hh run > "$BASE/run-one.out" 2>&1 &
p1=$!
to two
hh run > "$BASE/run-two.out" 2>&1 &
p2=$!
wait $p1 $p2
for n in one two; do
	to $n
	check "spool $n: all four events done" [ "$(count_files "$T/spool/done")" = 4 ]
done
check "one stream entry per event, from two spools: 4" [ "$(rcli xlen huskyvoice:events)" = 4 ]
for id in evt_r1 evt_r2 evt_r3 evt_hostile; do
	check "$id: in the stream once" [ "$(rcli --no-raw xrange huskyvoice:events - + | grep -cx " *2) \"$id\"")" = 1 ]
done
check "one of the two spools found evt_r1 forwarded before" \
    'cat "$BASE"/*/spool/logs/evt_r1.log 2> /dev/null | grep -q "was forwarded before"'
# The hostile body, as the stream holds it, is the stored body.
rcli --raw eval 'local e = redis.call("XRANGE", KEYS[1], "-", "+") for _, x in ipairs(e) do if x[2][2] == "evt_hostile" then return x[2][6] end end' 1 huskyvoice:events > "$BASE/hostile.out"
{ cat "$BASE/evt_hostile.json"; echo; } > "$BASE/hostile.want"	# --raw adds a newline
check "the hostile body is in the stream byte for byte" cmp -s "$BASE/hostile.want" "$BASE/hostile.out"
check "and ran no command of its own: the canary key is there" [ "$(rcli get canary)" = alive ]
check "the dedupe key has a TTL of 30 days" [ "$(rcli ttl huskyhook:forwarded:evt_r1)" -gt 2591000 ]

# The same event handed over again (requeued): still one entry.
to one
hh requeue evt_r1 > /dev/null
hh run > "$BASE/run-again.out" 2>&1
check "a requeued event forwarded again: done, still 4 entries" '[ "$(state_of evt_r1)" = done ] && [ "$(rcli xlen huskyvoice:events)" = 4 ]'

# Redis down: the hook fails, not for good; nothing is lost.
stop_redis
event evt_down > "$BASE/down.json"
post "$BASE/down.json"
hh run > "$BASE/run-down.out" 2>&1
check "Redis down: the event is kept for a retry" [ "$(state_of evt_down)" = retrying ]
check "after one failed attempt" [ "$(meta evt_down attempts)" = 1 ]
check "the hook said why, with an exit status to retry (75), not 100" \
    'grep -q "redis-cli failed" "$T/spool/logs/evt_down.log" && grep -q "exit 75" "$T/spool/logs/evt_down.log"'
start_redis
check "Redis back (its data kept)" [ "$(rcli xlen huskyvoice:events)" = 4 ]
sleep 1	# retry_base
hh run > "$BASE/run-back.out" 2>&1
check "the retry forwards it: done" [ "$(state_of evt_down)" = "done" ]
check "and it is in the stream once: 5 entries" [ "$(rcli xlen huskyvoice:events)" = 5 ]
# The other spool gets it too, later: a duplicate there.
to two
post "$BASE/down.json"
hh run > "$BASE/run-two-late.out" 2>&1
check "the other spool hands it over later: done, still 5 entries" '[ "$(state_of evt_down)" = done ] && [ "$(rcli xlen huskyvoice:events)" = 5 ]'
T=$BASE
done_testing
