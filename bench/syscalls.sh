#!/bin/sh
# System calls per request of a FastCGI receiver on its cheap paths:
# 100 duplicates and 100 bad signatures sent over its socket with
# cgi-fcgi (spawn-fcgi starts it, one thread), counted by strace -c.
# Usage: sh bench/syscalls.sh [RECEIVER]   (default build-plain's)
# Needs spawn-fcgi, cgi-fcgi (libfcgi-bin), strace, and huskyhook beside
# the receiver.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
receiver=${1:-$top/build-plain/huskyhook-receive}
for c in spawn-fcgi cgi-fcgi strace; do
	command -v "$c" > /dev/null || { echo "syscalls.sh: $c is needed" >&2; exit 1; }
done
T=$(mktemp -d /tmp/huskyhook-syscalls.XXXXXX)
trap 'kill "$(cat "$T/pid" 2>/dev/null)" 2>/dev/null; rm -rf "$T"' EXIT
mkdir "$T/spool"
echo bench-secret > "$T/secret"
printf 'secret_file = %s/secret\nspool = %s/spool\nlog = %s/log\nmax_age = 0\n' \
    "$T" "$T" "$T" > "$T/conf"
HUSKYHOOK_CONFIG=$T/conf HUSKYHOOK_FCGI_THREADS=1 \
    spawn-fcgi -s "$T/sock" -P "$T/pid" -- "$receiver" > /dev/null
printf '{"event_id":"dup1","event_type":"call.completed","created_at":"2026-06-01T10:00:00Z","org_id":"o","data":{}}' > "$T/body"
post() {
	env -i REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c < "$T/body")" REMOTE_ADDR=127.0.0.1 \
	    HTTP_X_HUSKY_SIGNATURE="$1" cgi-fcgi -bind -connect "$T/sock" \
	    < "$T/body" > /dev/null
}
good=$("$(dirname "$receiver")/huskyhook" sign -s "$T/secret" "$T/body")
bad=$(printf '%064d' 0)
post "$good"
post "$good"	# stored, then a duplicate: both past their first request
strace -f -c -o "$T/strace" -p "$(cat "$T/pid")" 2> /dev/null &
tracer=$!
sleep 0.5
i=0
while [ $i -lt 100 ]; do post "$good"; i=$((i + 1)); done
i=0
while [ $i -lt 100 ]; do post "$bad"; i=$((i + 1)); done
sleep 0.3
kill -INT "$tracer"
wait "$tracer" || true
sed -n '/^------/,$p' "$T/strace" | sed 1d
awk '$NF == "total" { n = $(NF - 1); printf "%.1f system calls per request (%d over 200)\n", n / 200, n }' "$T/strace"
