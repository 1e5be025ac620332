#!/bin/sh
# JSONTestSuite (tests/data/JSONTestSuite, MIT): every file, correctly
# signed and posted as a body, is answered 400 — none is a complete
# HuskyVoice event — never 200, never 5xx, never a crash or a hang.
# y_ files must get past the JSON parser (they are valid JSON), n_ files
# must not.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup
write_conf "max_body = 64M"
# A hang fails the test instead of stopping it.
RUN_AS="timeout 10"
dir=$top_srcdir/tests/data/JSONTestSuite/test_parsing
total=0
bad=0
for f in "$dir"/*.json; do
	total=$((total + 1))
	name=$(basename "$f")
	post "$f"
	if [ "$STATUS" != 400 ]; then
		bad=$((bad + 1))
		diag "$name: answered '${STATUS:-nothing}'"
		continue
	fi
	case $name in
	n_*)
		# Refused as JSON, not later as an event.
		answer | grep -q 'not valid JSON\|not a JSON object\|body is empty\|NUL byte' ||
		    { bad=$((bad + 1)); diag "$name: $(answer)"; } ;;
	y_*)
		answer | grep -q 'not valid JSON' &&
		    { bad=$((bad + 1)); diag "$name: valid JSON refused as invalid: $(answer)"; } ;;
	esac
done
check "$total JSONTestSuite files: all answered 400, for the right reason" [ "$bad" = 0 ]
check "none of them stored" [ "$(count_files "$T/spool/events")" = 0 ]
check "nothing left in tmp/" [ "$(count_files "$T/spool/tmp")" = 0 ]
done_testing
