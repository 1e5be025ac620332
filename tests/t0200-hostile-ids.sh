#!/bin/sh
# Hostile event ids, correctly signed: 400, and nothing created anywhere.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup
# The spool sits deep inside $T, so that any escape upwards by the ids
# below would still land inside $T, where the snapshot sees it.
mv "$T/spool" "$T/spool.tmp"
mkdir -p "$T/deep/er"
mv "$T/spool.tmp" "$T/deep/er/spool"
sed -i "s#^spool = .*#spool = $T/deep/er/spool#" "$CONF"
mkdir -p "$T/deep/er/spool/events"

# Every path under the test's parent, but the files the test itself writes.
snapshot() {
	find "$T" | grep -v -e '/out$' -e '/stderr$' -e '/receive.log$' \
	    -e '/body.json$' -e '\.lst$' | LC_ALL=C sort
}

long=$(printf 'a%.0s' $(seq 1 129))
max=$(printf 'b%.0s' $(seq 1 128))
for id in '../x' '../../etc/evil' '../../../../x' 'a/b' '.x' '' "$long" 'é' 'x\u0000y' \
    '\u002e\u002e/x' 'x\ny' ' x' 'x ' '-x' '_x' 'a b' 'x;y' '%2e%2e' \
    '\u0000'; do
	printf '{"event_id":"%s","event_type":"call.completed","created_at":"%s","org_id":"o","data":{}}' "$id" "$(now_utc)" > "$T/body.json"
	snapshot > "$T/before.lst"
	post "$T/body.json"
	snapshot > "$T/after.lst"
	created=$(LC_ALL=C comm -13 "$T/before.lst" "$T/after.lst")
	check "event_id '$id': 400" [ "$STATUS" = 400 ]
	check "event_id '$id': nothing created" [ -z "$created" ]
	[ -z "$created" ] || diag "$created"
done

# An id of another JSON type.
for v in 5 null true '["x"]' '{"a":1}'; do
	printf '{"event_id":%s,"event_type":"call.completed","created_at":"%s","org_id":"o","data":{}}' "$v" "$(now_utc)" > "$T/body.json"
	post "$T/body.json"
	check "event_id $v: 400" [ "$STATUS" = 400 ]
done

# The longest allowed id is fine.
printf '{"event_id":"%s","event_type":"call.completed","created_at":"%s","org_id":"o","data":{}}' "$max" "$(now_utc)" > "$T/body.json"
post "$T/body.json"
check "128-character event_id: 200" [ "$STATUS" = 200 ]
check "stored under its name" [ -f "$T/deep/er/spool/events/$max.json" ]

check "events/ holds only that one" [ "$(count_files "$T/deep/er/spool/events")" = 1 ]
check "nothing left in tmp/" [ "$(count_files "$T/deep/er/spool/tmp")" = 0 ]
done_testing
