#!/bin/sh
# The receiver itself, as CGI and as FastCGI (spawn-fcgi, with
# tests/fcgipost as the server): a body without a usable CONTENT_LENGTH
# (none, empty, or the -1 Caddy passes for a chunked body) is read to the
# end of the FastCGI stream, up to max_body, and refused 411 under CGI; a leading
# UTF-8 byte order mark is signed with the body and neither parsed nor
# stored; under FastCGI what the receiver logs for a request reaches the
# server on the request's error stream, and a request's HUSKYHOOK_CONFIG
# is said to be ignored, once.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup
write_conf "max_age = 0" "max_body = 2000"

# CGI: no length is 411, with a reason that says why.
event evt_cgi > "$T/cgi.json"
for cl in -1 ''; do
	post "$T/cgi.json" CONTENT_LENGTH="$cl"
	check "CGI, CONTENT_LENGTH='$cl': 411" [ "$STATUS" = 411 ]
	check "CGI, CONTENT_LENGTH='$cl': the reason names the missing length" \
	    'answer | grep -q "Content-Length is required: the server passed this body to the CGI program without its length"'
done
cgi_sig=$(sign "$T/cgi.json")
env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
    ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
    HTTP_X_HUSKY_SIGNATURE="$cgi_sig" HUSKYHOOK_CONFIG="$CONF" \
    "$RECEIVE" < "$T/cgi.json" > "$T/out" 2>> "$T/stderr"
check "CGI, no CONTENT_LENGTH: 411" grep -q '^Status: 411' "$T/out"
check "CGI: nothing stored without a length" [ ! -e "$T/spool/events/evt_cgi.json" ]

# A byte order mark: signed with the body, the JSON after it parsed and
# stored.
event evt_bom > "$T/plain.json"
{ printf '\357\273\277'; cat "$T/plain.json"; } > "$T/bom.json"
SIG=$(sign "$T/plain.json") post "$T/bom.json"
check "BOM, signed without it: 401" [ "$STATUS" = 401 ]
post "$T/bom.json"
check "BOM, signed with it: 200 accepted" '[ "$STATUS" = 200 ] && answer | grep -q "\"accepted\",\"event_id\":\"evt_bom\""'
check "BOM: the stored event is the JSON after it" cmp -s "$T/plain.json" "$T/spool/events/evt_bom.json"
post "$T/plain.json"
check "the same event without the BOM: 200 duplicate" '[ "$STATUS" = 200 ] && answer | grep -q duplicate'
{ printf '\357\273\277\357\273\277'; cat "$T/plain.json"; } > "$T/bom2.json"
post "$T/bom2.json"
check "two BOMs: 400" [ "$STATUS" = 400 ]

command -v spawn-fcgi > /dev/null || { skip "spawn-fcgi is not installed"; done_testing; exit; }
FCGIPOST=$top_builddir/tests/fcgipost
sockdir
SOCKET=$SOCKDIR/receive.sock
: > "$T/receive.log"

# spawn CONF: the receiver under spawn-fcgi on $SOCKET, its config CONF
# and its stderr /dev/null (as spawn-fcgi leaves it).
spawn() {
	[ -f "$T/spawn.pid" ] && kill "$(cat "$T/spawn.pid")" 2>/dev/null
	rm -f "$SOCKET" "$T/spawn.pid"
	HUSKYHOOK_CONFIG=$1 spawn-fcgi -s "$SOCKET" -P "$T/spawn.pid" -- \
	    "$RECEIVE" > /dev/null 2>&1
}

# fcgi FILE [VAR=VALUE...]: FILE posted to the receiver on $SOCKET by
# tests/fcgipost (all of it, whatever CONTENT_LENGTH says), signed unless
# SIG is set; the answer in $T/out, what the receiver sent on the error
# stream in $T/err, the status in $STATUS.
fcgi() {
	fcgi_body=$1
	shift
	fcgi_sig=${SIG-$(sign "$fcgi_body")}
	"$FCGIPOST" "$SOCKET" REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    HTTP_X_HUSKY_SIGNATURE="$fcgi_sig" \
	    REMOTE_ADDR=192.0.2.9 "$@" < "$fcgi_body" > "$T/out" 2> "$T/err"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}

spawn "$CONF" || { not_ok "spawn-fcgi starts the receiver"; done_testing; exit 1; }
ok "spawn-fcgi starts the receiver"
n=0
for cl in none '' -1; do
	n=$((n + 1))
	event "evt_fcgi$n" > "$T/f$n.json"
	if [ "$cl" = none ]; then fcgi "$T/f$n.json"; else fcgi "$T/f$n.json" "CONTENT_LENGTH=$cl"; fi
	check "FastCGI, CONTENT_LENGTH $cl: 200 accepted" '[ "$STATUS" = 200 ] && answer | grep -q accepted'
	check "FastCGI, CONTENT_LENGTH $cl: stored byte for byte" cmp -s "$T/f$n.json" "$T/spool/events/evt_fcgi$n.json"
done
# Past max_body with no length: 413 once max_body bytes are in, nothing
# stored.
{ printf '{"event_id":"evt_fbig","pad":"'; head -c 5000 /dev/zero | tr '\0' a; printf '"}'; } > "$T/fbig.json"
fcgi "$T/fbig.json" CONTENT_LENGTH=-1
check "FastCGI, -1 and a body past max_body: 413" '[ "$STATUS" = 413 ] && answer | grep -q "larger than max_body (2000 bytes)"'
check "FastCGI: nothing stored for it" '[ ! -e "$T/spool/events/evt_fbig.json" ] && [ -z "$(ls "$T/spool/tmp")" ]'
head -c 2000 "$T/fbig.json" > "$T/f2000.json"
SIG=$(sign "$T/f2000.json") fcgi "$T/f2000.json" CONTENT_LENGTH=-1
check "FastCGI, -1 and max_body bytes exactly: read whole, refused as JSON (400), not 413" [ "$STATUS" = 400 ]

# What the receiver logs for a request is on the error stream too.
SIG=0000 fcgi "$T/f1.json"
check "FastCGI: a refusal is on the request's error stream" \
    'grep -q "^huskyhook-receive: warning: refused 401 from 192.0.2.9: X-Husky-Signature holds no" "$T/err"'
check "FastCGI: and in the configured log" grep -q 'refused 401 from 192.0.2.9' "$T/receive.log"
# A request's HUSKYHOOK_CONFIG is not this receiver's: said once.
fcgi "$T/f1.json" HUSKYHOOK_CONFIG=/elsewhere/huskyhook.conf
check "FastCGI: a request's other HUSKYHOOK_CONFIG: still this config's answer (duplicate)" '[ "$STATUS" = 200 ] && answer | grep -q duplicate'
check "FastCGI: it is said to be ignored, naming where the config comes from" \
    'grep -q "ignoring the request parameter HUSKYHOOK_CONFIG=/elsewhere/huskyhook.conf: a FastCGI receiver.s config is $CONF, from HUSKYHOOK_CONFIG in its environment" "$T/err"'
fcgi "$T/f1.json" HUSKYHOOK_CONFIG=/elsewhere/huskyhook.conf
check "FastCGI: once only" '! grep -q HUSKYHOOK_CONFIG "$T/err" && [ "$(grep -c "ignoring the request parameter" "$T/receive.log")" = 1 ]'
fcgi "$T/f1.json" HUSKYHOOK_CONFIG="$CONF"
check "FastCGI: the same HUSKYHOOK_CONFIG as its own: nothing said" '! grep -q HUSKYHOOK_CONFIG "$T/err"'

# Misconfigured, its stderr /dev/null: the reason reaches the server.
spawn "$T/missing.conf"
fcgi "$T/f1.json"
check "FastCGI, config missing: 500" [ "$STATUS" = 500 ]
check "FastCGI, config missing: the reason is on the error stream" \
    'grep -q "^huskyhook-receive: error: $T/missing.conf: No such file or directory" "$T/err"'
fcgi "$T/f1.json"
check "FastCGI, config missing: on every request's" grep -q 'missing.conf: No such file' "$T/err"
kill "$(cat "$T/spawn.pid")"
rm -rf "$SOCKDIR"
done_testing
