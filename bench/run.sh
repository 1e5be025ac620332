#!/bin/sh
# The benchmark: huskyhook against the physical limits and against the
# programs a user would pick instead, side by side in one run, on
# loopback only. Prints a table and the ratios, and writes CSV.
#
#   sh bench/run.sh [BUILD_DIR]          (default: build-plain)
#   FRONTS_ONLY=1 sh bench/run.sh ...    only the fronts side by side:
#                                        lighttpd and nginx, each with a
#                                        static file, a null FastCGI program
#                                        and the durable receiver
#
# Installs what it needs when run as root on Debian (lighttpd, nginx-light,
# spawn-fcgi, webhook, gunicorn, python3-flask, nodejs, npm; express from
# the npm registry),
# otherwise says what is missing and skips that part. Bounded: five to ten
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
# shellcheck source=tests/servers.sh
. "$top/tests/servers.sh"

# Requests per scenario and round. Every HTTP scenario runs once in each
# round, one after the other, against servers started once: the disk's
# fsync rate drifts by a factor of 3 within minutes on a shared machine,
# so ratios are taken within a round and the median over rounds is what
# the targets are read from.
ROUNDS=${ROUNDS:-5}
N_FAST=${N_FAST:-8000}
N_DURABLE=${N_DURABLE:-1500}
N_CGI=${N_CGI:-600}
N_PEER=${N_PEER:-800}
N_WEBHOOK=${N_WEBHOOK:-250}
N_RUN=${N_RUN:-10000}
N_DONE=${N_DONE:-100000}
N_MEM=${N_MEM:-100000}
CONNS=${CONNS:-2 16}
FRONTS_ONLY=${FRONTS_ONLY:-}

if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
	missing=
	peers="webhook gunicorn python3-flask"
	[ -z "$FRONTS_ONLY" ] || peers=
	for p in lighttpd nginx-light spawn-fcgi curl $peers; do
		dpkg -s "$p" > /dev/null 2>&1 || missing="$missing $p"
	done
	# Node.js may come from elsewhere with its own npm: ask for commands.
	if [ -z "$FRONTS_ONLY" ]; then
		command -v node > /dev/null || missing="$missing nodejs"
		command -v npm > /dev/null || missing="$missing npm"
	fi
	if [ -n "$missing" ]; then
		echo "installing:$missing"
		apt-get update -qq
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null
	fi
fi
if [ -z "$FRONTS_ONLY" ] && command -v npm > /dev/null &&
    [ ! -d "$top/bench/peers/node_modules/express" ]; then
	(cd "$top/bench/peers" && npm install --no-audit --no-fund --silent > /dev/null 2>&1) ||
	    echo "npm install express failed: the Express peer is skipped"
fi
make -C "$build" huskyhook huskyhook-receive bench/hhload bench/nullfcgi \
    bench/nullcgi bench/storeloop bench/spawnloop > /dev/null || exit 1
# The self-contained receiver (--enable-static-libs), as a CGI program:
# built once beside the given build.
static=${STATIC_BUILD:-$top/build-static}
if [ -z "$FRONTS_ONLY" ] && [ ! -x "$static/huskyhook-receive" ]; then
	mkdir -p "$static"
	(cd "$static" && { [ -f Makefile ] || "$top/configure" --enable-static-libs > configure.out; } &&
	    make huskyhook-receive > make.out 2>&1) ||
	    echo "the static receiver did not build (see $static): its scenario is skipped"
fi

HH=$build/bench/hhload
OUT=$build/bench-results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
CSV=$OUT/results.csv
echo "scenario,conns,round,requests,rps,p50_ms,p99_ms,non2xx,accepted,stored,unexpected" > "$CSV"
WORK=$OUT/work
T=$WORK
mkdir -p "$T"
printf '%s\n' "$SECRET" > "$T/secret"
chmod 600 "$T/secret"
CONF=$T/huskyhook.conf
RECEIVE_REAL=$build/huskyhook-receive
PIDS=
# Stops every server this run started. tests/servers.sh's server_ready sets
# its own EXIT trap, so serve and peer set this one again after it.
bench_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	cleanup_servers
}
trap bench_cleanup EXIT

stored_count() {
	find "$1/events" -name '*.json' 2>/dev/null | wc -l
}

# record SCENARIO CONNS ROUND LOADFILE STORED: a CSV row and a table line
# from the load generator's (or the store loop's) output.
record() {
	v() { sed -n "s/.*\\<$1=\\([0-9.]*\\).*/\\1/p" "$2" | head -n 1; }
	n=$(v answered "$4"); [ -n "$n" ] || n=$(v stored "$4")
	acc=$(v accepted "$4"); [ -n "$acc" ] || acc=$(v stored "$4")
	non=$(v non2xx "$4"); [ -n "$non" ] || non=0
	unx=$(v unexpected "$4"); [ -n "$unx" ] || unx=0
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$1" "$2" "$3" "$n" \
	    "$(v rps "$4")" "$(v p50_ms "$4")" "$(v p99_ms "$4")" "$non" \
	    "$acc" "$5" "$unx" >> "$CSV"
	printf '%-24s c=%-3s #%s %9s req/s  p50 %8s ms  p99 %8s ms  non-2xx %5s  accepted %5s  stored %5s\n' \
	    "$1" "$2" "$3" "$(v rps "$4")" "$(v p50_ms "$4")" \
	    "$(v p99_ms "$4")" "$non" "$acc" "$5"
}

# slice SCENARIO CONNS ROUND SPOOL COMMAND...: one scenario's share of a
# round, recorded with the events SPOOL gained meanwhile.
slice() {
	sc=$1 sc_c=$2 sc_r=$3 sc_sp=$4
	shift 4
	sc_before=$(stored_count "$sc_sp")
	"$@" > "$WORK/l" 2>&1
	record "$sc" "$sc_c" "$sc_r" "$WORK/l" \
	    $(($(stored_count "$sc_sp") - sc_before))
}

# settle NAME [watched]: waits (up to 60 s) until nothing is pending in
# $WORK/NAME's spool and, unless a watcher holds its lock for good, no
# run holds it: the hooks a kicked run or the watcher still has to run
# must not share the cores with the next scenario.
settle() {
	st_i=0
	while [ $st_i -lt 600 ]; do
		st_out=$("$build/huskyhook" -c "$WORK/$1/huskyhook.conf" status 2>/dev/null)
		if echo "$st_out" | grep -q '^pending *0' &&
		    echo "$st_out" | grep -q '^retrying *0' &&
		    { [ -n "${2:-}" ] || ! echo "$st_out" | grep -q '^run *held by'; }; then
			return 0
		fi
		sleep 0.1
		st_i=$((st_i + 1))
	done
	echo "bench: $1 was still running hooks after 60 s" >&2
}

# serve NAME SNIPPET PROGRAM [CONFIG LINES...]: lighttpd with the shipped
# SNIPPET and PROGRAM as the FastCGI/CGI program, in $WORK/NAME with its
# own spool and config; its port in $SERVED_PORT. Left running until the
# end.
serve() {
	T=$WORK/$1
	CONF=$T/huskyhook.conf
	RECEIVE=$3
	sv_snippet=$2
	shift 3
	mkdir -p "$T/www" "$T/spool"
	cp "$WORK/secret" "$T/secret"
	echo '{"status":"ok"}' > "$T/www/static.json"
	write_conf "$@"
	started=0
	lighttpd_start "$sv_snippet" || started=1
	trap bench_cleanup EXIT
	[ $started = 0 ] || { echo "lighttpd ($1) did not start"; exit 1; }
	p=${URL#http://127.0.0.1:}
	SERVED_PORT=${p%%/*}
	PIDS="$PIDS $LIGHTTPD_PID"
	LIGHTTPD_PID=
	T=$WORK
	CONF=$T/huskyhook.conf
}

# serve_nginx NAME PROGRAM [CONFIG LINES...]: nginx with the shipped
# nginx/huskyhook-fastcgi.conf in front of PROGRAM, started by spawn-fcgi
# in 2 processes (as lighttpd starts 2), in $WORK/NAME with its own spool
# and config; its port in $SERVED_PORT, or empty if nginx or spawn-fcgi
# is missing. Left running until the end.
serve_nginx() {
	SERVED_PORT=
	{ command -v nginx || [ -x /usr/sbin/nginx ]; } > /dev/null &&
	    command -v spawn-fcgi > /dev/null || return 0
	T=$WORK/$1
	CONF=$T/huskyhook.conf
	sn_prog=$2
	shift 2
	mkdir -p "$T/www" "$T/spool"
	cp "$WORK/secret" "$T/secret"
	echo '{"status":"ok"}' > "$T/www/static.json"
	write_conf "$@"
	[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
	SPAWN_PROCS=2 spawn_receiver "$sn_prog" || { echo "spawn-fcgi ($1) failed"; exit 1; }
	PIDS="$PIDS $SPAWN_PID"
	SPAWN_PID=
	{
		echo "location = /huskyhook {"
		echo "	include $top/nginx/huskyhook-fastcgi.conf;"
		echo "	fastcgi_pass unix:$SOCKET;"
		echo "}"
	} > "$T/site.conf"
	started=0
	nginx_start "$T/site.conf" || started=1
	trap bench_cleanup EXIT
	[ $started = 0 ] || { echo "nginx ($1) did not start"; exit 1; }
	SERVED_PORT=$NGINX_PORT
	PIDS="$PIDS $NGINX_PID"
	NGINX_PID=
	T=$WORK
	CONF=$T/huskyhook.conf
}

# peer NAME PORT COMMAND...: a peer server in $WORK/NAME, its spool there.
peer() {
	pn=$1 pp=$2
	shift 2
	mkdir -p "$WORK/$pn/spool/tmp" "$WORK/$pn/spool/events"
	HH_SECRET_FILE=$WORK/secret HH_SPOOL=$WORK/$pn/spool PORT=$pp \
	    "$@" > "$WORK/$pn.log" 2>&1 &
	PIDS="$PIDS $!"
	started=0
	server_ready "$pp" "$!" || started=1
	trap bench_cleanup EXIT
	[ $started = 0 ] || { echo "$pn did not start (see $WORK/$pn.log)"; return 1; }
}

echo "== HTTP scenarios (lighttpd $(lighttpd -v 2>/dev/null | sed -n 's/^lighttpd\/\([^ ]*\).*/\1/p'), loopback, $(nproc) cores, $ROUNDS rounds)"
serve null huskyhook-fastcgi.conf "$build/bench/nullfcgi"
PORT_null=$SERVED_PORT
serve fcgi huskyhook-fastcgi.conf "$RECEIVE_REAL"
PORT_fcgi=$SERVED_PORT
serve_nginx ngnull "$build/bench/nullfcgi"
PORT_ngnull=$SERVED_PORT
serve_nginx ngfcgi "$RECEIVE_REAL"
PORT_ngfcgi=$SERVED_PORT
[ -n "$PORT_ngfcgi" ] || echo "nginx or spawn-fcgi is missing: the nginx scenarios are skipped"
if [ -z "$FRONTS_ONLY" ]; then
serve cgi huskyhook-cgi.conf "$RECEIVE_REAL"
PORT_cgi=$SERVED_PORT
serve nullcgi huskyhook-cgi.conf "$build/bench/nullcgi"
PORT_nullcgi=$SERVED_PORT
PORT_cgistatic=
if [ -x "$static/huskyhook-receive" ]; then
	serve cgistatic huskyhook-cgi.conf "$static/huskyhook-receive"
	PORT_cgistatic=$SERVED_PORT
fi
# The shipped snippet with one thread per process: the receiver's shape
# before it served requests in threads, for the comparison.
sed -e 's/"HUSKYHOOK_CONFIG" => huskyhook_config )/"HUSKYHOOK_CONFIG" => huskyhook_config, "HUSKYHOOK_FCGI_THREADS" => "1" )/' \
    "$top/lighttpd/huskyhook-fastcgi.conf" > "$WORK/onethread.conf"
grep -q 'HUSKYHOOK_FCGI_THREADS" => "1"' "$WORK/onethread.conf" ||
    { echo "bench: the one-thread edit no longer applies" >&2; exit 1; }
serve onethread "$WORK/onethread.conf" "$RECEIVE_REAL"
PORT_onethread=$SERVED_PORT
# The shipped snippet with kick = yes: each accepted event also starts a
# `huskyhook run` (unless one runs or started within a second), whose hook
# is /bin/true: what the kick costs the durable path, hooks included.
mkdir -p "$WORK/kick/hooks"
printf '#!/bin/sh\nexit 0\n' > "$WORK/kick/hooks/default"
chmod 755 "$WORK/kick/hooks/default"
serve kick huskyhook-fastcgi.conf "$RECEIVE_REAL" "kick = yes" \
    "hooks = $WORK/kick/hooks" "kick_program = $build/huskyhook"
PORT_kick=$SERVED_PORT
# The same work done the other way: kick = no, and `huskyhook run --watch`
# running the same hook on each event as it arrives. Against this, the
# kick's own cost; against the bare durable path, the hooks' too.
serve watchside huskyhook-fastcgi.conf "$RECEIVE_REAL" \
    "hooks = $WORK/kick/hooks"
PORT_watchside=$SERVED_PORT
"$build/huskyhook" -c "$WORK/watchside/huskyhook.conf" run --watch \
    > "$WORK/watchside/watch.out" 2>&1 &
PIDS="$PIDS $!"
mkdir -p "$WORK/loop/spool"
have_webhook='' have_flask='' have_express=''
if command -v webhook > /dev/null; then
	mkdir -p "$WORK/webhook/spool/tmp" "$WORK/webhook/spool/events"
	sed -e "s#@STORE@#$top/bench/peers/webhook-store.sh#" \
	    -e "s#@SPOOL@#$WORK/webhook/spool#" -e "s#@SECRET@#$SECRET#" \
	    "$top/bench/peers/webhook-hooks.json.in" > "$WORK/hooks.json"
	peer webhook 19101 webhook -hooks "$WORK/hooks.json" -ip 127.0.0.1 \
	    -port 19101 && have_webhook=1
fi
if [ -x /usr/bin/gunicorn ]; then
	peer flask 19102 /usr/bin/gunicorn -w 4 -b 127.0.0.1:19102 \
	    --chdir "$top/bench/peers" flask_app:app && have_flask=1
fi
if [ -d "$top/bench/peers/node_modules/express" ]; then
	peer express 19103 node "$top/bench/peers/express_app.js" &&
	    have_express=1
fi
fi

for c in $CONNS; do
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		slice static-file "$c" "$r" "$WORK/null/spool" \
		    "$HH" -g -p "$PORT_null" -P /static.json -n "$N_FAST" -c "$c"
		slice null-fastcgi "$c" "$r" "$WORK/null/spool" \
		    "$HH" -p "$PORT_null" -s "$SECRET" -n "$N_FAST" -c "$c" -x null
		slice hh-fastcgi-durable "$c" "$r" "$WORK/fcgi/spool" \
		    "$HH" -p "$PORT_fcgi" -s "$SECRET" -n "$N_DURABLE" -c "$c" -x "dur$c-$r"
		if [ -n "$PORT_ngfcgi" ]; then
			slice nginx-static-file "$c" "$r" "$WORK/ngnull/spool" \
			    "$HH" -g -p "$PORT_ngnull" -P /static.json -n "$N_FAST" -c "$c"
			slice nginx-null-fastcgi "$c" "$r" "$WORK/ngnull/spool" \
			    "$HH" -p "$PORT_ngnull" -s "$SECRET" -n "$N_FAST" -c "$c" -x null
			slice nginx-fastcgi-durable "$c" "$r" "$WORK/ngfcgi/spool" \
			    "$HH" -p "$PORT_ngfcgi" -s "$SECRET" -n "$N_DURABLE" -c "$c" -x "ngdur$c-$r"
		fi
		if [ -n "$FRONTS_ONLY" ]; then
			r=$((r + 1))
			continue
		fi
		slice fsync-loop "$c" "$r" "$WORK/loop/spool" \
		    "$build/bench/storeloop" "$WORK/loop/spool" "$N_DURABLE" "$c" "loop$c-$r" each
		slice fsync-loop-grouped "$c" "$r" "$WORK/loop/spool" \
		    "$build/bench/storeloop" "$WORK/loop/spool" "$N_DURABLE" "$c" "group$c-$r" grouped
		slice hh-fastcgi-1-thread-durable "$c" "$r" "$WORK/onethread/spool" \
		    "$HH" -p "$PORT_onethread" -s "$SECRET" -n "$N_DURABLE" -c "$c" -x "one$c-$r"
		slice hh-fastcgi-kick-durable "$c" "$r" "$WORK/kick/spool" \
		    "$HH" -p "$PORT_kick" -s "$SECRET" -n "$N_DURABLE" -c "$c" -x "kick$c-$r"
		settle kick
		slice hh-fastcgi-watch-durable "$c" "$r" "$WORK/watchside/spool" \
		    "$HH" -p "$PORT_watchside" -s "$SECRET" -n "$N_DURABLE" -c "$c" -x "watch$c-$r"
		settle watchside watched
		# The 16 events the duplicates repeat are stored first.
		now=$(date +%s)
		"$HH" -p "$PORT_fcgi" -s "$SECRET" -n 16 -c 1 -m 0:100:0:0 -T "$now" -x "dup$c-$r" > /dev/null
		slice hh-fastcgi-duplicate "$c" "$r" "$WORK/fcgi/spool" \
		    "$HH" -p "$PORT_fcgi" -s "$SECRET" -n "$N_FAST" -c "$c" -m 0:100:0:0 -T "$now" -x "dup$c-$r"
		slice hh-fastcgi-rejected "$c" "$r" "$WORK/fcgi/spool" \
		    "$HH" -p "$PORT_fcgi" -s "$SECRET" -n "$N_FAST" -c "$c" -m 0:0:100:0 -x "rej$c-$r"
		slice hh-fastcgi-1-thread-rejected "$c" "$r" "$WORK/onethread/spool" \
		    "$HH" -p "$PORT_onethread" -s "$SECRET" -n "$N_FAST" -c "$c" -m 0:0:100:0 -x "rej1$c-$r"
		slice hh-cgi-durable "$c" "$r" "$WORK/cgi/spool" \
		    "$HH" -p "$PORT_cgi" -s "$SECRET" -n "$N_CGI" -c "$c" -x "cgi$c-$r"
		[ -z "$PORT_cgistatic" ] || slice hh-cgi-static-durable "$c" "$r" "$WORK/cgistatic/spool" \
		    "$HH" -p "$PORT_cgistatic" -s "$SECRET" -n "$N_CGI" -c "$c" -x "cgis$c-$r"
		slice null-cgi "$c" "$r" "$WORK/nullcgi/spool" \
		    "$HH" -p "$PORT_nullcgi" -s "$SECRET" -n "$N_CGI" -c "$c" -x nullcgi
		[ -z "$have_webhook" ] || slice webhook-durable "$c" "$r" "$WORK/webhook/spool" \
		    "$HH" -p 19101 -P /hooks/huskyhook -s "$SECRET" -n "$N_WEBHOOK" -c "$c" -x "wh$c-$r"
		[ -z "$have_flask" ] || slice flask-gunicorn-durable "$c" "$r" "$WORK/flask/spool" \
		    "$HH" -p 19102 -s "$SECRET" -n "$N_PEER" -c "$c" -x "fl$c-$r"
		[ -z "$have_express" ] || slice express-durable "$c" "$r" "$WORK/express/spool" \
		    "$HH" -p 19103 -s "$SECRET" -n "$N_PEER" -c "$c" -x "ex$c-$r"
		r=$((r + 1))
	done
done
for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PIDS=

if [ -z "$FRONTS_ONLY" ]; then
echo "== huskyhook run"
T=$WORK/run
CONF=$T/huskyhook.conf
mkdir -p "$T/spool" "$T/hooks"
cp "$WORK/secret" "$T/secret"
ln -s /bin/true "$T/hooks/default"
write_conf "hooks = $T/hooks"
"$build/bench/storeloop" "$T/spool" "$N_RUN" 2 > /dev/null
start=$(date +%s%N)
"$build/huskyhook" -c "$CONF" run
run_s=$(echo "$start $(date +%s%N)" | awk '{ printf "%.3f", ($2 - $1) / 1e9 }')
spawn_s=$("$build/bench/spawnloop" "$N_RUN" /bin/true | sed 's/.*seconds=//')
{
	echo "huskyhook-run,1,1,$N_RUN,$(echo "$N_RUN $run_s" | awk '{ printf "%.1f", $1 / $2 }'),,,0,,$N_RUN,"
	echo "spawn-loop,1,1,$N_RUN,$(echo "$N_RUN $spawn_s" | awk '{ printf "%.1f", $1 / $2 }'),,,0,,,"
} >> "$CSV"
echo "huskyhook run, $N_RUN events, hook /bin/true: ${run_s}s; bare spawn loop: ${spawn_s}s"

T=$WORK/done
CONF=$T/huskyhook.conf
mkdir -p "$T/spool" "$T/hooks"
cp "$WORK/secret" "$T/secret"
write_conf "hooks = $T/hooks"
"$build/bench/storeloop" "$T/spool" "$N_DONE" 2 > /dev/null
"$build/huskyhook" -c "$CONF" run
done_n=$("$build/huskyhook" -c "$CONF" status --json | sed 's/.*"done":\([0-9]*\).*/\1/')
timeit() {
	best=
	for _ in 1 2 3; do
		[ "$1" != purge ] || echo 0 > "$T/spool/last-purge"
		s=$(date +%s%N)
		"$build/huskyhook" -c "$CONF" "$2" > /dev/null
		e=$(date +%s%N)
		t=$(( (e - s) / 1000000 ))
		[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
	done
	echo "$best"
}
status_ms=$(timeit - status)
idle_ms=$(timeit - run)
purge_ms=$(timeit purge run)
{
	echo "status-100k-done,1,1,$done_n,,$status_ms,,0,,$done_n,"
	echo "idle-run-100k-done,1,1,$done_n,,$idle_ms,,0,,$done_n,"
	echo "hourly-purge-run-100k-done,1,1,$done_n,,$purge_ms,,0,,$done_n,"
} >> "$CSV"
echo "with $done_n done events: status ${status_ms} ms, idle run ${idle_ms} ms, the hourly run that also looks for done events to purge ${purge_ms} ms (best of 3)"

echo "== memory of the FastCGI receiver"
serve mem huskyhook-fastcgi.conf "$RECEIVE_REAL"
PORT_mem=$SERVED_PORT
mem_pid=${PIDS##* }
"$HH" -p "$PORT_mem" -s "$SECRET" -n 100 -c 2 -x memwarm > /dev/null
# rss max|sum: of the receiver processes (lighttpd's children; each
# process's RSS counts all its threads).
rss() {
	for p in $(ps -o pid= --ppid "$mem_pid"); do
		echo "$p"
		ps -o pid= --ppid "$p"
	done | while read -r p; do
		awk '/^VmRSS:/ { print $2 }' "/proc/$p/status"
	done | sort -n | awk -v how="$1" '{ t += $1; m = $1 } END { print (how == "sum" ? t : m) }'
}
rss0=$(rss max)
"$HH" -p "$PORT_mem" -s "$SECRET" -n "$N_MEM" -c 4 -m 5:75:10:10 -x mem > "$WORK/l" 2>&1
rss1=$(rss max)
rss_all=$(rss sum)
kill "$mem_pid"
wait "$mem_pid" 2>/dev/null
PIDS=
{
	echo "rss-start-kib,1,1,100,,,,0,,$rss0,"
	echo "rss-after-${N_MEM}-kib,1,1,$N_MEM,,,,0,,$rss1,"
	echo "rss-all-processes-kib,1,1,$N_MEM,,,,0,,$rss_all,"
} >> "$CSV"
echo "RSS of the largest receiver process: ${rss0} KiB after 100 requests, ${rss1} KiB after $N_MEM more; all receiver processes together ${rss_all} KiB"
fi

# median A B C [COL]: the median over rounds of A's column COL (default
# 5, req/s) divided by B's, both at C connections, with the lowest and
# highest round: "0.93 (0.85-1.02)". B may name two scenarios, "X|Y":
# the larger of their figures in each round. With COL and BCOL, a ratio
# of other columns (p99 against p99: 7 7; p99 against p50: 7 6).
median() {
	awk -F, -v a="$1" -v b="$2" -v c="$3" -v col="${4:-5}" -v bcol="${5:-${4:-5}}" '
	BEGIN { nb = split(b, bs, "|") }
	$2 == c && $1 == a { x[$3] = $col }
	$2 == c { for (i = 1; i <= nb; i++) if ($1 == bs[i] && (!($3 in y) || $bcol > y[$3])) y[$3] = $bcol }
	END {
		n = 0
		for (r in x) if ((r in y) && y[r] > 0) v[++n] = x[r] / y[r]
		if (n == 0) { print "-"; exit }
		for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		printf "%.2f (%.2f-%.2f)", m, v[1], v[n]
	}' "$CSV"
}
check_answers() {
	awk -F, 'NR > 1 && $9 != "" && $10 != "" && $9 != $10 { print "  " $1 " c=" $2 " round " $3 ": accepted " $9 ", stored " $10; bad = 1 }
	    NR > 1 && $11 != "" && $11 != 0 { print "  " $1 " c=" $2 " round " $3 ": " $11 " answers not the expected status"; bad = 1 }
	    END { if (!bad) print "  every request had the expected answer; every accepted one left exactly one stored event" }' "$CSV"
}

echo "== ratios: median over the rounds of the ratio within a round (lowest-highest round)"
for c in $CONNS; do
	echo "c=$c: nginx / lighttpd, static file   $(median nginx-static-file static-file "$c")"
	echo "c=$c: nginx / lighttpd, null FastCGI  $(median nginx-null-fastcgi null-fastcgi "$c")"
	echo "c=$c: nginx / lighttpd, durable       $(median nginx-fastcgi-durable hh-fastcgi-durable "$c")"
	echo "c=$c: nginx null FastCGI / static     $(median nginx-null-fastcgi nginx-static-file "$c")"
	[ -z "$FRONTS_ONLY" ] || continue
	echo "c=$c: fsync loop grouped / each   $(median fsync-loop-grouped fsync-loop "$c")   (group commit pays where > 1)"
	echo "c=$c: durable / fsync loop        $(median hh-fastcgi-durable fsync-loop "$c")   (target >= 0.85 at 2, >= 1.2 at 16 (stretch))"
	echo "c=$c: durable / faster loop       $(median hh-fastcgi-durable 'fsync-loop|fsync-loop-grouped' "$c")   (target >= 0.9 at 16)"
	echo "c=$c: durable p99 / loop p99      $(median hh-fastcgi-durable fsync-loop "$c" 7 7)   (target <= 1.5)"
	echo "c=$c: durable / webhook           $(median hh-fastcgi-durable webhook-durable "$c")   (target >= 8 at 16)"
	echo "c=$c: durable / flask+gunicorn    $(median hh-fastcgi-durable flask-gunicorn-durable "$c")   (target >= 3 at 16)"
	echo "c=$c: durable / express           $(median hh-fastcgi-durable express-durable "$c")   (target >= 2 at 16)"
	echo "c=$c: duplicate / null FastCGI    $(median hh-fastcgi-duplicate null-fastcgi "$c")   (target >= 0.9)"
	echo "c=$c: rejected / null FastCGI     $(median hh-fastcgi-rejected null-fastcgi "$c")   (target >= 0.9)"
	echo "c=$c: null FastCGI / static file  $(median null-fastcgi static-file "$c")"
	echo "c=$c: CGI durable / null CGI      $(median hh-cgi-durable null-cgi "$c")   (target >= 0.8 at 2)"
	echo "c=$c: static CGI durable / null   $(median hh-cgi-static-durable null-cgi "$c")   (the self-contained receiver)"
	echo "c=$c: CGI durable / FastCGI       $(median hh-cgi-durable hh-fastcgi-durable "$c")"
	echo "c=$c: with 1 thread per process (the shape before threads):"
	echo "c=$c:   durable / fsync loop      $(median hh-fastcgi-1-thread-durable fsync-loop "$c")"
	echo "c=$c:   8 threads / 1 thread      $(median hh-fastcgi-durable hh-fastcgi-1-thread-durable "$c")"
	echo "c=$c:   rejected / null FastCGI   $(median hh-fastcgi-1-thread-rejected null-fastcgi "$c")"
	echo "c=$c: kick = yes / run --watch    $(median hh-fastcgi-kick-durable hh-fastcgi-watch-durable "$c")   (the kick's own cost; target >= 0.95 at 2)"
	echo "c=$c: kick = yes / no hooks run   $(median hh-fastcgi-kick-durable hh-fastcgi-durable "$c")   (the kick and the hooks it runs)"
	echo "c=$c: run --watch / no hooks run  $(median hh-fastcgi-watch-durable hh-fastcgi-durable "$c")   (the hooks, run by a watcher)"
done
c2=$(echo "$CONNS" | cut -d' ' -f1)
echo "c=$c2: durable p99 / p50            $(median hh-fastcgi-durable hh-fastcgi-durable "$c2" 7 6)"
echo "c=$c2: nginx durable p99 / p50      $(median nginx-fastcgi-durable nginx-fastcgi-durable "$c2" 7 6)"
if [ -z "$FRONTS_ONLY" ]; then
	echo "c=$c2: fsync loop p99 / p50         $(median fsync-loop fsync-loop "$c2" 7 6)   (the disk's own spread)"
	echo "run / spawn loop (throughput)      $(echo "$spawn_s $run_s" | awk '{ printf "%.2f", $1 / $2 }')   (target >= 0.8)"
fi
echo "answers and events:"
check_answers
echo "CSV: $CSV"
