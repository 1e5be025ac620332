#!/bin/sh
# h2o, started by the test with the shipped h2o/huskyhook.conf paths
# (only the config's path and the receiver's changed), h2o spawning the
# receiver itself: the checks every server setup makes, each way a sender
# may send, the spellings beside the endpoint (h2o's paths are prefixes:
# /huskyhook/x must not reach the receiver), and a misconfigured
# receiver's reason in h2o's error log.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
# shellcheck source=tests/through-server.sh
. "${top_srcdir:-.}/tests/through-server.sh"
command -v h2o > /dev/null || skip_all "h2o is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"

# paths CONFIG: the shipped paths, for CONFIG, this build's receiver and
# an empty directory of the test's.
paths() {
	mkdir -p "$T/empty"
	sed -e "s#HUSKYHOOK_CONFIG=[^ ]*#HUSKYHOOK_CONFIG=$1#" \
	    -e "s#exec [^ \"]*#exec $RECEIVE#" \
	    -e "s#file.dir: .*#file.dir: $T/empty#" \
	    "$top_srcdir/h2o/huskyhook.conf" > "$T/paths.conf"
}

setup
write_conf "max_age = 0"
paths "$CONF"
[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
if ! h2o_start "$T/paths.conf"; then
	not_ok "h2o starts"
	tail -n 20 "$T/h2o/error.log" "$T/h2o/stderr.log" | sed 's/^/# /'
	done_testing
	exit 1
fi
ok "h2o starts with h2o/huskyhook.conf"
check_through_server h2o
check_http_ways h2o
check "h2o: refusals are in its error log, from the receiver" \
    grep -q 'fastcgi.c.*huskyhook-receive: warning: refused 401 from 127.0.0.1' "$T/h2o/error.log"
h2o_stop

# A config that does not load: its reason in h2o's error log.
T=$T/broken
mkdir -p "$T"
paths "$T/missing.conf"
[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
if h2o_start "$T/paths.conf"; then
	event evt_broken > "$T/broken.json"
	curl_post "$T/broken.json"
	check "h2o: a receiver whose config is missing: 500" [ "$STATUS" = 500 ]
	check "h2o: and its reason is in h2o's error log" \
	    grep -q "huskyhook-receive: error: $T/missing.conf: No such file or directory" "$T/h2o/error.log"
	h2o_stop
else
	not_ok "h2o starts with a missing config"
fi
T=${T%/broken}
done_testing
