#!/bin/sh
# Signatures through the CGI front end: rotation with two secrets, two
# signatures in one header, a changed secret file taking effect, and the
# vendor doc's openssl line producing what the receiver accepts.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup

# The vendor doc's recipe, verbatim but for the payload and secret.
event evt_doc > "$T/doc.json"
PAYLOAD=$(cat "$T/doc.json")
# The vendor doc\'s line, as it is written there.
# shellcheck disable=SC3037
doc_sig=$(echo -n "$PAYLOAD" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
SIG=$doc_sig post "$T/doc.json"
check "the vendor doc's openssl line makes an accepted signature" [ "$STATUS" = 200 ]

# Rotation: old and new secret files both accepted.
printf 'new-secret-2\n' > "$T/secret.new"
write_conf "secret_file = $T/secret.new"
event evt_old > "$T/old.json"
event evt_new > "$T/new.json"
post "$T/old.json"
check "old secret still accepted during rotation" [ "$STATUS" = 200 ]
SIG=$(sign "$T/new.json" new-secret-2) post "$T/new.json"
check "new secret accepted" [ "$STATUS" = 200 ]

# The sender signing with both: comma, or space, separated.
event evt_both > "$T/both.json"
SIG="$(sign "$T/both.json" retired-secret),$(sign "$T/both.json" new-secret-2)" post "$T/both.json"
check "two signatures, comma separated, second matches" [ "$STATUS" = 200 ]
event evt_both2 > "$T/both2.json"
SIG="sha256=$(sign "$T/both2.json") sha256=$(sign "$T/both2.json" retired-secret)" post "$T/both2.json"
check "two signatures, space separated, first matches" [ "$STATUS" = 200 ]
event evt_none > "$T/none.json"
SIG="$(sign "$T/none.json" a),$(sign "$T/none.json" b)" post "$T/none.json"
check "two signatures, neither matches: 401" [ "$STATUS" = 401 ]

# A header of many junk tokens does not hide a good one past the cap,
# and an overlong header is refused.
long=$(printf 'x%.0s ' $(seq 1 600))
SIG="$long$(sign "$T/none.json")" post "$T/none.json"
check "an overlong signature header: 401" [ "$STATUS" = 401 ]

# A signature over a re-serialised body (what the vendor's n8n example
# does) does not match the raw bytes.
printf '{ "event_id": "evt_ws", "event_type": "call.completed", "created_at": "%s", "org_id": "o", "data": {} }' "$(now_utc)" > "$T/ws.json"
tr -d ' ' < "$T/ws.json" > "$T/ws-compact.json"
SIG=$(sign "$T/ws-compact.json") post "$T/ws.json"
check "signature of a re-serialised body: 401" [ "$STATUS" = 401 ]
post "$T/ws.json"
check "signature of the raw body: 200" [ "$STATUS" = 200 ]
check "stored body keeps its white space" cmp -s "$T/ws.json" "$T/spool/events/evt_ws.json"

# Only the new secret: the old one stops working at once.
write_conf
sed -i "s#^secret_file = .*#secret_file = $T/secret.new#" "$CONF"
event evt_after > "$T/after.json"
post "$T/after.json"
check "retired secret refused after the config change" [ "$STATUS" = 401 ]

# An inline secret works too.
write_conf "secret = inline-secret"
event evt_inline > "$T/inline.json"
SIG=$(sign "$T/inline.json" inline-secret) post "$T/inline.json"
check "inline secret accepted" [ "$STATUS" = 200 ]

check "no secret in any log" '! grep -rqe "$SECRET" -e new-secret-2 -e inline-secret "$T/receive.log" "$T/stderr"'
done_testing
