#!/bin/sh
# The real path: lighttpd on a loopback port, the receiver under
# mod_fastcgi and under mod_cgi, using the shipped lighttpd/ files.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
# shellcheck source=tests/through-server.sh
. "${top_srcdir:-.}/tests/through-server.sh"

# storm MODE ID N: N deliveries of one event at once, half of them in
# parallel, through $URL: all 200, one stored.
storm() {
	event "$2" > "$T/$2.json"
	sig=$(sign "$T/$2.json")
	seq 1 "$3" | xargs -P $(($3 / 2)) -I{} curl -s -o /dev/null -w '%{http_code}\n' \
	    -X POST -H 'Content-Type: application/json' \
	    -H "X-Husky-Signature: $sig" --data-binary "@$T/$2.json" \
	    "$URL" > "$T/$2.codes"
	check "$1: $3 concurrent deliveries all 200" [ "$(grep -c '^200$' "$T/$2.codes")" = "$3" ]
	check "$1: one stored event from them" [ "$(find "$T/spool/events" -name "$2*" | wc -l)" = 1 ]
}
command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] ||
    skip_all "lighttpd is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"

setup
BASE=$T
for mode in fastcgi cgi; do
	T=$BASE/$mode
	mkdir -p "$T/spool"
	printf '%s\n' "$SECRET" > "$T/secret"
	CONF=$T/huskyhook.conf
	write_conf "max_age = 0"
	if ! lighttpd_start "huskyhook-$mode.conf"; then
		not_ok "$mode: lighttpd starts"
		cat "$T"/lighttpd-*.log 2>/dev/null | sed 's/^/# /'
		continue
	fi
	ok "$mode: lighttpd starts with lighttpd/huskyhook-$mode.conf"

	check_through_server "$mode"

	# The whole openssl output line pasted into the header still works.
	event evt_pasted > "$T/pasted.json"
	SIG=$(openssl dgst -sha256 -hmac "$SECRET" < "$T/pasted.json") curl_post "$T/pasted.json"
	check "$mode: openssl's whole output line as the header: 200" [ "$STATUS" = 200 ]

	storm "$mode" evt_storm 50

	# A rotated secret takes effect without restarting anything, within
	# a second: each receiver thread looks at its files once a second.
	# Ten requests after that second, whichever threads they reach.
	event evt_rot > "$T/rot.json"
	printf 'rotated-secret\n' > "$T/secret"
	sleep 1.2
	old_ok=0 new_ok=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		curl_post "$T/rot.json"
		[ "$STATUS" = 401 ] && old_ok=$((old_ok + 1))
		SIG=$(sign "$T/rot.json" rotated-secret) curl_post "$T/rot.json"
		[ "$STATUS" = 200 ] && new_ok=$((new_ok + 1))
	done
	check "$mode: a second after the rotation the old secret is refused ($old_ok of 10)" [ "$old_ok" = 10 ]
	check "$mode: and the new one accepted without a restart ($new_ok of 10)" [ "$new_ok" = 10 ]

	check "$mode: refusals are logged with the address" \
	    grep -q 'refused 401 from 127.0.0.1' "$T/lighttpd-stderr.log" "$T/lighttpd-error.log" "$T/receive.log"
	lighttpd_stop
done

# Threads: the shipped FastCGI snippet as it is. Each receiver process
# serves requests in 8 threads; killed, it is restarted by lighttpd like
# any FastCGI program.
T=$BASE/threads
mkdir -p "$T/spool"
printf '%s\n' "$SECRET" > "$T/secret"
CONF=$T/huskyhook.conf
write_conf "max_age = 0"
if lighttpd_start huskyhook-fastcgi.conf; then
	ok "threads: lighttpd starts"
	event evt_t1 > "$T/t1.json"
	curl_post "$T/t1.json"
	check "threads: 200 accepted" [ "$STATUS" = 200 ]
	procs=$(receiver_pids)
	nthreads=
	for p in $procs; do nthreads="$nthreads $(find "/proc/$p/task" -mindepth 1 -maxdepth 1 | wc -l)"; done
	# 8 that serve requests, and the one that keeps their deadlines.
	check "threads: 8 threads and a watcher in each receiver process ($nthreads)" '[ -n "$procs" ] && echo "$nthreads" | grep -qx "\( 9\)\{1,\}"'
	storm threads evt_tstorm 40
	# A thread opens the spool at its first request that gets that far.
	served=0
	for p in $procs; do
		for fd in "/proc/$p/fd"/*; do
			[ "$(readlink "$fd")" = "$T/spool/events" ] && served=$((served + 1))
		done
	done
	check "threads: the requests were spread over them (threads with the spool open: $served)" [ "$served" -ge 3 ]
	# shellcheck disable=SC2086
	kill -9 $procs
	event evt_t2 > "$T/t2.json"
	i=0
	while [ $i -lt 20 ]; do
		curl_post "$T/t2.json"
		[ "$STATUS" = 200 ] && break
		sleep 0.5
		i=$((i + 1))
	done
	check "threads: every receiver SIGKILLed, lighttpd starts them again: 200" [ "$STATUS" = 200 ]
	check "threads: and the event is stored" stored evt_t2
	all=$(receiver_pids)
	# shellcheck disable=SC2034 # used in the check's string
	first=$(echo "$procs" | head -n 1)
	check "threads: new processes replace the killed ones" '[ -n "$all" ] && ! echo "$all" | grep -qx "$first"'
	lighttpd_stop
	i=0
	while [ $i -lt 30 ] && for p in $all; do kill -0 "$p" 2>/dev/null && break; done; do
		sleep 0.1
		i=$((i + 1))
	done
	left=
	for p in $all; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
	check "threads: none is left when lighttpd stops" [ -z "$left" ]
else
	not_ok "threads: lighttpd starts"
	cat "$T"/lighttpd-*.log 2>/dev/null | sed 's/^/# /'
fi
done_testing
