#!/bin/sh
# The web server and cron as two users sharing one spool through a
# group: a setgid spool directory and umask = 007. The receiver runs as
# one user, `huskyhook run` as another; both only share the group.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root to act as two users"
command -v setpriv > /dev/null || skip_all "setpriv is not installed"
GID=100		# Debian's "users" group; only given to the two processes
WEB=33		# www-data
CRON=65534	# nobody
setup_hooks "umask = 007"
hook call.completed 'echo "$HUSKY_EVENT_ID ran as $(id -u)" >> ran.log'
chgrp -R $GID "$T"
chmod 2770 "$T/spool" "$T/hooks"
chmod 640 "$T/secret" "$CONF"
chmod 750 "$T"
chmod 660 "$T/receive.log" 2>/dev/null || { : > "$T/receive.log"; chgrp $GID "$T/receive.log"; chmod 660 "$T/receive.log"; }
chmod 777 "$T/hooks/call.completed"

as_cron() { setpriv --reuid=$CRON --regid=$GID --clear-groups "$@"; }

RUN_AS="setpriv --reuid=$WEB --regid=$GID --clear-groups"
event evt_shared > "$T/body.json"
touch "$T/out" "$T/stderr"
chmod 666 "$T/out" "$T/stderr"
post "$T/body.json"
RUN_AS=
check "the receiver, as the web server's user, accepts" [ "$STATUS" = 200 ]
check "the spool's subdirectories inherit the group" [ "$(stat -c %g "$T/spool/events")" = $GID ]
check "the stored event is group-readable, not world-readable" [ "$(stat -c %a "$T/spool/events/evt_shared.json")" = 660 ]
as_cron "$HUSKYHOOK" -c "$CONF" run > "$T/run.out" 2>&1
check "huskyhook run, as the cron user, runs the hook" grep -q "^evt_shared ran as $CRON$" "$T/hooks/ran.log"
check "and records the event done" [ "$(state_of evt_shared)" = "done" ]
check "run printed nothing" [ ! -s "$T/run.out" ]
post_again() {
	RUN_AS="setpriv --reuid=$WEB --regid=$GID --clear-groups"
	post "$T/body.json"
	RUN_AS=
}
post_again
check "a redelivery after the cron user's run is still a duplicate" 'grep -q "\"duplicate\"" "$T/out"'
check "status, as the web server's user, reads what cron wrote" \
    'setpriv --reuid="$WEB" --regid="$GID" --clear-groups "$HUSKYHOOK" -c "$CONF" status | grep -q "^done *1\$"'

# What the web server's user can write into the spool is read back as
# untrusted: a meta naming a program outside the hooks directory as its
# event type, beside a body that is a shell script, runs nothing.
as_web() { setpriv --reuid=$WEB --regid=$GID --clear-groups "$@"; }
as_web sh -c 'printf "#!/bin/sh\necho pwned > %s/spool/pwned\n" "$1" > "$1/spool/events/evt_path.json"' sh "$T"
sed -e 's/^event_id=.*/event_id=evt_path/' \
    -e 's#^event_type=.*#event_type=../../../../../../../../../../../../bin/sh#' \
    "$T/spool/done/evt_shared" > "$T/forged.meta"
as_web cp "$T/forged.meta" "$T/spool/pending/evt_path"
# A meta whose type is another hook's than its body's.
event evt_other call.completed > "$T/other.json"
as_web cp "$T/other.json" "$T/spool/events/evt_other.json"
sed -e 's/^event_id=.*/event_id=evt_other/' \
    -e 's/^event_type=.*/event_type=call.failed/' \
    "$T/spool/done/evt_shared" > "$T/other.meta"
hook call.failed 'echo "$HUSKY_EVENT_ID ran call.failed" >> ran.log'
chmod 777 "$T/hooks/call.failed"
as_web cp "$T/other.meta" "$T/spool/pending/evt_other"
as_cron "$HUSKYHOOK" -c "$CONF" run > "$T/run.out" 2>&1
check "a meta whose event type is a path: nothing outside hooks/ runs" [ ! -e "$T/spool/pwned" ]
check "and the event is recorded as failed" [ "$(state_of evt_path)" = failed ]
check "a meta naming another type than its body: no hook runs" '! grep -q evt_other "$T/hooks/ran.log"'
check "and it is recorded as failed, saying why" grep -q '^last_error=the stored body is not the event its meta describes$' "$T/spool/failed/evt_other"

# HUSKY_EVENT_FILE is the body run checked, not a name in the spool: the
# web server's user swapping events/ID.json for a link to a file only
# the cron user may read, while the hook runs, gets nothing of it.
printf 'CRON-USER-PRIVATE\n' > "$T/private"
chown $CRON "$T/private"
chmod 600 "$T/private"
hook call.answered 'sleep 1; cat "$HUSKY_EVENT_FILE" > "$HUSKY_EVENT_ID.seen"'
chmod 777 "$T/hooks/call.answered"
RUN_AS="setpriv --reuid=$WEB --regid=$GID --clear-groups"
event evt_swap call.answered > "$T/swap.json"
post "$T/swap.json"
RUN_AS=
as_cron "$HUSKYHOOK" -c "$CONF" run > "$T/run.out" 2>&1 &
runner=$!
sleep 0.5
as_web sh -c 'ln -s "$1/private" "$1/spool/events/link.tmp" && mv -f "$1/spool/events/link.tmp" "$1/spool/events/evt_swap.json"' sh "$T"
wait "$runner"
check "the body swapped for a link mid-hook: the hook read the body run checked" cmp -s "$T/swap.json" "$T/hooks/evt_swap.seen"
check "and nothing of the cron user's file" '! grep -q CRON-USER-PRIVATE "$T/hooks/evt_swap.seen"'
done_testing
