#!/bin/sh
# The spool's files are brought into agreement by name, under the run
# lock: a body without meta is found even when a meta without body
# evens the count; a pending meta written after the event was finished
# does not run its hooks again; requeue and purge wait for each other
# and a run's recovery, not for its hooks.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/wait.sh
. "$top_srcdir/tests/wait.sh"
setup_hooks
hook call.completed 'echo "$HUSKY_EVENT_ID" >> ran.log'
old=$(date -d '-5 min' +%Y%m%d%H%M.%S)
ran() { grep -c "^$1\$" "$T/hooks/ran.log" 2>/dev/null || true; }

# 1. A failed event whose body went (a purge cut short) and a body whose
# meta never came (a receiver killed between its link and its rename):
# as many bodies as metas, and still one of each to put right.
deliver evt_gone
hh run > /dev/null
mv "$T/spool/done/evt_gone" "$T/spool/failed/evt_gone"
rm "$T/spool/events/evt_gone.json"
deliver evt_orphan
rm "$T/spool/pending/evt_orphan"
touch -t "$old" "$T/spool/events/evt_orphan.json"
check "as many bodies as metas" [ "$(count_files "$T/spool/events")" = "$(( $(count_files "$T/spool/pending") + $(count_files "$T/spool/done") + $(count_files "$T/spool/failed") ))" ]
hh run > "$T/run.out" 2>&1
check "the body without meta is found and its hook runs" [ "$(ran evt_orphan)" = 1 ]
check "and it is done" [ "$(state_of evt_orphan)" = "done" ]
check "the failed meta without a body is removed" [ ! -e "$T/spool/failed/evt_gone" ]
check "both are logged" 'grep -q "evt_orphan: stored without meta" "$T/receive.log" && grep -q "evt_gone: failed meta without a body" "$T/receive.log"'

# A pending meta without a body cannot run: failed, saying why.
deliver evt_nobody
rm "$T/spool/events/evt_nobody.json"
hh run > /dev/null 2>&1
check "a pending meta without a body: failed" [ "$(state_of evt_nobody)" = failed ]
check "saying why" grep -q '^last_error=the stored body is missing$' "$T/spool/failed/evt_nobody"

# 2. A receiver stalled between its link and its rename past the
# orphan age: run restored the meta and ran the hook; then the
# receiver's pending meta lands. The finished state wins.
deliver evt_late
cp "$T/spool/pending/evt_late" "$T/late.meta"
rm "$T/spool/pending/evt_late"
touch -t "$old" "$T/spool/events/evt_late.json"
hh run > /dev/null
check "the stalled event ran once" '[ "$(ran evt_late)" = 1 ] && [ "$(state_of evt_late)" = done ]'
mv "$T/late.meta" "$T/spool/pending/evt_late"
check "show says done while the late meta is there" '"$HUSKYHOOK" -c "$CONF" show evt_late | grep -q "^state  *done"'
hh run > /dev/null
check "the late pending meta does not run the hook again" [ "$(ran evt_late)" = 1 ]
check "it is removed" [ ! -e "$T/spool/pending/evt_late" ]
check "the event stays done" [ -e "$T/spool/done/evt_late" ]
check "it is logged" grep -q 'evt_late: a pending meta beside a later one' "$T/receive.log"

# A hook log planted as a link to a file elsewhere is not followed by
# show, and a FIFO planted as a body does not stall run.
echo "private-key-material" > "$T/private"
ln -s "$T/private" "$T/spool/logs/evt_late.log"
hh show evt_late > "$T/show.out" 2>&1
check "show does not follow a linked hook log" '! grep -q private-key-material "$T/show.out"'
deliver evt_fifo
rm "$T/spool/events/evt_fifo.json"
mkfifo "$T/spool/events/evt_fifo.json"
timeout 20 "$HUSKYHOOK" -c "$CONF" run > /dev/null 2>&1
check "a FIFO in place of a body: run does not hang" [ $? != 124 ]
check "and the event is kept for a retry" grep -q '^last_error=cannot read the stored body' "$T/spool/retrying/evt_fifo"
rm "$T/spool/events/evt_fifo.json" "$T/spool/retrying/evt_fifo"

# A body larger than any the receiver stores (a sparse file costs its
# writer nothing) is not read into memory: failed, saying why.
deliver evt_huge
truncate -s 2G "$T/spool/events/evt_huge.json"
hh run > /dev/null 2>&1
check "a 2 GB sparse body: failed for good, not read" grep -q '^last_error=cannot read the stored body: File too large$' "$T/spool/failed/evt_huge"

# An event retrying in the first layout (its meta in pending/, with
# attempts): the first run moves it to retrying/, once, and leaves the
# stamp layout-2. A pending meta that comes late beside a retrying one
# goes, as beside a finished one.
deliver evt_old
sed -i 's/^attempts=.*/attempts=1/; s/^next_attempt=.*/next_attempt=4102444800/' "$T/spool/pending/evt_old"
rm -f "$T/spool/layout-2"
check "a first-layout retrying event: pending until a run moves it" \
    '"$HUSKYHOOK" -c "$CONF" list pending | grep -q "^evt_old "'
hh run > /dev/null
check "the first run moves it to retrying/" '[ -e "$T/spool/retrying/evt_old" ] && [ ! -e "$T/spool/pending/evt_old" ]'
check "its meta as it was, not run" '[ "$(meta evt_old attempts)" = 1 ] && [ "$(ran evt_old)" = 0 ]'
check "and leaves the stamp" [ -e "$T/spool/layout-2" ]
cp "$T/spool/retrying/evt_old" "$T/spool/pending/evt_old"
hh run > /dev/null
check "a pending meta beside a retrying one is removed" '[ ! -e "$T/spool/pending/evt_old" ] && [ -e "$T/spool/retrying/evt_old" ]'
check "it is logged" grep -q 'evt_old: a pending meta beside a later one' "$T/receive.log"
rm "$T/spool/retrying/evt_old" "$T/spool/events/evt_old.json"

# 3. requeue and purge hold the state lock (state.lock), which a run
# takes while it recovers and purges: while another holds it they wait,
# then give up saying so. A run holding the run lock does not stop them.
# Replacing run.lock (which anyone who may write the spool can) does not
# free the run lock (a flock on the spool's directory as well).
deliver evt_req
hh run > /dev/null
# hold_lock FILE: a flock on FILE held in the background ($holder),
# returning once it is held.
hold_lock() {
	rm -f "$T/held"
	flock -o "$1" sh -c ': > "$1"; exec sleep 30' sh "$T/held" &
	holder=$!
	wait_until 10 test -e "$T/held"
}
hold_lock "$T/spool"
echo forged > "$T/run.lock.new"
mv "$T/run.lock.new" "$T/spool/run.lock"
check "a run.lock renamed over the held one: run still sees the lock held" '"$HUSKYHOOK" -c "$CONF" run -v | grep -q "another run holds the lock"'
hh requeue evt_req > "$T/req.out" 2>&1
check "requeue while a run holds the run lock: done" [ $? = 0 ]
check "the event is pending again" [ "$(state_of evt_req)" = pending ]
kill "$holder"
wait "$holder" 2>/dev/null
hh run > /dev/null
hold_lock "$T/spool/state.lock"
start=$(date +%s)
hh requeue evt_req > "$T/req.out" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
check "requeue while the state lock is held: exit 1" [ "$rc" = 1 ]
check "after waiting about 10s (took ${took}s)" '[ "$took" -ge 9 ] && [ "$took" -le 20 ]'
check "saying who may hold it" grep -q 'state.lock: held for 10s by another requeue or purge' "$T/req.out"
check "the event was left alone" [ "$(state_of evt_req)" = "done" ]
hh run -v > "$T/run.out" 2>&1
check "a run meanwhile leaves recovery and housekeeping for later" grep -q 'holds the state lock' "$T/run.out"
hh purge --done > "$T/purge.out" 2>&1 &
purger=$!
# purge_waits: 0 once the purge has state.lock open (it then tries it
# every tenth of a second until it is free).
purge_waits() {
	for p in $(pgrep -f 'huskyhook.* purge --done'); do
		for fd in "/proc/$p/fd/"*; do
			case $(readlink "$fd" 2>/dev/null) in
			*/state.lock) return 0 ;;
			esac
		done
	done
	return 1
}
check "purge waits while the state lock is held" wait_until 10 purge_waits
kill "$holder"
wait "$holder" 2>/dev/null
wait "$purger"
check "purge waiting for the lock goes on once it is free" grep -q 'done events purged' "$T/purge.out"
done_testing
