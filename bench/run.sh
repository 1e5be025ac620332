#!/bin/sh
# The benchmark: huskyhook against the physical limits and against the
# programs a user would pick instead, side by side in one run, on
# loopback only. Prints a table and the ratios, and writes CSV.
#
#   sh bench/run.sh [BUILD_DIR]          (default: build-plain)
#
# Installs what it needs when run as root on Debian (lighttpd, webhook,
# gunicorn, python3-flask, nodejs, npm; express from the npm registry),
# otherwise says what is missing and skips that part. Bounded: about five
# minutes on 2 cores. Every figure is from this one run; compare ratios,
# not absolute numbers, between machines.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build-plain}" && pwd)
top_srcdir=$top
top_builddir=$build
export top_srcdir top_builddir
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"

N_FAST=${N_FAST:-20000}
N_DURABLE=${N_DURABLE:-4000}
N_CGI=${N_CGI:-1500}
N_PEER=${N_PEER:-2000}
N_WEBHOOK=${N_WEBHOOK:-600}
N_RUN=${N_RUN:-10000}
N_DONE=${N_DONE:-100000}
N_MEM=${N_MEM:-100000}
CONNS=${CONNS:-2 16}
REPS=${REPS:-2}

if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
	missing=
	for p in lighttpd webhook gunicorn python3-flask curl; do
		dpkg -s "$p" > /dev/null 2>&1 || missing="$missing $p"
	done
	# Node.js may come from elsewhere with its own npm: ask for commands.
	command -v node > /dev/null || missing="$missing nodejs"
	command -v npm > /dev/null || missing="$missing npm"
	if [ -n "$missing" ]; then
		echo "installing:$missing"
		apt-get update -qq
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null
	fi
fi
if command -v npm > /dev/null && [ ! -d "$top/bench/peers/node_modules/express" ]; then
	(cd "$top/bench/peers" && npm install --no-audit --no-fund --silent > /dev/null 2>&1) ||
	    echo "npm install express failed: the Express peer is skipped"
fi
make -C "$build" huskyhook huskyhook-receive bench/hhload bench/nullfcgi \
    bench/storeloop bench/spawnloop > /dev/null || exit 1

HH=$build/bench/hhload
OUT=$build/bench-results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
CSV=$OUT/results.csv
echo "scenario,conns,rep,requests,rps,p50_ms,p99_ms,non2xx,stored" > "$CSV"
T=$OUT/work
mkdir -p "$T"
printf '%s\n' "$SECRET" > "$T/secret"
chmod 600 "$T/secret"
CONF=$T/huskyhook.conf
RECEIVE_REAL=$build/huskyhook-receive

fresh_spool() {
	rm -rf "$T/spool"
	mkdir -p "$T/spool/tmp" "$T/spool/events"
}

stored_count() {
	find "$T/spool/events" -name '*.json' | wc -l
}

# record SCENARIO CONNS REP LOADFILE STORED
record() {
	v() { sed -n "s/.*\\<$1=\\([0-9.]*\\).*/\\1/p" "$4"; }
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$1" "$2" "$3" \
	    "$(v answered "" "" "$4")" "$(v rps "" "" "$4")" "$(v p50_ms "" "" "$4")" \
	    "$(v p99_ms "" "" "$4")" "$(v non2xx "" "" "$4")" "$5" >> "$CSV"
	printf '%-22s c=%-3s #%s %10s req/s  p50 %8s ms  p99 %8s ms  non-2xx %6s  stored %s\n' \
	    "$1" "$2" "$3" "$(v rps "" "" "$4")" "$(v p50_ms "" "" "$4")" \
	    "$(v p99_ms "" "" "$4")" "$(v non2xx "" "" "$4")" "$5"
}

# lighttpd with the shipped huskyhook-fastcgi.conf (or -cgi), the
# FastCGI program being $RECEIVE.
serve() {
	fresh_spool
	write_conf
	mkdir -p "$T/www"
	echo '{"status":"ok"}' > "$T/www/static.json"
	lighttpd_start "$1" || { echo "lighttpd did not start"; exit 1; }
	PORT=${URL#http://127.0.0.1:}
	PORT=${PORT%%/*}
}

echo "== HTTP scenarios (lighttpd $(lighttpd -v 2>/dev/null | sed -n 's/^lighttpd\/\([^ ]*\).*/\1/p'), loopback, $(nproc) cores)"
for c in $CONNS; do
	rep=1
	while [ "$rep" -le "$REPS" ]; do
		RECEIVE=$build/bench/nullfcgi
		serve huskyhook-fastcgi.conf
		"$HH" -g -p "$PORT" -P /static.json -n "$N_FAST" -c "$c" > "$T/l" 2>&1
		record static-file "$c" "$rep" "$T/l" 0
		"$HH" -p "$PORT" -s "$SECRET" -n "$N_FAST" -c "$c" -x null > "$T/l" 2>&1
		record null-fastcgi "$c" "$rep" "$T/l" 0
		lighttpd_stop

		fresh_spool
		"$build/bench/storeloop" "$T/spool" "$N_DURABLE" "$c" > "$T/s"
		sed -e 's/^stored=\([0-9]*\) seconds=.* rps=\(.*\)$/answered=\1 rps=\2 p50_ms=0 p99_ms=0 non2xx=0/' "$T/s" > "$T/l"
		record fsync-loop "$c" "$rep" "$T/l" "$(stored_count)"

		RECEIVE=$RECEIVE_REAL
		serve huskyhook-fastcgi.conf
		"$HH" -p "$PORT" -s "$SECRET" -n "$N_DURABLE" -c "$c" -x dur > "$T/l" 2>&1
		record hh-fastcgi-durable "$c" "$rep" "$T/l" "$(stored_count)"
		"$HH" -p "$PORT" -s "$SECRET" -n "$N_FAST" -c "$c" -m 0:100:0:0 -x dur > "$T/l" 2>&1
		record hh-fastcgi-duplicate "$c" "$rep" "$T/l" "$(stored_count)"
		"$HH" -p "$PORT" -s "$SECRET" -n "$N_FAST" -c "$c" -m 0:0:100:0 -x rej > "$T/l" 2>&1
		record hh-fastcgi-rejected "$c" "$rep" "$T/l" "$(stored_count)"
		lighttpd_stop

		serve huskyhook-cgi.conf
		"$HH" -p "$PORT" -s "$SECRET" -n "$N_CGI" -c "$c" -x cgi > "$T/l" 2>&1
		record hh-cgi-durable "$c" "$rep" "$T/l" "$(stored_count)"
		lighttpd_stop

		if command -v webhook > /dev/null; then
			fresh_spool
			sed -e "s#@STORE@#$top/bench/peers/webhook-store.sh#" \
			    -e "s#@SPOOL@#$T/spool#" -e "s#@SECRET@#$SECRET#" \
			    "$top/bench/peers/webhook-hooks.json.in" > "$T/hooks.json"
			webhook -hooks "$T/hooks.json" -ip 127.0.0.1 -port 19101 > "$T/webhook.log" 2>&1 &
			pid=$!
			sleep 1
			"$HH" -p 19101 -P /hooks/huskyhook -s "$SECRET" -n "$N_WEBHOOK" -c "$c" -x wh > "$T/l" 2>&1
			record webhook-durable "$c" "$rep" "$T/l" "$(stored_count)"
			kill "$pid"; wait "$pid" 2>/dev/null
		fi
		if [ -x /usr/bin/gunicorn ]; then
			fresh_spool
			HH_SECRET_FILE=$T/secret HH_SPOOL=$T/spool /usr/bin/gunicorn -w 4 \
			    -b 127.0.0.1:19102 --chdir "$top/bench/peers" flask_app:app > "$T/gunicorn.log" 2>&1 &
			pid=$!
			sleep 2
			"$HH" -p 19102 -s "$SECRET" -n "$N_PEER" -c "$c" -x fl > "$T/l" 2>&1
			record flask-gunicorn-durable "$c" "$rep" "$T/l" "$(stored_count)"
			kill "$pid"; wait "$pid" 2>/dev/null
		fi
		if [ -d "$top/bench/peers/node_modules/express" ]; then
			fresh_spool
			(cd "$top/bench/peers" && HH_SECRET_FILE=$T/secret HH_SPOOL=$T/spool PORT=19103 \
			    exec node express_app.js > "$T/express.log" 2>&1) &
			pid=$!
			sleep 1
			"$HH" -p 19103 -s "$SECRET" -n "$N_PEER" -c "$c" -x ex > "$T/l" 2>&1
			record express-durable "$c" "$rep" "$T/l" "$(stored_count)"
			kill "$pid"; wait "$pid" 2>/dev/null
		fi
		rep=$((rep + 1))
	done
done

echo "== huskyhook run"
rm -rf "$T/spool" "$T/hooks"
mkdir -p "$T/spool" "$T/hooks"
ln -s /bin/true "$T/hooks/default"
write_conf "hooks = $T/hooks"
"$build/bench/storeloop" "$T/spool" "$N_RUN" 2 > /dev/null
start=$(date +%s%N)
"$build/huskyhook" -c "$CONF" run
run_s=$(echo "$start $(date +%s%N)" | awk '{ printf "%.3f", ($2 - $1) / 1e9 }')
spawn_s=$("$build/bench/spawnloop" "$N_RUN" /bin/true | sed 's/.*seconds=//')
echo "huskyhook-run,1,1,$N_RUN,$(echo "$N_RUN $run_s" | awk '{ printf "%.1f", $1 / $2 }'),,,0,$N_RUN" >> "$CSV"
echo "spawn-loop,1,1,$N_RUN,$(echo "$N_RUN $spawn_s" | awk '{ printf "%.1f", $1 / $2 }'),,,0,0" >> "$CSV"
echo "huskyhook run, $N_RUN events, hook /bin/true: ${run_s}s; bare spawn loop: ${spawn_s}s"

rm -rf "$T/spool"
mkdir -p "$T/spool"
rm -f "$T/hooks/default"
"$build/bench/storeloop" "$T/spool" "$N_DONE" 2 > /dev/null
"$build/huskyhook" -c "$CONF" run
done_n=$("$build/huskyhook" -c "$CONF" status --json | sed 's/.*"done":\([0-9]*\).*/\1/')
timeit() {
	best=
	for _ in 1 2 3; do
		s=$(date +%s%N)
		"$@" > /dev/null
		e=$(date +%s%N)
		t=$(( (e - s) / 1000000 ))
		[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
	done
	echo "$best"
}
status_ms=$(timeit "$build/huskyhook" -c "$CONF" status)
idle_ms=$(timeit "$build/huskyhook" -c "$CONF" run)
echo "status-100k-done,1,1,$done_n,,$status_ms,,0,$done_n" >> "$CSV"
echo "idle-run-100k-done,1,1,$done_n,,$idle_ms,,0,$done_n" >> "$CSV"
echo "with $done_n done events: status ${status_ms} ms, idle run ${idle_ms} ms (best of 3)"

echo "== memory of one FastCGI receiver"
RECEIVE=$RECEIVE_REAL
serve huskyhook-fastcgi.conf
"$HH" -p "$PORT" -s "$SECRET" -n 100 -c 2 -x memwarm > /dev/null
rss() {
	for p in $(ps -o pid= --ppid "$LIGHTTPD_PID"); do awk '/^VmRSS:/ { print $2 }' "/proc/$p/status"; done | sort -n | tail -n 1
}
rss0=$(rss)
"$HH" -p "$PORT" -s "$SECRET" -n "$N_MEM" -c 4 -m 5:75:10:10 -x mem > "$T/l" 2>&1
rss1=$(rss)
lighttpd_stop
echo "rss-start-kib,1,1,100,,,,0,$rss0" >> "$CSV"
echo "rss-after-${N_MEM}-kib,1,1,$N_MEM,,,,0,$rss1" >> "$CSV"
echo "RSS of the largest receiver process: ${rss0} KiB after 100 requests, ${rss1} KiB after $N_MEM more"

echo "== ratios (means of the repetitions, same run)"
mean() { awk -F, -v s="$1" -v c="$2" '$1 == s && $2 == c { t += $5; n++ } END { if (n) printf "%.1f", t / n; else print "" }' "$CSV"; }
p() { awk -F, -v s="$1" -v c="$2" -v col="$3" '$1 == s && $2 == c { t += $col; n++ } END { if (n) printf "%.3f", t / n }' "$CSV"; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2 }'; }
for c in $CONNS; do
	d=$(mean hh-fastcgi-durable "$c")
	echo "c=$c: durable / fsync loop        $(ratio "$d" "$(mean fsync-loop "$c")")   (target >= 0.9)"
	echo "c=$c: durable / webhook           $(ratio "$d" "$(mean webhook-durable "$c")")   (target >= 4)"
	echo "c=$c: durable / flask+gunicorn    $(ratio "$d" "$(mean flask-gunicorn-durable "$c")")   (target >= 1.2)"
	echo "c=$c: durable / express           $(ratio "$d" "$(mean express-durable "$c")")   (target >= 1.2)"
	echo "c=$c: duplicate / null FastCGI    $(ratio "$(mean hh-fastcgi-duplicate "$c")" "$(mean null-fastcgi "$c")")   (target >= 0.85)"
	echo "c=$c: rejected / null FastCGI     $(ratio "$(mean hh-fastcgi-rejected "$c")" "$(mean null-fastcgi "$c")")   (target >= 0.85)"
	echo "c=$c: null FastCGI / static file  $(ratio "$(mean null-fastcgi "$c")" "$(mean static-file "$c")")"
done
c2=$(echo "$CONNS" | cut -d' ' -f1)
echo "c=$c2: durable p99 / p50            $(ratio "$(p hh-fastcgi-durable "$c2" 7)" "$(p hh-fastcgi-durable "$c2" 6)")   (target <= 2)"
echo "run / spawn loop (throughput)      $(ratio "$spawn_s" "$run_s")   (target >= 0.8)"
echo "CSV: $CSV"
