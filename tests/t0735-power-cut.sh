#!/bin/sh
# Power cuts. The spool on LazyFS, a FUSE filesystem that keeps what is
# written in a cache of its own and drops every byte not fsync'd when
# told to (lazyfs::clear-cache), as a power cut would; the files under
# its root are then what a machine finds at boot. Each "boot" mounts it
# afresh over the same root. Cut after receipt, after a run (done, a
# retry, a multi-hook event half done, a failure for good), after a
# retry run and after a requeue; after each cut, nothing answered or
# recorded is lost: every accepted body whole, done events done with a
# meta that reads, failed ones with their last_error, attempts and
# hooks_done kept, no hook run twice.
#
# Without LazyFS: the recovery of the empty done/ and failed/ metas that
# earlier versions left after a cut. LazyFS is built from
# ../shared/tools/lazyfs beside the source tree (or HUSKYHOOK_LAZYFS_SRC)
# into a cache directory, once; the LazyFS part is skipped where that
# source, FUSE or its build tools are missing.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
# shellcheck source=tests/wait.sh
. "${top_srcdir:-.}/tests/wait.sh"
setup_hooks "retry_base = 1s"

## Without LazyFS: empty finished metas, as older versions left them.

hook call.completed 'echo "$HUSKY_EVENT_ID" >> ran.log'
hook call.disallowed 'echo no; exit 100'
deliver evt_old_done
deliver evt_old_failed call.disallowed
hh run > /dev/null 2>&1
cp "$T/spool/done/evt_old_done" "$T/old_done.meta"
: > "$T/spool/done/evt_old_done"
: > "$T/spool/failed/evt_old_failed"
check "an empty done meta: show calls it damaged first" \
    '! hh show evt_old_done > /dev/null 2>&1'
hh run -v > "$T/run.out" 2>&1
check "run rebuilds an empty done meta in done/" \
    '[ -s "$T/spool/done/evt_old_done" ] && hh show evt_old_done > "$T/show.out" && grep -q "^state *done" "$T/show.out"'
check "its id, type and created_at from the body" \
    '[ "$(meta evt_old_done event_type)" = call.completed ] && [ "$(meta evt_old_done created_at)" = "$(sed -n "s/^created_at=//p" "$T/old_done.meta")" ]'
check "saying what was lost" grep -q 'last_error.*meta was lost (empty).*not known' "$T/show.out"
check "an empty failed meta: rebuilt in failed/" \
    '[ "$(state_of evt_old_failed)" = failed ] && hh show evt_old_failed > "$T/show.out" && grep -q "^state *failed" "$T/show.out"'
check "its last_error says it is lost" grep -q 'last error are not known' "$T/show.out"
check "run says how many it restored, the log which and where" \
    'grep -q "restored the meta of 2 events" "$T/run.out" && grep -q "done/evt_old_done: meta empty; rebuilt from the body, still done" "$T/receive.log"'
check "the done event did not run again" [ "$(grep -c evt_old_done "$T/hooks/ran.log")" = 1 ]
printf 'garbage\n' > "$T/spool/failed/evt_old_failed"
check "a damaged failed meta: requeue mends it, then requeues it" \
    'hh requeue evt_old_failed > /dev/null 2>&1 && [ "$(state_of evt_old_failed)" = pending ] && grep -q "failed/evt_old_failed: meta damaged; rebuilt" "$T/receive.log"'

## LazyFS

lazyfs_skip() {
	skip "power cuts: $1"
	done_testing
	exit
}

LAZYFS_SRC=${HUSKYHOOK_LAZYFS_SRC:-$top_srcdir/../shared/tools/lazyfs}
LAZYFS_DIR=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/huskyhook/lazyfs
LAZYFS=$LAZYFS_DIR/lazyfs/build/lazyfs
[ -c /dev/fuse ] || lazyfs_skip "no /dev/fuse"
command -v fusermount3 > /dev/null || lazyfs_skip "no fusermount3 (Debian: fuse3)"
# Built once into the cache, again when the source is newer.
if [ ! -f "$LAZYFS_DIR/built" ] || { [ -d "$LAZYFS_SRC" ] &&
    [ -n "$(find "$LAZYFS_SRC" -newer "$LAZYFS_DIR/built" -type f | head -n 1)" ]; }; then
	[ -d "$LAZYFS_SRC" ] || lazyfs_skip "no LazyFS source at $LAZYFS_SRC"
	for cmd in cmake g++ pkg-config; do
		command -v $cmd > /dev/null || lazyfs_skip "$cmd is missing"
	done
	rm -rf "$LAZYFS_DIR"
	mkdir -p "$LAZYFS_DIR"
	cp -r "$LAZYFS_SRC/." "$LAZYFS_DIR/"
	if ! (cd "$LAZYFS_DIR/libs/libpcache" && timeout 300 ./build.sh &&
	    cd "$LAZYFS_DIR/lazyfs" && timeout 300 ./build.sh) > "$T/lazyfs-build.log" 2>&1; then
		tail -n 20 "$T/lazyfs-build.log" | sed 's/^/# /'
		lazyfs_skip "LazyFS does not build here (Debian: cmake g++ libfuse3-dev libtoml11-dev libspdlog-dev libfmt-dev)"
	fi
	touch "$LAZYFS_DIR/built"
fi
[ -x "$LAZYFS" ] || lazyfs_skip "no LazyFS binary at $LAZYFS"

MNT=$T/mnt
ROOT=$T/root
mkdir -p "$MNT" "$ROOT/spool"
cat > "$T/lazyfs.toml" <<EOF
[faults]
fifo_path="$T/faults.fifo"
[cache]
apply_eviction=false
[cache.simple]
custom_size="64mb"
blocks_per_page=1
[filesystem]
log_all_operations=false
logfile=""
EOF
LAZYFS_PID=
lazyfs_down() {
	if [ -n "$LAZYFS_PID" ]; then
		kill -9 "$LAZYFS_PID" 2> /dev/null
		wait "$LAZYFS_PID" 2> /dev/null
		LAZYFS_PID=
	fi
	fusermount3 -u -z "$MNT" 2> /dev/null
}
trap lazyfs_down EXIT
trap 'lazyfs_down; exit 1' INT TERM HUP

boot=0
# lazyfs_boot: LazyFS mounted afresh over $ROOT, ready for commands.
lazyfs_boot() {
	boot=$((boot + 1))
	"$LAZYFS" "$MNT" --config-path "$T/lazyfs.toml" -o modules=subdir \
	    -o subdir="$ROOT" -f > "$T/lazyfs.$boot.log" 2>&1 &
	LAZYFS_PID=$!
	wait_for 'waiting for fault commands' "$T/lazyfs.$boot.log" 30 &&
	    mountpoint -q "$MNT"
}

# cut: the power cut: LazyFS drops what was not synced, is killed and
# unmounted; $ROOT is what the machine finds at boot.
cut() {
	timeout 10 sh -c 'echo lazyfs::clear-cache > "$1"' sh "$T/faults.fifo" &&
	    wait_for 'cache is cleared' "$T/lazyfs.$boot.log" 30
	cut_rc=$?
	lazyfs_down
	return $cut_rc
}

# at_boot ID: the event's state and fields as `show` reads them from
# $ROOT after the cut, in $T/at_boot.out; fails if show cannot read it.
at_boot() {
	timeout 20 "$HUSKYHOOK" -c "$T/root.conf" show "$1" > "$T/at_boot.out" 2>&1
}
# field NAME: a field of what at_boot read.
field() {
	sed -n "s/^$1  *//p" "$T/at_boot.out" | head -n 1
}

# body_kept ID: the stored body in $ROOT is byte for byte the one sent.
body_kept() {
	cmp -s "$T/sent/$1.json" "$ROOT/spool/events/$1.json"
}

# send ID TYPE: delivered through the receiver (CGI) into the mounted
# spool; the body kept in $T/sent.
send() {
	event "$1" "$2" > "$T/sent/$1.json"
	RUN_AS="timeout 20" post "$T/sent/$1.json"
	[ "$STATUS" = 200 ] || { diag "$1 answered $STATUS"; return 1; }
}

mkdir -p "$T/sent"
write_conf "hooks = $T/hooks" "retry_base = 1s"
sed "s|^spool = .*|spool = $MNT/spool|" "$CONF" > "$T/mnt.conf"
sed "s|^spool = .*|spool = $ROOT/spool|" "$CONF" > "$T/root.conf"
CONF=$T/mnt.conf
hook call.completed 'echo "$HUSKY_EVENT_ID" >> ran.log'
hook call.failed 'echo "not now" >&2; exit 1'
hook call.disallowed 'echo "refused" >&2; exit 100'
rm -f "$T/hooks/call.answered"
hook call.answered/10-first 'echo "$HUSKY_EVENT_ID" >> first.log'
hook call.answered/20-second '[ -e second.ok ] || { echo "second not yet" >&2; exit 1; }; echo "$HUSKY_EVENT_ID" >> second.log'

# Boot 1: deliveries, then the cut.
lazyfs_boot || lazyfs_skip "LazyFS does not mount here ($(tail -n 3 "$T/lazyfs.$boot.log"))"
accepted=0
for i in 1 2 3 4 5 6 7 8; do send "evt_pc_ok$i" call.completed && accepted=$((accepted + 1)); done
send evt_pc_retry call.failed && accepted=$((accepted + 1))
send evt_pc_multi call.answered && accepted=$((accepted + 1))
check "boot 1: 10 deliveries answered 200" [ "$accepted" = 10 ]
check "boot 1: the power cut" cut
kept=0
for f in "$T"/sent/*.json; do body_kept "$(basename "$f" .json)" && kept=$((kept + 1)); done
check "after a cut after receipt: all 10 bodies stored whole" [ "$kept" = 10 ]

# Boot 2: more deliveries, a run, the cut.
check "boot 2: mounted" lazyfs_boot
send evt_pc_new1 call.completed
send evt_pc_new2 call.completed
send evt_pc_bad call.disallowed
timeout 60 "$HUSKYHOOK" -c "$CONF" run > "$T/run2.out" 2>&1
check "boot 2: the run ends" [ $? = 0 ]
check "boot 2: the power cut after the run" cut
readable=0
for id in evt_pc_ok1 evt_pc_ok5 evt_pc_ok8 evt_pc_new1 evt_pc_new2; do
	at_boot $id && [ "$(field state)" = "done" ] && readable=$((readable + 1))
done
check "after a cut after a run: done events are done, their metas read" [ "$readable" = 5 ]
check "a first try's done meta keeps the sender's address" \
    'at_boot evt_pc_new1 && [ "$(field remote_addr)" = 192.0.2.7 ]'
check "the failed one is failed, with its last_error" \
    'at_boot evt_pc_bad && [ "$(field state)" = failed ] && field last_error | grep -q "hook call.disallowed: exit 100"'
check "the retry: attempts 1 and its last_error kept" \
    'at_boot evt_pc_retry && [ "$(field attempts)" = 1 ] && field last_error | grep -q "hook call.failed"'
check "the multi-hook event: its first hook recorded as done" \
    'at_boot evt_pc_multi && [ "$(field hooks_done)" = 10-first ] && [ "$(field attempts)" = 1 ]'
check "the empty pending metas of boot 1 were rebuilt, saying so" \
    grep -q 'pending/evt_pc_ok1: meta empty, torn or not ours; rebuilt' "$T/receive.log"

# Boot 3: the retry run (the second hook succeeds now), a requeue, the cut.
check "boot 3: mounted" lazyfs_boot
touch "$T/hooks/second.ok"
sleep 1		# retry_base: the retries fall due
timeout 60 "$HUSKYHOOK" -c "$CONF" run > "$T/run3.out" 2>&1
check "boot 3: the retry run ends" [ $? = 0 ]
check "boot 3: requeue of the failed event says so" \
    'timeout 20 "$HUSKYHOOK" -c "$CONF" requeue evt_pc_bad | grep -q "evt_pc_bad: requeued"'
check "boot 3: the power cut after the retry and the requeue" cut
check "after it: the multi-hook event is done" \
    'at_boot evt_pc_multi && [ "$(field state)" = done ]'
check "its first hook ran once, not again on the retry" \
    '[ "$(grep -c evt_pc_multi "$T/hooks/first.log")" = 1 ] && [ "$(grep -c evt_pc_multi "$T/hooks/second.log")" = 1 ]'
check "the retry: attempts 2" 'at_boot evt_pc_retry && [ "$(field attempts)" = 2 ]'
check "the requeued event: pending, attempts 0, no last_error" \
    'at_boot evt_pc_bad && [ "$(field state)" = pending ] && [ "$(field attempts)" = 0 ] && [ -z "$(field last_error)" ]'
check "every call.completed event ran exactly once" \
    '[ "$(sort "$T/hooks/ran.log" | grep -c evt_pc_)" = 10 ] && [ -z "$(sort "$T/hooks/ran.log" | uniq -d)" ]'
kept=0
for f in "$T"/sent/*.json; do body_kept "$(basename "$f" .json)" && kept=$((kept + 1)); done
check "all 13 bodies still whole" [ "$kept" = 13 ]

done_testing
