#!/bin/sh
# The man pages are well formed and describe what the programs do: every
# command of the usage message is in huskyhook(1), every config key the
# reader knows is in huskyhook.conf(5).
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup
MAN=$top_srcdir/man

if command -v mandoc > /dev/null; then
	for page in huskyhook.1 huskyhook.conf.5 huskyhook-receive.8 huskyhook-status.8; do
		check "$page: mandoc -Tlint finds nothing" 'mandoc -Tlint -Wwarning "$MAN/$page" > "$T/lint" 2>&1; [ ! -s "$T/lint" ]'
		[ -s "$T/lint" ] && sed 's/^/# /' "$T/lint"
	done
else
	skip "mandoc is not installed"
fi

"$HUSKYHOOK" --help > "$T/usage"
for cmd in run status list show requeue purge sign check init; do
	check "usage and huskyhook(1) both have '$cmd'" 'grep -q "^  $cmd" "$T/usage" && grep -q "^\.Cm $cmd\$" "$MAN/huskyhook.1"'
done
# The keys, as the reader knows them: those of one value listed in
# src/config.h, the others in src/config.c's table.
keys=$({
	sed -n 's/^	X(\([a-z_]*\), .*/\1/p' "$top_srcdir/src/config.h"
	sed -n 's/^	{ "\([a-z_]*\)", CONFIG_.*/\1/p' "$top_srcdir/src/config.c"
} | sort -u)
check "the reader knows some keys" [ "$(echo "$keys" | wc -l)" -gt 10 ]
# And huskyhook.conf(5) documents those and no others.
man_keys=$(grep '^\.It .*Cm [a-z_]* No' "$MAN/huskyhook.conf.5" |
    grep -o 'Cm [a-z_]* No' | sed 's/^Cm \(.*\) No$/\1/' | sort -u)
check "huskyhook.conf(5) has the keys the reader knows, no more" [ "$keys" = "$man_keys" ]
for key in $keys; do
	check "huskyhook.conf(5) documents $key" grep -q "^\.It .*Cm $key No" "$MAN/huskyhook.conf.5"
	check "the README documents $key" grep -q "^| \`$key\`\|^| \`$key\`, \|\`$key\` |" "$top_srcdir/README.md"
done
for var in HUSKY_EVENT_ID HUSKY_EVENT_TYPE HUSKY_CREATED_AT HUSKY_RECEIVED_AT \
    HUSKY_ORG_ID HUSKY_EVENT_FILE HUSKY_ATTEMPT HUSKY_HOOK HUSKY_HOST HUSKY_DATA_ \
    HUSKY_DATA_TRUNCATED; do
	check "huskyhook(1) documents $var" grep -q "^\.It Ev $var" "$MAN/huskyhook.1"
done
done_testing
