#!/bin/sh
# nginx, started by the test with its own config file, in front of the
# receiver over FastCGI (spawn-fcgi) and as CGI through fcgiwrap, using
# the shipped nginx/ snippets with only their paths changed: the
# deliveries and refusals every server setup must get right, each way a
# sender may send, the URL's spellings beside the endpoint, no body
# written to disk, and a misconfigured receiver's reason in nginx's error
# log.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
# shellcheck source=tests/through-server.sh
. "${top_srcdir:-.}/tests/through-server.sh"
# shellcheck source=tests/wait.sh
. "$top_srcdir/tests/wait.sh"
command -v nginx > /dev/null || [ -x /usr/sbin/nginx ] || skip_all "nginx is not installed"
command -v spawn-fcgi > /dev/null || skip_all "spawn-fcgi is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"

# answers_500 FILE: a delivery of FILE answered 500.
answers_500() {
	curl_post "$1"
	[ "$STATUS" = 500 ]
}

# param_ignored FILE: after a delivery of FILE, nginx's error log says
# the request's HUSKYHOOK_CONFIG ($CONF) was ignored, and where the
# receiver's config ($T/missing.conf) comes from.
param_ignored() {
	curl_post "$1"
	grep -q "ignoring the request parameter HUSKYHOOK_CONFIG=$CONF: a FastCGI receiver.s config is $T/missing.conf, from HUSKYHOOK_CONFIG in its environment" "$T/nginx/error.log"
}

setup
BASE=$T
for mode in fastcgi cgi; do
	T=$BASE/$mode
	mkdir -p "$T/spool"
	printf '%s\n' "$SECRET" > "$T/secret"
	chmod 600 "$T/secret"
	CONF=$T/huskyhook.conf
	write_conf "max_age = 0"
	[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
	# The location block as the snippet's header gives it.
	if [ $mode = fastcgi ]; then
		spawn_receiver "$RECEIVE"
		{
			echo "location = /huskyhook {"
			echo "	include $top_srcdir/nginx/huskyhook-fastcgi.conf;"
			echo "	fastcgi_pass unix:$SOCKET;"
			echo "}"
		} > "$T/site.conf"
	else
		if ! command -v fcgiwrap > /dev/null && [ ! -x /usr/sbin/fcgiwrap ]; then
			skip "cgi: fcgiwrap is not installed"
			continue
		fi
		spawn_receiver "$(command -v fcgiwrap || echo /usr/sbin/fcgiwrap)" -f
		sed "s#SCRIPT_FILENAME .*;#SCRIPT_FILENAME $RECEIVE;#" \
		    "$top_srcdir/nginx/huskyhook-cgi.conf" > "$T/huskyhook-cgi.conf"
		{
			echo "location = /huskyhook {"
			echo "	include $T/huskyhook-cgi.conf;"
			echo "	fastcgi_param HUSKYHOOK_CONFIG $CONF;"
			echo "	fastcgi_pass unix:$SOCKET;"
			echo "}"
		} > "$T/site.conf"
	fi
	check "$mode: spawn-fcgi starts it" [ -n "$SPAWN_PID" ]
	if ! nginx_start "$T/site.conf"; then
		not_ok "$mode: nginx starts"
		cat "$T"/nginx/*.log 2>/dev/null | tail -n 20 | sed 's/^/# /'
		continue
	fi
	ok "$mode: nginx starts with nginx/huskyhook-$mode.conf"

	check_through_server "$mode"
	check_http_ways "$mode"
	check "$mode: no body was written to nginx's client_body_temp_path" \
	    '[ -z "$(find "$T/nginx/body" -type f)" ]'
	check "$mode: refusals are in a log, with the address" \
	    grep -q 'refused 401 from 127.0.0.1' "$T/receive.log"
	check "$mode: no secret in nginx's logs" '! grep -rq "$SECRET" "$T/nginx"'

	# A config that does not load: its reason in nginx's error log,
	# though the receiver's own stderr is /dev/null. Under FastCGI, the
	# receiver started without one, and the line a user writes first
	# in nginx's config (which does nothing there).
	if [ $mode = fastcgi ]; then
		spawn_stop
		good_conf=$CONF
		CONF=$T/missing.conf
		spawn_receiver "$RECEIVE"
		CONF=$good_conf
		sed "s#^}#	fastcgi_param HUSKYHOOK_CONFIG $CONF;\n}#" "$T/site.conf" > "$T/nginx/site.conf"
	else
		sed "s#HUSKYHOOK_CONFIG .*;#HUSKYHOOK_CONFIG $T/missing.conf;#" \
		    "$T/site.conf" > "$T/nginx/site.conf"
	fi
	kill -HUP "$NGINX_PID"
	event evt_broken > "$T/broken.json"
	# (nginx's new worker takes over in a moment.)
	check "$mode: a receiver whose config is missing: 500" \
	    wait_until 5 answers_500 "$T/broken.json"
	check "$mode: and its reason is in nginx's error log" \
	    'grep -q "huskyhook-receive: error: $T/missing.conf: No such file or directory" "$T/nginx/error.log"'
	if [ $mode = fastcgi ]; then
		# Asked again until a request of nginx's new worker (the one
		# that passes the parameter) has been answered.
		check "$mode: and that fastcgi_param HUSKYHOOK_CONFIG is ignored, naming where the config comes from" \
		    wait_until 5 param_ignored "$T/broken.json"
	fi
	nginx_stop
	spawn_stop
done
T=$BASE
done_testing
