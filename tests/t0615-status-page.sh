#!/bin/sh
# huskyhook-status, the status page: as a CGI program (sign-in required,
# headers, escaping, the requeue token), then behind a real lighttpd with
# basic authentication and the shipped snippet, scraped by a real
# Prometheus (its HTTP API asked for the values) and loaded in a real
# headless Chromium (counts and chart there, hostile sender bytes shown
# as text and run as nothing, the requeue button works, a cross-site
# form post does not); last, init's lines for a cgi-bin under a real
# Apache with basic authentication.
# The variables the checks' scripts use are set for eval:
# shellcheck disable=SC2034
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "$top_srcdir/tests/servers.sh"
# shellcheck source=tests/wait.sh
. "$top_srcdir/tests/wait.sh"
setup_hooks "retry_base = 1h" "max_attempts = 5"
PAGE=$top_builddir/huskyhook-status

# needs PROGRAM PACKAGE: PROGRAM is there; else, in CI (which installs
# it: .ci/run), a failure; elsewhere the test is skipped, saying why.
needs() {
	command -v "$1" > /dev/null && return 0
	if [ -n "${CI:-}" ]; then
		not_ok "$1 is installed (Debian's $2)"
		done_testing
		exit 1
	fi
	skip_all "$1 is not installed (Debian's $2)"
}

# page [VAR=VALUE...]: the page as CGI, GET unless REQUEST_METHOD says
# otherwise, the form (if any) from $T/form; the answer in $T/page, its
# status in $STATUS, its body in $T/page.body.
# shellcheck disable=SC2086
page() {
	[ -f "$T/form" ] || : > "$T/form"
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
	    ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	    HUSKYHOOK_CONFIG="$CONF" SCRIPT_NAME=/huskyhook-status \
	    CONTENT_LENGTH="$(wc -c < "$T/form" | tr -d ' ')" "$@" \
	    $VG "$PAGE" < "$T/form" > "$T/page" 2>> "$T/stderr"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/page" | head -n 1)
	sed '1,/^\r*$/d' "$T/page" > "$T/page.body"
}

# header NAME: the value of the answer's header NAME.
header() {
	sed -n "s/^$1: \\(.*\\)\\r\$/\\1/p" "$T/page" | head -n 1
}

# The events: one done, one retrying, one failed for good whose data,
# hook output and (written into its meta by hand, as anyone who may write
# the spool could) org_id carry markup and script.
XSS_DATA='<img src=x onerror="document.title=1337">'
XSS_ORG='<script>document.title="pwned"</script>'
hook call.completed 'exit 0'
hook call.answered 'echo "temporary trouble"; exit 1'
hook call.failed 'echo "</pre><script>document.title=\"owned\"</script>"; exit 100'
deliver evt_page_ok call.completed
deliver evt_page_retry call.answered
cat > "$T/xss.json" <<EOF2
{"event_id":"evt_page_xss","event_type":"call.failed","created_at":"$(now_utc)","org_id":"org_abc_123","data":{"summary":"$(printf '%s' "$XSS_DATA" | sed 's/"/\\"/g')","note":"</pre><b>bold</b>"}}
EOF2
post "$T/xss.json"
check "the hostile event is accepted" [ "$STATUS" = 200 ]
hh run > /dev/null 2>&1
check "one done, one retrying, one failed" \
    '[ "$(state_of evt_page_ok) $(state_of evt_page_retry) $(state_of evt_page_xss)" = "done retrying failed" ]'
# An org_id with markup is refused at the door, and a meta that holds one
# (written by hand, as anyone who may write the spool could) is not read.
sed "s|\"org_id\":\"org_abc_123\"|\"org_id\":\"$(printf '%s' "$XSS_ORG" | sed 's/"/\\\\"/g')\"|" "$T/xss.json" |
    sed 's/evt_page_xss/evt_page_xss_org/' > "$T/xss-org.json"
post "$T/xss-org.json"
check "an event whose org_id carries markup: 400, not stored" \
    '[ "$STATUS" = 400 ] && grep -q "org_id must match" "$T/out" && ! stored evt_page_xss_org'
cp "$T/spool/failed/evt_page_xss" "$T/meta.saved"
sed "s|^org_id=.*|org_id=$XSS_ORG|" "$T/meta.saved" > "$T/meta.new"
cat "$T/meta.new" > "$T/spool/failed/evt_page_xss"

## What init prints for it

"$HUSKYHOOK" init "$T/layout" > "$T/init.out" 2>&1
check "init prints the htpasswd command for the layout" \
    grep -q "htpasswd -c -B $T/layout/htpasswd " "$T/init.out"
check "init prints the lighttpd lines with the shipped snippet" \
    'grep -q "^var.huskyhook_htpasswd = \"$T/layout/htpasswd\"$" "$T/init.out" && grep -q "^include \".*/lighttpd/huskyhook-status.conf\"$" "$T/init.out"'
check "init prints the .htaccess block for Apache" \
    'grep -q "^	AuthUserFile $T/layout/htpasswd$" "$T/init.out" && grep -q "^	Require valid-user$" "$T/init.out" && grep -q "^HUSKYHOOK_CONFIG=$T/layout/huskyhook.conf exec .*/huskyhook-status$" "$T/init.out"'

## As CGI

page REMOTE_USER=alice QUERY_STRING=view=failed
check "a meta whose org_id carries markup is left out, and logged" \
    '! grep -q "evt_page_xss" "$T/page.body" && grep -q "failed/evt_page_xss: unreadable meta" "$T/receive.log"'
cat "$T/meta.saved" > "$T/spool/failed/evt_page_xss"

page
check "no REMOTE_USER: 403" [ "$STATUS" = 403 ]
check "and the lines to add to .htaccess" \
    'grep -q "^Require valid-user" "$T/page.body" && grep -q "AuthType Basic$" "$T/page.body" && grep -q "htpasswd -c -B" "$T/page.body"'
check "and nothing of the spool" '! grep -q evt_page "$T/page.body"'

page REMOTE_USER=alice
check "signed in: 200" [ "$STATUS" = 200 ]
check "Content-Security-Policy allows no script and no frame" \
    '[ "$(header Content-Security-Policy)" = "default-src '"'"'none'"'"'; style-src '"'"'unsafe-inline'"'"'; img-src data:; frame-ancestors '"'"'none'"'"'; form-action '"'"'self'"'"'; base-uri '"'"'none'"'"'" ]'
check "Cache-Control: no-store" [ "$(header Cache-Control)" = no-store ]
check "the overview counts" \
    'grep -q "id=\"n-pending\">0<" "$T/page.body" && grep -q "id=\"n-retrying\">1<" "$T/page.body" && grep -q "id=\"n-failed\">1<" "$T/page.body" && grep -q "id=\"n-done\">1<" "$T/page.body"'
check "the chart: inline SVG, a bar a type, a failure marked" \
    'grep -q "<svg id=\"chart\"" "$T/page.body" && [ "$(grep -c "class=\"bar\"" "$T/page.body")" = 3 ] && grep -q "class=\"failmark\"" "$T/page.body"'
check "the page loads nothing from elsewhere" \
    '! grep -qiE "<script|src=|<link|@import|url\\(" "$T/page.body"'

page REMOTE_USER=alice QUERY_STRING=view=failed
check "the failed list names the event, its last error" \
    'grep -q "evt_page_xss" "$T/page.body" && grep -q "hook call.failed: exit 100" "$T/page.body"'
page REMOTE_USER=alice QUERY_STRING=view=retrying
check "the retrying list: the event, its error, its next attempt" \
    'grep -q "evt_page_retry" "$T/page.body" && grep -q "exit 1" "$T/page.body" && ! grep -q "evt_page_xss" "$T/page.body"'

page REMOTE_USER=alice QUERY_STRING=view=event\&id=evt_page_xss
check "one event: 200, the body pretty-printed" \
    '[ "$STATUS" = 200 ] && grep -q "^  &quot;event_id&quot;: &quot;evt_page_xss&quot;,$" "$T/page.body"'
check "its data escaped" \
    'grep -qF "&lt;img src=x onerror=\\&quot;document.title=1337\\&quot;&gt;" "$T/page.body" && grep -qF "&lt;/pre&gt;&lt;b&gt;bold&lt;/b&gt;" "$T/page.body"'
check "its hook log escaped" 'grep -qF "&lt;/pre&gt;&lt;script&gt;document.title=&quot;owned&quot;&lt;/script&gt;" "$T/page.body"'
check "no markup from the sender or the hook" '! grep -qE "<(script|img|b)[ >]" "$T/page.body"'
check "Cache-Control: no-store on a page with a body" [ "$(header Cache-Control)" = no-store ]
page REMOTE_USER=alice QUERY_STRING=view=event\&id=evt_nothere
check "an event that is not there: 404" [ "$STATUS" = 404 ]
page REMOTE_USER=alice "QUERY_STRING=view=event&id=../pending/evt_page_retry"
check "an id that is not one: 404" [ "$STATUS" = 404 ]

page REMOTE_USER=alice QUERY_STRING=format=prometheus
check "?format=prometheus: text format 0.0.4" \
    '[ "$STATUS" = 200 ] && [ "$(header Content-Type)" = "text/plain; version=0.0.4; charset=utf-8" ]'
hh status --prometheus > "$T/status.prom"
check "the same metrics as status --prometheus" \
    'grep -v oldest_event_age "$T/page.body" > "$T/a" && grep -v oldest_event_age "$T/status.prom" > "$T/b" && cmp -s "$T/a" "$T/b"'

# Requeue: the token is the page's, for its user, and the request must
# not come from another site.
page REMOTE_USER=alice QUERY_STRING=view=event\&id=evt_page_xss
TOKEN=$(sed -n 's/.*name="token" value="\([0-9a-f]*\)".*/\1/p' "$T/page.body" | head -n 1)
check "the event page has a requeue form with a token" [ ${#TOKEN} = 64 ]
printf 'id=evt_page_xss' > "$T/form"
page REMOTE_USER=alice REQUEST_METHOD=POST
check "a POST without the token: 403, nothing requeued" \
    '[ "$STATUS" = 403 ] && [ "$(state_of evt_page_xss)" = failed ]'
printf 'token=%s&id=evt_page_xss' "$TOKEN" > "$T/form"
page REMOTE_USER=bob REQUEST_METHOD=POST
check "alice's token for bob: 403" '[ "$STATUS" = 403 ] && [ "$(state_of evt_page_xss)" = failed ]'
page REMOTE_USER=alice REQUEST_METHOD=POST HTTP_SEC_FETCH_SITE=cross-site
check "alice's token from another site: 403" '[ "$STATUS" = 403 ] && [ "$(state_of evt_page_xss)" = failed ]'
printf 'token=%s&id=evt_page_xss' "$(echo "$TOKEN" | tr 0-9a-f 1-9a-f0)" > "$T/form"
page REMOTE_USER=alice REQUEST_METHOD=POST
check "a token one changed: 403" '[ "$STATUS" = 403 ] && [ "$(state_of evt_page_xss)" = failed ]'
printf 'token=%s&id=evt_page_xss' "$TOKEN" > "$T/form"
page REMOTE_USER=alice REQUEST_METHOD=POST HTTP_SEC_FETCH_SITE=same-origin
check "alice's token, same origin: 303 to the event, requeued" \
    '[ "$STATUS" = 303 ] && [ "$(header Location)" = "/huskyhook-status?view=event&id=evt_page_xss" ] && [ "$(state_of evt_page_xss)" = pending ]'
check "and the log says who requeued it" grep -q 'alice requeued evt_page_xss from the status page' "$T/receive.log"
hh run > /dev/null 2>&1
rm -f "$T/form"

## Behind lighttpd, for Prometheus and Chromium

needs lighttpd lighttpd
needs htpasswd apache2-utils
htpasswd -c -B -b "$T/htpasswd" alice 'pw-alice-1' 2> /dev/null
# After the receiver's lines, as init says (lighttpd then warns that
# mod_auth comes after mod_cgi; the sign-in must hold all the same).
cat > "$T/lighttpd.lines" <<EOF2
var.huskyhook_receive = "$RECEIVE"
var.huskyhook_config = "$CONF"
include "$top_srcdir/lighttpd/huskyhook-cgi.conf"
var.huskyhook_status = "$PAGE"
var.huskyhook_htpasswd = "$T/htpasswd"
include "$top_srcdir/lighttpd/huskyhook-status.conf"
mimetype.assign = ( ".html" => "text/html" )
EOF2
lighttpd_start - "$T/lighttpd.lines" || { not_ok "lighttpd starts with the shipped snippet"; done_testing; exit 1; }
SURL=http://127.0.0.1:$LIGHTTPD_PORT/huskyhook-status
code=$(curl -s -o /dev/null -w '%{http_code}' "$SURL")
check "lighttpd: no password, 401" [ "$code" = 401 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -u alice:wrong "$SURL")
check "lighttpd: a wrong password, 401" [ "$code" = 401 ]
curl -s -u alice:pw-alice-1 -o "$T/lt.prom" -w '%{http_code}' "$SURL?format=prometheus" > "$T/lt.code"
check "lighttpd: the metrics, signed in" [ "$(cat "$T/lt.code")" = 200 ]
check "promtool check metrics on the page's metrics" \
    'promtool check metrics < "$T/lt.prom" > "$T/promtool.out" 2>&1 && [ ! -s "$T/promtool.out" ]'

needs prometheus prometheus
ppid=
pport=$((23000 + $$ % 900))
tries=0
while [ $tries -lt 20 ] && [ -z "$ppid" ]; do
	if curl -s -o /dev/null "http://127.0.0.1:$pport/"; then
		pport=$((pport + 1)); tries=$((tries + 1)); continue
	fi
	cat > "$T/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: huskyhook
    metrics_path: /huskyhook-status
    params:
      format: [prometheus]
    basic_auth:
      username: alice
      password: pw-alice-1
    static_configs:
      - targets: ['127.0.0.1:$LIGHTTPD_PORT']
  - job_name: nopassword
    metrics_path: /huskyhook-status
    params:
      format: [prometheus]
    static_configs:
      - targets: ['127.0.0.1:$LIGHTTPD_PORT']
EOF2
	prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prometheus" \
	    --web.listen-address="127.0.0.1:$pport" > "$T/prometheus.log" 2>&1 &
	ppid=$!
	if ! wait_until 20 curl -sf -o /dev/null "http://127.0.0.1:$pport/-/ready"; then
		kill "$ppid" 2> /dev/null; wait "$ppid" 2> /dev/null; ppid=
		pport=$((pport + 1)); tries=$((tries + 1))
	fi
done
trap 'kill "$ppid" 2> /dev/null; cleanup_servers' EXIT
check "Prometheus starts" [ -n "$ppid" ]

# promq QUERY: the value of the first sample QUERY gives, from Prometheus'
# HTTP API.
promq() {
	curl -s -G "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
	    sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p'
}
promq_is() { [ "$(promq "$1")" = "$2" ]; }
check "Prometheus scrapes the page through lighttpd: up 1" wait_until 30 promq_is 'up{job="huskyhook"}' 1
check "without the password its scrape fails: up 0" wait_until 30 promq_is 'up{job="nopassword"}' 0
check "Prometheus has the events by state" \
    'wait_until 10 promq_is "huskyhook_events{state=\"done\"}" 1 && promq_is "huskyhook_events{state=\"retrying\"}" 1 && promq_is "huskyhook_events{state=\"failed\"}" 1'
check "Prometheus has the attempts counter" \
    'promq_is "huskyhook_hook_attempts_total{result=\"failed\"}" 2 && promq_is "huskyhook_hook_attempts_total{result=\"retry\"}" 1 && promq_is "huskyhook_hook_attempts_total{result=\"done\"}" 1'
check "Prometheus has the last run's end" \
    promq_is 'huskyhook_last_run_end_timestamp_seconds > 0' "$(sed -n 's/^huskyhook_last_run_end_timestamp_seconds //p' "$T/lt.prom")"

needs chromium chromium
needs node nodejs
BROWSER_PROFILE=$T/chromium
export BROWSER_PROFILE
# The attacker's page: on another site (evil.test, which the browser is
# told is 127.0.0.1), a form that posts to the status page, in a browser
# that is signed in to it.
BROWSER_HOST_RULES="MAP evil.test 127.0.0.1"
export BROWSER_HOST_RULES
cat > "$T/www/evil.html" <<EOF2
<!DOCTYPE html><html><body><form method="post" action="$SURL">
<input type="hidden" name="all" value="failed">
<input type="hidden" name="token" value="$TOKEN">
<button type="submit">win</button></form></body></html>
EOF2
cat > "$T/steps" <<EOF2
auth alice:pw-alice-1
open $SURL
status
text #n-failed
text #n-done
count svg#chart rect.bar
count svg#chart .failmark
open $SURL?view=failed
text #list
count script
count img
title
open $SURL?view=event&id=evt_page_xss
text #body
text #log
count script
count img
count b
title
open http://evil.test:$LIGHTTPD_PORT/evil.html
click button
status
open $SURL?view=event&id=evt_page_xss
text #meta
click form button
status
text #meta
EOF2
node "$top_srcdir/tests/browser.js" "$(command -v chromium)" < "$T/steps" > "$T/browser.out" 2> "$T/browser.err"
diag "$(cat "$T/browser.out")"
# line N: the browser's answer to the Nth step.
line() { sed -n "$1p" "$T/browser.out"; }
check "Chromium: the page answers 200 through lighttpd" [ "$(line 3)" = 200 ]
check "Chromium: the counts" '[ "$(line 4)" = 1 ] && [ "$(line 5)" = 1 ]'
check "Chromium: the chart, its bars and a failure mark" '[ "$(line 6)" -ge 2 ] && [ "$(line 7)" -ge 1 ]'
check "Chromium: the failed list shows the event and its error" \
    'line 9 | grep -q "evt_page_xss" && line 9 | grep -q "exit 100"'
check "Chromium: the list built no script or image element, ran nothing" \
    '[ "$(line 10)" = 0 ] && [ "$(line 11)" = 0 ] && [ "$(line 12)" = "Failed events - huskyhook" ]'
check "Chromium: the body shows the data's markup as text" \
    'line 14 | grep -qF "<img src=x onerror=" && line 14 | grep -qF "</pre><b>bold</b>"'
check "Chromium: the hook log shows its script as text" \
    'line 15 | grep -qF "</pre><script>document.title=\"owned\"</script>"'
check "Chromium: no element from the sender or the hook, nothing ran" \
    '[ "$(line 16) $(line 17) $(line 18)" = "0 0 0" ] && [ "$(line 19)" = "Event - huskyhook" ]'
check "Chromium: a cross-site form post is refused (403)" [ "$(line 22)" = 403 ]
check "and requeued nothing" 'line 24 | grep -q "state	failed"'
check "Chromium: the requeue button works" \
    '[ "$(line 25)" = ok ] && [ "$(line 26)" = 200 ] && line 27 | grep -q "state	pending"'
check "and the event is pending" [ "$(state_of evt_page_xss)" = pending ]

kill "$ppid" 2> /dev/null
wait "$ppid" 2> /dev/null
ppid=

## Shared hosting: Apache, a cgi-bin, init's script and .htaccess lines

needs apache2 apache2
AP=$T/ap
"$HUSKYHOOK" init "$AP" > "$AP.init" 2>&1
htpasswd -c -B -b "$AP/htpasswd" carol 'pw-carol-2' 2> /dev/null
mkdir -p "$T/www/cgi-bin"
# The two lines init prints, the program's path made this build's.
sed -n '/^#!\/bin\/sh$/,/ exec .*huskyhook-status$/p' "$AP.init" |
    sed "s# exec .*/huskyhook-status\$# exec $PAGE#" > "$T/www/cgi-bin/huskyhook-status.cgi"
chmod 755 "$T/www/cgi-bin/huskyhook-status.cgi"
sed -n '/^<Files "huskyhook-status.cgi">$/,/^<\/Files>$/p' "$AP.init" > "$T/www/cgi-bin/.htaccess"
check "init's script and .htaccess block are there to copy" \
    '[ "$(wc -l < "$T/www/cgi-bin/huskyhook-status.cgi")" = 2 ] && [ "$(wc -l < "$T/www/cgi-bin/.htaccess")" = 7 ]'
cat > "$T/apache.lines" <<EOF2
LoadModule auth_basic_module $APACHE_MODULES/mod_auth_basic.so
LoadModule authn_core_module $APACHE_MODULES/mod_authn_core.so
LoadModule authn_file_module $APACHE_MODULES/mod_authn_file.so
LoadModule authz_user_module $APACHE_MODULES/mod_authz_user.so
<Directory $T/www/cgi-bin>
	Options +ExecCGI
</Directory>
EOF2
# As root, Apache's children (and so the page) run as $APACHE_USER: the
# layout is made that user's, as suexec would run the page as its owner.
[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$AP" "$T/www"
if apache_start lines "$T/apache.lines"; then
	AURL=http://127.0.0.1:$APACHE_PORT/cgi-bin/huskyhook-status.cgi
	code=$(curl -s -o /dev/null -w '%{http_code}' "$AURL")
	check "Apache: no password, 401" [ "$code" = 401 ]
	code=$(curl -s -o "$T/ap.page" -w '%{http_code}' -u carol:pw-carol-2 "$AURL")
	check "Apache: signed in, the page, for that user" \
	    '[ "$code" = 200 ] && grep -q "signed in as carol" "$T/ap.page" && grep -q "id=\"n-pending\">0<" "$T/ap.page"'
	curl -s -o "$T/ap.prom" -u carol:pw-carol-2 "$AURL?format=prometheus"
	check "Apache: the metrics pass promtool check metrics" \
	    'grep -q "^huskyhook_events{state=\"done\"} 0$" "$T/ap.prom" && promtool check metrics < "$T/ap.prom" > "$T/promtool.out" 2>&1 && [ ! -s "$T/promtool.out" ]'
else
	not_ok "Apache starts"
	sed 's/^/# /' "$T/apache/error.log" "$T/apache/stderr.log" 2>/dev/null | tail -n 20
fi

# nginx, with the shipped nginx/huskyhook-status.conf (its program's path
# made this build's) and its header's location block, the page run by
# fcgiwrap as the layout's owner.
if { command -v nginx > /dev/null || [ -x /usr/sbin/nginx ]; } &&
    { command -v fcgiwrap > /dev/null || [ -x /usr/sbin/fcgiwrap ]; }; then
	sed "s#@sbindir@/huskyhook-status#$PAGE#" "$top_srcdir/nginx/huskyhook-status.conf" \
	    > "$T/ng-status.conf"
	# spawn_receiver names its socket and pid file after $T, and passes
	# $CONF: the page's layout is $AP's.
	save_T=$T
	save_CONF=$CONF
	T=$T/ng-spawn
	CONF=$AP/huskyhook.conf
	mkdir -p "$T"
	spawn_receiver "$(command -v fcgiwrap || echo /usr/sbin/fcgiwrap)" -f
	T=$save_T
	CONF=$save_CONF
	NG_SOCK=$SOCKET
	sed -n 's/^#   //p' "$T/ng-status.conf" | sed -n '/^location = \/huskyhook-status {$/,/^}$/p' |
	    sed -e "s#/home/me/huskyhook/htpasswd#$AP/htpasswd#" \
	    -e "s#@pkgdatadir@/nginx/huskyhook-status.conf#$T/ng-status.conf#" \
	    -e "s#/home/me/huskyhook/huskyhook.conf#$AP/huskyhook.conf#" \
	    -e "s#unix:/run/huskyhook/fcgiwrap.sock#unix:$NG_SOCK#" > "$T/ng-site.conf"
	check "nginx: the snippet's location block is there to copy" \
	    '[ "$(wc -l < "$T/ng-site.conf")" = 7 ] && grep -q "^    fastcgi_pass unix:$NG_SOCK;" "$T/ng-site.conf"'
	if nginx_start "$T/ng-site.conf"; then
		NURL=http://127.0.0.1:$NGINX_PORT/huskyhook-status
		code=$(curl -s -o /dev/null -w '%{http_code}' "$NURL")
		check "nginx: no password, 401" [ "$code" = 401 ]
		code=$(curl -s -o "$T/ng.page" -w '%{http_code}' -u carol:pw-carol-2 "$NURL")
		check "nginx: signed in, the page, for that user" \
		    '[ "$code" = 200 ] && grep -q "signed in as carol" "$T/ng.page" && grep -q "id=\"n-pending\">0<" "$T/ng.page"'
		curl -s -o "$T/ng.prom" -u carol:pw-carol-2 "$NURL?format=prometheus"
		check "nginx: the metrics" grep -q '^huskyhook_events{state="done"} 0$' "$T/ng.prom"
		nginx_stop
	else
		not_ok "nginx starts with nginx/huskyhook-status.conf"
		sed 's/^/# /' "$T/nginx/error.log" 2>/dev/null | tail -n 20
	fi
	spawn_stop
elif [ -n "${CI:-}" ]; then
	not_ok "nginx and fcgiwrap are installed (CI installs them)"
else
	skip "nginx or fcgiwrap is not installed"
fi

# The chart names six types; the rest are drawn as one, "other".
page REMOTE_USER=alice
check "three types: three in the legend, no other" \
    '[ "$(grep -o "&#9632;</span> [^&]*" "$T/page.body" | wc -l)" = 3 ] && ! grep -q "&#9632;</span> other" "$T/page.body"'
for t in call.a call.b call.c; do
	deliver "evt_page_$t" "$t"
done
page REMOTE_USER=alice
check "six types: six in the legend, no other" \
    '[ "$(grep -o "&#9632;</span> [^&]*" "$T/page.body" | wc -l)" = 6 ] && ! grep -q "&#9632;</span> other" "$T/page.body"'
for t in call.d call.e; do
	deliver "evt_page_$t" "$t"
done
page REMOTE_USER=alice
check "eight types: six by name and other" \
    '[ "$(grep -o "&#9632;</span> [^&]*" "$T/page.body" | wc -l)" = 7 ] && grep -q "&#9632;</span> other" "$T/page.body"'
done_testing
