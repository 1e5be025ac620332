#!/bin/sh
# The example hooks in examples/hooks/, installed as a user would (copied,
# with the lines the header says to edit changed), run by huskyhook run.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks "hook_path = $top_builddir/tests/tmp/t0750-examples/bin:/usr/bin:/bin"
EX=$top_srcdir/examples/hooks

# log-csv, as the default hook, with HOME pointing into the test.
cp "$EX/log-csv" "$T/hooks/default"
deliver evt_csv1 call.completed
printf '{"event_id":"evt_csv2","event_type":"call.failed","created_at":"%s","org_id":"o","data":{"call_id":"c,\\"2\\"","status":"busy"}}' "$(now_utc)" > "$T/csv2.json"
post "$T/csv2.json"
HOME=$T hh run
csv=$T/huskyvoice-calls.csv
check "log-csv: a header and two lines" [ "$(grep -c . "$csv")" = 3 ]
check "log-csv: the fields" grep -q '^"20[^"]*Z","evt_csv1","call.completed","call_987654321","completed","124"$' "$csv"
check "log-csv: commas and quotes are quoted" grep -q '^"[^"]*","evt_csv2","call.failed","c,""2""","busy",""$' "$csv"
rm "$T/hooks/default"

# mail-on-failed, with a sendmail on hook_path that keeps the message.
mkdir -p "$T/bin"
printf '#!/bin/sh\n[ "$1" = -t ] || exit 64\ncat > "%s/mail.out"\n' "$T" > "$T/bin/sendmail"
chmod 755 "$T/bin/sendmail"
sed 's/^TO=.*/TO=ops@test.invalid/' "$EX/mail-on-failed" > "$T/hooks/call.failed"
chmod 755 "$T/hooks/call.failed"
deliver evt_mail call.failed
hh run
check "mail-on-failed: the event is done" [ "$(state_of evt_mail)" = "done" ]
check "mail-on-failed: To" grep -qx 'To: ops@test.invalid' "$T/mail.out"
check "mail-on-failed: Subject names the call" grep -qx 'Subject: HuskyVoice call failed: call_987654321' "$T/mail.out"
check "mail-on-failed: the body carries the event" grep -qF '"event_id":"evt_mail"' "$T/mail.out"

# forward, to a second huskyhook receiver behind a real lighttpd.
if command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ]; then
	OUTER_T=$T
	OUTER_CONF=$CONF
	T=$OUTER_T/downstream
	mkdir -p "$T/spool"
	printf 'downstream-secret\n' > "$T/secret"
	CONF=$T/huskyhook.conf
	write_conf
	if lighttpd_start huskyhook-fastcgi.conf; then
		DOWN_URL=$URL
		T=$OUTER_T
		CONF=$OUTER_CONF
		sed -e "s#^URL=.*#URL=$DOWN_URL#" \
		    -e "s#^SECRET_FILE=.*#SECRET_FILE=$T/downstream/secret#" \
		    "$EX/forward" > "$T/hooks/call.answered"
		chmod 755 "$T/hooks/call.answered"
		deliver evt_fwd call.answered
		hh run
		check "forward: done once the other receiver took it" [ "$(state_of evt_fwd)" = "done" ]
		check "forward: stored there byte for byte" cmp -s "$T/deliver.json" "$T/downstream/spool/events/evt_fwd.json"
		sed -i "s#^SECRET_FILE=.*#SECRET_FILE=$T/secret#" "$T/hooks/call.answered"
		deliver evt_fwd_bad call.answered
		hh run > "$T/run.out"
		check "forward: refused downstream (401), so kept for a retry" [ "$(state_of evt_fwd_bad)" = pending ]
		check "forward: curl's error is in the hook log" grep -q '401' "$T/spool/logs/evt_fwd_bad.log"
		lighttpd_stop
	else
		not_ok "forward: lighttpd starts"
	fi
else
	skip "forward: lighttpd is not installed"
fi
done_testing
