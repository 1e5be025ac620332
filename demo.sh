#!/bin/sh
# A local demo of the main job: builds huskyhook, starts lighttpd on
# 127.0.0.1 with huskyhook-receive under mod_fastcgi (the shipped
# lighttpd/huskyhook-fastcgi.conf), posts the vendor's five sample events
# signed the vendor's way, then a duplicate and a forgery, and shows the
# spool. lighttpd keeps running so you can post your own; `./demo.sh stop`
# stops it.
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
install_deps ""

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
mkdir -p "$D/spool" "$D/www" "$D/run"
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$D/secret"
cat > "$D/huskyhook.conf" <<EOF2
# The demo's config; see huskyhook.conf(5) and the README.
secret_file = secret
spool = spool
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

SECRET=$(cat "$D/secret")
# post FILE [SIGNATURE]: as HuskyVoice would, signed like the vendor doc.
post() {
	sig=${2:-$(openssl dgst -sha256 -hmac "$SECRET" < "$1" | sed 's/^.*= //')}
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
echo "== the five sample events, dated now"
mkdir -p "$D/events"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for t in call.initiated call.answered call.completed call.failed call.disallowed; do
	sed "s/\"created_at\": \"[^\"]*\"/\"created_at\": \"$now\"/" \
	    "examples/events/$t.json" > "$D/events/$t.json"
	post "$D/events/$t.json"
done

echo
echo "== HuskyVoice retries: the same event again"
post "$D/events/call.completed.json"

echo
echo "== a forged event (signed with another secret)"
post "$D/events/call.failed.json" "$(openssl dgst -sha256 -hmac guess < "$D/events/call.failed.json" | sed 's/^.*= //')"

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
echo "lighttpd is still running. Post your own event:"
echo "  sig=\$(openssl dgst -sha256 -hmac \"\$(cat $D/secret)\" < EVENT.json | sed 's/^.*= //')"
echo "  curl -X POST $URL -H 'Content-Type: application/json' -H \"X-Husky-Signature: \$sig\" --data-binary @EVENT.json"
echo "Stop it with: ./demo.sh stop"
