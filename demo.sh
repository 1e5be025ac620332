#!/bin/sh
# A local demo of the main job: builds huskyhook, starts lighttpd on
# 127.0.0.1 with huskyhook-receive under mod_fastcgi (the shipped
# lighttpd/huskyhook-fastcgi.conf), posts the vendor's five sample events
# signed with `huskyhook sign`, then a duplicate and a forgery, shows the
# spool, and runs `huskyhook run` with an example hook. lighttpd keeps
# running so you can post your own; `./demo.sh stop` stops it.
set -eu
cd "$(dirname "$0")"
top=$(pwd)
D=$top/demo-run
PORT=${PORT:-8765}

stop() {
	if [ -f "$D/run/lighttpd.pid" ]; then
		kill "$(cat "$D/run/lighttpd.pid")" 2>/dev/null || true
		rm -f "$D/run/lighttpd.pid"
		echo "demo stopped"
	fi
}
if [ "${1:-}" = stop ]; then
	stop
	exit 0
fi

# shellcheck source=scripts/deps.sh
. ./scripts/deps.sh
install_deps demo

echo "== building"
# make itself reruns autoconf and automake when their inputs change.
[ -x configure ] || ./autogen.sh > /dev/null 2>&1
mkdir -p build-plain
(cd build-plain && { [ -f Makefile ] || "$top/configure" > configure.out; } &&
    make -j"$(nproc 2>/dev/null || echo 2)" > make.out 2>&1) ||
    { cat build-plain/make.out; exit 1; }

echo "== a fresh layout in $D"
stop > /dev/null
rm -rf "$D"
mkdir -p "$D/spool" "$D/www" "$D/run" "$D/hooks"
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$D/secret"
cat > "$D/huskyhook.conf" <<EOF2
# The demo's config; see huskyhook.conf(5) and the README.
secret_file = secret
spool = spool
hooks = hooks
log = receive.log
EOF2
umask 022
cat > "$D/lighttpd.conf" <<EOF2
server.document-root = "$D/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.pid-file = "$D/run/lighttpd.pid"
server.errorlog = "$D/lighttpd-error.log"
var.huskyhook_receive = "$top/build-plain/huskyhook-receive"
var.huskyhook_config = "$D/huskyhook.conf"
var.huskyhook_socket = "$D/run/huskyhook.socket"
include "$top/lighttpd/huskyhook-fastcgi.conf"
EOF2
lighttpd -f "$D/lighttpd.conf"
URL=http://127.0.0.1:$PORT/huskyhook
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "lighttpd did not start; see $D/lighttpd-error.log"; exit 1; }
	sleep 0.1
done
echo "lighttpd is listening on $URL"

HH="$top/build-plain/huskyhook -c $D/huskyhook.conf"
# post FILE [SIGNATURE]: as HuskyVoice would, signed by `huskyhook sign`
# (the same as the vendor doc's openssl line).
post() {
	sig=${2:-$($HH sign "$1")}
	code=$(curl -s -o "$D/answer" -w '%{http_code}' -X POST "$URL" \
	    -H 'Content-Type: application/json' \
	    -H "X-Husky-Signature: $sig" --data-binary "@$1")
	printf '%-22s HTTP %s %s\n' "$(basename "$1")" "$code" "$(cat "$D/answer")"
}

echo
echo "== the vendor's sample, as dated in its documentation"
post examples/events/call.completed.json
echo "   (refused: it is older than max_age, which guards against replays)"

echo
echo "== the five sample events, moved to the last minutes, delivered out"
echo "   of order (completed before initiated, as retries can make happen)"
mkdir -p "$D/events"
now=$(date -u +%s)
last=$(date -u -d 2026-06-01T10:06:00Z +%s)
for t in call.completed call.initiated call.answered call.disallowed call.failed; do
	orig=$(sed -n 's/.*"created_at": "\([^"]*\)".*/\1/p' "examples/events/$t.json")
	at=$(date -u -d "@$((now - last + $(date -u -d "$orig" +%s)))" +%Y-%m-%dT%H:%M:%SZ)
	sed "s/\"created_at\": \"[^\"]*\"/\"created_at\": \"$at\"/" \
	    "examples/events/$t.json" > "$D/events/$t.json"
	post "$D/events/$t.json"
done

echo
echo "== HuskyVoice retries: the same event again"
post "$D/events/call.completed.json"

echo
echo "== a forged event (signed with another secret)"
echo guess > "$D/other.secret"
post "$D/events/call.failed.json" "$($HH sign -s "$D/other.secret" "$D/events/call.failed.json")"

echo
echo "== the spool"
(cd "$D/spool" && ls -l events pending)
echo
echo "== pending/evt_demo_0003 (what the receiver recorded beside the body)"
cat "$D/spool/pending/evt_demo_0003"
echo
echo "== the receiver's log"
cat "$D/receive.log"

echo
echo "== huskyhook run, as cron would start it, with examples/hooks/log-csv"
echo "   as the default hook (it appends a line per event to a CSV file)"
cp examples/hooks/log-csv "$D/hooks/default"
$HH run -v
echo
echo "== $D/calls.csv, written by the hook (beside hooks/), in created_at order"
cat "$D/calls.csv"
echo
echo "== huskyhook status"
$HH status
echo
echo "== huskyhook show evt_demo_0003"
$HH show evt_demo_0003
echo
echo "lighttpd is still running. Post your own event, then run the hooks:"
echo "  sig=\$($HH sign EVENT.json)"
echo "  curl -X POST $URL -H 'Content-Type: application/json' -H \"X-Husky-Signature: \$sig\" --data-binary @EVENT.json"
echo "  $HH run -v"
echo "Stop it with: ./demo.sh stop"
