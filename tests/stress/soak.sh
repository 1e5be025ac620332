#!/bin/sh
# Load and soak through lighttpd + FastCGI: REQUESTS (default 100000)
# requests, 70% new events, 10% duplicates, 10% bad signatures, 10%
# malformed bodies, over 8 connections. Every new event must be stored
# exactly once, every other request answered as it should, and the
# FastCGI processes' memory and open files must stay flat.
# Run from a build directory: sh ../tests/stress/soak.sh [REQUESTS]
# (make check runs it small, as tests/t0550-soak.sh).
# shellcheck source=tests/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/servers.sh"
REQUESTS=${1:-${SOAK_REQUESTS:-100000}}
setup
T0=$T
write_conf
load_start

rss_kb() {
	for p in $(receiver_pids); do awk '/^VmRSS:/ { print $2 }' "/proc/$p/status"; done |
	    awk '{ s = s " " $1 } END { print s }'
}
fds() {
	for p in $(receiver_pids); do find "/proc/$p/fd" -mindepth 1 | wc -l; done |
	    awk '{ s = s " " $1 } END { print s }'
}

"$HHLOAD" -p "$LIGHTTPD_PORT" -s "$SECRET" -n 2000 -c 8 -x warm > /dev/null
rss0=$(rss_kb)
fd0=$(fds)
"$HHLOAD" -p "$LIGHTTPD_PORT" -s "$SECRET" -n "$REQUESTS" -c 8 -m 70:10:10:10 -x soak \
    -o "$T/accepted.txt" > "$T/load.out"
rss1=$(rss_kb)
fd1=$(fds)
sed 's/^/# /' "$T/load.out"
diag "FastCGI receivers' RSS (KiB) before:$rss0 after:$rss1; open fds before:$fd0 after:$fd1"
get() { sed -n "s/.*\\<$1=\\([0-9.]*\\).*/\\1/p" "$T/load.out"; }

check "all $REQUESTS requests answered" [ "$(get answered)" = "$REQUESTS" ]
check "every request answered as its kind should be" [ "$(get unexpected)" = 0 ]
new=$(get new_sent)
stored=$(find "$T/spool/events" -name 'soak-*' | wc -l)
check "every new event stored ($new new + 16 distinct duplicates = $stored)" [ "$stored" = $((new + 16)) ]
check "every accepted answer is a stored event, each once" \
    '[ "$(sort "$T/accepted.txt" | uniq | wc -l)" = "$stored" ] && [ "$(wc -l < "$T/accepted.txt")" = "$stored" ]'
missing=0
while read -r id; do
	[ -f "$T/spool/events/$id.json" ] || missing=$((missing + 1))
done < "$T/accepted.txt"
check "no accepted event missing" [ "$missing" = 0 ]
check "nothing refused was stored" '! find "$T/spool/events" -name "soak-*" | xargs -r grep -L "\"data\"" | grep -q .'
check "as many pending records as events" [ "$(find "$T/spool/pending" -name 'soak-*' | wc -l)" = "$stored" ]
check "tmp/ is empty" [ "$(count_files "$T/spool/tmp")" = 0 ]
check "open files of the receivers flat" [ "$fd0" = "$fd1" ]
grow=$(echo "$rss0 $rss1" | awk '{ n = NF / 2; g = 0; for (i = 1; i <= n; i++) if ($(i + n) - $i > g) g = $(i + n) - $i; print g }')
check "the receivers' RSS was measured" '[ -n "$rss0" ] && [ -n "$rss1" ]'
if grep -q __asan_init "$RECEIVE"; then
	skip "RSS under AddressSanitizer (its quarantine grows by design)"
else
	check "receivers' RSS grew by at most 256 KiB (grew $grow KiB)" [ "$grow" -le 256 ]
fi
lighttpd_stop
T=$T0
done_testing
