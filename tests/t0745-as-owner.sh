#!/bin/sh
# The commands run as root on a layout another user owns (a VPS owner's
# `huskyhook status` on www-data's layout): those that only read make
# nothing, the others act as the owner, so that nothing root-owned is left
# for the receiver (503) or a run (a torn meta) to trip on; a user who is
# not the owner and cannot write the spool is told the command to use;
# check counts what the owner cannot write.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v setpriv > /dev/null || skip_all "setpriv is not installed"
setup
OWNER=65534	# nobody
as_owner() { setpriv --reuid=$OWNER --regid=$OWNER --clear-groups "$@"; }
mkdir "$T/home"
chown $OWNER:$OWNER "$T/home"
as_owner "$HUSKYHOOK" init "$T/home/site" > /dev/null
CONF=$T/home/site/huskyhook.conf
SECRET=$(cat "$T/home/site/secret")
# The hook says who runs it.
printf '#!/bin/sh\nid -u > ../ran-as\n' > "$T/home/site/hooks/call.completed"
chmod 755 "$T/home/site/hooks/call.completed"
chown $OWNER:$OWNER "$T/home/site/hooks/call.completed"
RUN_AS="setpriv --reuid=$OWNER --regid=$OWNER --clear-groups"
deliver evt_owner1 call.completed
deliver evt_owner2 call.failed
RUN_AS=
# Nothing of root's, and no log, before root's commands.
rm -f "$T/home/site/huskyhook.log"
rootfiles() { find "$T/home" -uid 0 | wc -l | tr -d ' '; }

# A receiver started as root on the owner's layout (a spawner's line
# pasted in a root shell) refuses to start, saying why, and stores
# nothing root's.
if command -v spawn-fcgi > /dev/null; then
	HUSKYHOOK_CONFIG=$CONF timeout 10 spawn-fcgi -n -s "$T/root.sock" -- "$RECEIVE" \
	    > /dev/null 2> "$T/root-receive.err"
	rc=$?
	check "a receiver started as root on the owner's config: it exits" [ "$rc" != 0 ]
	check "... saying to start it as that user" \
	    grep -q "started as root, but $CONF is uid $OWNER's: start it as that user" "$T/root-receive.err"
	check "... nothing root's in the layout" [ "$(rootfiles)" = 0 ]
fi

# Commands that only read, as root: nothing made, nothing root's.
rmdir "$T/home/site/spool/failed"
for cmd in "status" "list" "show evt_owner1" "check" "sign $top_srcdir/tests/data/call-completed.json"; do
	# shellcheck disable=SC2086
	"$HUSKYHOOK" -c "$CONF" $cmd > "$T/cmd.out" 2>&1
	check "root's $cmd makes nothing of root's" [ "$(rootfiles)" = 0 ]
	check "root's $cmd makes no log" [ ! -e "$T/home/site/huskyhook.log" ]
	check "root's $cmd makes no spool directory" [ ! -e "$T/home/site/spool/failed" ]
done
as_owner "$HUSKYHOOK" -c "$CONF" status > "$T/cmd.out" 2>&1
check "the owner's status makes no spool directory either" [ ! -e "$T/home/site/spool/failed" ]
check "status says which directory is missing" grep -q "spool/failed.*first delivery or run makes it" "$T/cmd.out"
mkdir "$T/home/site/spool/failed"
chown $OWNER:$OWNER "$T/home/site/spool/failed"

# Commands that write, as root: done as the owner, hooks too.
"$HUSKYHOOK" -c "$CONF" run > "$T/run.out" 2>&1
check "root's run: the hook ran as the owner" [ "$(cat "$T/home/site/ran-as")" = $OWNER ]
check "root's run: nothing of root's in the layout" [ "$(rootfiles)" = 0 ]
check "root's run: the log is the owner's" [ "$(stat -c %u "$T/home/site/huskyhook.log")" = $OWNER ]
"$HUSKYHOOK" -c "$CONF" requeue evt_owner1 > /dev/null 2>&1
check "root's requeue: nothing of root's in the layout" [ "$(rootfiles)" = 0 ]
"$HUSKYHOOK" -c "$CONF" run > /dev/null 2>&1
check "the requeued event ran again, its meta whole (not torn)" '! grep -q torn "$T/home/site/huskyhook.log"'
check "show: its remote_addr kept" '"$HUSKYHOOK" -c "$CONF" show evt_owner1 | grep -q "^remote_addr *192.0.2.7"'
"$HUSKYHOOK" -c "$CONF" purge --done > /dev/null 2>&1
check "root's purge: nothing of root's in the layout" [ "$(rootfiles)" = 0 ]
RUN_AS="setpriv --reuid=$OWNER --regid=$OWNER --clear-groups"
deliver evt_owner3 call.completed
check "the receiver (as the owner) still stores: 200" [ "$STATUS" = 200 ]
RUN_AS=

# Another user, not root: told what to run instead, for a config it may
# not read, and for a spool it may not write.
as_other() { setpriv --reuid=4242 --regid=4242 --clear-groups "$@"; }
as_other "$HUSKYHOOK" -c "$CONF" requeue 'evt_owner2' > "$T/other.out" 2>&1
check "another user's requeue is refused" [ $? = 1 ]
check "it gives the command to run as the owner" \
    grep -qxF "  sudo -u nobody -- $HUSKYHOOK -c $CONF requeue evt_owner2" "$T/other.out"
chmod 755 "$T/home/site"
chmod 644 "$CONF" "$T/home/site/secret"
as_other "$HUSKYHOOK" -c "$CONF" requeue 'evt owner2' > "$T/other.out" 2>&1
check "the config readable: refused for the spool, the command quoted" \
    grep -qxF "  sudo -u nobody -- $HUSKYHOOK -c $CONF requeue 'evt owner2'" "$T/other.out"
check "it names the spool" grep -q "spool belongs to nobody, and this user may not write it" "$T/other.out"
chmod 600 "$CONF" "$T/home/site/secret"
chmod 700 "$T/home/site"

# check counts what the owner cannot write, whoever runs it.
: > "$T/home/site/spool/pending/evt_rootmeta"
chmod 644 "$T/home/site/spool/pending/evt_rootmeta"
"$HUSKYHOOK" -c "$CONF" check > "$T/check.out"
check "check (root): a root-owned meta is a problem, exit 1" [ $? = 1 ]
check "check names the directory and the file" grep -q "^problem: 1 file in $T/home/site/spool/pending is not writable by this user (evt_rootmeta)" "$T/check.out"
rm "$T/home/site/spool/pending/evt_rootmeta"
# A name in the spool is anyone's who may write it: shown escaped, never
# as raw terminal bytes.
esc=$(printf '\033')
: > "$T/home/site/spool/pending/x${esc}[2Jy"
"$HUSKYHOOK" -c "$CONF" check > "$T/check.out"
check "check: a file name holding ESC is shown escaped" \
    'grep -qF "(x\\x1b" "$T/check.out" && ! grep -q "$esc" "$T/check.out"'
rm "$T/home/site/spool/pending/x${esc}[2Jy"
chown 0:0 "$T/home/site/huskyhook.log"
chmod 600 "$T/home/site/huskyhook.log"
as_owner "$HUSKYHOOK" -c "$CONF" check > "$T/check.out"
check "check (owner): a log the owner cannot write is a problem" grep -q "^problem: log $T/home/site/huskyhook.log is not writable" "$T/check.out"
chown $OWNER:$OWNER "$T/home/site/huskyhook.log"
check "check: with that mended, no problem" '"$HUSKYHOOK" -c "$CONF" check | grep -qx "0 problems, [0-9]* warnings*"'

# root's own layout: run stays root, so its hooks directory must be root's
# alone; one another user may write is refused, nothing run.
mkdir "$T/rootl"
"$HUSKYHOOK" init "$T/rootl/site" > /dev/null
printf '#!/bin/sh\nid -u > ../ran-as\n' > "$T/rootl/site/hooks/call.completed"
chmod 755 "$T/rootl/site/hooks/call.completed"
CONF=$T/rootl/site/huskyhook.conf
SECRET=$(cat "$T/rootl/site/secret")
deliver evt_rootl call.completed
chown $OWNER "$T/rootl/site/hooks"
"$HUSKYHOOK" -c "$CONF" run > "$T/rootl.out" 2>&1
check "root's layout, hooks another user's: run refuses, exit 1" [ $? = 1 ]
check "saying why" grep -q "hooks $T/rootl/site/hooks: $T/rootl/site/hooks is not root's alone" "$T/rootl.out"
check "and nothing ran" [ ! -e "$T/rootl/site/ran-as" ]
chown 0 "$T/rootl/site/hooks"
"$HUSKYHOOK" -c "$CONF" run > /dev/null 2>&1
check "the hooks root's again: the hook ran, as root" [ "$(cat "$T/rootl/site/ran-as" 2>/dev/null)" = 0 ]
# A config path that does not open (a dangling link) is an error at
# once, never read on as root.
ln -s "$T/rootl/nothing-here" "$T/rootl/dangling.conf"
"$HUSKYHOOK" -c "$T/rootl/dangling.conf" run > "$T/dangling.out" 2>&1
check "root, a config that does not open: exit 1" [ $? = 1 ]
check "naming it" grep -q "dangling.conf: No such file or directory" "$T/dangling.out"
done_testing
