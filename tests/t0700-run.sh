#!/bin/sh
# huskyhook run hands events to real hook scripts: what a hook sees (env,
# stdin) for each event type, default hooks, ordering, silence, dedupe.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks "hook_path = /usr/bin:/bin"

# A hook that records everything it was given.
for t in call.initiated call.answered call.completed call.failed call.disallowed; do
	hook "$t" 'env | LC_ALL=C sort > "$HUSKY_EVENT_ID.env"; cat > "$HUSKY_EVENT_ID.stdin"; cat "$HUSKY_EVENT_FILE" > "$HUSKY_EVENT_ID.file"; pwd > "$HUSKY_EVENT_ID.pwd"'
done
i=0
for t in call.initiated call.answered call.completed call.failed call.disallowed; do
	i=$((i + 1))
	deliver "evt_env_$i" "$t"
	cp "$T/deliver.json" "$T/sent_$i.json"
done
FOO=must-not-leak HOME=/home/test-home hh run > "$T/run.out" 2>&1
check "run with every hook succeeding prints nothing" [ ! -s "$T/run.out" ]
i=0
for t in call.initiated call.answered call.completed call.failed call.disallowed; do
	i=$((i + 1))
	e=$T/hooks/evt_env_$i.env
	check "$t: the hook ran" [ -f "$e" ]
	check "$t: stdin is the exact stored body" cmp -s "$T/sent_$i.json" "$T/hooks/evt_env_$i.stdin"
	check "$t: HUSKY_EVENT_ID" grep -qx "HUSKY_EVENT_ID=evt_env_$i" "$e"
	check "$t: HUSKY_EVENT_TYPE" grep -qx "HUSKY_EVENT_TYPE=$t" "$e"
	check "$t: HUSKY_CREATED_AT" grep -qx "HUSKY_CREATED_AT=$(sed 's/.*"created_at":"\([^"]*\)".*/\1/' "$T/sent_$i.json")" "$e"
	check "$t: HUSKY_RECEIVED_AT is a UTC time" grep -qE '^HUSKY_RECEIVED_AT=20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z$' "$e"
	check "$t: HUSKY_ORG_ID" grep -qx "HUSKY_ORG_ID=org_abc_123" "$e"
	check "$t: HUSKY_EVENT_FILE names the body run checked" grep -qx "HUSKY_EVENT_FILE=/dev/fd/4" "$e"
	check "$t: read after stdin, it is the whole stored body" cmp -s "$T/sent_$i.json" "$T/hooks/evt_env_$i.file"
	check "$t: HUSKY_ATTEMPT=1" grep -qx "HUSKY_ATTEMPT=1" "$e"
	check "$t: HUSKY_HOOK" grep -qx "HUSKY_HOOK=$t" "$e"
	check "$t: HUSKY_DATA_CALL_ID" grep -qx "HUSKY_DATA_CALL_ID=call_987654321" "$e"
	check "$t: HUSKY_DATA_DURATION_SECONDS" grep -qx "HUSKY_DATA_DURATION_SECONDS=124" "$e"
	check "$t: HUSKY_DATA_SUMMARY" grep -qx "HUSKY_DATA_SUMMARY=Customer confirmed appointment." "$e"
	check "$t: PATH is hook_path" grep -qx "PATH=/usr/bin:/bin" "$e"
	check "$t: HOME is kept" grep -qx "HOME=/home/test-home" "$e"
	check "$t: nothing else inherited" '! grep -q -e FOO= -e must-not-leak -e HUSKYHOOK_CONFIG "$e"'
	check "$t: the hook starts in the hooks directory" grep -qx "$T/hooks" "$T/hooks/evt_env_$i.pwd"
	check "$t: done" [ "$(state_of "evt_env_$i")" = "done" ]
done

# HUSKY_DATA_*: key mapping, types, size limit.
cat > "$T/data.json" <<EOF2
{"event_id":"evt_data","event_type":"call.completed","created_at":"$(now_utc)","org_id":"o","data":{"call-id":"x1","Mixed.Key":"v","ok":true,"n":-1.5e3,"nothing":null,"nested":{"a":1},"list":[1],"big":"$(head -c 40000 /dev/zero | tr '\0' a)","ünï":"u"}}
EOF2
post "$T/data.json"
hh run
e=$T/hooks/evt_data.env
check "data key call-id becomes HUSKY_DATA_CALL_ID" grep -qx "HUSKY_DATA_CALL_ID=x1" "$e"
check "data key Mixed.Key becomes HUSKY_DATA_MIXED_KEY" grep -qx "HUSKY_DATA_MIXED_KEY=v" "$e"
check "a boolean is given as true" grep -qx "HUSKY_DATA_OK=true" "$e"
check "a number is given as written" grep -qx "HUSKY_DATA_N=-1.5e3" "$e"
check "null, objects and arrays are left out" '! grep -q -e HUSKY_DATA_NOTHING -e HUSKY_DATA_NESTED -e HUSKY_DATA_LIST "$e"'
check "a value over 32 KiB is left out" '! grep -q HUSKY_DATA_BIG "$e"'
check "a non-ASCII key letter becomes one _" grep -qx "HUSKY_DATA__N_=u" "$e"

# default: for a type with no hook of its own.
hook default 'echo "$HUSKY_EVENT_TYPE" >> default.ran'
deliver evt_new call.brand_new
hh run
check "default runs for a type without a hook" grep -qx call.brand_new "$T/hooks/default.ran"
check "and that event is done" [ "$(state_of evt_new)" = "done" ]
rm "$T/hooks/default"
deliver evt_nohook call.other_new
hh run
check "an event with no hook at all is done" [ "$(state_of evt_nohook)" = "done" ]

# Order: created_at, not arrival.
for t in call.initiated call.answered call.completed; do
	hook "$t" 'echo "$HUSKY_EVENT_TYPE" >> order.txt'
done
base=$(date -u +%s)
deliver evt_o3 call.completed "$(date -u -d "@$((base - 20))" +%Y-%m-%dT%H:%M:%SZ)"
deliver evt_o1 call.initiated "$(date -u -d "@$((base - 60))" +%Y-%m-%dT%H:%M:%SZ)"
deliver evt_o2 call.answered "$(date -u -d "@$((base - 40))" +%Y-%m-%dT%H:%M:%SZ)"
hh run
check "dispatched in created_at order, not arrival order" \
    [ "$(tr '\n' ' ' < "$T/hooks/order.txt")" = "call.initiated call.answered call.completed " ]

# Dedupe holds after done.
post "$T/sent_3.json"
check "a redelivery of a done event is a duplicate" 'grep -q "\"duplicate\"" "$T/out"'
hh run
check "and its hook does not run again" [ "$(grep -c . "$T/hooks/order.txt")" = 3 ]
done_testing
