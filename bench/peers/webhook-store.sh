#!/bin/sh
# adnanh/webhook's command for the benchmark: stores the raw body (a file
# webhook wrote, named in $HH_BODY) under the event id given as $1,
# exclusively and durably, as huskyhook does. webhook answers 200 when
# this exits 0.
set -eu
case $1 in
'' | *[!A-Za-z0-9_.-]* | [!A-Za-z0-9]*) exit 1 ;;
esac
tmp=$HH_SPOOL/tmp/$$.$1
cp "$HH_BODY" "$tmp"
sync "$tmp"
ln "$tmp" "$HH_SPOOL/events/$1.json" 2>/dev/null || true
rm -f "$tmp"
sync "$HH_SPOOL/events"
