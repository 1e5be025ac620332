#!/bin/sh
# The first hour with init's layout: what init prints is run as printed
# (the HUSKYHOOK_CONFIG line, check --url, enabling a hook, send, run)
# against the receiver under lighttpd; init --help; --cgi-bin into a
# missing directory leaves nothing behind; kick = yes is in the config,
# ready to uncomment; a requeue is marked in the hook log, so that show's
# attempts and the log agree; check warns about hooks a web server's user
# may change.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] ||
    skip_all "lighttpd is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"
setup
L=$T/layout

# --cgi-bin where its parent is missing: refused before anything is made.
"$HUSKYHOOK" init "$L" --cgi-bin "$T/no-public_html/cgi-bin" > "$T/init0.out" 2>&1
rc=$?
check "init --cgi-bin into a missing parent: exit 1" [ "$rc" = 1 ]
check "it says what is missing" grep -q "parent directory is missing" "$T/init0.out"
check "and leaves no layout behind" [ ! -e "$L" ]

# A cgi-bin init makes is 755 whatever the umask (init's own is 077):
# the web server's user must enter it, or every request is a 403.
mkdir "$T/public_html"
(umask 077 && "$HUSKYHOOK" init "$T/cgi-layout" --cgi-bin "$T/public_html/cgi-bin" > "$T/init-cgi.out" 2>&1)
check "init --cgi-bin makes the cgi-bin mode 755 under umask 077" [ "$(stat -c %a "$T/public_html/cgi-bin")" = 755 ]
check "init --cgi-bin: the status page's lines for a cgi-bin, not lighttpd's" \
    'grep -q "^<Files \"huskyhook-status.cgi\">$" "$T/init-cgi.out" && ! grep -q "lighttpd/huskyhook-status.conf" "$T/init-cgi.out"'

"$HUSKYHOOK" init --help > "$T/help.out" 2>&1
check "init --help: more than the usage line" \
    'grep -q "^  --cgi-bin WEBDIR  shared hosting" "$T/help.out" && [ "$(wc -l < "$T/help.out")" -gt 10 ]'

"$HUSKYHOOK" init "$L" > "$T/init.out" 2>&1
check "init" [ -f "$L/huskyhook.conf" ]
check "init prints the HUSKYHOOK_CONFIG line" \
    grep -qxF "     export HUSKYHOOK_CONFIG=\"$L/huskyhook.conf\"" "$T/init.out"
check "init's config has kick = yes, commented out" grep -qx '# kick = yes' "$L/huskyhook.conf"

# The printed lines, as printed (HOST: the test's lighttpd).
eval "$(sed -n 's/^     export HUSKYHOOK_CONFIG=/export HUSKYHOOK_CONFIG=/p' "$T/init.out")"
event evt_env > "$T/env.json"
check "with that line, sign needs no -c" \
    '[ "$("$HUSKYHOOK" sign "$T/env.json")" = "$(sign "$T/env.json" "$(cat "$L/secret")")" ]'
CONF=$L/huskyhook.conf
lighttpd_must_start huskyhook-fastcgi.conf
printed() {
	sed -n "s/^     \(.*\)$/\1/p" "$T/init.out" | grep -E "$1" |
	    sed "s#https://HOST/huskyhook#$URL#"
}
printed ' check -c ' > "$T/step4"
printed '^mv | send -c | run -c ' > "$T/step5"
check "init prints check --url, and mv, send and run lines" \
    '[ "$(wc -l < "$T/step4")" = 1 ] && [ "$(wc -l < "$T/step5")" = 3 ]'
sh -e "$T/step4" > "$T/step4.out" 2>&1
rc=$?
check "step 4 as printed: check --url passes" '[ $rc = 0 ] && grep -q "answered 400 by the receiver" "$T/step4.out"'
[ $rc = 0 ] || sed 's/^/# /' "$T/step4.out"
sh -e "$T/step5" > "$T/step5.out" 2>&1
check "step 5 as printed: the sample accepted" grep -q '^HTTP 200 {"status":"accepted"' "$T/step5.out"
check "and its hook ran (calls.csv)" grep -q '"call_987654321","completed"' "$L/calls.csv"
id=$(sed -n 's/^sample call.completed as //p' "$T/step5.out")

# kick = yes uncommented: the config loads, the hook runs without a run.
sed -i 's/^# kick = yes$/kick = yes/' "$L/huskyhook.conf"
hh check > "$T/check-kick.out" 2>&1
check "kick = yes uncommented: check passes" [ $? = 0 ]

# A requeue, marked in the hook log; show's attempts count from it.
hh requeue "$id" > /dev/null 2>&1
hh run > /dev/null 2>&1
hh show "$id" > "$T/show.out" 2>&1
check "requeue writes its mark in the hook log" \
    grep -q "^=== .* requeued: attempts from 1 again$" "$T/show.out"
check "show: attempts 1, the run since the requeue" grep -q '^attempts *1$' "$T/show.out"
check "show says which runs the hook log holds" \
    grep -q '^--- hook log (.*): each run that printed something or failed$' "$T/show.out"
lighttpd_stop

# Hooks a web server's user may change: a warning naming what it may
# write (t0605 runs the way out the warning names).
if [ "$(id -u)" = 0 ] && id "$APACHE_USER" > /dev/null 2>&1; then
	hh check > "$T/check-own.out" 2>&1
	check "a layout of root's: no warning of a web server's user" \
	    '! grep -q "a web server.s user" "$T/check-own.out"'
	chgrp "$APACHE_USER" "$L/hooks" && chmod g+w "$L/hooks"
	hh check > "$T/check-group.out" 2>&1
	check "hooks/ group-writable by $APACHE_USER: check warns" \
	    grep -q "^warning: $L/hooks is writable by $APACHE_USER, a web server's user" "$T/check-group.out"
	chmod g-w "$L/hooks" && chown "$APACHE_USER" "$L"
	hh check > "$T/check-above.out" 2>&1
	check "the layout above hooks/ $APACHE_USER's: check warns about it" \
	    grep -q "^warning: $L is writable by $APACHE_USER, a web server's user" "$T/check-above.out"
	chown -R "$APACHE_USER" "$L"
	hh check > "$T/check-web.out" 2>&1
	check "a layout of $APACHE_USER's: check warns about the config first" \
	    grep -q "^warning: $L/huskyhook.conf is writable by $APACHE_USER, .*A user of its own" "$T/check-web.out"
	check "and it is a warning, not a problem" [ "$(grep -c '^warning: .*a web server' "$T/check-web.out")" = 1 ]
else
	skip "needs root and a user $APACHE_USER"
fi
done_testing
