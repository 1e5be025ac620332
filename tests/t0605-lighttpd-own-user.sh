#!/bin/sh
# The README's "A user of its own": a system user owns the layout (made
# by its init), the receiver runs as that user under spawn-fcgi with the
# socket lighttpd's user's to use, lighttpd (as that user) reaches it
# through lighttpd/huskyhook-fastcgi-socket.conf, and init's crontab line
# runs the hooks as the layout's user. check --url passes without the
# warning a www-data layout gets, send's sample is stored by the user.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (a user of its own, lighttpd as $APACHE_USER)"
command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] ||
    skip_all "lighttpd is not installed"
command -v spawn-fcgi > /dev/null || skip_all "spawn-fcgi is not installed"
command -v useradd > /dev/null || skip_all "useradd is not installed"
id "$APACHE_USER" > /dev/null 2>&1 || skip_all "no user $APACHE_USER"
setup
U=hh605$$
# Short paths for the sockets, in directories of root's.
BASE=$(mktemp -d /run/hh605.XXXXXX) || skip_all "cannot make a directory in /run"
chmod 755 "$BASE"
cleanup_own() {
	lighttpd_stop
	[ ! -f "$BASE/spawn.pids" ] || xargs kill < "$BASE/spawn.pids" 2>/dev/null
	userdel "$U" 2>/dev/null
	rm -rf "$BASE"
	[ -z "${SOCKDIR:-}" ] || rm -rf "$SOCKDIR"
}
trap cleanup_own EXIT
L=$BASE/huskyhook
R=$BASE/run
useradd --system --user-group --home-dir "$L" --no-create-home \
    --shell /usr/sbin/nologin "$U" || { not_ok "useradd $U"; done_testing; exit 1; }
# The README's lines, with this test's names.
install -d -o "$U" -g "$U" -m 700 "$L"
runuser -u "$U" -- "$HUSKYHOOK" init "$L" > "$T/init.out" 2>&1
check "init as the user of its own" [ "$(stat -c %U "$L/huskyhook.conf" 2>/dev/null)" = "$U" ]
mv "$L/hooks/call.completed.disabled" "$L/hooks/call.completed"
install -d -o "$U" -g "$APACHE_USER" -m 750 "$R"
HUSKYHOOK_CONFIG=$L/huskyhook.conf spawn-fcgi -s "$R/huskyhook.sock" -M 0660 \
    -U "$APACHE_USER" -u "$U" -g "$U" -F 2 -- "$RECEIVE" > "$T/spawn.out" 2>&1
check "spawn-fcgi starts the receiver as $U" grep -q 'child spawned successfully' "$T/spawn.out"
sed -n 's/.*PID: \([0-9]*\).*/\1/p' "$T/spawn.out" > "$BASE/spawn.pids"
check "the socket: $APACHE_USER's to use, in a directory only $U may write" \
    [ "$(stat -c '%U %a' "$R/huskyhook.sock") $(stat -c '%U %G %a' "$R")" = "$APACHE_USER 660 $U $APACHE_USER 750" ]
{
	echo "var.huskyhook_socket = \"$R/huskyhook.sock\""
	echo "include \"$top_srcdir/lighttpd/huskyhook-fastcgi-socket.con[f]\""
} > "$T/lighttpd.lines"
if ! lighttpd_start_as "$APACHE_USER" "$T/lighttpd.lines"; then
	not_ok "lighttpd starts with huskyhook-fastcgi-socket.conf"
	sed 's/^/# /' "$T/lighttpd-error.log" "$T/lighttpd-stderr.log" 2>/dev/null | tail -n 20
	done_testing
	exit 1
fi
trap cleanup_own EXIT	# lighttpd_start set its own
ok "lighttpd starts with huskyhook-fastcgi-socket.conf, as $APACHE_USER"

CONF=$L/huskyhook.conf
runuser -u "$U" -- "$HUSKYHOOK" -c "$CONF" check --url "$URL" > "$T/check.out" 2>&1
rc=$?
check "check --url as $U: exit 0" [ "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/# /' "$T/check.out"
check "and no warning of a web server's user" '! grep -q "a web server.s user" "$T/check.out"'
runuser -u "$U" -- "$HUSKYHOOK" -c "$CONF" send --sample call.completed "$URL" > "$T/send.out" 2>&1
check "send --sample through lighttpd: 200" grep -q '^HTTP 200 {"status":"accepted"' "$T/send.out"
id=$(sed -n 's/^sample call.completed as //p' "$T/send.out")
check "the event is $U's, stored by the receiver running as $U" \
    [ "$(stat -c %U "$L/spool/events/$id.json" 2>/dev/null)" = "$U" ]
CRONLINE=$(sed -n 's/^   \* \* \* \* \* //p' "$T/init.out")
runuser -u "$U" -- sh -c "$CRONLINE"
check "init's cron line, as $U: the hook ran" grep -q "\"$id\",\"call.completed\"" "$L/calls.csv"

# The layout the www-data route makes gets the warning this one does not.
W=$BASE/web
install -d -o "$APACHE_USER" -g "$APACHE_USER" -m 700 "$W"
runuser -u "$APACHE_USER" -- "$HUSKYHOOK" init "$W" > /dev/null 2>&1
"$HUSKYHOOK" -c "$W/huskyhook.conf" check > "$T/check-web.out" 2>&1
check "a layout of $APACHE_USER's: check warns, naming the way out" \
    grep -q "^warning: $W/huskyhook.conf is writable by $APACHE_USER, a web server's user: .*A user of its own" "$T/check-web.out"
done_testing
