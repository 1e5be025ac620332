#!/bin/sh
# huskyhook send: an event signed with the config's secret and posted
# through lighttpd (the shipped FastCGI snippet) with the curl program; a
# sample made fresh; the answer printed; exit 0 only on 200.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] ||
    skip_all "lighttpd is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"

setup_hooks
hook default "printf '%s %s %s\\n' \"\$HUSKY_EVENT_ID\" \"\$HUSKY_EVENT_TYPE\" \"\$HUSKY_CREATED_AT\" >> '$T/hook.out'"
lighttpd_must_start huskyhook-fastcgi.conf

# A sample: a fresh event_id and created_at, accepted and stored.
hh send --sample call.completed "$URL" > "$T/send1" 2> "$T/send1.err"
rc=$?
check "send --sample: exit 0" [ "$rc" = 0 ]
id1=$(sed -n 's/^sample call.completed as \([^ ]*\)$/\1/p' "$T/send1")
check "send --sample names the event id it sent ($id1)" \
    'case $id1 in evt_sample_*) true ;; *) false ;; esac'
check "the receiver's answer is printed" \
    grep -qF "HTTP 200 {\"status\":\"accepted\",\"event_id\":\"$id1\"}" "$T/send1"
check "the sample is stored under its new id" stored "$id1"
created=$(meta "$id1" created_at)
age=$(($(date -u +%s) - $(date -u -d "$created" +%s)))
check "its created_at is now ($created, $age s ago)" '[ "$age" -ge 0 ] && [ "$age" -lt 60 ]'
check "the rest of the sample is the shipped one" \
    grep -q '"summary": "Customer confirmed appointment."' "$T/spool/events/$id1.json"

hh send --sample call.completed "$URL" > "$T/send2" 2>&1
id2=$(sed -n 's/^sample call.completed as \([^ ]*\)$/\1/p' "$T/send2")
check "a second sample of the same type is another event ($id2)" \
    '[ -n "$id2" ] && [ "$id2" != "$id1" ] && stored "$id2"'
for t in call.initiated call.answered call.failed call.disallowed; do
	hh send --sample "$t" "$URL" > "$T/send-$t" 2>&1
	check "send --sample $t: 200" grep -q '^HTTP 200 {"status":"accepted"' "$T/send-$t"
done

# The hooks run for them as for any delivery.
hh run > "$T/run.out" 2>&1
check "run runs the hook for each sample sent (6)" [ "$(wc -l < "$T/hook.out")" = 6 ]
check "the hook sees the sample's own id and type" grep -q "^$id1 call.completed " "$T/hook.out"

# A file, and stdin.
event evt_send_file > "$T/file.json"
hh send "$URL" "$T/file.json" > "$T/send3" 2>&1
rc=$?
check "send URL FILE: 200, stored" '[ $rc = 0 ] && stored evt_send_file'
hh send "$URL" "$T/file.json" > "$T/send4" 2>&1
rc=$?
check "the same again: 200 duplicate, exit 0" \
    '[ $rc = 0 ] && grep -q "^HTTP 200 {\"status\":\"duplicate\"" "$T/send4"'
event evt_send_stdin | hh send "$URL" > "$T/send5" 2>&1
check "send URL < FILE: stored" stored evt_send_stdin

# Not 200: the answer printed, exit 1.
hh send "$URL" "$top_srcdir/examples/events/call.completed.json" > "$T/send6" 2>&1
rc=$?
check "the shipped sample as it is: 400 older than max_age, exit 1" \
    '[ $rc = 1 ] && grep -q "^HTTP 400 .*older than max_age" "$T/send6"'
echo other-secret > "$T/other.secret"
event evt_send_forged > "$T/forged.json"
hh send -s "$T/other.secret" "$URL" "$T/forged.json" > "$T/send7" 2>&1
rc=$?
check "signed with another secret (-s): 401, exit 1, not stored" \
    '[ $rc = 1 ] && grep -q "^HTTP 401 .*does not match" "$T/send7" && ! stored evt_send_forged'
hh send "http://127.0.0.1:$LIGHTTPD_PORT/nothing-here" "$T/forged.json" > "$T/send8" 2>&1
rc=$?
check "a 404 of the server's: printed, exit 1" '[ $rc = 1 ] && grep -q "^HTTP 404$" "$T/send8" && grep -q "<title>404" "$T/send8"'

# The signature never is on curl's command line: a curl first in PATH
# that writes down its arguments, then is the real one.
mkdir -p "$T/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >> "%s"\nexec %s "$@"\n' "$T/curl-args" \
    "$(command -v curl)" > "$T/bin/curl"
chmod 755 "$T/bin/curl"
event evt_send_ps > "$T/ps.json"
PATH=$T/bin:$PATH hh send "$URL" "$T/ps.json" > "$T/send9" 2>&1
check "through the recording curl: 200" grep -q '^HTTP 200 ' "$T/send9"
check "curl's command line has the URL but not the signature" \
    'grep -qF "$URL" "$T/curl-args" && ! grep -qF "$(sign "$T/ps.json")" "$T/curl-args"'

lighttpd_stop
hh send "$URL" "$T/file.json" > "$T/send10" 2> "$T/send10.err"
rc=$?
check "nothing listening: exit 1, curl's reason said" \
    '[ $rc = 1 ] && grep -q "^huskyhook: no answer from" "$T/send10.err" && grep -q "^curl: " "$T/send10.err"'

hh send --sample call.nope "$URL" > /dev/null 2> "$T/send11.err"
rc=$?
check "an unknown sample type: exit 2, the types named" \
    '[ $rc = 2 ] && grep -q "call.disallowed" "$T/send11.err"'
hh send ftp://example.org/ "$T/file.json" > /dev/null 2>&1
check "a URL that is not http(s): exit 2" [ $? = 2 ]
hh send -- -K/etc/passwd "$T/file.json" > /dev/null 2>&1
check "a URL curl could take for an option: exit 2" [ $? = 2 ]

done_testing
