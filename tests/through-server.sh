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

# check_http_ways MODE: a signed event through $URL each way a sender's
# HTTP client may send it: chunked, with Expect: 100-continue, two on one
# kept connection, HTTP/1.0; a Content-Length over 1 MiB refused 413
# before the body is sent; the spellings beside the endpoint (/huskyhook/,
# /huskyhook/x, /HUSKYHOOK: not the receiver's, nothing stored), and
# the endpoint with a query string (/huskyhook?x), and //huskyhook: the
# endpoint or not the receiver's. Test points
# named "MODE: ...".
check_http_ways() {
	chw_mode=$1
	event evt_chunked > "$T/chunked.json"
	curl_post "$T/chunked.json" -H 'Transfer-Encoding: chunked'
	check "$chw_mode: chunked: 200 accepted, stored byte for byte" \
	    '[ "$STATUS" = 200 ] && grep -q accepted "$T/out" && cmp -s "$T/chunked.json" "$T/spool/events/evt_chunked.json"'
	event evt_continue > "$T/continue.json"
	curl_post "$T/continue.json" -H 'Expect: 100-continue' --expect100-timeout 10
	check "$chw_mode: Expect: 100-continue: 200 accepted" '[ "$STATUS" = 200 ] && grep -q accepted "$T/out"'
	event evt_keep1 > "$T/keep1.json"
	event evt_keep2 > "$T/keep2.json"
	chw_r=$(curl -s -o /dev/null -w '%{http_code} %{num_connects} ' -X POST \
	    -H 'Content-Type: application/json' \
	    -H "X-Husky-Signature: $(sign "$T/keep1.json")" --data-binary "@$T/keep1.json" "$URL" \
	    --next -s -o /dev/null -w '%{http_code} %{num_connects}' -X POST \
	    -H 'Content-Type: application/json' \
	    -H "X-Husky-Signature: $(sign "$T/keep2.json")" --data-binary "@$T/keep2.json" "$URL")
	check "$chw_mode: two deliveries on one kept connection: 200 each, one connection ($chw_r)" \
	    '[ "$chw_r" = "200 1 200 0" ] && stored evt_keep1 && stored evt_keep2'
	event evt_http10 > "$T/http10.json"
	curl_post "$T/http10.json" --http1.0
	check "$chw_mode: HTTP/1.0: 200 accepted" '[ "$STATUS" = 200 ] && stored evt_http10'
	head -c 1100000 /dev/zero | tr '\0' ' ' > "$T/over.json"
	chw_r=$(curl -s -o "$T/out" -w '%{http_code} %{size_upload}' -X POST \
	    -H 'Content-Type: application/json' -H 'Expect: 100-continue' \
	    --expect100-timeout 10 -H "X-Husky-Signature: $(sign "$T/over.json")" \
	    --data-binary "@$T/over.json" "$URL")
	check "$chw_mode: a Content-Length over 1 MiB: 413 before the body is sent ($chw_r)" \
	    [ "$chw_r" = "413 0" ]
	chw_base=${URL%/huskyhook}
	chw_n=0
	for chw_path in /huskyhook/ /huskyhook/x /HUSKYHOOK '/huskyhook?x' //huskyhook; do
		chw_n=$((chw_n + 1))
		event "evt_beside$chw_n" > "$T/beside.json"
		URL=$chw_base$chw_path curl_post "$T/beside.json" --path-as-is
		case $chw_path in
		*\?x)
			check "$chw_mode: a signed event to $chw_path, the endpoint: 200" \
			    '[ "$STATUS" = 200 ] && stored "evt_beside$chw_n"' ;;
		//*)
			# nginx and Caddy merge the slashes, h2o does not.
			check "$chw_mode: a signed event to $chw_path: $STATUS, the endpoint's 200 or not the receiver's" \
			    '{ [ "$STATUS" = 200 ] && stored "evt_beside$chw_n"; } || { ! grep -q "\"error\"" "$T/out" && ! stored "evt_beside$chw_n"; }' ;;
		*)
			check "$chw_mode: a signed event to $chw_path: $STATUS, not the receiver's, not stored" \
			    '[ "$STATUS" != 200 ] && ! grep -q "\"error\"" "$T/out" && ! stored "evt_beside$chw_n"' ;;
		esac
	done
	URL=$chw_base/huskyhook
}
