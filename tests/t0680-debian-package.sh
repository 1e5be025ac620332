#!/bin/sh
# The Debian package: dpkg-buildpackage -us -uc -b in a copy of the
# source tree, lintian on the result, then the package installed on this
# machine, a layout made with its huskyhook init, the vendor's sample
# posted through lighttpd with the snippet from /usr/share/huskyhook, and
# the package purged. About 40 s.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (installs the package)"
command -v dpkg-buildpackage > /dev/null || skip_all "dpkg-buildpackage is not installed (dpkg-dev)"
command -v dh > /dev/null || skip_all "debhelper is not installed"
[ -f "$top_srcdir/debian/control" ] || skip_all "no debian/ in the source tree"
if dpkg -s huskyhook > /dev/null 2>&1 || [ -e /usr/bin/huskyhook ] || [ -e /usr/sbin/huskyhook-receive ]; then
	skip_all "huskyhook is installed on this machine already; not replacing it"
fi
setup
S=$T/src/huskyhook
mkdir -p "$S"
# Not the build directory if it is inside the source tree (the copy is
# made in it, and would copy itself).
src_abs=$(cd "$top_srcdir" && pwd -P)
build_abs=$(cd "$top_builddir" && pwd -P)
inside=./_build
case $build_abs in "$src_abs"/*) inside=./${build_abs#"$src_abs"/} ;; esac
(cd "$top_srcdir" && tar --exclude='./build-*' --exclude=./.git \
    --exclude=./autom4te.cache --exclude=./tests/tmp --exclude='./_build' \
    --exclude="$inside" -cf - .) | tar -C "$S" -xf -
# Without the make check that runs this test: its MAKEFLAGS (TESTS=...)
# would reach the package build's own make check.
if (cd "$S" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u TESTS \
    dpkg-buildpackage -us -uc -b > "$T/build.log" 2>&1); then
	ok "dpkg-buildpackage -us -uc -b"
else
	not_ok "dpkg-buildpackage -us -uc -b"
	tail -n 30 "$T/build.log" | sed 's/^/# /'
	done_testing
	exit 1
fi
DEB=$(ls "$T"/src/huskyhook_*.deb)
dpkg -c "$DEB" | awk '{ print $6 }' > "$T/contents"
for f in ./usr/bin/huskyhook ./usr/sbin/huskyhook-receive \
    ./usr/share/man/man1/huskyhook.1.gz ./usr/share/man/man5/huskyhook.conf.5.gz \
    ./usr/share/man/man8/huskyhook-receive.8.gz \
    ./usr/share/huskyhook/lighttpd/huskyhook-fastcgi.conf \
    ./usr/share/huskyhook/nginx/huskyhook-fastcgi.conf \
    ./usr/share/huskyhook/nginx/huskyhook-cgi.conf \
    ./usr/share/huskyhook/nginx/huskyhook-status.conf \
    ./usr/sbin/huskyhook-status \
    ./usr/share/huskyhook/caddy/Caddyfile \
    ./usr/share/huskyhook/h2o/huskyhook.conf \
    ./usr/share/huskyhook/apache/huskyhook-fcgid.conf \
    ./usr/share/huskyhook/apache/huskyhook-receive.service \
    ./usr/share/huskyhook/apache/huskyhook-receive.socket \
    ./usr/share/huskyhook/examples/hooks/log-csv \
    ./usr/share/doc/huskyhook/README.md; do
	check "the package has $f" grep -qxF "$f" "$T/contents"
done
if command -v lintian > /dev/null; then
	lintian -I "$T"/src/huskyhook_*.changes > "$T/lintian.out" 2>&1
	grep -E '^[EWIP]: ' "$T/lintian.out" > "$T/lintian.tags"
	check "lintian: no tags" [ ! -s "$T/lintian.tags" ]
	sed 's/^/# /' "$T/lintian.tags"
else
	skip "lintian is not installed"
fi

# Installed on this machine, purged at the end whatever happens.
purge() {
	lighttpd_stop
	dpkg --purge huskyhook > /dev/null 2>&1
	[ -z "${SOCKDIR:-}" ] || rm -rf "$SOCKDIR"
	[ -z "${VPS:-}" ] || rm -rf "$VPS"
}
trap purge EXIT
check "dpkg -i installs it" 'dpkg -i "$DEB" > "$T/install.log" 2>&1'
check "the nginx snippet names the package's receiver" grep -q '/usr/sbin/huskyhook-receive$' /usr/share/huskyhook/nginx/huskyhook-fastcgi.conf
check "the unit names the package's receiver" grep -qx 'ExecStart=/usr/sbin/huskyhook-receive' /usr/share/huskyhook/apache/huskyhook-receive.service
check "the wrapper names the package's receiver" grep -qx 'exec /usr/sbin/huskyhook-receive' /usr/share/huskyhook/apache/huskyhook.cgi
check "the run unit names the package's huskyhook" grep -q '^ExecStart=/usr/bin/huskyhook run ' /usr/share/huskyhook/apache/huskyhook-run.service
check "the mod_fcgid snippet names the package's receiver and config" \
    'grep -qx "Define HUSKYHOOK_RECEIVE /usr/sbin/huskyhook-receive" /usr/share/huskyhook/apache/huskyhook-fcgid.conf && grep -qx "Define HUSKYHOOK_CONFIG  /etc/huskyhook.conf" /usr/share/huskyhook/apache/huskyhook-fcgid.conf'
check "the forward hook signs with the package's huskyhook" grep -qx 'HUSKYHOOK=/usr/bin/huskyhook' /usr/share/huskyhook/examples/hooks/forward
# Every path an installed file names is the package's: no /usr/local
# (but in hook_path's default, a PATH for hooks) and no @...@ left for
# make install to fill in. Man pages decompressed, programs by strings.
: > "$T/installed.txt"
for f in $(dpkg -L huskyhook); do
	[ -f "$f" ] || continue
	# The README tells of other installs too (/usr/local, @bindir@).
	case $f in /usr/share/doc/*) continue ;; esac
	case $f in
	*.gz) zcat "$f" ;;
	/usr/bin/* | /usr/sbin/*) strings "$f" ;;
	*) cat "$f" ;;
	esac | sed "s#^#$f: #" >> "$T/installed.txt"
done
check "the installed files were read" grep -q '^/usr/share/man/man8/huskyhook-receive.8.gz: ' "$T/installed.txt"
sed 's#/usr/local/bin:/usr/bin:/bin##g' "$T/installed.txt" | grep /usr/local > "$T/usr-local"
check "no installed file names /usr/local" [ ! -s "$T/usr-local" ]
sed 's/^/# /' "$T/usr-local"
grep -E '@(bindir|sbindir|sysconfdir|pkgdatadir|datadir|prefix)@' "$T/installed.txt" > "$T/unfilled"
check "no installed file has a placeholder left" [ ! -s "$T/unfilled" ]
sed 's/^/# /' "$T/unfilled"
# The man pages' default config is the one huskyhook --help names.
conf=$(/usr/bin/huskyhook --help | sed -n 's/.*-c FILE .*, else \(.*\))$/\1/p')
check "huskyhook --help: the default config is /etc/huskyhook.conf" [ "$conf" = /etc/huskyhook.conf ]
for page in man1/huskyhook.1 man5/huskyhook.conf.5 man8/huskyhook-receive.8; do
	check "$page names the default config as --help does" \
	    'zcat "/usr/share/man/$page.gz" | grep -Eq "^\.(It )?Pa $conf( \.)?\$"'
done
check "the man pages name no other default config" \
    '[ "$(zcat /usr/share/man/man*/huskyhook*.gz | grep -o "[^ \"]*etc/huskyhook\.conf" | sort -u)" = "$conf" ]'
/usr/bin/huskyhook init "$T/site" > "$T/init.out" 2>&1
check "huskyhook init, the installed one" [ -f "$T/site/huskyhook.conf" ]
check "init's crontab line names /usr/bin/huskyhook" grep -q '^   \* \* \* \* \* /usr/bin/huskyhook run ' "$T/init.out"
sed -i 's/^max_age = .*/max_age = 0/' "$T/site/huskyhook.conf"
SECRET=$(cat "$T/site/secret")
CONF=$T/site/huskyhook.conf
RECEIVE=/usr/sbin/huskyhook-receive
if command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ]; then
	if lighttpd_start /usr/share/huskyhook/lighttpd/huskyhook-fastcgi.conf; then
		trap purge EXIT	# lighttpd_start set its own
		ok "lighttpd starts with /usr/share/huskyhook/lighttpd/huskyhook-fastcgi.conf"
		printf '%s' "$(cat "$top_srcdir/tests/data/call-completed.json")" > "$T/sample.json"
		curl_post "$T/sample.json"
		check "the vendor's sample through it: 200" [ "$STATUS" = 200 ]
		check "stored in init's spool" cmp -s "$T/sample.json" "$T/site/spool/events/evt_test123.json"
		lighttpd_stop
	else
		not_ok "lighttpd starts with /usr/share/huskyhook/lighttpd/huskyhook-fastcgi.conf"
		sed 's/^/# /' "$T"/lighttpd-*.log
	fi
else
	skip "lighttpd is not installed"
fi
check "/usr/bin/huskyhook list shows it" '/usr/bin/huskyhook -c "$CONF" list | grep -q evt_test123'

# The README's commands for a server of one's own, as written, with the
# layout in a directory of root's under /run rather than /srv: made for
# the web server's user, init run as that user, lighttpd with init's
# lines as that user; then the package's check --url and send.
if ! id "$APACHE_USER" > /dev/null 2>&1; then
	skip "no user $APACHE_USER"
	done_testing
	exit
fi
if ! VPS=$(mktemp -d /run/hh680.XXXXXX); then
	not_ok "a directory in /run"
	done_testing
	exit 1
fi
chmod 755 "$VPS"
L=$VPS/huskyhook
install -d -o "$APACHE_USER" -g "$APACHE_USER" -m 700 "$L"
runuser -u "$APACHE_USER" -- huskyhook init "$L" > "$T/init-vps.out" 2>&1
check "the README's runuser line: init as $APACHE_USER" [ -f "$L/huskyhook.conf" ]
sed 's/^/# /' "$T/init-vps.out" | grep -i 'denied\|huskyhook: ' || true
check "init points to the package's README" grep -qF '(/usr/share/doc/huskyhook/README.md)' "$T/init-vps.out"
huskyhook -c "$L/huskyhook.conf" check > "$T/check-vps.out" 2>&1
check "check warns that $APACHE_USER may change what the hooks run" \
    grep -q "^warning: $L/huskyhook.conf is writable by $APACHE_USER, .*A user of its own" "$T/check-vps.out"
mv "$L/hooks/call.completed.disabled" "$L/hooks/call.completed"
sed -n '/^var\.huskyhook_receive = /,/^include /p' "$T/init-vps.out" > "$T/lighttpd.lines"
CONF=$L/huskyhook.conf
if lighttpd_start_as "$APACHE_USER" "$T/lighttpd.lines"; then
	trap purge EXIT
	ok "lighttpd starts with init's lines, as $APACHE_USER"
	huskyhook -c "$CONF" check --url "$URL" > "$T/check-url.out" 2>&1
	check "the package's check --url passes" [ $? = 0 ]
	sed 's/^/# /' "$T/check-url.out" | grep -v '^# ok' || true
	runuser -u "$APACHE_USER" -- huskyhook -c "$CONF" send --sample call.completed "$URL" > "$T/send.out" 2>&1
	check "the package's send --sample: 200" grep -q '^HTTP 200 {"status":"accepted"' "$T/send.out"
	huskyhook -c "$CONF" run > "$T/run.out" 2>&1
	check "run as root runs the hook as $APACHE_USER" \
	    '[ "$(stat -c %U "$L/calls.csv" 2>/dev/null)" = "$APACHE_USER" ] && grep -q call_987654321 "$L/calls.csv"'
	lighttpd_stop
else
	not_ok "lighttpd starts with init's lines, as $APACHE_USER"
	sed 's/^/# /' "$T/lighttpd-error.log" "$T/lighttpd-stderr.log" 2>/dev/null | tail -n 20
fi

# A crontab that still has init's line when the package goes: its
# prerm names it (a user of the test's own, not www-data's crontab).
CU=hh680$$
if command -v crontab > /dev/null && useradd --system --no-create-home "$CU" 2> /dev/null; then
	sed -n 's/^   \(\* \* \* \* \* .*\)$/\1/p' "$T/init-vps.out" | crontab -u "$CU" -
fi
dpkg --purge huskyhook > "$T/purge.log" 2>&1
check "dpkg --purge removes it" '! dpkg -s huskyhook > /dev/null 2>&1 && [ ! -e /usr/bin/huskyhook ] && [ ! -e /usr/share/huskyhook ]'
if id "$CU" > /dev/null 2>&1; then
	check "the purge names the crontab that still runs huskyhook" \
	    '[ -f "/var/spool/cron/crontabs/$CU" ] && grep -qx "  /var/spool/cron/crontabs/$CU" "$T/purge.log"'
	crontab -r -u "$CU" 2> /dev/null
	userdel "$CU"
else
	skip "no crontab or useradd"
fi
lt_bin=$(command -v lighttpd || echo /usr/sbin/lighttpd)
check "lighttpd still takes init's lines once the package is gone" \
    "$lt_bin" -tt -f "$T/lighttpd.conf"
done_testing
