#!/bin/sh
# The rest of the command-line tool: status, list, show, requeue, purge,
# sign, check, init, and its usage errors.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks "retry_base = 1h"

hook call.completed 'echo "hook output for $HUSKY_EVENT_ID"'
hook call.failed 'exit 1'
hook call.disallowed 'exit 100'
deliver evt_a call.completed
deliver evt_b call.failed
deliver evt_c call.disallowed
hh run > /dev/null
deliver evt_d call.initiated
hh status > "$T/status.out"
check "status: pending" grep -q '^pending *1  (oldest received [0-9]*s ago)$' "$T/status.out"
check "status: retrying" grep -q '^retrying *1  (oldest received [0-9]*s ago)$' "$T/status.out"
check "status: failed" grep -q '^failed *1$' "$T/status.out"
check "status: done" grep -q '^done *1$' "$T/status.out"
check "status: last run" grep -q '^last run  20.*Z (.* ago)$' "$T/status.out"
hh status --json > "$T/status.json"
check "status --json" grep -q '^{"pending":1,"retrying":1,"failed":1,"done":1,"oldest_pending_age_seconds":[0-9]*,"oldest_retrying_age_seconds":[0-9]*,"last_run":"20[^"]*Z","last_run_age_seconds":[0-9]*}$' "$T/status.json"
# The oldest event is told on the line of its state: an event retrying
# for three hours does not make the one just received look old.
old=$(($(date +%s) - 10800))
sed -i "s/^received=.*/received=$old.000000000/; s/^received_at=.*/received_at=$(date -u -d "@$old" +%Y-%m-%dT%H:%M:%S.000000Z)/" "$T/spool/retrying/evt_b"
hh status > "$T/status-ages.out"
check "status: pending, the age of the oldest pending one" grep -q '^pending *1  (oldest received [0-9]*s ago)$' "$T/status-ages.out"
check "status: retrying, the age of the oldest retrying one" grep -q '^retrying *1  (oldest received 3h ago)$' "$T/status-ages.out"
"$HUSKYHOOK" -c "$CONF" status --json > "$T/status-ages.json"
check "status --json: both ages" grep -q '"oldest_pending_age_seconds":[0-9]\{1,3\},"oldest_retrying_age_seconds":108[0-9][0-9],' "$T/status-ages.json"

hh list > "$T/list.out"
check "list shows all four" [ "$(grep -c . "$T/list.out")" = 4 ]
check "list retrying" '"$HUSKYHOOK" -c "$CONF" list retrying | grep -q "^evt_b *retrying *call.failed .*attempts 1  hook call.failed: exit 1\$"'
check "list pending excludes retrying" [ "$(hh list pending | cut -d' ' -f1)" = evt_d ]
check "list done" [ "$(hh list "done" | cut -d' ' -f1)" = evt_a ]
hh list failed --json > "$T/list.json"
check "list failed --json" grep -q '^\[{"event_id":"evt_c","state":"failed","event_type":"call.disallowed","created_at":"[^"]*","attempts":1,"last_error":"hook call.disallowed: exit 100"}\]$' "$T/list.json"
check "list with an unknown state: exit 2" '"$HUSKYHOOK" -c "$CONF" list bogus 2> /dev/null; [ $? = 2 ]'

hh show evt_a > "$T/show.out"
check "show: state" grep -q '^state *done$' "$T/show.out"
check "show: received_at" grep -q '^received_at *20.*Z$' "$T/show.out"
check "show: the body" grep -qF '"event_id":"evt_a"' "$T/show.out"
check "show: the hook log" grep -q '^hook output for evt_a$' "$T/show.out"
# Attempts are numbered as the hook log numbers them: a first-try
# success is attempt 1, in show, list and list --json alike.
check "show: a first-try success made 1 attempt, as its log says" 'grep -q "^attempts *1$" "$T/show.out" && grep -q "^=== .* attempt 1 hook call.completed " "$T/show.out"'
check "list: a first-try success, attempts 1" grep -q '^evt_a *done .*  attempts 1$' "$T/list.out"
check "list --json: a first-try success, attempts 1" '"$HUSKYHOOK" -c "$CONF" list done --json | grep -q "\"event_id\":\"evt_a\",.*\"attempts\":1,"'
check "show: an unknown id exits 1" '"$HUSKYHOOK" -c "$CONF" show evt_nope 2> /dev/null; [ $? = 1 ]'
check "show: a hostile id is refused" '"$HUSKYHOOK" -c "$CONF" show ../../etc/passwd 2> /dev/null; [ $? = 1 ]'
# A first-try success is moved to done/ by a bare rename: the time it
# finished comes from that rename.
check "show: a first-try done event has its finished time" grep -q "^finished *20[0-9-]*T.*Z$" "$T/show.out"
# What show, list and status print from the spool is escaped: a body or a
# hook log with terminal escapes (written by the web server's user, or
# printed by a hook) must not drive the terminal; a meta file holding
# them is not believed at all. ESC [2J clears the screen, ESC ]0;...BEL
# sets the window title, 0x9b is CSI on its own, C2 9B is U+009B.
deliver evt_esc call.initiated
deliver evt_esc_meta call.initiated
esc=$(printf '\033')
bel=$(printf '\007')
csi=$(printf '\233')
c1=$(printf '\302\233')
{
	grep -v '^org_id=\|^last_error=' "$T/spool/pending/evt_esc_meta"
	printf 'org_id=%%1B[2J%%1B]0;owned%%07\n'
	printf 'last_error=hook x: %s]0;owned%s %s1m %s\n' "$esc" "$bel" "$c1" "$csi"
} > "$T/meta.tmp"
mv "$T/meta.tmp" "$T/spool/pending/evt_esc_meta"
printf '{"event_id":"evt_esc","org_id":"%s[2J%s"}\n' "$esc" "$csi" > "$T/spool/events/evt_esc.json"
printf 'line one\n\t%s]0;owned%s\n%s31m red %s1m\n' "$esc" "$bel" "$csi" "$c1" > "$T/spool/logs/evt_esc.log"
hh show evt_esc > "$T/show-esc.out"
hh show evt_esc_meta > "$T/show-esc-meta.out" 2>&1
hh list > "$T/list-esc.out" 2>&1
hh list pending --json > "$T/list-esc.json" 2>&1
hh status > "$T/status-esc.out" 2>&1
hh status --json >> "$T/status-esc.out" 2>&1
# raw_controls FILE: how many ESC, BEL, 0x9b or DEL bytes FILE holds.
raw_controls() {
	LC_ALL=C tr -cd '\033\007\233\177' < "$1" | wc -c | tr -d ' '
}
for f in show-esc show-esc-meta list-esc status-esc; do
	check "$f: no raw ESC, BEL or 0x9b" [ "$(raw_controls "$T/$f.out")" = 0 ]
done
check "list --json: no raw ESC, BEL or 0x9b" [ "$(raw_controls "$T/list-esc.json")" = 0 ]
check "show: a meta holding escapes is not shown, but named as damaged" grep -q 'evt_esc_meta: its meta is damaged or not huskyhook' "$T/show-esc-meta.out"
# list only reads: it writes no log, and says so on stderr.
check "list: it is left out, with a warning on stderr" \
    'grep -q "pending/evt_esc_meta: unreadable meta" "$T/list-esc.out" && ! grep -q "^evt_esc_meta " "$T/list-esc.out"'
# status counts pending/ by its names: the damaged meta is counted, and
# none is read (nothing said of it).
hh status > "$T/status-dmg.out" 2>&1
check "status reads no pending meta: the damaged one counted, nothing said" \
    'grep -q "^pending *$(ls "$T/spool/pending" | wc -l) " "$T/status-dmg.out" && ! grep -q unreadable "$T/status-dmg.out"'
check "show: the body, escaped" grep -qF '{"event_id":"evt_esc","org_id":"\x1b[2J\x9b"}' "$T/show-esc.out"
check "show: the hook log, escaped, its newlines and tab kept" grep -qxF "$(printf '\t\\x1b]0;owned\\x07')" "$T/show-esc.out"
check "show: U+009B in the hook log as its two bytes" grep -qF '\x9b31m red \xc2\x9b1m' "$T/show-esc.out"
printf 'caf\303\251 \342\202\254\n' >> "$T/spool/logs/evt_esc.log"
hh show evt_esc > "$T/show-utf8.out"
check "show: text that is UTF-8 stays as it is" grep -qxF "$(printf 'caf\303\251 \342\202\254')" "$T/show-utf8.out"
rm -f "$T/spool/pending/evt_esc_meta" "$T/spool/events/evt_esc_meta.json" "$T/spool/pending/evt_esc" "$T/spool/events/evt_esc.json" "$T/spool/logs/evt_esc.log"
hh purge --done --older-than 1h > /dev/null
check "purge --done --older-than 1h keeps a just-done event" [ "$(state_of evt_a)" = "done" ]

hh requeue evt_a > /dev/null
check "requeue a done event: pending, hooks to run again" '[ "$(state_of evt_a)" = pending ] && [ -z "$(meta evt_a hooks_done)" ]'
hh requeue evt_b > /dev/null
check "requeue a retrying event: due now" '[ "$(meta evt_b next_attempt)" = 0 ] && [ "$(meta evt_b attempts)" = 0 ]'
check "requeue without operands: exit 2" '"$HUSKYHOOK" -c "$CONF" requeue 2> /dev/null; [ $? = 2 ]'
check "requeue an unknown id: exit 1" '"$HUSKYHOOK" -c "$CONF" requeue evt_nope 2> /dev/null; [ $? = 1 ]'

hh purge --failed --older-than 1h > "$T/purge.out"
check "purge --older-than spares a young failure" [ "$(state_of evt_c)" = failed ]
hh purge --failed > "$T/purge.out"
check "purge --failed" '[ "$(state_of evt_c)" = none ] && [ ! -e "$T/spool/events/evt_c.json" ]'
check "purge says how many" grep -q '^1 failed events purged$' "$T/purge.out"
check "purge with neither: exit 2" '"$HUSKYHOOK" -c "$CONF" purge 2> /dev/null; [ $? = 2 ]'
post "$T/deliver.json" > /dev/null
check "after a purge, the event can be delivered again" [ "$STATUS" = 200 ]

# sign agrees with the vendor doc's openssl line, byte for byte.
event evt_sign > "$T/sign.json"
check "sign FILE = openssl dgst -sha256 -hmac" [ "$(hh sign "$T/sign.json")" = "$(openssl dgst -sha256 -hmac "$SECRET" < "$T/sign.json" | sed 's/^.*= //')" ]
check "sign reads stdin" [ "$(hh sign < "$T/sign.json")" = "$(hh sign "$T/sign.json")" ]
printf 'other\n' > "$T/other.secret"
check "sign -s SECRET_FILE, no config needed" [ "$("$HUSKYHOOK" -c /nonexistent sign -s "$T/other.secret" "$T/sign.json")" = "$(openssl dgst -sha256 -hmac other < "$T/sign.json" | sed 's/^.*= //')" ]
SIG=$(hh sign "$T/sign.json") post "$T/sign.json"
check "what sign prints, the receiver accepts" [ "$STATUS" = 200 ]

# check
hh check > "$T/check.out"
check "check: a good setup exits 0" [ $? = 0 ]
chmod 644 "$T/secret"
hh check > "$T/check.out"
check "check: a secret readable by others is a problem, exit 1" [ $? = 1 ]
check "check: it names the file" grep -q "problem: secret_file $T/secret is readable or writable by others" "$T/check.out"
chmod 600 "$T/secret"
write_conf "hooks = $T/nohooks" "secret = inline"
hh check > "$T/check.out"
check "check: a missing hooks directory is a problem" grep -q "problem: hooks directory $T/nohooks: No such file or directory: .huskyhook run. would run no hook and exit 1" "$T/check.out"
check "check: an inline secret is a warning naming the line" grep -q "warning: $CONF:5: an inline secret" "$T/check.out"
# A section with a problem does not also say ok; one problem is "1
# problem".
write_conf "hooks = $T/hooks"
chmod -x "$T/hooks/call.failed"
hh check > "$T/check.out"
check "check: a hook that is not executable is a problem" grep -q "^problem: .*hooks/call.failed is not an executable file" "$T/check.out"
check "check: then the hooks are not also ok" '! grep -q "^ok: hooks" "$T/check.out"'
check "check: 1 problem, singular" grep -qx '1 problem, [0-9]* warnings*' "$T/check.out"
chmod +x "$T/hooks/call.failed"
write_conf "spool = $T/secret"
hh check > "$T/check.out"
check "check: a spool that is not a directory is a problem, not ok" 'grep -q "^problem: spool .* is not a directory" "$T/check.out" && ! grep -q "^ok: spool" "$T/check.out"'
# Without -c, no config where the default is: say what to do.
default=$("$HUSKYHOOK" --help | sed -n 's/.*else \(.*huskyhook\.conf\))$/\1/p')
if [ -e "$default" ]; then
	skip "$default exists"
else
	HUSKYHOOK_CONFIG='' "$HUSKYHOOK" check > "$T/check.out" 2> "$T/check.err"
	check "check, no config at the default path: exit 1" [ $? = 1 ]
	check "check, no config at the default path: says what to do" grep -qxF "huskyhook: no config at $default: give -c FILE, set HUSKYHOOK_CONFIG, or make one with huskyhook init DIR" "$T/check.err"
	check "status, no config at the default path: the same" 'HUSKYHOOK_CONFIG= "$HUSKYHOOK" status 2>&1 | grep -q "^huskyhook: no config at "'
fi
HUSKYHOOK_CONFIG=$T/none.conf "$HUSKYHOOK" check > "$T/check.out" 2> "$T/check.err"
check "check, HUSKYHOOK_CONFIG names no file: says so" grep -qxF "huskyhook: no config at $T/none.conf (HUSKYHOOK_CONFIG): give -c FILE, or make one with huskyhook init DIR" "$T/check.err"
write_conf
check "run without hooks: exit 1, saying so" '"$HUSKYHOOK" -c "$CONF" run 2>&1 | grep -q "'\''hooks'\'' is not set"'
printf 'frob = 1\n' > "$T/bad.conf"
check "a config error names file and line" '"$HUSKYHOOK" -c "$T/bad.conf" status 2>&1 | grep -q "bad.conf:1: unknown key '\''frob'\''"'
write_conf "hooks = $T/hooks"
sed -i "s#^spool = .*#spool = $T/nospool#" "$CONF"
check "run on a spool that cannot be used: exit 1" '"$HUSKYHOOK" -c "$CONF" run 2> /dev/null; [ $? = 1 ]'

# Usage.
check "--version" '"$HUSKYHOOK" --version | grep -q "^huskyhook [0-9]"'
check "--help exits 0" '"$HUSKYHOOK" --help | grep -q "^usage: huskyhook"'
check "no command: exit 2" '"$HUSKYHOOK" 2> /dev/null; [ $? = 2 ]'
check "unknown command: exit 2" '"$HUSKYHOOK" frob 2> /dev/null; [ $? = 2 ]'
check "unknown option: exit 2" '"$HUSKYHOOK" status --frob 2> /dev/null; [ $? = 2 ]'
check "HUSKYHOOK_CONFIG is the default config" 'HUSKYHOOK_CONFIG="$T/bad.conf" "$HUSKYHOOK" status 2>&1 | grep -q "bad.conf:1"'

write_conf "hooks = $T/hooks"
# Each command knows its own options and no other: an option of another
# command is refused like an unknown one, with that command's usage.
# refused CMD [ARGS...]: exit 2, and the usage line names CMD.
refused() {
	"$HUSKYHOOK" -c "$CONF" "$@" > "$T/refused.out" 2> "$T/refused.err"
	rc=$?
	[ "$rc" = 2 ] && [ ! -s "$T/refused.out" ] &&
	    grep -q "^usage: huskyhook .*$1 " "$T/refused.err"
}
for cmd in run status list show requeue purge sign check; do
	check "$cmd --frob: exit 2, $cmd's usage" refused "$cmd" --frob
	check "$cmd -Z: exit 2, $cmd's usage" refused "$cmd" -Z
done
check "init --frob: exit 2, init's usage" '"$HUSKYHOOK" init --frob 2>&1 > /dev/null | grep -q "^usage: huskyhook init DIR \[--cgi-bin WEBDIR \[--url URL\]\]\$"'
check "status --failed is refused" refused status --failed
check "status --failed --older-than 5m -s foo is refused" refused status --failed --older-than 5m -s foo
check "list --done is refused" refused list --done
check "run --json is refused" refused run --json
check "show -v is refused" refused show evt_a -v
check "requeue --done is refused" refused requeue --done
check "purge --json is refused" refused purge --failed --json
check "sign --failed is refused" refused sign --failed
check "check -s is refused" refused check -s x
check "purge --older-than without a value is refused" refused purge --failed --older-than
check "purge --older-than with a bad duration is refused" refused purge --failed --older-than soon
check "status with an operand is refused" refused status extra
check "show with two ids is refused" refused show evt_a evt_b
check "the message names the option" grep -q '^huskyhook: show: too many operands$' "$T/refused.err"
refused list --done
check "the message names the refused option" grep -q '^huskyhook: list: unknown option --done$' "$T/refused.err"
check "a command's option before the command is refused" '"$HUSKYHOOK" -c "$CONF" --json status 2> /dev/null; [ $? = 2 ]'
check "init takes no -c" '"$HUSKYHOOK" -c "$CONF" init "$T/never" 2> /dev/null; [ $? = 2 ] && [ ! -e "$T/never" ]'
check "COMMAND --help: its usage, exit 0" [ "$("$HUSKYHOOK" purge --help)" = "usage: huskyhook [-c FILE] purge --failed|--done [--older-than DURATION]" ]
# Every documented form still works: -c before or after the command,
# options before or after operands, even under POSIXLY_CORRECT.
check "run -c FILE (the crontab line)" "$HUSKYHOOK" run -c "$CONF"
check "check -c FILE" '"$HUSKYHOOK" check -c "$CONF" > /dev/null'
check "status --config FILE --json" '"$HUSKYHOOK" status --config "$CONF" --json | grep -q "^{\"pending\""'
check "list failed --json, under POSIXLY_CORRECT" 'POSIXLY_CORRECT=1 "$HUSKYHOOK" -c "$CONF" list failed --json | grep -q "^\[.*\]\$"'
check "list --json failed" '"$HUSKYHOOK" -c "$CONF" list --json failed | grep -q "^\[.*\]\$"'
check "run -v" '"$HUSKYHOOK" -c "$CONF" run -v > /dev/null'
check "show EVENT_ID -c FILE" '"$HUSKYHOOK" show evt_a -c "$CONF" | grep -q "^event_id *evt_a\$"'
check "sign -s SECRET_FILE - (stdin)" '"$HUSKYHOOK" sign -s "$T/other.secret" - < "$T/sign.json" | grep -q "^[0-9a-f]\{64\}\$"'
check "requeue ID ID" '"$HUSKYHOOK" -c "$CONF" requeue evt_a evt_b | grep -c requeued | grep -q "^2\$"'
check "requeue --failed" '"$HUSKYHOOK" -c "$CONF" requeue --failed > /dev/null'
check "requeue ID --failed is refused" refused requeue evt_a --failed
check "purge --done --older-than 30d" '"$HUSKYHOOK" -c "$CONF" purge --done --older-than 30d | grep -q "^0 done events purged\$"'
check "purge --failed --done is refused" refused purge --failed --done
check "-- ends the options" '"$HUSKYHOOK" -c "$CONF" show -- evt_a | grep -q "^event_id *evt_a\$"'
"$HUSKYHOOK" --help > "$T/help.out"
for cmd in run status list show requeue purge sign check init; do
	"$HUSKYHOOK" "$cmd" --help > "$T/cmd-help.out"
	line=$(sed 's/^usage: huskyhook \(\[-c FILE\] \)\{0,1\}//' "$T/cmd-help.out")
	check "--help lists '$line'" grep -qF "  $line" "$T/help.out"
done
# Each command's usage is its line in huskyhook(1)'s SYNOPSIS, blanks and
# case aside.
if command -v mandoc > /dev/null; then
	mandoc -Tascii "$top_srcdir/man/huskyhook.1" | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | tr -d ' ' |
	    tr '[:upper:]' '[:lower:]' > "$T/synopsis"
	for cmd in run status list show requeue purge sign check init; do
		"$HUSKYHOOK" "$cmd" --help | sed 's/^usage: //' | tr -d ' ' |
		    tr '[:upper:]' '[:lower:]' > "$T/cmd-usage"
		check "huskyhook(1)'s SYNOPSIS has $cmd's usage" grep -qxFf "$T/cmd-usage" "$T/synopsis"
	done
else
	skip "mandoc is not installed"
fi

# init: a working layout in one step.
"$HUSKYHOOK" init "$T/site" > "$T/init.out"
self=$(readlink -f "$HUSKYHOOK")
check "init prints the crontab line: this huskyhook by its absolute path, output to a log" grep -qxF "   * * * * * $self run -c $T/site/huskyhook.conf >> $T/site/cron.log 2>&1" "$T/init.out"
check "init: cron's mail as the other way" grep -q 'MAILTO=' "$T/init.out"
check "init: the binary's directory is not on PATH: how to add it" grep -qxF "     export PATH=\"${self%/*}:\$PATH\"" "$T/init.out"
check "init: with it on PATH, no such advice" 'PATH="${self%/*}:$PATH" "$HUSKYHOOK" init "$T/site2" | grep -c "export PATH=" | grep -qx 0'
check "init: check's line names this huskyhook too" grep -qxF "     $self check -c $T/site/huskyhook.conf --url https://HOST/huskyhook" "$T/init.out"
check "init: the dashboard URL of a server" grep -qxF "       https://HOST/huskyhook" "$T/init.out"
check "init: the dashboard URL of a CGI script in a user's cgi-bin" grep -qF "https://HOST/~$(id -un)/cgi-bin/huskyhook.cgi" "$T/init.out"
check "init: the dashboard URL of a CGI script in the site's cgi-bin" grep -qF "https://HOST/cgi-bin/huskyhook.cgi" "$T/init.out"
check "init: the config logs to a file in the layout" grep -qx 'log = huskyhook.log' "$T/site/huskyhook.conf"
check "init: secret 600, spool and hooks 700" [ "$(stat -c %a "$T/site/secret") $(stat -c %a "$T/site/spool") $(stat -c %a "$T/site/hooks")" = "600 700 700" ]
check "init: an example hook per event type, disabled" [ "$(find "$T/site/hooks" -name '*.disabled' | wc -l)" = 5 ]
check "init: the layout passes check" '"$HUSKYHOOK" -c "$T/site/huskyhook.conf" check > /dev/null'
check "init twice refuses to overwrite" '"$HUSKYHOOK" init "$T/site" 2> /dev/null; [ $? = 1 ]'
# DIR a symbolic link (one another user left in /tmp would choose where
# the layout goes): refused, nothing written where it points.
mkdir "$T/elsewhere"
ln -s "$T/elsewhere" "$T/linked"
"$HUSKYHOOK" init "$T/linked" > /dev/null 2> "$T/init-link.err"
check "init: DIR a symbolic link is refused" [ $? = 1 ]
check "... nothing written where it points" [ -z "$(ls -A "$T/elsewhere")" ]
check "... saying so" grep -q "linked is a symbolic link" "$T/init-link.err"
# An .htaccess that is a hard link to another file gets nothing appended.
mkdir -p "$T/web"
printf 'the victim\n' > "$T/victim"
ln "$T/victim" "$T/web/.htaccess"
"$HUSKYHOOK" init "$T/site-web" --cgi-bin "$T/web" > /dev/null 2> "$T/init-web.err"
check "init --cgi-bin: an .htaccess with another link: exit 1" [ $? = 1 ]
check "... the file it links to is unchanged" [ "$(cat "$T/victim")" = "the victim" ]
check "... saying why" grep -q "web/.htaccess: has another link" "$T/init-web.err"
mv "$T/site/hooks/call.completed.disabled" "$T/site/hooks/call.completed"
CONF=$T/site/huskyhook.conf
SECRET=$(cat "$T/site/secret")
event evt_site > "$T/site.json"
post "$T/site.json"
"$HUSKYHOOK" -c "$CONF" run
check "init's layout end to end: the example hook wrote its CSV line" grep -q ',"evt_site","call.completed","call_987654321",' "$T/site/calls.csv"
check "init's example hooks are examples/hooks/log-csv as shipped" \
    cmp -s "$top_srcdir/examples/hooks/log-csv" "$T/site/hooks/call.failed.disabled"
# A sender's call_id that would be a formula and a forged row in a
# spreadsheet stays one quoted text field on one line.
printf '{"event_id":"evt_site_csv","event_type":"call.completed","created_at":"%s","org_id":"o","data":{"call_id":"=HYPERLINK(\\"http://evil.invalid/\\")\\nforged,row"}}' "$(now_utc)" > "$T/site-csv.json"
post "$T/site-csv.json"
"$HUSKYHOOK" -c "$CONF" run
check "init's hook: a formula call_id stays text" grep -qF ',"'"'"'=HYPERLINK(""http://evil.invalid/"") forged,row",' "$T/site/calls.csv"
check "init's hook: no forged row" '! grep -q "^forged" "$T/site/calls.csv"'
SIG=0000 post "$T/site.json"
check "init's layout: the receiver logs to huskyhook.log in it" '[ "$STATUS" = 401 ] && grep -q "huskyhook-receive.*refused 401" "$T/site/huskyhook.log"'

# status names the run lock's holder while a run holds it, and nothing
# once it is let go; check names the spool's filesystem.
check "status: no run line while no run holds the lock" '! "$HUSKYHOOK" -c "$CONF" status | grep -q "^run "'
printf '#!/bin/sh\nsleep 3\n' > "$T/site/hooks/call.answered"
chmod 755 "$T/site/hooks/call.answered"
event evt_held call.answered > "$T/held.json"
post "$T/held.json"
"$HUSKYHOOK" -c "$CONF" run &
held_pid=$!
sleep 1
"$HUSKYHOOK" -c "$CONF" status > "$T/status-held.out"
check "status: the holder of the run lock, host, pid and time" grep -q "^run       held by $(hostname) pid $held_pid since 20.*Z$" "$T/status-held.out"
wait "$held_pid"
check "status: no run line once the run ended" '! "$HUSKYHOOK" -c "$CONF" status | grep -q "^run "'
check "check: names the spool's filesystem" '"$HUSKYHOOK" -c "$CONF" check | grep -q "^ok: spool .* is on /.* ([a-z0-9.]*)\$"'
# Under a directory every user may write (sticky, as /tmp): a spool right
# in it is a problem (another user could have made that name first); one
# below a directory of ours there, a warning (it may be cleaned away).
mkdir -p "$T/open/mine/spool" "$T/open/spool"
chmod 1777 "$T/open"
printf 'secret_file = %s\nspool = %s\nhooks = %s\n' "$T/secret" "$T/open/spool" "$T/hooks" > "$T/open-in.conf"
printf 'secret_file = %s\nspool = %s\nhooks = %s\n' "$T/secret" "$T/open/mine/spool" "$T/hooks" > "$T/open-below.conf"
"$HUSKYHOOK" -c "$T/open-in.conf" check > "$T/open-in.out"
check "check: a spool right in a world-writable directory: a problem, exit 1" [ $? = 1 ]
check "... naming that directory" grep -q "^problem: spool $T/open/spool is under $T/open, which every user may write" "$T/open-in.out"
"$HUSKYHOOK" -c "$T/open-below.conf" check > "$T/open-below.out"
check "check: a spool below a directory of ours there: a warning" grep -q "^warning: spool $T/open/mine/spool is under $T/open, which every user may write: the directory between is yours" "$T/open-below.out"
done_testing
