#!/bin/sh
# huskyhook check --url: through real lighttpd and Apache, a receiver
# with this config is found (exit 0), and each broken setup is named by
# its cause: another secret, a receiver whose config does not load, a
# wrong URL, a web server limit below max_body, the CGI script served as
# a file, Apache CGI without ExecCGI, a script that fails.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
command -v curl > /dev/null || skip_all "curl is not installed"
command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] ||
    skip_all "lighttpd is not installed"

# url_check NAME STATUS PATTERN: hh check --url "$URL" exits STATUS and
# prints a line matching PATTERN (grep -E).
url_check() {
	hh check --url "$URL" > "$T/check.out" 2>&1
	uc_rc=$?
	if [ "$uc_rc" = "$2" ] && grep -qE "$3" "$T/check.out"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/# /' "$T/check.out"
	fi
}

setup_hooks
hook default 'exit 0'
lighttpd_must_start huskyhook-fastcgi.conf
url_check "lighttpd, the shipped snippet: exit 0" 0 \
    "^ok: $URL: GET answered 405 by the receiver"
check "a wrong signature answered 401 by the receiver" \
    grep -q "^ok: .*: a POST with a wrong signature answered 401 by the receiver" "$T/check.out"
check "and over max_body bytes" \
    grep -q "^ok: .*: a POST of max_body bytes with a wrong signature answered 401" "$T/check.out"
check "and this config's secret gets past the signature (400)" \
    grep -q "^ok: .*: a POST signed with this config's secret (no event in it) answered 400" "$T/check.out"
check "0 problems" grep -q "^0 problems" "$T/check.out"
check "nothing was stored" '[ ! -d "$T/spool/events" ] || [ "$(count_files "$T/spool/events")" = 0 ]'

# Another secret than the receiver's: the last probe tells.
GOOD=$CONF
cp "$T/secret" "$T/secret.good"
CONF=$T/other.conf
printf 'other-secret\n' > "$T/other.secret"
chmod 600 "$T/other.secret"
sed "s#^secret_file = .*#secret_file = $T/other.secret#" "$GOOD" > "$CONF"
url_check "a receiver with another secret: exit 1, said" 1 \
    "answered 401 by the receiver, not 400 .*another secret"
# Past the server's limit: max_body 2M, lighttpd's 1024 KiB.
sed 's/^max_body.*//' "$GOOD" > "$CONF"
echo "max_body = 2M" >> "$CONF"
url_check "max_body above the web server's limit: its 413 named" 1 \
    "max_body bytes .*answered 413, not by the receiver.*server.max-request-size"
CONF=$GOOD
URL=http://127.0.0.1:$LIGHTTPD_PORT/huskyhook-typo
url_check "a wrong URL: 404 named" 1 "GET answered 404, not by the receiver.*nothing at this URL"
# The CGI script in the document root, served as a plain file.
printf '#!/bin/sh\nexport HUSKYHOOK_CONFIG=%s\nexec %s\n' "$CONF" "$RECEIVE" > "$T/www/huskyhook.cgi"
URL=http://127.0.0.1:$LIGHTTPD_PORT/huskyhook.cgi
url_check "a .cgi served as a file: the script's source named" 1 \
    "GET answered 200, not by the receiver .*script's source"
lighttpd_stop

# A receiver whose config does not load: its own 500.
sed "s#^secret_file = .*#secret_file = $T/no-such-secret#" "$GOOD" > "$T/broken.conf"
CONF=$T/broken.conf
lighttpd_start huskyhook-fastcgi.conf || not_ok "lighttpd starts again"
CONF=$GOOD
url_check "the receiver's config does not load there: its 500 named" 1 \
    "GET answered 500 by the receiver, not 405 .*config does not load"
lighttpd_stop
URL=http://127.0.0.1:1/huskyhook
url_check "nothing listening: exit 1" 1 "no answer from"

APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
if [ ! -x "$APACHE" ] || [ ! -f "$APACHE_MODULES/mod_cgid.so" ]; then
	skip "Apache with mod_cgid is not installed"
	done_testing
	exit
fi
# Apache, plain CGI from a cgi-bin with init's wrapper and .htaccess
# block; the directory has no Options ExecCGI of the server's.
www=$T/www
mkdir -p "$www/cgi-bin"
sed -e "s#^export HUSKYHOOK_CONFIG=.*#export HUSKYHOOK_CONFIG=$CONF#" \
    -e "s#^exec .*#exec $RECEIVE#" \
    "$top_srcdir/apache/huskyhook.cgi" > "$www/cgi-bin/huskyhook.cgi"
chmod 755 "$www/cgi-bin/huskyhook.cgi"
grep -v 'SetEnv HUSKYHOOK_CONFIG' "$top_srcdir/apache/htaccess" > "$www/cgi-bin/.htaccess"
[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$T"
if ! apache_start cgi; then
	not_ok "Apache starts"
	done_testing
	exit 1
fi
URL=http://127.0.0.1:$APACHE_PORT/cgi-bin/huskyhook.cgi
url_check "Apache CGI without ExecCGI: the 403 named with its fix" 1 \
    "GET answered 403, not by the receiver .*Options ExecCGI is off.*Options \+ExecCGI"
sed -i 's/# Options +ExecCGI/Options +ExecCGI/' "$www/cgi-bin/.htaccess"
url_check "with the block's Options +ExecCGI (AllowOverride All): exit 0" 0 \
    "^ok: .*answered 400 by the receiver"
sed -i "s#^exec .*#exec $T/no-such-receiver#" "$www/cgi-bin/huskyhook.cgi"
url_check "a wrapper that fails: Apache's 500, where its reason is" 1 \
    "answered 500, not by the receiver .*error log"
rm "$www/cgi-bin/.htaccess"
url_check "no .htaccess: the script's source" 1 "answered 200, not by the receiver .*script's source"
apache_stop
done_testing
