#!/bin/sh
# Apache, started by the test with its own config file (apache2 -f), in
# each shipped mode: mod_fcgid, mod_proxy_fcgi with spawn-fcgi, and plain
# CGI on shared hosting (.htaccess with SetEnv, and the suexec wrapper).
# The shipped files are the tested files, only paths and ports changed.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
# shellcheck source=tests/through-server.sh
. "${top_srcdir:-.}/tests/through-server.sh"
command -v apache2 > /dev/null || [ -x /usr/sbin/apache2 ] ||
    skip_all "apache2 is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"
[ -f "$APACHE_MODULES/mod_fcgid.so" ] || skip_all "mod_fcgid is not installed"

setup
BASE=$T
RECEIVE_BUILT=$RECEIVE
for mode in fcgid proxy-fcgi cgi cgi-wrapper; do
	T=$BASE/$mode
	RECEIVE=$RECEIVE_BUILT
	mkdir -p "$T/spool" "$T/www"
	printf '%s\n' "$SECRET" > "$T/secret"
	chmod 600 "$T/secret"
	CONF=$T/huskyhook.conf
	write_conf "max_age = 0"
	URLPATH=/huskyhook
	case $mode in
	proxy-fcgi)
		sockdir
		SOCKET=$SOCKDIR/spawn-$mode.sock
		set -- -s "$SOCKET" -M 0660 -F 2 -P "$T/spawn.pid"
		[ "$(id -u)" = 0 ] && set -- "$@" -U "$APACHE_USER" -u "$APACHE_USER"
		[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
		if HUSKYHOOK_CONFIG=$CONF spawn-fcgi "$@" -- "$RECEIVE" > "$T/spawn.out" 2>&1; then
			ok "$mode: spawn-fcgi starts the receiver"
		else
			not_ok "$mode: spawn-fcgi starts the receiver"
			sed 's/^/# /' "$T/spawn.out"
		fi
		apache_mode=proxy-fcgi ;;
	cgi|cgi-wrapper)
		mkdir -p "$T/www/cgi-bin"
		if [ $mode = cgi ]; then
			cp "$RECEIVE" "$T/www/cgi-bin/huskyhook.cgi"
			# AllowOverride All here: the block's Options line may
			# be uncommented, as its comment says.
			sed -e "s#^\([[:space:]]*\)SetEnv HUSKYHOOK_CONFIG .*#\1SetEnv HUSKYHOOK_CONFIG $CONF#" \
			    -e 's/# Options +ExecCGI/Options +ExecCGI/' \
			    "$top_srcdir/apache/htaccess" > "$T/www/cgi-bin/.htaccess"
		else
			sed -e "s#^export HUSKYHOOK_CONFIG=.*#export HUSKYHOOK_CONFIG=$CONF#" \
			    -e "s#^exec .*#exec $RECEIVE#" \
			    "$top_srcdir/apache/huskyhook.cgi" > "$T/www/cgi-bin/huskyhook.cgi"
			grep -v 'SetEnv HUSKYHOOK_CONFIG' "$top_srcdir/apache/htaccess" |
			    sed 's/# Options +ExecCGI/Options +ExecCGI/' > "$T/www/cgi-bin/.htaccess"
		fi
		chmod 755 "$T/www/cgi-bin/huskyhook.cgi"
		echo "a file of the site's" > "$T/www/cgi-bin/README"
		URLPATH=/cgi-bin/huskyhook.cgi
		apache_mode=cgi ;;
	*)
		apache_mode=$mode ;;
	esac
	[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
	if ! apache_start "$apache_mode"; then
		not_ok "$mode: Apache starts"
		cat "$T"/apache/*.log 2>/dev/null | tail -n 20 | sed 's/^/# /'
		continue
	fi
	ok "$mode: Apache starts"
	check "$mode: apache2 -t says Syntax OK" '"$APACHE" -f "$T/apache/httpd.conf" -t 2>&1 | grep -q "Syntax OK"'
	URL=http://127.0.0.1:$APACHE_PORT$URLPATH

	check_through_server "$mode"

	if [ $apache_mode = cgi ]; then
		STATUS=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APACHE_PORT/cgi-bin/README")
		check "$mode: the .htaccess leaves cgi-bin's other files alone" [ "$STATUS" = 200 ]
	fi
	check "$mode: no secret in Apache's logs" '! grep -rq "$SECRET" "$T/apache"'
	apache_stop
	if [ -f "$T/spawn.pid" ]; then
		# shellcheck disable=SC2046
		kill $(cat "$T/spawn.pid") 2>/dev/null
	fi
done
T=$BASE

# The systemd units for the proxy_fcgi setup: checked by systemd, not run
# (no systemd manager runs here).
if command -v systemd-analyze > /dev/null; then
	mkdir -p "$T/units"
	sed "s#^ExecStart=.*#ExecStart=$RECEIVE_BUILT#" \
	    "$top_srcdir/apache/huskyhook-receive.service" > "$T/units/huskyhook-receive.service"
	cp "$top_srcdir/apache/huskyhook-receive.socket" "$T/units/"
	check "systemd-analyze verify accepts the socket and service units" \
	    'systemd-analyze verify "$T/units/huskyhook-receive.socket" "$T/units/huskyhook-receive.service" > "$T/units/verify.out" 2>&1'
	sed 's/^/# /' "$T/units/verify.out"
else
	skip "systemd-analyze is not installed"
fi
done_testing
