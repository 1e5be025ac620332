# Shared checks, not helpers: what t0600 (lighttpd) and t0610 (Apache)
# check of every web server setup they start. Sourced after tests/lib.sh
# and tests/servers.sh.
# top_srcdir and the rest are set by tests/lib.sh.
# shellcheck shell=sh disable=SC2154

# check_through_server MODE: what every web server setup must get right
# at $URL: the vendor doc's sample, sent as its own curl line sends it and
# signed with its own openssl line (200 accepted, stored byte for byte),
# its redelivery, a bad signature, a GET, a body over max_body. Test
# points named "MODE: ..."; leaves $STATUS and $T/out as the last request
# did.
check_through_server() {
	cts_mode=$1
	cts_payload=$(cat "$top_srcdir/tests/data/call-completed.json")
	# The vendor doc's line, as it is written there.
	# shellcheck disable=SC3037
	cts_sig=$(echo -n "$cts_payload" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
	STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -X POST "$URL" \
	    -H "Content-Type: application/json" \
	    -H "X-Husky-Signature: $cts_sig" -d "$cts_payload")
	check "$cts_mode: the vendor's sample: 200 accepted" \
	    '[ "$STATUS" = 200 ] && grep -q "\"accepted\",\"event_id\":\"evt_test123\"" "$T/out"'
	printf '%s' "$cts_payload" > "$T/payload"
	check "$cts_mode: stored byte for byte" cmp -s "$T/payload" "$T/spool/events/evt_test123.json"
	curl_post "$T/payload"
	check "$cts_mode: redelivery: 200 duplicate" '[ "$STATUS" = 200 ] && grep -q duplicate "$T/out"'

	event evt_bad > "$T/bad.json"
	SIG=$(sign "$T/bad.json" wrong) curl_post "$T/bad.json"
	check "$cts_mode: bad signature: 401" [ "$STATUS" = 401 ]
	check "$cts_mode: 401 is JSON" grep -q '"error"' "$T/out"
	check "$cts_mode: nothing stored for it" [ ! -e "$T/spool/events/evt_bad.json" ]

	STATUS=$(curl -s -o "$T/out" -D "$T/headers" -w '%{http_code}' "$URL")
	check "$cts_mode: GET: 405" [ "$STATUS" = 405 ]
	check "$cts_mode: 405 carries Allow: POST" grep -qi '^Allow: POST' "$T/headers"

	head -c 2000000 /dev/zero | tr '\0' 'a' > "$T/huge.json"
	curl_post "$T/huge.json"
	check "$cts_mode: 2 MB body: 413" [ "$STATUS" = 413 ]
}
