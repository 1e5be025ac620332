#!/bin/sh
# What huskyhook init prints for lighttpd, nginx and Apache, used exactly
# as printed: this build installed where configure put it (uninstalled
# at the end), init run as the web server's user, its lighttpd, nginx and
# Apache lines cut out of its output and pasted into each server's config
# (nginx's spawn-fcgi line run as printed), and a signed delivery through
# each. The receiver's socket is in the layout,
# which no other user can enter, not in /tmp.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (installs, runs the servers as $APACHE_USER)"
command -v setpriv > /dev/null || skip_all "setpriv is not installed"
id "$APACHE_USER" > /dev/null 2>&1 || skip_all "no user $APACHE_USER"
command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] ||
    skip_all "lighttpd is not installed"
setup

# Where this build installs (make's own variables, expanded).
make_var() {
	printf 'print-var:\n\t@echo $(%s)\n' "$1" |
	    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s --no-print-directory -C "$top_builddir" -f Makefile -f - print-var
}
BINDIR=$(make_var bindir)
if [ -e "$BINDIR/huskyhook" ]; then
	skip_all "$BINDIR/huskyhook is installed already; not replacing it"
fi
uninstall() {
	lighttpd_stop
	apache_stop
	nginx_stop
	[ -z "${NGINX_RECEIVER:-}" ] || kill "$NGINX_RECEIVER" 2>/dev/null
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" \
	    uninstall > "$T/uninstall.log" 2>&1
	[ -z "${SOCKDIR:-}" ] || rm -rf "$SOCKDIR"
	[ -z "${HOME_DIR:-}" ] || rm -rf "$HOME_DIR"
}
trap uninstall EXIT
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" install \
    > "$T/install.log" 2>&1; then
	ok "make install (to $BINDIR)"
else
	not_ok "make install (to $BINDIR)"
	tail -n 20 "$T/install.log" | sed 's/^/# /'
	done_testing
	exit 1
fi

# The layout belongs to the web server's user, who runs init.
WEB_UID=$(id -u "$APACHE_USER")
WEB_GID=$(id -g "$APACHE_USER")
as_web() { setpriv --reuid="$WEB_UID" --regid="$WEB_GID" --clear-groups "$@"; }
# The layout's path is short (a Unix socket's path is at most 107
# bytes, and a build tree can be deep, as make distcheck's is), in a
# directory of root's that no other user may write.
HOME_DIR=$(mktemp -d /run/hh685.XXXXXX) || skip_all "cannot make a directory in /run"
chmod 755 "$HOME_DIR"
chown "$WEB_UID:$WEB_GID" "$HOME_DIR"
LAYOUT=$HOME_DIR/site
as_web "$BINDIR/huskyhook" init "$LAYOUT" > "$T/init.out" 2>&1
check "init as $APACHE_USER" [ -f "$LAYOUT/huskyhook.conf" ]
CONF=$LAYOUT/huskyhook.conf
SECRET=$(cat "$LAYOUT/secret")
# (The install's own prefix is left out: make distcheck installs into
# its build tree, which may itself be in /tmp.)
PREFIX=$(make_var prefix)
names_open_dir() {
	sed "s#$PREFIX/##g" "$T/init.out" |
	    grep -qE "(^|[^A-Za-z0-9_.-])(/tmp|/var/tmp|/dev/shm)/"
}
check "no line init prints names /tmp, /var/tmp or /dev/shm" '! names_open_dir'
check "the socket's directory: $APACHE_USER's, mode 700" \
    [ "$(stat -c '%U %a' "$LAYOUT/run")" = "$APACHE_USER 700" ]

# lighttpd: the four lines as printed, after the user it says to run as.
sed -n '/^var\.huskyhook_receive = /,/^include /p' "$T/init.out" > "$T/lighttpd.lines"
check "init prints four lighttpd lines" [ "$(wc -l < "$T/lighttpd.lines")" = 4 ]
check "init says to run lighttpd as $APACHE_USER" grep -qF "server.username
   = \"$APACHE_USER\"" "$T/init.out"
if lighttpd_start_as "$APACHE_USER" "$T/lighttpd.lines"; then
	trap uninstall EXIT	# lighttpd_start set its own
	ok "lighttpd starts with init's lines"
	event evt_lines_lt > "$T/lt.json"
	curl_post "$T/lt.json"
	check "a delivery through init's lighttpd lines: 200" [ "$STATUS" = 200 ]
	check "stored in init's spool" cmp -s "$T/lt.json" "$LAYOUT/spool/events/evt_lines_lt.json"
	check "the receiver's socket is in the layout's run/" \
	    '[ -S "$LAYOUT/run/huskyhook.socket-0" ]'
	lighttpd_stop
else
	not_ok "lighttpd starts with init's lines"
	sed 's/^/# /' "$T/lighttpd-error.log" "$T/lighttpd-stderr.log" 2>/dev/null | tail -n 20
fi

# nginx: the spawn-fcgi line run as printed, as the user, and the
# location block pasted into nginx's server block.
if { command -v nginx > /dev/null || [ -x /usr/sbin/nginx ]; } && command -v spawn-fcgi > /dev/null; then
	sed -n '/^location = \/huskyhook {$/,/^}$/p' "$T/init.out" > "$T/nginx.lines"
	check "init prints nginx's location block, four lines" [ "$(wc -l < "$T/nginx.lines")" = 4 ]
	check "init says to run nginx's workers as $APACHE_USER" grep -qF "user $APACHE_USER; in nginx.conf" "$T/init.out"
	SPAWNLINE=$(grep '^HUSKYHOOK_CONFIG=.* spawn-fcgi ' "$T/init.out")
	as_web sh -c "$SPAWNLINE" > "$T/spawn.out" 2>&1
	NGINX_RECEIVER=$(sed -n 's/.*PID: \([0-9]*\).*/\1/p' "$T/spawn.out" | tr '\n' ' ')
	check "init's spawn-fcgi line starts the receiver, its socket in the layout's run/" \
	    '[ -n "$NGINX_RECEIVER" ] && [ -S "$LAYOUT/run/huskyhook.sock" ]'
	if nginx_start "$T/nginx.lines"; then
		trap uninstall EXIT
		ok "nginx starts with init's lines"
		event evt_lines_ng > "$T/ng.json"
		curl_post "$T/ng.json"
		check "a delivery through init's nginx lines: 200" [ "$STATUS" = 200 ]
		check "stored in init's spool" cmp -s "$T/ng.json" "$LAYOUT/spool/events/evt_lines_ng.json"
		nginx_stop
	else
		not_ok "nginx starts with init's lines"
		sed 's/^/# /' "$T/nginx/error.log" "$T/nginx/stderr.log" 2>/dev/null | tail -n 20
	fi
	# shellcheck disable=SC2086
	kill $NGINX_RECEIVER
	NGINX_RECEIVER=
else
	skip "nginx or spawn-fcgi is not installed"
fi

# Apache with mod_fcgid: the three lines as printed, nothing else.
if [ -f "$APACHE_MODULES/mod_fcgid.so" ]; then
	sed -n '/^Define HUSKYHOOK_RECEIVE /,/^IncludeOptional /p' "$T/init.out" > "$T/apache.lines"
	check "init prints three Apache lines" [ "$(wc -l < "$T/apache.lines")" = 3 ]
	if apache_start lines "$T/apache.lines"; then
		trap uninstall EXIT
		ok "Apache starts with init's lines"
		event evt_lines_ap > "$T/ap.json"
		curl_post "$T/ap.json"
		check "a delivery through init's Apache lines: 200" [ "$STATUS" = 200 ]
		check "stored in init's spool" cmp -s "$T/ap.json" "$LAYOUT/spool/events/evt_lines_ap.json"
		apache_stop
	else
		not_ok "Apache starts with init's lines"
		sed 's/^/# /' "$T/apache/error.log" "$T/apache/stderr.log" 2>/dev/null | tail -n 20
	fi
else
	skip "mod_fcgid is not installed"
fi

# The cron line, as printed, as the user: the events are run.
CRONLINE=$(sed -n 's/^   \* \* \* \* \* //p' "$T/init.out")
mv "$LAYOUT/hooks/call.completed.disabled" "$LAYOUT/hooks/call.completed"
as_web sh -c "$CRONLINE"
check "init's cron line runs the hooks" \
    '[ "$(grep -c "\"evt_lines_..\",\"call.completed\"" "$LAYOUT/calls.csv")" = "$(ls "$LAYOUT/spool/events" | wc -l)" ]'
check_as_web() { as_web "$BINDIR/huskyhook" check -c "$CONF" > /dev/null; }
check "the layout passes check" check_as_web
done_testing
