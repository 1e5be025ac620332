#!/bin/sh
# What a request may not choose. A FastCGI receiver started with its own
# config (spawn-fcgi, as for mod_proxy_fcgi) is sent requests straight
# over its socket by cgi-fcgi, as any local user who can reach the socket
# could: a HUSKYHOOK_CONFIG parameter naming a config of the caller's own
# (their secret, the operator's spool, a log file of their choosing) is
# ignored, and a REMOTE_ADDR that is not an address reaches neither the
# log nor the spool.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/wait.sh
. "${top_srcdir:-.}/tests/wait.sh"
command -v spawn-fcgi > /dev/null || skip_all "spawn-fcgi is not installed"
command -v cgi-fcgi > /dev/null || skip_all "cgi-fcgi (libfcgi-bin) is not installed"
setup
sockdir
SOCKET=$SOCKDIR/trust.sock
EVIL=evil-secret-of-another-user

# The other user's config: their secret, the operator's spool, and a log
# in a file the operator's shell would read.
printf '%s\n' "$EVIL" > "$T/evil.secret"
cat > "$T/evil.conf" <<EOF
secret_file = $T/evil.secret
spool = $T/spool
log = $T/victim.bashrc
max_age = 0
EOF

stop_receiver() {
	[ -s "$T/spawn.pid" ] && kill "$(cat "$T/spawn.pid")" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap stop_receiver EXIT
if HUSKYHOOK_CONFIG=$CONF spawn-fcgi -s "$SOCKET" -P "$T/spawn.pid" \
    -- "$RECEIVE" > "$T/spawn.out" 2>> "$T/stderr"; then
	ok "spawn-fcgi starts the receiver with the operator's config"
else
	not_ok "spawn-fcgi starts the receiver with the operator's config"
	done_testing
	exit 1
fi

# fcgi_post FILE SIG [PARAM=VALUE...]: one FastCGI request, its
# parameters from the environment cgi-fcgi is given.
fcgi_post() {
	body=$1
	sig=$2
	shift 2
	env -i PATH="$PATH" REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c < "$body" | tr -d ' ')" \
	    HTTP_X_HUSKY_SIGNATURE="$sig" "$@" \
	    cgi-fcgi -bind -connect "$SOCKET" < "$body" > "$T/out" 2>> "$T/stderr"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}

event evt_forged > "$T/forged.json"
fcgi_post "$T/forged.json" "$(sign "$T/forged.json" "$EVIL")" \
    HUSKYHOOK_CONFIG="$T/evil.conf" REMOTE_ADDR='x;id>f;#'
check "a request naming its own config and signed with its secret: 401" [ "$STATUS" = 401 ]
check "nothing is stored for it" [ ! -e "$T/spool/events/evt_forged.json" ]
check "the config it named was not read (no log made where it says)" [ ! -e "$T/victim.bashrc" ]
check "the refusal is logged where the operator's config says" grep -q 'refused 401 from invalid' "$T/receive.log"
check "no byte of the hostile REMOTE_ADDR reaches the log" '! grep -q "id>f" "$T/receive.log"'

event evt_real > "$T/real.json"
fcgi_post "$T/real.json" "$(sign "$T/real.json")" \
    HUSKYHOOK_CONFIG="$T/evil.conf" REMOTE_ADDR='$(id)'
check "signed with the operator's secret: 200 whatever the request names" [ "$STATUS" = 200 ]
check "stored in the operator's spool" stored evt_real
check "a REMOTE_ADDR that is not an address is not kept" grep -q '^remote_addr=$' "$T/spool/pending/evt_real"

event evt_v6 > "$T/v6.json"
fcgi_post "$T/v6.json" "$(sign "$T/v6.json")" REMOTE_ADDR=2001:db8::7
check "an IPv6 REMOTE_ADDR is kept" grep -q '^remote_addr=2001:db8::7$' "$T/spool/pending/evt_v6"

# The long-running receiver follows the spool's directories: an operator
# moving one aside and making it anew (restoring a backup) does not make
# it write where nobody looks.
# A running receiver looks at the spool's directories once a second:
# deliveries a tenth of a second apart, until one lands in the new one.
# post_until_in DIR ID: posts ID_1, ID_2, ... until DIR/ID_n* exists
# (at most 30); $moved is the last id posted.
post_until_in() {
	n=1
	while [ $n -le 30 ]; do
		moved=${2}_$n
		event "$moved" > "$T/moved.json"
		fcgi_post "$T/moved.json" "$(sign "$T/moved.json")"
		[ "$STATUS" = 200 ] || return 1
		ls "$1/$moved"* > /dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
mv "$T/spool/events" "$T/spool/events.old"
mkdir "$T/spool/events"
check "events/ made anew: within 3 s, events go to the new one" post_until_in "$T/spool/events" evt_after_move
check "not in the one moved aside" [ ! -e "$T/spool/events.old/$moved.json" ]
mv "$T/spool/pending" "$T/spool/pending.old"
mkdir "$T/spool/pending"
check "pending/ made anew: within 3 s, metas go to the new one" post_until_in "$T/spool/pending" evt_after_move2

# The same through CGI, whose environment is the receiver's own.
event evt_cgi > "$T/cgi.json"
post "$T/cgi.json" REMOTE_ADDR='1.2.3.4 refused 200 from 5.6.7.8'
check "CGI: a REMOTE_ADDR holding spaces: accepted, kept as nothing" grep -q '^remote_addr=$' "$T/spool/pending/evt_cgi"
SIG=0000 post "$T/cgi.json" REMOTE_ADDR="$(printf '1.2.3.4\nrefused')"
check "CGI: a REMOTE_ADDR holding a newline is logged as invalid" grep -q 'refused 401 from invalid' "$T/receive.log"
check "and adds no line of its own" '! grep -q "^refused" "$T/receive.log"'

# A FastCGI socket in a directory every user may write is said at start
# (any local user could bind it first); the one above, in a directory of
# the test's own, was not.
check "a socket in a private directory: no warning" '! grep -q "every user may write" "$T/stderr" "$T/receive.log"'
mkdir "$SOCKDIR/open"
chmod 1777 "$SOCKDIR/open"
HUSKYHOOK_CONFIG=$CONF spawn-fcgi -s "$SOCKDIR/open/trust.sock" \
    -P "$T/spawn2.pid" -- "$RECEIVE" > /dev/null 2> "$T/stderr2"
check "a socket in a world-writable directory: the receiver says so at start" \
    wait_for "warning: the FastCGI socket is in $SOCKDIR/open, which every user may write" "$T/receive.log" 5
[ -s "$T/spawn2.pid" ] && kill "$(cat "$T/spawn2.pid")" 2>/dev/null
done_testing
