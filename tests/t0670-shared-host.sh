#!/bin/sh
# A shared host, built by the test as root: an unprivileged user with
# ~/public_html and a crontab, and an Apache of its own (apache2 -f, on a
# loopback port) with mod_userdir and Debian's own userdir.conf
# (AllowOverride FileInfo AuthConfig Limit Indexes: .htaccess cannot set
# Options), mod_cgid, mod_fcgid and suexec. Like hosts that offer a
# cgi-bin, the server config allows CGI programs (Options +ExecCGI) in
# ~/public_html/cgi-bin; that is the only thing it adds.
# Then, as that user, what the README's shared hosting steps say, their
# commands taken from the README and from what init prints: the release
# tarball (make dist) built and installed into ~/huskyhook-dist,
# huskyhook init ~/huskyhook --cgi-bin ~/public_html/cgi-bin, the PATH and
# HUSKYHOOK_CONFIG lines, check --url, a hook enabled, a sample sent and
# run, kick = yes; the vendor's sample signed with openssl, a
# redelivery, a bad signature, and the hook run by init's crontab line
# (by the real cron when it can be started, else by sh -c).
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
# shellcheck source=tests/wait.sh
. "$top_srcdir/tests/wait.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (a user of its own, suexec)"
APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
[ -x "$APACHE" ] || skip_all "apache2 is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"
command -v useradd > /dev/null || skip_all "useradd is not installed"
command -v runuser > /dev/null || skip_all "runuser is not installed"
[ -f "$APACHE_MODULES/mod_userdir.so" ] || skip_all "mod_userdir is not installed"
SUEXEC=/usr/lib/apache2/suexec
[ -u "$SUEXEC" ] ||
    skip_all "suexec is not installed (apt-get install apache2-suexec-pristine)"
# suexec runs only programs under the user directory of a user it knows.
suffix=$("$SUEXEC" -V 2>&1 | sed -n 's/.*AP_USERDIR_SUFFIX="\(.*\)"/\1/p')
[ "$suffix" = public_html ] ||
    skip_all "this suexec's userdir suffix is '$suffix', not public_html"

setup
U=hht$$
HOMEDIR=/home/$U
cleanup_host() {
	server_stop APACHE_PID
	[ -z "${CRON_PID:-}" ] || { kill "$CRON_PID" 2>/dev/null; wait "$CRON_PID" 2>/dev/null; }
	crontab -r -u "$U" 2>/dev/null
	# The user's processes (CGI programs, FastCGI ones) are gone with
	# Apache; then the user.
	userdel -r "$U" 2>/dev/null
	rm -rf "$HOMEDIR"
	[ -z "${SOCKDIR:-}" ] || rm -rf "$SOCKDIR"
}
trap cleanup_host EXIT
trap 'exit 1' INT TERM
useradd -m -d "$HOMEDIR" -s /bin/sh "$U" ||
    { not_ok "useradd $U"; done_testing; exit 1; }
# as_user CMD: a login-like shell of the user, in its home.
as_user() {
	runuser -u "$U" -- env -i HOME="$HOMEDIR" USER="$U" LOGNAME="$U" \
	    PATH=/usr/local/bin:/usr/bin:/bin SHELL=/bin/sh \
	    sh -c "cd && umask 022 && $1"
}

# post_at URL FILE: FILE signed with the user's secret, posted to URL.
post_at() {
	saved_url=$URL
	URL=$1
	SIG=$(sign "$2" "$USECRET")
	curl_post "$2"
	unset SIG
	URL=$saved_url
}

# --- the host: what its admin set up --------------------------------
chmod 711 "$HOMEDIR"	# reachable by the web server, as hosts do
as_user 'mkdir -p public_html/cgi-bin public_html/fileinfo public_html/allover'
# What the user had in cgi-bin before: another script, an .htaccess of
# its own, a file. The other script is the README's suexec test.
printf '#!/bin/sh\nprintf '"'"'Content-Type: text/plain\\n\\n'"'"'; id -un\n' \
    > "$HOMEDIR/public_html/cgi-bin/id.cgi"
printf '# the user'"'"'s own lines\nAddHandler cgi-script .cgi\n' \
    > "$HOMEDIR/public_html/cgi-bin/.htaccess"
echo "a file of the user's" > "$HOMEDIR/public_html/cgi-bin/notes.txt"
chown "$U:" "$HOMEDIR/public_html/cgi-bin/"*  "$HOMEDIR/public_html/cgi-bin/.htaccess"
chmod 755 "$HOMEDIR/public_html/cgi-bin/id.cgi"

sockdir
A=$T/apache
mkdir -p "$A/run" "$T/www"
USERDIR_CONF=/etc/apache2/mods-available/userdir.conf
if [ ! -f "$USERDIR_CONF" ]; then
	USERDIR_CONF=$A/userdir.conf
	{
		echo "UserDir public_html"
		echo "UserDir disabled root"
		echo "<Directory /home/*/public_html>"
		echo "	AllowOverride FileInfo AuthConfig Limit Indexes"
		echo "	Options MultiViews Indexes SymLinksIfOwnerMatch IncludesNoExec"
		echo "	Require method GET POST OPTIONS"
		echo "</Directory>"
	} > "$USERDIR_CONF"
fi
port=$((40000 + $$ % 20000))
while curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do port=$((port + 1)); done
{
	echo "ServerName 127.0.0.1"
	echo "Listen 127.0.0.1:$port"
	echo "PidFile $A/run/httpd.pid"
	echo "ErrorLog $A/error.log"
	echo "LogLevel warn"
	echo "DefaultRuntimeDir $A/run"
	echo "Mutex file:$A/run default"
	for m in mpm_event authz_core authz_host alias mime env rewrite cgid fcgid userdir; do
		echo "LoadModule ${m}_module $APACHE_MODULES/mod_$m.so"
	done
	echo "User $APACHE_USER"
	echo "Group $APACHE_USER"
	echo "ScriptSock $SOCKDIR/cgid.sock"
	echo "FcgidIPCDir $SOCKDIR/fcgid"
	echo "FcgidProcessTableFile $A/run/fcgid.shm"
	echo "TypesConfig /dev/null"
	echo "DocumentRoot $T/www"
	echo "# Debian's own, as the host has it:"
	echo "Include $USERDIR_CONF"
	echo "# What a host that offers a cgi-bin adds:"
	echo "<Directory /home/*/public_html/cgi-bin>"
	echo "	Options +ExecCGI"
	echo "</Directory>"
	echo "# Two more directories of the user's, for the overrides hosts grant:"
	echo "<Directory $HOMEDIR/public_html/fileinfo>"
	echo "	AllowOverride FileInfo"
	echo "	Options +ExecCGI"
	echo "</Directory>"
	echo "<Directory $HOMEDIR/public_html/allover>"
	echo "	AllowOverride All"
	echo "	Options +ExecCGI"
	echo "</Directory>"
} > "$A/httpd.conf"
mkdir -p "$SOCKDIR/fcgid"
chown "$APACHE_USER" "$SOCKDIR/fcgid"
chown -R "$APACHE_USER" "$A"
"$APACHE" -f "$A/httpd.conf" -DFOREGROUND 2>> "$A/stderr.log" &
APACHE_PID=$!
if server_ready "$port" "$APACHE_PID"; then
	ok "the host's Apache starts (userdir, cgid, fcgid, suexec)"
else
	not_ok "the host's Apache starts (userdir, cgid, fcgid, suexec)"
	sed 's/^/# /' "$A"/*.log
	done_testing
	exit 1
fi
trap cleanup_host EXIT	# server_ready set its own
BASEURL=http://127.0.0.1:$port/~$U

# --- the user: the README's steps -----------------------------------
# Step 1: the release tarball, made here with make dist, built and
# installed as the user with the README's own line.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" dist \
    > "$T/dist.log" 2>&1 && cp "$top_builddir"/huskyhook-*.tar.gz "$HOMEDIR/"; then
	ok "make dist: $(basename "$HOMEDIR"/huskyhook-*.tar.gz)"
else
	not_ok "make dist"
	tail -n 5 "$T/dist.log" | sed 's/^/# /'
fi
chown "$U:" "$HOMEDIR"/huskyhook-*.tar.gz
STEP1=$(sed -n 's/^   `\(tar xzf huskyhook-.* && make install\)`$/\1/p' "$top_srcdir/README.md")
tarball=$(echo "$STEP1" | sed 's/^tar xzf \([^ ]*\) .*/\1/')
check "the README's step 1 names the tarball make dist made ($tarball)" \
    '[ -n "$STEP1" ] && [ -f "$HOMEDIR/$tarball" ]'
if as_user "$STEP1" > "$T/install.out" 2>&1; then
	ok "the README's step 1 as the user: $STEP1"
else
	not_ok "the README's step 1 as the user: $STEP1"
	tail -n 10 "$T/install.out" | sed 's/^/# /'
fi
DIST=$HOMEDIR/huskyhook-dist
as_user "huskyhook-dist/bin/huskyhook init ~/huskyhook --cgi-bin ~/public_html/cgi-bin --url '$BASEURL/cgi-bin'" > "$T/init.out" 2> "$T/init.err"
check "init --cgi-bin: exit 0" [ $? = 0 ]
sed 's/^/# /' "$T/init.err"
CGI=$HOMEDIR/public_html/cgi-bin
check "init wrote huskyhook.cgi: the installed receiver, the config" \
    'grep -qx "exec $DIST/sbin/huskyhook-receive" "$CGI/huskyhook.cgi" && grep -qx "export HUSKYHOOK_CONFIG=$HOMEDIR/huskyhook/huskyhook.conf" "$CGI/huskyhook.cgi"'
check "huskyhook.cgi: the user's, mode 755 (as suexec wants)" [ "$(stat -c '%U %a' "$CGI/huskyhook.cgi")" = "$U 755" ]
check "the user's .htaccess keeps its lines" 'head -n 2 "$CGI/.htaccess" | grep -qx "AddHandler cgi-script .cgi"'
check "init says it appended its block" grep -q 'appended to the one there' "$T/init.out"
# The block init writes is the shipped apache/htaccess's, word for word.
sed -n '/^# BEGIN huskyhook/,/^# END huskyhook/p' "$DIST/share/huskyhook/apache/htaccess" |
    sed "s#^\\(.SetEnv HUSKYHOOK_CONFIG\\) .*#\\1 $HOMEDIR/huskyhook/huskyhook.conf#" > "$T/shipped-block"
sed -n '/^# BEGIN huskyhook/,/^# END huskyhook/p' "$CGI/.htaccess" > "$T/init-block"
check "init's .htaccess block is the shipped apache/htaccess's" cmp -s "$T/shipped-block" "$T/init-block"
URL=$(sed -n 's/^     \(http:.*\)$/\1/p' "$T/init.out")
check "init prints the exact URL for the dashboard" [ "$URL" = "$BASEURL/cgi-bin/huskyhook.cgi" ]
CRONLINE=$(sed -n 's/^   \(\* \* \* \* \* .*\)$/\1/p' "$T/init.out")
check "init prints the crontab line with absolute paths" [ "$CRONLINE" = "* * * * * $DIST/bin/huskyhook run -c $HOMEDIR/huskyhook/huskyhook.conf >> $HOMEDIR/huskyhook/cron.log 2>&1" ]

USECRET=$(cat "$HOMEDIR/huskyhook/secret")

# Steps 4 to 6, with the lines init printed: ~/.profile gets the PATH and
# HUSKYHOOK_CONFIG lines; check --url, the hook enabled, a sample sent,
# the hooks run, each as printed, in a login shell of the user's.
sed -n 's/^     \(export [A-Z_]*=.*\)$/\1/p' "$T/init.out" > "$T/profile"
check "init prints the PATH and HUSKYHOOK_CONFIG lines" [ "$(wc -l < "$T/profile")" = 2 ]
as_user "cat '$T/profile' >> .profile"
sed -n 's/^     \(.* check -c .*\)$/\1/p' "$T/init.out" > "$T/step4"
as_user ". ./.profile && sh -e '$T/step4'" > "$T/step4.out" 2>&1
check "step 4, init's check --url line: exit 0 through suexec" \
    grep -q "^ok: .*answered 400 by the receiver" "$T/step4.out"
grep -v '^ok' "$T/step4.out" | sed 's/^/# /'
sed -n 's/^     \(mv .*\)$/\1/p; s/^     \(.* send -c .*\)$/\1/p; s/^     \(.* run -c .*\)$/\1/p' "$T/init.out" > "$T/step5"
as_user ". ./.profile && sh -e '$T/step5'" > "$T/step5.out" 2>&1
check "step 5, init's lines: the sample accepted" grep -q '^HTTP 200 {"status":"accepted"' "$T/step5.out"
check "and its hook run as the user: calls.csv" \
    '[ "$(stat -c %U "$HOMEDIR/huskyhook/calls.csv" 2>/dev/null)" = "$U" ] && grep -q "\"call.completed\",\"call_987654321\"" "$HOMEDIR/huskyhook/calls.csv"'
as_user ". ./.profile && huskyhook show $(sed -n 's/^sample call.completed as //p' "$T/step5.out")" > "$T/show.out" 2>&1
check "with the profile's lines, show needs no -c" grep -q '^state *done$' "$T/show.out"
# Step 7: kick = yes, under suexec: the hook runs without cron or run.
as_user "sed -i 's/^# kick = yes$/kick = yes/' huskyhook/huskyhook.conf && . ./.profile && huskyhook send --sample call.completed '$URL'" > "$T/kick.out" 2>&1
kid=$(sed -n 's/^sample call.completed as //p' "$T/kick.out")
check "step 7, kick = yes: the sample's hook runs within 5 s, no run started by hand" \
    wait_until 5 grep -q "\"$kid\"" "$HOMEDIR/huskyhook/calls.csv"
as_user "sed -i 's/^kick = yes$/# kick = yes/' huskyhook/huskyhook.conf"

# The README: the sample is from June 2026; max_age = 0 to replay it.
as_user "sed -i 's/^max_age = .*/max_age = 0/' huskyhook/huskyhook.conf"

STATUS=$(curl -s -o "$T/out" -w '%{http_code}' "$BASEURL/cgi-bin/id.cgi")
check "the README's id.cgi: CGI programs run as the user (suexec)" '[ "$STATUS" = 200 ] && grep -qx "$U" "$T/out"'
STATUS=$(curl -s -o /dev/null -w '%{http_code}' "$BASEURL/cgi-bin/notes.txt")
check "the user's other files in cgi-bin are still served" [ "$STATUS" = 200 ]

# The vendor's sample, with its own curl and openssl lines.
PAYLOAD=$(cat "$top_srcdir/tests/data/call-completed.json")
# shellcheck disable=SC3037
doc_sig=$(echo -n "$PAYLOAD" | openssl dgst -sha256 -hmac "$USECRET" | sed 's/^.*= //')
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -X POST "$URL" \
    -H "Content-Type: application/json" \
    -H "X-Husky-Signature: $doc_sig" -d "$PAYLOAD")
check "the vendor's sample at init's URL: 200 accepted" '[ "$STATUS" = 200 ] && grep -q "\"accepted\"" "$T/out"'
[ "$STATUS" = 200 ] || { sed 's/^/# /' "$T/out" "$A/error.log"; tail -n 5 /var/log/apache2/suexec.log 2>/dev/null | sed 's/^/# /'; }
EV=$HOMEDIR/huskyhook/spool/events/evt_test123.json
check "stored by the receiver running as the user" [ "$(stat -c %U "$EV" 2>/dev/null)" = "$U" ]
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -X POST "$URL" \
    -H "Content-Type: application/json" \
    -H "X-Husky-Signature: $doc_sig" -d "$PAYLOAD")
check "redelivery: 200 duplicate" '[ "$STATUS" = 200 ] && grep -q duplicate "$T/out"'
event evt_forged > "$T/forged.json"
SIG=$(sign "$T/forged.json" wrong) curl_post "$T/forged.json"
check "bad signature: 401, nothing stored" '[ "$STATUS" = 401 ] && [ ! -e "$HOMEDIR/huskyhook/spool/events/evt_forged.json" ]'
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' "$URL")
check "GET: the receiver's 405" [ "$STATUS" = 405 ]
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/x")
check "huskyhook.cgi/x: 404 (AcceptPathInfo Off)" [ "$STATUS" = 404 ]
head -c 2000000 /dev/zero | tr '\0' 'a' > "$T/huge.json"
SIG=0 curl_post "$T/huge.json"
check "2 MB body: 413" [ "$STATUS" = 413 ]

# The overrides hosts grant: the same block in a directory with
# AllowOverride FileInfo only, and with All.
for d in fileinfo allover; do
	as_user "huskyhook-dist/bin/huskyhook init ~/huskyhook --cgi-bin ~/public_html/$d" > "$T/init-$d.out" 2>&1
	event "evt_$d" > "$T/$d.json"
	post_at "$BASEURL/$d/huskyhook.cgi" "$T/$d.json"
	check "AllowOverride $d: init's entry accepts a fresh event (200)" [ "$STATUS" = 200 ]
	[ "$STATUS" = 200 ] || { sed 's/^/# /' "$T/out"; tail -n 3 "$A/error.log" | sed 's/^/# /'; }
done
# The shipped files as a user copies them by hand, under Debian's
# overrides: apache/htaccess appended to an .htaccess, apache/huskyhook.cgi
# with its config's path edited (make install wrote the receiver's).
as_user "mkdir public_html/cgi-bin/shipped && cd public_html/cgi-bin/shipped && echo '# theirs' > .htaccess && cat ~/huskyhook-dist/share/huskyhook/apache/htaccess >> .htaccess && sed -e 's#^export HUSKYHOOK_CONFIG=.*#export HUSKYHOOK_CONFIG=$HOMEDIR/huskyhook/huskyhook.conf#' ~/huskyhook-dist/share/huskyhook/apache/huskyhook.cgi > huskyhook.cgi && chmod 755 huskyhook.cgi && echo x > notes.txt"
check "the installed apache/huskyhook.cgi execs the installed receiver" grep -qx "exec $DIST/sbin/huskyhook-receive" "$DIST/share/huskyhook/apache/huskyhook.cgi"
event evt_shipped > "$T/shipped.json"
post_at "$BASEURL/cgi-bin/shipped/huskyhook.cgi" "$T/shipped.json"
check "the shipped apache/htaccess under Debian's userdir overrides: 200" [ "$STATUS" = 200 ]
[ "$STATUS" = 200 ] || { sed 's/^/# /' "$T/out"; tail -n 3 "$A/error.log" | sed 's/^/# /'; }
STATUS=$(curl -s -o /dev/null -w '%{http_code}' "$BASEURL/cgi-bin/shipped/notes.txt")
check "the shipped apache/htaccess leaves the directory's other files alone" [ "$STATUS" = 200 ]

check "init on an existing layout: the layout is left as it was" 'grep -q "is there already" "$T/init-fileinfo.out" && [ "$(grep -c . "$HOMEDIR/huskyhook/secret")" = 1 ]'

# The config's and the receiver's paths go into huskyhook.cgi and the
# .htaccess block unquoted: init refuses one with anything but letters,
# digits and / . _ + , @ : = -, names it, and writes nothing in the
# cgi-bin. ("hh;x" would have made the script run hh's x.)
# as_user_run CMD ARG...: CMD run as the user, its arguments as they are.
as_user_run() {
	runuser -u "$U" -- env -i HOME="$HOMEDIR" USER="$U" LOGNAME="$U" \
	    PATH=/usr/bin:/bin "$@"
}
nl=$(printf '\nx')
nl=${nl%x}
cr=$(printf '\r')
n=0
for bad in ' ' '$' '`' "'" '"' "$nl" ';' '|' '&' '*' '~' '#' '(' "$cr" 'é'; do
	n=$((n + 1))
	layout=$HOMEDIR/hh${bad}x
	web=$HOMEDIR/public_html/refused$n
	as_user_run "$DIST/bin/huskyhook" init "$layout" --cgi-bin "$web" > "$T/refused.out" 2> "$T/refused.err"
	st=$?
	shown=$(printf '%s' "$bad" | od -An -tx1 | tr -d ' \n')
	check "init --cgi-bin, a layout path with byte(s) $shown: exit 1, the path and the character named" \
	    '[ $st = 1 ] && grep -q "^huskyhook: $HOMEDIR/hh.*x/huskyhook.conf: the .* cannot go into huskyhook.cgi" "$T/refused.err"'
	[ $st = 1 ] || sed 's/^/# /' "$T/refused.err"
	check "init --cgi-bin, a layout path with byte(s) $shown: nothing written, layout or cgi-bin" \
	    '[ ! -e "$web/huskyhook.cgi" ] && [ ! -e "$web/.htaccess" ] && [ ! -e "$layout/huskyhook.conf" ]'
	rm -rf "$layout" "$web"
done
# The receiver, found beside the huskyhook that runs, in such a path.
cp -a "$DIST" "$HOMEDIR/hh;dist"
as_user_run "$HOMEDIR/hh;dist/bin/huskyhook" init "$HOMEDIR/hhrecv" --cgi-bin "$HOMEDIR/public_html/refused-recv" > "$T/refused.out" 2> "$T/refused.err"
st=$?
check "init --cgi-bin, a receiver path with ';': exit 1, the path and ';' named" \
    '[ $st = 1 ] && grep -qF "huskyhook: $HOMEDIR/hh;dist/sbin/huskyhook-receive: the character '"';'"' cannot" "$T/refused.err"'
check "init --cgi-bin, a receiver path with ';': nothing written" \
    '[ ! -e "$HOMEDIR/hhrecv/huskyhook.conf" ] && [ ! -e "$HOMEDIR/public_html/refused-recv" ]'
rm -rf "$HOMEDIR/hh;dist" "$HOMEDIR/hhrecv"

# mod_fcgid from .htaccess: a FastCGI receiver under suexec, started by
# Apache and reused. FcgidMaxRequestLen (128 KiB by default) can only be
# set by the host's config.
as_user "cp public_html/cgi-bin/huskyhook.cgi public_html/cgi-bin/huskyhook.fcgi && printf '%s\n' '<Files \"huskyhook.fcgi\">' '	SetHandler fcgid-script' '</Files>' >> public_html/cgi-bin/.htaccess"
event evt_fcgid > "$T/fcgid.json"
post_at "$BASEURL/cgi-bin/huskyhook.fcgi" "$T/fcgid.json"
check "mod_fcgid from .htaccess: 200" [ "$STATUS" = 200 ]
check "mod_fcgid: stored by the user" [ "$(stat -c %U "$HOMEDIR/huskyhook/spool/events/evt_fcgid.json" 2>/dev/null)" = "$U" ]
big=$(head -c 200000 /dev/zero | tr '\0' 'x')
for via in cgi fcgi; do
	printf '{"event_id":"evt_big_%s","event_type":"call.completed","created_at":"%s","org_id":"org_abc_123","data":{"transcript":"%s"}}' \
	    "$via" "$(now_utc)" "$big" > "$T/big-$via.json"
	post_at "$BASEURL/cgi-bin/huskyhook.$via" "$T/big-$via.json"
	eval "big_$via=\$STATUS"
done
# shellcheck disable=SC2154
check "a 200 KB event: 200 through CGI" [ "$big_cgi" = 200 ]
# shellcheck disable=SC2154
check "a 200 KB event: 500 through mod_fcgid (FcgidMaxRequestLen 128 KiB)" [ "$big_fcgi" = 500 ]

# --- cron: init's line, verbatim ------------------------------------
printf '%s\n' "$CRONLINE" > "$T/crontab"
chmod 644 "$T/crontab"
as_user "crontab '$T/crontab'"
check "the user installs init's line with crontab" 'crontab -l -u "$U" | grep -qxF "$CRONLINE"'
CSV=$HOMEDIR/huskyhook/calls.csv
if command -v cron > /dev/null; then
	# Debian's cron: the machine's own if it runs (it rereads crontabs
	# every minute), else one in the foreground, stopped by its PID at
	# the end. The line runs at the next minute.
	if ! pgrep -x cron > /dev/null; then
		cron -f -L 0 > "$T/cron.out" 2>&1 &
		CRON_PID=$!
	fi
	i=0
	while [ $i -lt 75 ] && ! grep -qs evt_test123 "$CSV"; do
		sleep 1
		i=$((i + 1))
	done
	check "the real cron ran init's line: the hook wrote its CSV line" grep -q ',"evt_test123","call.completed","call_987654321",' "$CSV"
else
	skip "cron is not installed: init's line is run by sh -c instead"
fi
if ! grep -qs evt_test123 "$CSV"; then
	as_user "${CRONLINE#\* \* \* \* \* }"
	check "init's line, run by sh -c as the user: the hook wrote its CSV line" grep -q ',"evt_test123","call.completed","call_987654321",' "$CSV"
fi
check "cron.log, where init's line sends failures" [ -f "$HOMEDIR/huskyhook/cron.log" ]
check "huskyhook check passes as the user" as_user "huskyhook-dist/bin/huskyhook check -c huskyhook/huskyhook.conf > /dev/null"
SECRET=$USECRET	# done_testing: in no log or answer of the test
done_testing
