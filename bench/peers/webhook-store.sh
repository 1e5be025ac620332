#!/bin/sh
# adnanh/webhook's command for the benchmark: stores the raw body (a file
# webhook wrote, named in $HH_BODY) under the event id given as $1,
# exclusively and durably, as huskyhook does. webhook answers 200 when
# this exits 0, with what it prints as the body.
set -eu
case $1 in
'' | *[!A-Za-z0-9_.-]* | [!A-Za-z0-9]*) exit 1 ;;
esac
tmp=$HH_SPOOL/tmp/$$.$1
cp "$HH_BODY" "$tmp"
sync "$tmp"
status=accepted
ln "$tmp" "$HH_SPOOL/events/$1.json" 2>/dev/null || status=duplicate
rm -f "$tmp"
sync "$HH_SPOOL/events"
printf '{"status":"%s","event_id":"%s"}\n' "$status" "$1"
