#!/bin/sh
# Slow senders through Apache's mod_proxy_fcgi with the shipped snippet,
# which streams a client's body to the receiver as it comes: 8 clients
# sending 60 KB at 600 B/s (curl --limit-rate) fill the receiver's 8
# threads; each is cut and answered an error, and a signed delivery sent
# after them is answered 200 once the first round is cut (7 s,
# RECEIVE_READ_BUDGET_SEC, and a second at most for a read still
# blocked). Apache passes the receiver's 408 on, unless it sent nothing
# for that second (it was waiting for its client): the receiver then
# stops reading, Apache's next write fails, and it answers 503 itself.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "$top_srcdir/tests/servers.sh"
command -v spawn-fcgi > /dev/null || skip_all "spawn-fcgi is not installed"
command -v apache2 > /dev/null || [ -x /usr/sbin/apache2 ] ||
    skip_all "apache2 is not installed"
[ -f "$APACHE_MODULES/mod_proxy_fcgi.so" ] || skip_all "mod_proxy_fcgi is not installed"
setup
sockdir
SOCKET=$SOCKDIR/slow-apache.sock
SLOW=8

unset HUSKYHOOK_FCGI_THREADS
set -- -s "$SOCKET" -M 0660 -P "$T/spawn.pid"
[ "$(id -u)" = 0 ] && set -- "$@" -U "$APACHE_USER" -u "$APACHE_USER"
[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
stop_all() {
	[ -s "$T/spawn.pid" ] && kill "$(cat "$T/spawn.pid")" 2>/dev/null
	cleanup_servers
}
if HUSKYHOOK_CONFIG=$CONF spawn-fcgi "$@" -- "$RECEIVE" > "$T/spawn.out" 2>&1; then
	ok "spawn-fcgi starts the receiver"
else
	not_ok "spawn-fcgi starts the receiver"
	done_testing
	exit 1
fi
if apache_start proxy-fcgi; then
	ok "Apache starts with the shipped mod_proxy_fcgi snippet"
else
	not_ok "Apache starts with the shipped mod_proxy_fcgi snippet"
	stop_all
	done_testing
	exit 1
fi
trap stop_all EXIT

head -c 60000 /dev/zero | tr '\0' a > "$T/slow.body"
i=1
while [ $i -le $SLOW ]; do
	curl -s -o "$T/slow.$i.out" -w '%{http_code}\n' --limit-rate 600 \
	    --max-time 60 -H 'Content-Type: application/json' \
	    -H 'X-Husky-Signature: 00' --data-binary "@$T/slow.body" \
	    "$URL" > "$T/slow.$i.status" 2>/dev/null &
	pids="${pids:-} $!"
	i=$((i + 1))
done
# The delivery goes after them: a second for the clients to connect and
# their first bytes to reach the receiver's threads (ordering, not a
# condition waited for: sent earlier, it is only answered sooner).
sleep 1

event evt_apache_behind > "$T/good.json"
start=$(date +%s)
curl_post "$T/good.json" --max-time 60
took=$(($(date +%s) - start))
check "a signed delivery behind $SLOW slow clients: 200 ($took s)" [ "$STATUS" = 200 ]
check "within 15 s" [ "$took" -le 15 ]
check "and stored" stored evt_apache_behind
# shellcheck disable=SC2086
wait $pids
relayed=$(cat "$T"/slow.*.status | grep -c "^408$")
diag "$relayed of $SLOW slow clients got the receiver's 408, the rest Apache's 503"
check "every slow client was cut: 408 or 503" \
    '[ "$(cat "$T"/slow.*.status | grep -c "^40[8]$\|^503$")" -eq $SLOW ]'
check "Apache passed the receiver's 408 on, with its reason" \
    'grep -q "^{\"error\":\"the body did not arrive in time ([0-9]* of 60000 bytes in 7 s)\"}" "$T"/slow.*.out'
check "each logged by the receiver" \
    '[ "$(grep -c "refused 408 from 127\.0\.0\.1: the body did not arrive in time" "$T/receive.log")" -eq $SLOW ]'
check "nothing else stored" [ "$(count_files "$T/spool/events")" -eq 1 ]
done_testing
