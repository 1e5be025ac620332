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

	# A rotated secret takes effect without restarting anything.
	event evt_rot > "$T/rot.json"
	printf 'rotated-secret\n' > "$T/secret"
	curl_post "$T/rot.json"
	check "$mode: old secret refused right after rotation" [ "$STATUS" = 401 ]
	SIG=$(sign "$T/rot.json" rotated-secret) curl_post "$T/rot.json"
	check "$mode: new secret accepted without a restart" [ "$STATUS" = 200 ]

	check "$mode: refusals are logged with the address" \
	    grep -q 'refused 401 from 127.0.0.1' "$T/lighttpd-stderr.log" "$T/lighttpd-error.log" "$T/receive.log"
	lighttpd_stop
done

# Workers: the shipped FastCGI snippet with the two edits its comment
# gives for many concurrent deliveries.
T=$BASE/workers
mkdir -p "$T/spool"
printf '%s\n' "$SECRET" > "$T/secret"
CONF=$T/huskyhook.conf
write_conf "max_age = 0"
sed -e 's/"max-procs"       => 2,/"max-procs"       => 1,/' \
    -e 's/"HUSKYHOOK_CONFIG" => huskyhook_config )/"HUSKYHOOK_CONFIG" => huskyhook_config, "HUSKYHOOK_FCGI_WORKERS" => "4" )/' \
    "$top_srcdir/lighttpd/huskyhook-fastcgi.conf" > "$T/workers.conf"
check "workers: the edits apply to the shipped snippet" grep -q 'HUSKYHOOK_FCGI_WORKERS" => "4"' "$T/workers.conf"
if lighttpd_start "$T/workers.conf"; then
	ok "workers: lighttpd starts"
	event evt_w1 > "$T/w1.json"
	curl_post "$T/w1.json"
	check "workers: 200 accepted" '[ "$STATUS" = 200 ] && grep -q accepted "$T/out"'
	parent=$(ps -o pid= --ppid "$LIGHTTPD_PID" | tr -d ' ')
	workers() { ps -o pid= --ppid "$parent" | tr -d ' '; }
	check "workers: one process under lighttpd" [ "$(echo "$parent" | wc -w)" = 1 ]
	check "workers: four workers under it" [ "$(workers | wc -l)" = 4 ]
	storm workers evt_wstorm 40
	# A worker opens the spool at its first request that gets that far.
	served=0
	for w in $(workers); do
		for fd in "/proc/$w/fd"/*; do
			case $(readlink "$fd") in
			"$T/spool"*) served=$((served + 1)); break ;;
			esac
		done
	done
	check "workers: the requests were spread over them (workers with the spool open: $served)" [ "$served" -ge 2 ]
	victim=$(workers | head -n 1)
	kill -9 "$victim"
	i=0
	while [ $i -lt 30 ] && { [ "$(workers | wc -l)" != 4 ] || workers | grep -qx "$victim"; }; do
		sleep 0.1
		i=$((i + 1))
	done
	check "workers: a killed worker is replaced" \
	    '[ "$(workers | wc -l)" = 4 ] && ! ps -o pid= --ppid "$parent" | tr -d " " | grep -qx "$victim"'
	check "workers: the replacement is logged (to stderr: lighttpd's error log)" \
	    grep -q "worker $victim was killed by signal 9" "$T/lighttpd-stderr.log" "$T/lighttpd-error.log"
	event evt_w2 > "$T/w2.json"
	curl_post "$T/w2.json"
	check "workers: still 200 after that" [ "$STATUS" = 200 ]
	all=$(workers)
	lighttpd_stop
	i=0
	while [ $i -lt 30 ] && for p in $parent $all; do kill -0 "$p" 2>/dev/null && break; done; do
		sleep 0.1
		i=$((i + 1))
	done
	left=
	for p in $parent $all; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
	check "workers: none is left when lighttpd stops" [ -z "$left" ]
else
	not_ok "workers: lighttpd starts"
	cat "$T"/lighttpd-*.log 2>/dev/null | sed 's/^/# /'
fi
done_testing
