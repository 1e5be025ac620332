#!/bin/sh
# The real path: lighttpd on a loopback port, the receiver under
# mod_fastcgi and under mod_cgi, using the shipped lighttpd/ files.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
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

	# The vendor doc's sample, as its own curl line sends it (-d keeps
	# the literal body), signed with its own openssl line.
	PAYLOAD=$(cat "$top_srcdir/tests/data/call-completed.json")
	# The vendor doc\'s line, as it is written there.
	# shellcheck disable=SC3037
	doc_sig=$(echo -n "$PAYLOAD" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
	STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -X POST "$URL" \
	    -H "Content-Type: application/json" \
	    -H "X-Husky-Signature: $doc_sig" -d "$PAYLOAD")
	check "$mode: the vendor's sample: 200" [ "$STATUS" = 200 ]
	check "$mode: answered accepted" grep -q '"accepted","event_id":"evt_test123"' "$T/out"
	printf '%s' "$PAYLOAD" > "$T/payload"
	check "$mode: stored byte for byte" cmp -s "$T/payload" "$T/spool/events/evt_test123.json"

	# The whole openssl output line pasted into the header still works.
	event evt_pasted > "$T/pasted.json"
	SIG=$(openssl dgst -sha256 -hmac "$SECRET" < "$T/pasted.json") curl_post "$T/pasted.json"
	check "$mode: openssl's whole output line as the header: 200" [ "$STATUS" = 200 ]

	curl_post "$T/payload"
	check "$mode: redelivery: 200 duplicate" sh -c "[ '$STATUS' = 200 ] && grep -q duplicate '$T/out'"

	event evt_bad > "$T/bad.json"
	SIG=$(sign "$T/bad.json" wrong) curl_post "$T/bad.json"
	check "$mode: bad signature: 401" [ "$STATUS" = 401 ]
	check "$mode: 401 is JSON" grep -q '"error"' "$T/out"
	check "$mode: nothing stored for it" [ ! -e "$T/spool/events/evt_bad.json" ]

	STATUS=$(curl -s -o "$T/out" -D "$T/headers" -w '%{http_code}' "$URL")
	check "$mode: GET: 405" [ "$STATUS" = 405 ]
	check "$mode: 405 carries Allow: POST" grep -qi '^Allow: POST' "$T/headers"

	head -c 2000000 /dev/zero | tr '\0' 'a' > "$T/huge.json"
	curl_post "$T/huge.json"
	check "$mode: 2 MB body: 413" [ "$STATUS" = 413 ]

	# Duplicate storm through the server.
	event evt_storm > "$T/storm.json"
	sig=$(sign "$T/storm.json")
	seq 1 50 | xargs -P 25 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
	    -X POST -H 'Content-Type: application/json' \
	    -H "X-Husky-Signature: $sig" --data-binary "@$T/storm.json" \
	    "$URL" > "$T/storm.codes"
	check "$mode: 50 concurrent deliveries all 200" [ "$(grep -c '^200$' "$T/storm.codes")" = 50 ]
	check "$mode: one stored event from the storm" [ "$(find "$T/spool/events" -name 'evt_storm*' | wc -l)" = 1 ]

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
done_testing
