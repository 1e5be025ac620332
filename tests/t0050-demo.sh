#!/bin/sh
# The README's first command, ./demo.sh, in a copy of the source tree:
# it builds, serves the vendor's five samples through lighttpd, runs the
# example hook, and shows the CSV the hook wrote; ./demo.sh stop stops
# lighttpd again.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] ||
    skip_all "lighttpd is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"
setup
# A short path: the demo's FastCGI socket is in its tree (a Unix
# socket's path is at most 107 bytes; a build tree can be deeper).
COPY=$(mktemp -d "${TMPDIR:-/tmp}/hhdemo.XXXXXX") || skip_all "no temporary directory"
chmod 700 "$COPY"
stop_demo() {
	[ -x "$COPY/src/demo.sh" ] && (cd "$COPY/src" && ./demo.sh stop > /dev/null 2>&1)
	rm -rf "$COPY"
}
trap stop_demo EXIT
mkdir "$COPY/src"
# The tracked files of a checkout (the demo makes configure itself, as
# in a fresh clone), else the whole tree (make distcheck's, which has no
# build of its own beside _build and _inst).
if [ -d "$top_srcdir/.git" ] && command -v git > /dev/null; then
	(cd "$top_srcdir" && git ls-files -z | tar --null -T - -cf -)
else
	(cd "$top_srcdir" && tar --exclude=./_build --exclude=./_inst -cf - .)
fi | tar -C "$COPY/src" -xf -
chmod -R u+w "$COPY/src"	# make distcheck's tree is read-only
# A free port, as the tests' servers find one.
port=$((40000 + $$ % 10000))
while curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do
	port=$((port + 1))
done
(cd "$COPY/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL PORT=$port \
    ./demo.sh > "$T/demo.out" 2>&1)
rc=$?
check "./demo.sh: exit 0" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -n 20 "$T/demo.out" | sed 's/^/# /'
check "it answered the five samples 200" \
    [ "$(grep -c '^call\.[a-z]*\.json *HTTP 200 {"status":"accepted"' "$T/demo.out")" = 5 ]
check "the forgery 401" grep -q 'refused 401' "$COPY/src/demo-run/receive.log"
check "the hook ran each event: 5 done" grep -q '^5 done, 0 to retry, 0 failed$' "$T/demo.out"
check "the CSV it shows has the five events" \
    [ "$(grep -c '^"[^"]*","evt_demo_000[1-5]",' "$T/demo.out")" = 5 ]
# The three lines it prints for posting an event of one's own, run as
# printed, with an EVENT.json in the directory they are run from.
sed -n '/^lighttpd is still running/,/^Stop it with/p' "$T/demo.out" |
    sed -n 's/^  //p' > "$T/own.sh"
check "it prints three lines to post one's own event" [ "$(wc -l < "$T/own.sh")" = 3 ]
event evt_own_demo > "$COPY/src/EVENT.json"
(cd "$COPY/src" && sh "$T/own.sh" > "$T/own.out" 2>&1)
check "those lines, as printed: the event accepted" grep -q '"status":"accepted","event_id":"evt_own_demo"' "$T/own.out"
check "... and its hook run" grep -q '^evt_own_demo call.completed: done$' "$T/own.out"
(cd "$COPY/src" && ./demo.sh stop > "$T/stop.out" 2>&1)
check "./demo.sh stop: lighttpd stopped" '! curl -s -o /dev/null "http://127.0.0.1:$port/"'
done_testing
