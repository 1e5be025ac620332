#!/bin/sh
# The example hooks in examples/hooks/, installed as a user would (copied,
# with the lines the header says to edit changed), run by huskyhook run.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/servers.sh
. "${top_srcdir:-.}/tests/servers.sh"
setup_hooks "hook_path = $top_builddir/tests/tmp/t0750-examples/bin:/usr/bin:/bin"
EX=$top_srcdir/examples/hooks

# log-csv, as the default hook: its file is beside the hooks directory.
cp "$EX/log-csv" "$T/hooks/default"
deliver evt_csv1 call.completed
printf '{"event_id":"evt_csv2","event_type":"call.failed","created_at":"%s","org_id":"o","data":{"call_id":"c,\\"2\\"","status":"busy"}}' "$(now_utc)" > "$T/csv2.json"
post "$T/csv2.json"
HOME=$T hh run
csv=$T/calls.csv
check "log-csv: a header and two lines" [ "$(grep -c . "$csv")" = 3 ]
check "log-csv: the fields" grep -q '^"20[^"]*Z","evt_csv1","call.completed","call_987654321","completed","124"$' "$csv"
check "log-csv: commas and quotes are quoted" grep -q '^"[^"]*","evt_csv2","call.failed","c,""2""","busy",""$' "$csv"
# Hostile values: newlines and CRs would split a row; a leading = + - @
# makes a spreadsheet take the cell for a formula.
printf '{"event_id":"evt_csv3","event_type":"call.failed","created_at":"%s","org_id":"o","data":{"call_id":"=HYPERLINK(\\"http://evil.invalid/\\",\\"x\\")","status":"a\\nevt_fake,call.completed,\\"x\\"\\r\\nb","duration_seconds":"+1+cmd|x","agent_id":"@SUM(1)"}}' "$(now_utc)" > "$T/csv3.json"
post "$T/csv3.json"
printf '{"event_id":"evt_csv4","event_type":"call.failed","created_at":"%s","org_id":"o","data":{"call_id":"-2+3","status":"\\"\\",\\"\\"","duration_seconds":"\\t=1"}}' "$(now_utc)" > "$T/csv4.json"
post "$T/csv4.json"
HOME=$T hh run
check "log-csv: hostile values: still one line per event" [ "$(grep -c . "$csv")" = 5 ]
# Each line, quoted fields reduced to X: six fields.
check "log-csv: hostile values: six quoted fields on every line" \
    '! sed -E "s/\"([^\"]|\"\")*\"/X/g" "$csv" | sed 1d | grep -vxq X,X,X,X,X,X'
check "log-csv: no field starts a formula" '! grep -qE "(^|,)\"[[:space:]]*[=+@-]" "$csv"'
check "log-csv: the formula is kept as text" grep -qF "\"'=HYPERLINK(\"\"http://evil.invalid/\"\",\"\"x\"\")\"" "$csv"
check "log-csv: no forged row" '! grep -q "^evt_fake" "$csv"'
rm "$T/hooks/default"

# mail-on-failed, with a sendmail on hook_path that keeps the message.
mkdir -p "$T/bin"
# The fake sendmail keeps the message and, as a real one would, works
# out the recipients: the arguments, and with -t the To, Cc and Bcc
# headers (one per line in mail.rcpt).
cat > "$T/bin/sendmail" <<EOF2
#!/bin/sh
out=$T
EOF2
cat >> "$T/bin/sendmail" <<'EOF2'
t=0
while [ $# -gt 0 ]; do
	case $1 in
	-t) t=1 ;;
	-i | -oi) ;;
	--) shift; break ;;
	-*) exit 64 ;;
	*) break ;;
	esac
	shift
done
cat > "$out/mail.out"
{
	for r in "$@"; do echo "$r"; done
	if [ $t = 1 ]; then
		sed '/^\r*$/q' "$out/mail.out" |
		    sed -n 's/^\(To\|Cc\|Bcc\):[[:space:]]*//Ip' | tr ',' '\n' |
		    sed 's/^[[:space:]]*//; s/[[:space:]]*$//'
	fi
} > "$out/mail.rcpt"
EOF2
chmod 755 "$T/bin/sendmail"
sed 's/^TO=.*/TO=ops@test.invalid/' "$EX/mail-on-failed" > "$T/hooks/call.failed"
chmod 755 "$T/hooks/call.failed"
deliver evt_mail call.failed
hh run
check "mail-on-failed: the event is done" [ "$(state_of evt_mail)" = "done" ]
check "mail-on-failed: To" grep -qx 'To: ops@test.invalid' "$T/mail.out"
check "mail-on-failed: Subject names the call" grep -qx 'Subject: HuskyVoice call failed: call_987654321' "$T/mail.out"
check "mail-on-failed: the body carries the event" grep -qF '"event_id":"evt_mail"' "$T/mail.out"
check "mail-on-failed: one recipient" [ "$(cat "$T/mail.rcpt")" = ops@test.invalid ]
# A call_id that would add a Bcc header, a CR too, and an agent_id that
# would end the headers early.
printf '{"event_id":"evt_mail2","event_type":"call.failed","created_at":"%s","org_id":"o","data":{"call_id":"c1\\nBcc: evil@example.com","agent_id":"a\\r\\nCc: evil2@example.com\\n\\nforged body","status":"busy\\r\\nTo: evil3@example.com"}}' "$(now_utc)" > "$T/mail2.json"
post "$T/mail2.json"
hh run
check "mail-on-failed: hostile values: done" [ "$(state_of evt_mail2)" = "done" ]
check "mail-on-failed: hostile values: only the one recipient" [ "$(cat "$T/mail.rcpt")" = ops@test.invalid ]
sed '/^\r*$/q' "$T/mail.out" > "$T/mail.headers"
check "mail-on-failed: hostile values: no injected header" '! grep -qiE "^(bcc|cc|to|from|reply-to):.*evil" "$T/mail.headers"'
check "mail-on-failed: hostile values: one To header" [ "$(grep -ci '^To:' "$T/mail.headers")" = 1 ]
check "mail-on-failed: hostile values: no CR in the headers" '! grep -q "$(printf "\r")" "$T/mail.headers"'
check "mail-on-failed: hostile values: the Subject is one line naming the call" grep -qx 'Subject: HuskyVoice call failed: c1 Bcc: evil@example.com' "$T/mail.headers"

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
		    -e "s#^HUSKYHOOK=.*#HUSKYHOOK=$HUSKYHOOK#" \
		    "$EX/forward" > "$T/hooks/call.answered"
		chmod 755 "$T/hooks/call.answered"
		deliver evt_fwd call.answered
		hh run
		check "forward: done once the other receiver took it" [ "$(state_of evt_fwd)" = "done" ]
		check "forward: stored there byte for byte" cmp -s "$T/deliver.json" "$T/downstream/spool/events/evt_fwd.json"
		sed -i "s#^SECRET_FILE=.*#SECRET_FILE=$T/secret#" "$T/hooks/call.answered"
		deliver evt_fwd_bad call.answered
		hh run > "$T/run.out"
		check "forward: refused downstream (401), so kept for a retry" [ "$(state_of evt_fwd_bad)" = retrying ]
		check "forward: curl's error is in the hook log" grep -q '401' "$T/spool/logs/evt_fwd_bad.log"
		lighttpd_stop
	else
		not_ok "forward: lighttpd starts"
	fi
else
	skip "forward: lighttpd is not installed"
fi
# forward's secret is on no command line: the hook posts to a local
# listener that holds the request unanswered, and meanwhile every
# process's /proc/PID/cmdline is read; strace records the arguments of
# every program the run started, the short-lived ones too.
FWD_SECRET=forward-secret-on-no-command-line-51c9e2
if command -v perl > /dev/null; then
	printf '%s\n' "$FWD_SECRET" > "$T/forward.secret"
	chmod 600 "$T/forward.secret"
	rm -f "$T/slow.port" "$T/slow.accepted" "$T/slow.release"
	# Accepts one request, keeps it in slow.request, and answers 200
	# once slow.release exists (60 s at most).
	perl -MIO::Socket::INET -e '
		my $d = $ARGV[0];
		alarm 60;
		my $l = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1",
		    LocalPort => 0, ReuseAddr => 1) or die "listen: $!";
		open(my $p, ">", "$d/slow.port.tmp") or die; print $p $l->sockport, "\n";
		close $p; rename("$d/slow.port.tmp", "$d/slow.port") or die;
		my $c = $l->accept or die "accept: $!";
		my ($req, $buf) = ("", "");
		until ($req =~ /\r\n\r\n/s) { sysread($c, $buf, 4096) or last; $req .= $buf }
		my ($len) = $req =~ /^Content-Length:\s*(\d+)/mi;
		my $want = index($req, "\r\n\r\n") + 4 + ($len // 0);
		while (length($req) < $want) { sysread($c, $buf, 4096) or last; $req .= $buf }
		open(my $r, ">", "$d/slow.request") or die; print $r $req; close $r;
		open(my $a, ">", "$d/slow.accepted") or die; close $a;
		select(undef, undef, undef, 0.05) until -e "$d/slow.release";
		print $c "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		close $c;' "$T" &
	slow_pid=$!
	i=0
	while [ ! -s "$T/slow.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	SLOW_URL=http://127.0.0.1:$(cat "$T/slow.port")/forward
	write_conf "hooks = $T/hooks"
	# The hook's huskyhook through a script that only turns off
	# LeakSanitizer (in an --enable-asan build), which cannot work under
	# strace; the hook's environment is run's, without ASAN_OPTIONS.
	printf '#!/bin/sh\nASAN_OPTIONS=detect_leaks=0 exec %s "$@"\n' "$HUSKYHOOK" > "$T/bin/huskyhook-nolsan"
	chmod 755 "$T/bin/huskyhook-nolsan"
	sed -e "s#^URL=.*#URL=$SLOW_URL#" \
	    -e "s#^SECRET_FILE=.*#SECRET_FILE=$T/forward.secret#" \
	    -e "s#^HUSKYHOOK=.*#HUSKYHOOK=$T/bin/huskyhook-nolsan#" \
	    "$EX/forward" > "$T/hooks/call.answered"
	chmod 755 "$T/hooks/call.answered"
	deliver evt_fwd_argv call.answered
	if command -v strace > /dev/null; then
		# LeakSanitizer cannot work under ptrace.
		ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
		    strace -f -qq -e trace=execve -s 4096 -o "$T/exec.trace" \
		    "$HUSKYHOOK" -c "$CONF" run > "$T/run-argv.out" 2>&1 &
	else
		"$HUSKYHOOK" -c "$CONF" run > "$T/run-argv.out" 2>&1 &
	fi
	run_pid=$!
	i=0
	while [ ! -e "$T/slow.accepted" ] && [ $i -lt 300 ] && kill -0 "$run_pid" 2> /dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	# The request is held: the hook's curl is waiting for the answer.
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' 2> /dev/null < "$f"
		echo
	done > "$T/cmdlines"
	touch "$T/slow.release"
	wait "$run_pid"
	kill "$slow_pid" 2> /dev/null	# gone unless the run never reached it
	wait "$slow_pid" 2> /dev/null
	[ -s "$T/run-argv.out" ] && sed 's/^/# /' "$T/run-argv.out"
	check "forward: the scan ran while the hook's curl was posting" grep -qF "$SLOW_URL" "$T/cmdlines"
	check "forward: no process's command line holds the secret" '! grep -qF "$FWD_SECRET" "$T/cmdlines"'
	if [ -s "$T/exec.trace" ]; then
		check "forward: strace saw the hook run curl" grep -q 'execve("[^"]*/curl"' "$T/exec.trace"
		check "forward: no program the run started had the secret in its arguments" '! grep -qF "$FWD_SECRET" "$T/exec.trace"'
		fwd_sig=$(grep -i '^X-Husky-Signature: ' "$T/slow.request" | tr -d '\r' | sed 's/^[^:]*: //')
		check "forward: nor the signature it sent (${fwd_sig:-none seen})" \
		    '[ -n "$fwd_sig" ] && ! grep -qF "$fwd_sig" "$T/exec.trace"'
	else
		skip "forward: strace is not installed"
	fi
	check "forward: done once the listener answered" [ "$(state_of evt_fwd_argv)" = "done" ]
	sed '1,/^\r*$/d' "$T/slow.request" > "$T/slow.body"
	check "forward: the body sent as stored" cmp -s "$T/slow.body" "$T/deliver.json"
	tr -d '\r' < "$T/slow.request" | sed '/^$/q' > "$T/slow.headers"
	check "forward: signed with the secret in its file" \
	    'grep -qix "X-Husky-Signature: $(sign "$T/deliver.json" "$FWD_SECRET")" "$T/slow.headers"'
else
	skip "forward: perl is not installed (the listener)"
fi

# forward with hostile values, curl replaced by one that keeps its
# arguments: none of them reaches a shell or a header.
mkdir -p "$T/fakebin"
cat > "$T/fakebin/curl" <<EOF2
#!/bin/sh
printf '%s\0' "\$@" > "$T/curl.args"
EOF2
chmod 755 "$T/fakebin/curl"
write_conf "hooks = $T/hooks" "hook_path = $T/fakebin:/usr/bin:/bin"
sed -e "s#^URL=.*#URL=https://forward.test.invalid/hook#" \
    -e "s#^SECRET_FILE=.*#SECRET_FILE=$T/secret#" \
    -e "s#^HUSKYHOOK=.*#HUSKYHOOK=$HUSKYHOOK#" \
    "$EX/forward" > "$T/hooks/call.answered"
chmod 755 "$T/hooks/call.answered"
printf '{"event_id":"evt_fwd_hostile","event_type":"call.answered","created_at":"%s","org_id":"org_abc_123","data":{"call_id":"$(touch pwned1)`touch pwned2`\\"; touch pwned3; \\"","status":"a\\r\\nX-Evil: 2"}}' "$(now_utc)" > "$T/fwd.json"
post "$T/fwd.json"
rm -f "$T/curl.args"
hh run
check "forward: hostile values: done" [ "$(state_of evt_fwd_hostile)" = "done" ]
tr '\0' '\n' < "$T/curl.args" > "$T/curl.lines"
check "forward: hostile values: the event id header as it is" grep -qx 'X-Husky-Event-Id: evt_fwd_hostile' "$T/curl.lines"
check "forward: hostile values: three headers, nothing injected" \
    '[ "$(grep -c "^-H\$" "$T/curl.lines")" = 3 ] && ! grep -q X-Evil "$T/curl.lines"'
check "forward: hostile values: the URL as configured, last" [ "$(tail -n 1 "$T/curl.lines")" = https://forward.test.invalid/hook ]
check "forward: hostile values: nothing of them was run" '! ls "$T/hooks" | grep -q pwned'
# An id no receiver stores (a tampered spool): refused for good, unsent.
rm -f "$T/curl.args"
env -i PATH="$T/fakebin:/usr/bin:/bin" HOME="$T" HUSKY_EVENT_FILE="$T/fwd.json" \
    HUSKY_EVENT_ID="$(printf 'evt_x\r\nX-Evil: 3')" sh "$T/hooks/call.answered" 2> /dev/null
check "forward: an id with a line break: exit 100" [ $? = 100 ]
check "forward: an id with a line break: curl not run" [ ! -e "$T/curl.args" ]
done_testing
