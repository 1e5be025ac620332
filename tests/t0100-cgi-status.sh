#!/bin/sh
# The receiver driven as CGI gives every answer huskyhook-receive(8)
# lists.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup

event evt_ok > "$T/ok.json"

post "$T/ok.json"
check "valid event: 200" [ "$STATUS" = 200 ]
check "answer says accepted" [ "$(answer)" = '{"status":"accepted","event_id":"evt_ok"}' ]
check "answer is JSON, not cached" grep -q '^Content-Type: application/json' "$T/out"
check "Cache-Control: no-store" grep -q '^Cache-Control: no-store' "$T/out"
check "stored byte for byte" cmp -s "$T/ok.json" "$T/spool/events/evt_ok.json"
check "pending meta records the receipt time" grep -q '^received_at=20[0-9-]*T' "$T/spool/pending/evt_ok"
check "pending meta records remote_addr" grep -q '^remote_addr=192.0.2.7$' "$T/spool/pending/evt_ok"
check "tmp/ is empty after commit" [ "$(count_files "$T/spool/tmp")" = 0 ]
check "stored file is not readable by others (umask 077)" [ "$(stat -c %a "$T/spool/events/evt_ok.json")" = 600 ]

post "$T/ok.json"
check "redelivery: 200 duplicate" '[ "$STATUS" = 200 ] && [ "$(answer)" = "{\"status\":\"duplicate\",\"event_id\":\"evt_ok\"}" ]'
check "still one stored event" [ "$(count_files "$T/spool/events")" = 1 ]

# Same id, different body: duplicate, stored copy kept, a warning logged.
event evt_ok call.failed > "$T/changed.json"
post "$T/changed.json"
check "same id, other body: 200 duplicate" [ "$STATUS" = 200 ]
check "the stored copy is kept" cmp -s "$T/ok.json" "$T/spool/events/evt_ok.json"
check "a different body is logged" grep -q 'evt_ok.*different body' "$T/receive.log"
check "an identical redelivery was not" [ "$(grep -c 'evt_ok.*different body' "$T/receive.log")" = 1 ]
sed 's/"org_abc_123"/"org_abc_124"/' "$T/ok.json" > "$T/samesize.json"
post "$T/samesize.json"
check "same id, other body of the same size: 200 duplicate, logged" \
    '[ "$STATUS" = 200 ] && [ "$(grep -c "evt_ok.*different body" "$T/receive.log")" = 2 ]'

# Content-Type with a parameter is fine; absent is fine.
event evt_ct > "$T/ct.json"
post "$T/ct.json" CONTENT_TYPE='application/json; charset=utf-8'
check "application/json with charset: 200" [ "$STATUS" = 200 ]
event evt_noct > "$T/noct.json"
post "$T/noct.json" CONTENT_TYPE=
check "no Content-Type: 200" [ "$STATUS" = 200 ]

# 405
post "$T/ok.json" REQUEST_METHOD=GET
check "GET: 405" [ "$STATUS" = 405 ]
check "405 carries Allow: POST" grep -q '^Allow: POST' "$T/out"

# 415
post "$T/ok.json" CONTENT_TYPE=text/plain
check "text/plain: 415" [ "$STATUS" = 415 ]
post "$T/ok.json" CONTENT_TYPE=application/jsonx
check "application/jsonx: 415" [ "$STATUS" = 415 ]

# 411, 413, 400 on length
post "$T/ok.json" CONTENT_LENGTH=
check "no Content-Length: 411" [ "$STATUS" = 411 ]
post "$T/ok.json" CONTENT_LENGTH=-5
check "negative Content-Length: 400" [ "$STATUS" = 400 ]
post "$T/ok.json" CONTENT_LENGTH=99999999999999999999999
check "huge Content-Length: 413" [ "$STATUS" = 413 ]
write_conf "max_body = 100"
post "$T/ok.json"
check "body over max_body: 413" [ "$STATUS" = 413 ]
check "413 names max_body" 'answer | grep -q max_body'
write_conf
post "$T/ok.json" CONTENT_LENGTH=5000
check "body shorter than Content-Length: 400" [ "$STATUS" = 400 ]

# 401
SIG="" post "$T/ok.json"
check "no signature: 401" '[ "$STATUS" = 401 ] && answer | grep -q missing'
SIG=not-hex post "$T/ok.json"
check "malformed signature: 401" [ "$STATUS" = 401 ]
SIG=$(sign "$T/ok.json" wrong-secret) post "$T/ok.json"
check "wrong secret: 401" '[ "$STATUS" = 401 ] && answer | grep -q "does not match"'
SIG=$(sign "$T/ok.json" | tr a-f A-F) post "$T/ok.json"
check "upper-case hex: 200" [ "$STATUS" = 200 ]
SIG="sha256=$(sign "$T/ok.json")" post "$T/ok.json"
check "sha256= prefix: 200" [ "$STATUS" = 200 ]

# 400 on the body
printf '{"event_id":' > "$T/bad.json"
post "$T/bad.json"
check "truncated JSON: 400" '[ "$STATUS" = 400 ] && answer | grep -q "not valid JSON"'
printf '{"event_id":"e1","event_type":"call.completed","created_at":"%s","org_id":"o","data":[]}' "$(now_utc)" > "$T/bad.json"
post "$T/bad.json"
check "data not an object: 400" '[ "$STATUS" = 400 ] && answer | grep -q "data is not an object"'
# An org_id of terminal escapes (clear screen, set the window title)
# never reaches a meta file, a log or a terminal.
printf '{"event_id":"evt_org_esc","event_type":"call.completed","created_at":"%s","org_id":"\\u001b[2J\\u001b]0;owned\\u0007","data":{}}' "$(now_utc)" > "$T/bad.json"
post "$T/bad.json"
answer > "$T/answer"
check "org_id of terminal escapes: 400" [ "$STATUS" = 400 ]
check "the reason names org_id's pattern" grep -q 'org_id must match \[A-Za-z0-9\]' "$T/answer"
check "nothing stored for it" '[ ! -e "$T/spool/events/evt_org_esc.json" ] && [ ! -e "$T/spool/pending/evt_org_esc" ]'
check "no escape in the log" '! grep -q "$(printf "\033")" "$T/receive.log" "$T/stderr"'
printf '{"event_id":"evt_nul_name","event_type":"call.completed","created_at":"%s","org_id":"org_abc_123","data":{"safe":"1"},"data\\u0000x":{"evil":"2"}}' "$(now_utc)" > "$T/bad.json"
post "$T/bad.json"
answer > "$T/answer"
check "a member name with \\u0000: 400" [ "$STATUS" = 400 ]
check "the reason says so" grep -q 'member name holds' "$T/answer"
check "nothing stored for refused bodies" [ "$(count_files "$T/spool/events")" = 3 ]

# The vendor doc's June sample is older than max_age.
post "$top_srcdir/tests/data/call-completed.json"
check "vendor sample, 3d max_age: 400" [ "$STATUS" = 400 ]
check "the reason names max_age" 'answer | grep -q "created_at is older than max_age (3d)"'
write_conf "max_age = 0"
post "$top_srcdir/tests/data/call-completed.json"
check "vendor sample with max_age = 0: 200" [ "$STATUS" = 200 ]

# 403: HTTPS and org
write_conf "require_https = yes"
event evt_https > "$T/https.json"
post "$T/https.json"
check "plain HTTP with require_https: 403" [ "$STATUS" = 403 ]
post "$T/https.json" HTTPS=on
check "HTTPS=on with require_https: 200" [ "$STATUS" = 200 ]
write_conf "org_id = org_other"
event evt_org > "$T/org.json"
post "$T/org.json"
check "org not allowed: 403" [ "$STATUS" = 403 ]
write_conf "org_id = org_other" "org_id = org_abc_123"
post "$T/org.json"
check "org allowed by a second org_id line: 200" [ "$STATUS" = 200 ]

# 500: config broken; the reason goes to the log, not the answer.
write_conf "bogus_key = 1"
post "$T/ok.json"
check "broken config: 500" [ "$STATUS" = 500 ]
check "500 does not say why" '! grep -q bogus "$T/out"'
check "the log names file and line" grep -q "huskyhook.conf:4: unknown key 'bogus_key'" "$T/stderr"
post "$T/ok.json" HUSKYHOOK_CONFIG="$T/nonexistent.conf"
check "missing config: 500" [ "$STATUS" = 500 ]

# 503: no spool directory.
write_conf
sed -i "s#^spool = .*#spool = $T/nospool#" "$CONF"
event evt_nospool > "$T/nospool.json"
post "$T/nospool.json"
check "spool missing: 503" [ "$STATUS" = 503 ]
check "503 carries Retry-After" grep -q '^Retry-After: [0-9]' "$T/out"

# Every refusal is logged with the address; the secret never is.
check "refusals logged with REMOTE_ADDR" grep -q 'refused 401 from 192.0.2.7' "$T/receive.log"
check "refusals logged with the event id when known" grep -q 'refused 403 from 192.0.2.7 event evt_org' "$T/receive.log"
check "the secret is in no log and no answer" '! grep -rq "$SECRET" "$T/receive.log" "$T/stderr" "$T/out"'

# Options work outside a request only.
check "--version" '"$RECEIVE" --version | grep -q "^huskyhook-receive "'
check "an unknown option exits 2" '"$RECEIVE" --frob > /dev/null; [ $? = 2 ]'

done_testing
