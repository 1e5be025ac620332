#!/bin/sh
# How soon hooks run, and how many at once: time from the receiver's
# receipt of an event (HUSKY_RECEIVED_AT, before its two fsyncs and its
# answer) to its hook's start, p50 and p99, for run --watch, for the
# receiver's kick, and for cron-style runs (a tick every TICK seconds
# standing in for cron's minute: scale by 60/TICK); dispatch throughput
# with a hook that sleeps 100 ms for jobs = 1, 4 and 16; the watcher's
# CPU time while idle; ordering violations under jobs = 16.
#
#   sh bench/hooks.sh [BUILD_DIR]        (default: build-plain)
#
# Deliveries are CGI posts one after the other (tests/lib.sh's post).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build-plain}" && pwd)
top_srcdir=$top
top_builddir=$build
export top_srcdir top_builddir
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
RUN_AS=
N_LAT=${N_LAT:-1000}
N_CRON=${N_CRON:-200}
TICK=${TICK:-5}
N_JOBS=${N_JOBS:-64}
IDLE_SEC=${IDLE_SEC:-60}
setup_hooks "max_age = 0"
cat > "$T/hooks/call.completed" <<EOF2
#!/bin/sh
echo "\$HUSKY_RECEIVED_AT \$(date +%s.%N)" >> '$T/starts'
EOF2
chmod 755 "$T/hooks/call.completed"

# deliver_n PREFIX N: N events through the receiver as CGI.
deliver_n() {
	k=0
	while [ "$k" -lt "$2" ]; do
		event "$1$k" > "$T/b.json"
		post "$T/b.json"
		k=$((k + 1))
	done
}

# wait_starts N: until N hooks have started (at most 120 s).
wait_starts() {
	k=0
	while [ "$(wc -l < "$T/starts" 2>/dev/null || echo 0)" -lt "$1" ] &&
	    [ $k -lt 1200 ]; do
		sleep 0.1
		k=$((k + 1))
	done
}

# latency LABEL: p50 and p99 in ms of start - receipt, from $T/starts.
latency() {
	while read -r rec start; do
		echo "$(date -d "$rec" +%s.%N) $start"
	done < "$T/starts" | awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' |
	    sort -n > "$T/lat"
	n=$(wc -l < "$T/lat")
	p50=$(sed -n "$(((n + 1) / 2))p" "$T/lat")
	p99=$(sed -n "$(((n * 99 + 99) / 100))p" "$T/lat")
	printf '%-28s n=%-5s p50 %8s ms   p99 %8s ms\n' "$1" "$n" "$p50" "$p99"
}

# --watch.
rm -f "$T/starts"
"$HUSKYHOOK" -c "$CONF" run --watch > "$T/watch.out" 2>&1 &
watch=$!
sleep 0.5
deliver_n evt_w "$N_LAT"
wait_starts "$N_LAT"
latency "run --watch"
# Idle: CPU time of the watcher over IDLE_SEC with nothing arriving.
before=$(awk '{ print $14 + $15 }' "/proc/$watch/stat")
sleep "$IDLE_SEC"
after=$(awk '{ print $14 + $15 }' "/proc/$watch/stat")
hz=$(getconf CLK_TCK)
echo "run --watch idle: $(((after - before) * 1000 / hz)) ms CPU in ${IDLE_SEC} s" \
    "($(((after - before) * 1000 * 600 / hz / IDLE_SEC)) ms per 10 minutes, scaled)"
kill -TERM "$watch"
wait "$watch"

# The kick.
write_conf "hooks = $T/hooks" "max_age = 0" "kick = yes" "kick_program = $HUSKYHOOK"
rm -f "$T/starts"
deliver_n evt_k "$N_LAT"
wait_starts "$N_LAT"
latency "kick (CGI)"

# The kick's cost to the receiver: N_COST sequential CGI deliveries with
# kick = no and with kick = yes, three rounds each, alternating.
N_COST=${N_COST:-200}
for round in 1 2 3; do
	for kick in no yes; do
		write_conf "hooks = $T/hooks" "max_age = 0" "kick = $kick" "kick_program = $HUSKYHOOK"
		s=$(date +%s%N)
		deliver_n "evt_cost${round}$kick" "$N_COST"
		e=$(date +%s%N)
		echo "kick = $kick, round $round: $N_COST CGI deliveries in $(((e - s) / 1000000)) ms"
	done
done
sleep 2

# Cron-style: a run every TICK s while events arrive.
write_conf "hooks = $T/hooks" "max_age = 0"
rm -f "$T/starts"
( while [ ! -e "$T/stop-cron" ]; do "$HUSKYHOOK" -c "$CONF" run; sleep "$TICK"; done ) &
cron=$!
k=0
while [ $k -lt "$N_CRON" ]; do
	event "evt_c$k" > "$T/b.json"
	post "$T/b.json"
	sleep 0.0$((k % 10))
	k=$((k + 1))
done
wait_starts "$N_CRON"
touch "$T/stop-cron"
wait "$cron"
latency "cron-style, tick ${TICK}s"

# Throughput: N_JOBS events, a hook that sleeps 100 ms, 16 calls.
cat > "$T/hooks/call.completed" <<EOF2
#!/bin/sh
echo "start \$HUSKY_DATA_CALL_ID \$HUSKY_CREATED_AT \$(date +%s%N) \$HUSKY_EVENT_ID" >> '$T/times'
sleep 0.1
echo "end \$HUSKY_DATA_CALL_ID \$HUSKY_CREATED_AT \$(date +%s%N) \$HUSKY_EVENT_ID" >> '$T/times'
EOF2
for j in 1 4 16; do
	rm -rf "$T/spool"/* "$T/times"
	k=0
	while [ $k -lt "$N_JOBS" ]; do
		printf '{"event_id":"evt_j%s","event_type":"call.completed","created_at":"%s","org_id":"o","data":{"call_id":"call_%s"}}' \
		    "$k" "$(now_utc)" "$((k % 16))" > "$T/b.json"
		post "$T/b.json"
		k=$((k + 1))
	done
	s=$(date +%s%N)
	"$HUSKYHOOK" -c "$CONF" run -j "$j"
	e=$(date +%s%N)
	ms=$(((e - s) / 1000000))
	# Per call: a start before the previous end, or out of created_at order.
	v=$(awk '$1 == "start" { s[$5] = $4; c[$5] = $2; t[$5] = $3 } $1 == "end" { e[$5] = $4 }
	    END { for (id in s) print c[id], s[id], e[id], t[id] }' "$T/times" |
	    sort -k1,1 -k2,2n | awk '$1 == l && ($2 < le || $4 < lt) { v++ } { l = $1; le = $3; lt = $4 } END { print v + 0 }')
	echo "jobs = $j: $N_JOBS events of 100 ms in $ms ms," \
	    "$((N_JOBS * 1000 / (ms > 0 ? ms : 1))) events/s, ordering violations $v"
done
