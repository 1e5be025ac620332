#!/bin/sh
# Every shipped server file keeps oversized bodies from the receiver and
# off the disk, whatever spelling of the URL carries them: a 3 MB body,
# with a Content-Length and chunked, to the endpoint and to its variants
# (a path below it, a longer name, an encoded slash, a query string, a
# doubled slash, another case). The endpoint itself (with a query string
# or a doubled slash too) refuses a Content-Length over the limit with the
# server's 413 before reading any of the body or running the receiver;
# every other spelling never reaches the receiver; nothing is spooled on
# the way beyond the 1 MiB limit, and nothing at all for a Content-Length.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
command -v curl > /dev/null || skip_all "curl is not installed"
have_lighttpd=no
have_apache=no
{ command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ]; } && have_lighttpd=yes
{ command -v apache2 > /dev/null || [ -x /usr/sbin/apache2 ]; } &&
    [ -f "$APACHE_MODULES/mod_fcgid.so" ] && have_apache=yes
[ $have_lighttpd = yes ] || [ $have_apache = yes ] ||
    skip_all "neither lighttpd nor apache2 with mod_fcgid is installed"

setup
BASE=$T
RECEIVE_BUILT=$RECEIVE
LIMIT=1048576
head -c 3000000 /dev/zero | tr '\0' ' ' > "$BASE/big.json"
BIGSIG=$(sign "$BASE/big.json")

# layout NAME: a fresh test layout under $BASE/NAME, and $UPLOAD, the
# directory the server is told to keep request bodies in.
layout() {
	T=$BASE/$1
	RECEIVE=$RECEIVE_BUILT
	mkdir -p "$T/spool" "$T/www" "$T/upload"
	printf '%s\n' "$SECRET" > "$T/secret"
	chmod 600 "$T/secret"
	CONF=$T/huskyhook.conf
	write_conf "max_age = 0"
	: > "$T/receive.log"
	UPLOAD=$T/upload
}

# spooled_max FILE: until killed, the most bytes seen at once in the
# files under $UPLOAD and the spool's tmp/, sampled every 10 ms, in FILE.
spooled_max() {
	m=0
	echo 0 > "$1"
	while :; do
		s=$(find "$UPLOAD" "$T/spool" -type f -printf '%s\n' 2>/dev/null |
		    awk '{ s += $1 } END { print s + 0 }')
		if [ "$s" -gt "$m" ]; then
			m=$s
			# Renamed into place: killed mid-write, the file
			# still holds the last whole figure.
			echo "$m" > "$1.new" && mv "$1.new" "$1"
		fi
		sleep 0.01
	done
}

# big_post MODE PATH: the 3 MB body, signed, to PATH on $HOSTPORT; MODE
# length sends a Content-Length (and waits for 100 Continue, so that the
# bytes sent are the bytes the server asked for), chunked sends it chunked.
# Sets $STATUS, $SENT (body bytes sent), $SPOOLED, $REACHED (lines the
# receiver logged meanwhile).
big_post() {
	case $1 in
	length) set -- "$2" -H 'Expect: 100-continue' --expect100-timeout 10 ;;
	chunked) set -- "$2" -H 'Transfer-Encoding: chunked' -H 'Expect:' ;;
	esac
	path=$1
	shift
	logged=$(wc -l < "$T/receive.log")
	spooled_max "$T/spooled" &
	sampler=$!
	# The rate keeps a body that is read whole on the disk long enough
	# to be seen (0.1 s); a refused one is not slowed.
	set -- "$@" --limit-rate 30M
	r=$(curl -s -o "$T/out" -w '%{http_code} %{size_upload}' -X POST \
	    --path-as-is -H 'Content-Type: application/json' \
	    -H "X-Husky-Signature: $BIGSIG" --data-binary "@$BASE/big.json" \
	    "$@" "http://$HOSTPORT$path" < /dev/null)
	sleep 0.03
	kill "$sampler"
	wait "$sampler" 2>/dev/null
	STATUS=${r% *}
	SENT=${r#* }
	SPOOLED=$(cat "$T/spooled")
	REACHED=$(($(wc -l < "$T/receive.log") - logged))
}

# variants SETUP ENDPOINT: the oversized body to ENDPOINT and its
# variants, each way; one test point each. The receiver may see only a
# chunked body to the endpoint itself, passed on without its length,
# which it refuses: 411 unread under CGI, 413 under FastCGI once max_body
# of it is in (in memory: nothing spooled).
variants() {
	setup_name=$1
	ep=$2
	camel=$(echo "$ep" | sed 's/huskyhook/HuskyHook/')
	for v in "$ep" "$ep?x" "$ep/x" "${ep}Z" "$ep%2F" "$ep/" "/$ep" "$camel"; do
		for how in length chunked; do
			big_post $how "$v"
			what="$setup_name: 3 MB $how to $v: $STATUS"
			ok=yes
			# The servers merge a doubled slash: the endpoint too.
			if [ "$v" = "$ep" ] || [ "$v" = "$ep?x" ] || [ "$v" = "/$ep" ]; then
				endpoint=yes
			else
				endpoint=no
			fi
			if [ $how = length ]; then
				# Refused on its Content-Length: 413 if it is the
				# endpoint, unread (no 100 Continue), nothing run.
				[ "$REACHED" = 0 ] && [ "$SPOOLED" = 0 ] || ok=no
				if [ $endpoint = yes ]; then
					what="$what, refused unread, the receiver not run"
					[ "$STATUS" = 413 ] && [ "$SENT" = 0 ] || ok=no
				else
					what="$what, the receiver not run, nothing spooled"
					case $STATUS in 404|403|413) ;; *) ok=no ;; esac
				fi
			else
				# Chunked: the server stops at 1 MiB (mod_fcgid
				# 2.3.9 with 500), or the receiver says 411.
				what="$what, at most 1 MiB spooled"
				[ "$SPOOLED" -le $LIMIT ] || ok=no
				if [ $endpoint = yes ]; then
					what="$what, the receiver refused it"
					case $STATUS in 413|411) ;; 500) [ "$setup_name" = "Apache fcgid" ] || ok=no ;; *) ok=no ;; esac
					[ "$REACHED" = 0 ] || ! tail -n "$REACHED" "$T/receive.log" | grep -qvE 'refused 41[13] ' || ok=no
				else
					what="$what, the receiver not run"
					[ "$REACHED" = 0 ] || ok=no
					case $STATUS in 404|403|413) ;; *) ok=no ;; esac
				fi
			fi
			if [ $ok = yes ]; then
				ok "$what"
			else
				not_ok "$what"
				diag "$SENT bytes sent, at most $SPOOLED bytes spooled, $REACHED receiver log lines: $(head -c 120 "$T/out")"
			fi
		done
	done
	# A CGI receiver may log after the server has answered: all it
	# logged for the lot, once they are over.
	sleep 0.3
	check "$setup_name: all the receiver logged for them is 411 or 413 refusals" \
	    '! grep -vE "refused 41[13] " "$T/receive.log"'
	# Nor does a small signed event reach it by another spelling.
	n=0
	for v in "$ep/x" "${ep}Z" "$ep%2F" "$ep/" "$camel"; do
		n=$((n + 1))
		event "evt_variant$n" > "$T/variant.json"
		logged=$(wc -l < "$T/receive.log")
		URL=http://$HOSTPORT$v curl_post "$T/variant.json" --path-as-is
		check "$setup_name: a signed event to $v: $STATUS, not stored, the receiver not run" \
		    'case $STATUS in 404|403) ;; *) false ;; esac && [ ! -e "$T/spool/events/evt_variant$n.json" ] && [ "$(wc -l < "$T/receive.log")" = "$logged" ]'
	done
	# The endpoint still works, with a query string too (the same
	# endpoint: the receiver does not look at it).
	event evt_small > "$T/small.json"
	URL=http://$HOSTPORT$ep curl_post "$T/small.json"
	check "$setup_name: a signed event to $ep: 200" [ "$STATUS" = 200 ]
	event evt_query > "$T/query.json"
	URL="http://$HOSTPORT$ep?x=1" curl_post "$T/query.json"
	check "$setup_name: a signed event to $ep?x=1: 200" [ "$STATUS" = 200 ]
	check "$setup_name: nothing else stored, spool tmp/ empty" \
	    '[ "$(ls "$T/spool/events" | tr "\n" " ")" = "evt_query.json evt_small.json " ] && [ -z "$(ls "$T/spool/tmp")" ]'
}

for mode in fastcgi cgi; do
	if [ $have_lighttpd = no ]; then
		skip "lighttpd $mode: lighttpd is not installed"
		continue
	fi
	layout "lighttpd-$mode"
	# The shipped file as t0600 includes it, with lighttpd's upload
	# directory (/var/tmp by default) set to one the test can watch.
	{
		echo "server.upload-dirs = ( \"$UPLOAD\" )"
		echo "include \"$top_srcdir/lighttpd/huskyhook-$mode.conf\""
	} > "$T/snippet.conf"
	if ! lighttpd_start "$T/snippet.conf"; then
		not_ok "lighttpd $mode: lighttpd starts"
		cat "$T"/lighttpd-*.log 2>/dev/null | sed 's/^/# /'
		continue
	fi
	HOSTPORT=${URL#http://}
	HOSTPORT=${HOSTPORT%%/*}
	variants "lighttpd $mode" /huskyhook
	lighttpd_stop
done

for mode in fcgid proxy-fcgi cgi; do
	if [ $have_apache = no ]; then
		skip "Apache $mode: apache2 or mod_fcgid is not installed"
		continue
	fi
	layout "apache-$mode"
	ep=/huskyhook
	case $mode in
	proxy-fcgi)
		if ! command -v spawn-fcgi > /dev/null; then
			skip "Apache proxy-fcgi: spawn-fcgi is not installed"
			continue
		fi
		sockdir
		SOCKET=$SOCKDIR/spawn-limits.sock
		set -- -s "$SOCKET" -M 0660 -F 1 -P "$T/spawn.pid"
		[ "$(id -u)" = 0 ] && set -- "$@" -U "$APACHE_USER" -u "$APACHE_USER"
		[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
		HUSKYHOOK_CONFIG=$CONF spawn-fcgi "$@" -- "$RECEIVE" > "$T/spawn.out" 2>&1 ||
		    { not_ok "Apache proxy-fcgi: spawn-fcgi starts the receiver"; continue; }
		;;
	cgi)
		# The .htaccess in a cgi-bin, as t0610 sets it up.
		mkdir -p "$T/www/cgi-bin"
		cp "$RECEIVE" "$T/www/cgi-bin/huskyhook.cgi"
		chmod 755 "$T/www/cgi-bin/huskyhook.cgi"
		sed -e "s#^\([[:space:]]*\)SetEnv HUSKYHOOK_CONFIG .*#\1SetEnv HUSKYHOOK_CONFIG $CONF#" \
		    -e 's/# Options +ExecCGI/Options +ExecCGI/' \
		    "$top_srcdir/apache/htaccess" > "$T/www/cgi-bin/.htaccess"
		ep=/cgi-bin/huskyhook.cgi
		;;
	esac
	[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
	# mod_fcgid keeps bodies over 64 KiB in a file in TMPDIR.
	TMPDIR=$UPLOAD
	export TMPDIR
	apache_start "$mode"
	started=$?
	unset TMPDIR
	if [ $started != 0 ]; then
		not_ok "Apache $mode: Apache starts"
		cat "$T"/apache/*.log 2>/dev/null | tail -n 20 | sed 's/^/# /'
		continue
	fi
	HOSTPORT=127.0.0.1:$APACHE_PORT
	variants "Apache $mode" "$ep"
	apache_stop
	if [ -f "$T/spawn.pid" ]; then
		# shellcheck disable=SC2046
		kill $(cat "$T/spawn.pid") 2>/dev/null
	fi
done
T=$BASE
done_testing
