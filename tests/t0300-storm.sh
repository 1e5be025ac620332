#!/bin/sh
# S3 exactly one: many simultaneous deliveries of one event leave one
# stored event, and every delivery is answered 200.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup
N=64

# deliver TAG BODY: one CGI delivery that starts when $T/go appears.
deliver() {
	while [ ! -e "$T/go" ]; do sleep 0.01; done
	# shellcheck disable=SC2094
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c < "$2" | tr -d ' ')" \
	    HTTP_X_HUSKY_SIGNATURE="$(sign "$2")" REMOTE_ADDR=127.0.0.1 \
	    HUSKYHOOK_CONFIG="$CONF" "$RECEIVE" < "$2" > "$T/answers/$1" \
	    2>> "$T/stderr"
}

storm() {
	rm -rf "$T/answers" "$T/go"
	mkdir "$T/answers"
	i=0
	while [ $i -lt $N ]; do
		deliver "$i" "$1" &
		i=$((i + 1))
	done
	sleep 0.5
	touch "$T/go"
	wait
}

event evt_storm > "$T/storm.json"
storm "$T/storm.json"
check "$N answers" [ "$(count_files "$T/answers")" = $N ]
check "every answer is 200" [ "$(grep -l '^Status: 200' "$T"/answers/* | wc -l)" = $N ]
check "exactly one says accepted" [ "$(grep -l '"accepted"' "$T"/answers/* | wc -l)" = 1 ]
check "the rest say duplicate" [ "$(grep -l '"duplicate"' "$T"/answers/* | wc -l)" = $((N - 1)) ]
check "exactly one stored event" [ "$(count_files "$T/spool/events")" = 1 ]
check "it is the body, byte for byte" cmp -s "$T/storm.json" "$T/spool/events/evt_storm.json"
check "exactly one pending record" [ "$(count_files "$T/spool/pending")" = 1 ]
check "nothing left in tmp/" [ "$(count_files "$T/spool/tmp")" = 0 ]

# A storm of $N different events at once: all stored, none lost.
rm -rf "$T/answers" "$T/go" "$T/bodies"
mkdir "$T/answers" "$T/bodies"
i=0
while [ $i -lt $N ]; do
	event "evt_many_$i" > "$T/bodies/$i.json"
	deliver "$i" "$T/bodies/$i.json" &
	i=$((i + 1))
done
sleep 0.5
touch "$T/go"
wait
check "$N different events: all accepted" [ "$(grep -l '"accepted"' "$T"/answers/* | wc -l)" = $N ]
check "$N more stored" [ "$(count_files "$T/spool/events")" = $((N + 1)) ]
check "$N more pending" [ "$(count_files "$T/spool/pending")" = $((N + 1)) ]
done_testing
