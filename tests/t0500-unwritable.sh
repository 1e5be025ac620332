#!/bin/sh
# A spool that cannot be written (broken system calls, a full or
# read-only filesystem, no permission, a file size limit) gets 503 with
# Retry-After, never 200; nothing is left half-made; and the next
# delivery of the same event is accepted once the spool is fine again.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup

# refused_cleanly ID: 503 with Retry-After, nothing under the id, tmp/ empty.
refused_cleanly() {
	[ "$STATUS" = 503 ] && grep -q '^Retry-After: ' "$T/out" &&
	    [ ! -e "$SPOOL/events/$1.json" ] && [ ! -e "$SPOOL/pending/$1" ] &&
	    [ "$(count_files "$SPOOL/tmp")" = 0 ]
}

# accepted_now ID FILE: the same event delivered again is stored whole.
accepted_now() {
	post "$2"
	[ "$STATUS" = 200 ] && cmp -s "$2" "$SPOOL/events/$1.json" &&
	    [ -e "$SPOOL/pending/$1" ]
}

SPOOL=$T/spool
# 1. Fault injection: each system call of the commit path fails in turn.
if [ -f "$FAULTLIB" ]; then
	for err in ENOSPC EIO EDQUOT; do
		for point in openat:7 write:1 fsync:1 close:2 openat:8 write:2 \
		    close:3 linkat:1 mkdirat:1 openat:1; do
			call=${point%:*}
			n=${point#*:}
			id="evt_f_${call}_${n}_$err"
			event "$id" > "$T/f.json"
			# A directory is made only when missing.
			[ "$call" != mkdirat ] || rmdir "$SPOOL/logs"
			post "$T/f.json" LD_PRELOAD="$FAULTLIB" FAULT_CALL="$call" \
			    FAULT_NTH="$n" FAULT_ERRNO="$err" FAULT_MARK="$T/fired"
			check "$call #$n with $err: the fault fired" [ -e "$T/fired" ]
			rm -f "$T/fired"
			check "$call #$n fails with $err: 503, nothing half-made" refused_cleanly "$id"
			check "$call #$n with $err: the next delivery is accepted" accepted_now "$id" "$T/f.json"
		done
		# The sync of events/ failing after the link: 503, and the
		# name is left, the body behind it whole (a redelivery may have
		# been answered 200 as its duplicate meanwhile); no meta. The
		# next delivery is a duplicate once the name is synced, and a
		# run gives the event its meta.
		id="evt_f_fsync_2_$err"
		event "$id" > "$T/f.json"
		post "$T/f.json" LD_PRELOAD="$FAULTLIB" FAULT_CALL=fsync \
		    FAULT_NTH=2 FAULT_ERRNO="$err" FAULT_MARK="$T/fired"
		check "fsync #2 (events/) with $err: the fault fired" [ -e "$T/fired" ]
		rm -f "$T/fired"
		check "fsync #2 (events/) fails with $err: 503, the body left whole under its name, no meta, tmp/ empty" \
		    '[ "$STATUS" = 503 ] && cmp -s "$T/f.json" "$SPOOL/events/$id.json" && [ ! -e "$SPOOL/pending/$id" ] && [ "$(count_files "$SPOOL/tmp")" = 0 ]'
		post "$T/f.json"
		check "fsync #2 with $err: the next delivery is its duplicate" \
		    '[ "$STATUS" = 200 ] && grep -q "\"duplicate\"" "$T/out"'
		# Failures after the event is durable do not refuse it.
		for point in renameat:1 unlinkat:1; do
			call=${point%:*}
			n=${point#*:}
			id="evt_f_${call}_${n}_$err"
			event "$id" > "$T/f.json"
			# A directory is made only when missing.
			[ "$call" != mkdirat ] || rmdir "$SPOOL/logs"
			post "$T/f.json" LD_PRELOAD="$FAULTLIB" FAULT_CALL="$call" \
			    FAULT_NTH="$n" FAULT_ERRNO="$err"
			check "$call #$n fails with $err after the commit: 200, stored whole" \
			    '[ "$STATUS" = 200 ] && cmp -s "$T/f.json" "$SPOOL/events/$id.json"'
			rm -f "$SPOOL"/tmp/*
		done
	done
	rm -f "$SPOOL"/tmp/*
else
	skip "tests/faultinject.so not built"
fi

# 2. A file size limit (RLIMIT_FSIZE): EFBIG, not a crash.
pad=$(head -c 30000 /dev/zero | base64 -w0)
printf '{"event_id":"evt_fsize","event_type":"call.completed","created_at":"%s","org_id":"o","data":{"transcript":"%s"}}' "$(now_utc)" "$pad" > "$T/big.json"
(ulimit -f 8; post "$T/big.json"; echo "$STATUS" > "$T/status")
STATUS=$(cat "$T/status")
check "file size limit: 503, nothing half-made" refused_cleanly evt_fsize
check "file size limit lifted: accepted" accepted_now evt_fsize "$T/big.json"

# 3. No permission: a spool the receiver's user cannot write.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	event evt_perm > "$T/perm.json"
	chmod 755 "$T" "$T/spool"
	chmod 644 "$T/secret" "$CONF"
	: > "$T/receive.log"
	chmod 666 "$T/receive.log" "$T/stderr" 2>/dev/null
	touch "$T/out"; chmod 666 "$T/out"
	RUN_AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	post "$T/perm.json"
	RUN_AS=
	check "spool not writable by the receiver's user: 503" refused_cleanly evt_perm
	check "the log says why" grep -q 'spool.*Permission denied' "$T/receive.log"
	check "run as the owner: accepted" accepted_now evt_perm "$T/perm.json"
	chmod 600 "$T/secret"
else
	skip "not root: cannot switch to another user"
fi

# 4. A real full filesystem, and a read-only one (needs mount).
FULL=$T/full
mkdir -p "$FULL"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=512k tmpfs "$FULL" 2>/dev/null; then
	SPOOL=$FULL/spool
	mkdir "$SPOOL"
	sed -i "s#^spool = .*#spool = $SPOOL#" "$CONF"
	event evt_first > "$T/first.json"
	post "$T/first.json"
	check "small filesystem: an event fits" [ "$STATUS" = 200 ]
	dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
	post "$T/big.json"
	check "full filesystem: 503, nothing half-made" refused_cleanly evt_fsize
	check "the event accepted before is intact" cmp -s "$T/first.json" "$SPOOL/events/evt_first.json"
	rm -f "$FULL/filler"
	check "space freed: the same event is accepted" accepted_now evt_fsize "$T/big.json"

	mount -o remount,ro "$FULL"
	event evt_ro > "$T/ro.json"
	post "$T/ro.json"
	check "read-only filesystem: 503" [ "$STATUS" = 503 ]
	mount -o remount,rw "$FULL"
	check "read-only then writable again: accepted" accepted_now evt_ro "$T/ro.json"
	post "$T/first.json"
	check "a duplicate is still a duplicate" 'grep -q "\"duplicate\"" "$T/out"'
	umount "$FULL"
else
	skip "cannot mount a tmpfs here (needs root)"
	skip "cannot mount a tmpfs here"
fi
done_testing
