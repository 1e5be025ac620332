#!/bin/sh
# Caddy, started by the test with the shipped caddy/Caddyfile (its site
# address and socket filled in, certificates and the admin endpoint off),
# in front of the receiver under spawn-fcgi: the checks every server
# setup makes, each way a sender may send (a chunked body reaches the
# receiver as CONTENT_LENGTH=-1), a delivery without a Content-Type, the
# spellings beside the endpoint, and a misconfigured receiver's reason.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
# shellcheck source=tests/through-server.sh
. "${top_srcdir:-.}/tests/through-server.sh"
command -v caddy > /dev/null || skip_all "caddy is not installed"
command -v spawn-fcgi > /dev/null || skip_all "spawn-fcgi is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"

setup
write_conf "max_age = 0"
[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
spawn_receiver "$RECEIVE"
check "spawn-fcgi starts the receiver" [ -n "$SPAWN_PID" ]
sed "s#reverse_proxy unix/[^ ]*#reverse_proxy unix/$SOCKET#" \
    "$top_srcdir/caddy/Caddyfile" > "$T/Caddyfile"
if ! caddy_start "$T/Caddyfile"; then
	not_ok "Caddy starts"
	tail -n 20 "$T/caddy/caddy.log" | sed 's/^/# /'
	done_testing
	exit 1
fi
ok "Caddy starts with caddy/Caddyfile"
check "Caddy asks for no certificate" '! grep -qi "obtain\\|acme" "$T/caddy/caddy.log"'

check_through_server caddy
check_http_ways caddy
check "caddy: the chunked body came as CONTENT_LENGTH -1 and was read to its end" \
    '! grep -q "Content-Length is not a number" "$T/receive.log"'

# No Content-Type: Caddy would say x-www-form-urlencoded; the Caddyfile
# says JSON.
event evt_untyped > "$T/untyped.json"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -X POST -H 'Content-Type:' \
    -H "X-Husky-Signature: $(sign "$T/untyped.json")" --data-binary "@$T/untyped.json" "$URL")
check "caddy: a delivery without a Content-Type: 200 accepted" '[ "$STATUS" = 200 ] && stored evt_untyped'
event evt_texttype > "$T/texttype.json"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -X POST -H 'Content-Type: text/plain' \
    -H "X-Husky-Signature: $(sign "$T/texttype.json")" --data-binary "@$T/texttype.json" "$URL")
check "caddy: one with another Content-Type: still 415" [ "$STATUS" = 415 ]

# A config that does not load. Caddy 2.6 drops the FastCGI error stream
# (capture_stderr works from 2.7 on): the reason is in Caddy's log there,
# else in the receiver's own standard error, as the Caddyfile says.
spawn_stop
rm -f "$SOCKET"
set -- -n -s "$SOCKET" -M 0600
[ "$(id -u)" = 0 ] && set -- "$@" -U "$APACHE_USER" -u "$APACHE_USER"
HUSKYHOOK_CONFIG=$T/missing.conf spawn-fcgi "$@" -- "$RECEIVE" 2>> "$T/receive.stderr" &
SPAWN_PID=$!
wait_socket() { [ -S "$SOCKET" ]; }
i=0
while [ $i -lt 50 ] && ! wait_socket; do sleep 0.1; i=$((i + 1)); done
event evt_broken > "$T/broken.json"
curl_post "$T/broken.json"
check "caddy: a receiver whose config is missing: 500" [ "$STATUS" = 500 ]
check "caddy: and its reason is in Caddy's log or the receiver's stderr" \
    'grep -q "huskyhook-receive: error: $T/missing.conf: No such file or directory" "$T/caddy/caddy.log" "$T/receive.stderr"'
caddy_stop
spawn_stop
done_testing
