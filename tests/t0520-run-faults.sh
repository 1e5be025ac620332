#!/bin/sh
# Fault injection on the processor: every system call `huskyhook run`
# makes while recording an event's outcome fails in turn (EIO, ENOSPC).
# Whatever fails, the event is never lost and never marked done without
# its hook having succeeded; a later clean run finishes it.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
[ -f "$FAULTLIB" ] || skip_all "tests/faultinject.so not built"
setup_hooks "retry_base = 1s"

faulty_run() {
	rm -f "$T/fired"
	LD_PRELOAD=$FAULTLIB FAULT_CALL=$1 FAULT_NTH=$2 FAULT_ERRNO=$3 \
	    FAULT_MARK="$T/fired" "$HUSKYHOOK" -c "$CONF" run > /dev/null 2>&1
}

points=0
bad=0
n_ok_done=0
for kind in ok fails; do
	if [ $kind = ok ]; then
		hook call.completed 'echo "$HUSKY_EVENT_ID" >> ran.log'
	else
		hook call.completed 'echo "$HUSKY_EVENT_ID" >> tried.log; exit 1'
	fi
	for err in EIO ENOSPC; do
		for call in openat write fsync close renameat linkat unlinkat; do
			n=1
			while [ $n -le 40 ]; do
				id="evt_${kind}_${call}_${n}_$err"
				deliver "$id"
				faulty_run "$call" "$n" "$err"
				fired=0
				[ -e "$T/fired" ] && fired=1
				st=$(state_of "$id")
				if [ ! -e "$T/spool/events/$id.json" ] || [ "$st" = none ]; then
					bad=$((bad + 1))
					diag "$id: lost (state $st)"
				elif [ "$st" = "done" ] && { [ $kind = fails ] ||
				    ! grep -qx "$id" "$T/hooks/ran.log"; }; then
					bad=$((bad + 1))
					diag "$id: done without its hook succeeding"
				fi
				[ "$st" = "done" ] && n_ok_done=$((n_ok_done + 1))
				rm -f "$T/spool/pending/$id" "$T/spool/retrying/$id" \
				    "$T/spool/done/$id" "$T/spool/failed/$id" \
				    "$T/spool/events/$id.json" "$T/spool/logs/$id.log"
				points=$((points + fired))
				[ $fired = 1 ] || break
				n=$((n + 1))
			done
		done
	done
done
diag "$points faults injected into huskyhook run"
check "at least 100 distinct faults were injected" [ $points -ge 100 ]
check "no event lost, none marked done falsely" [ $bad = 0 ]

# After faults, a clean run finishes what is left.
hook call.completed 'echo "$HUSKY_EVENT_ID" >> ran.log'
deliver evt_after
faulty_run renameat 1 EIO
faulty_run fsync 1 EIO
hh run
check "after failed runs, a clean run marks the event done" [ "$(state_of evt_after)" = "done" ]
check "its hook ran" grep -qx evt_after "$T/hooks/ran.log"

# An outcome that cannot be recorded is not told as recorded: run says
# so and exits 1, and the event runs again.
deliver evt_unrecorded
faulty_run renameat 1 EIO
rc=$?
check "an outcome that cannot be recorded: run exits 1" [ "$rc" = 1 ]
LD_PRELOAD=$FAULTLIB FAULT_CALL=renameat FAULT_NTH=1 FAULT_ERRNO=EIO \
    FAULT_MARK="$T/fired" "$HUSKYHOOK" -c "$CONF" run -v > "$T/unrec.out" 2>&1
check "... saying so, not that it is done" \
    'grep -q "^evt_unrecorded .*: done, but that could not be recorded" "$T/unrec.out" && ! grep -q "^1 done" "$T/unrec.out"'
check "... and it is still pending" [ "$(state_of evt_unrecorded)" = pending ]
hh run
check "the next run records it" [ "$(state_of evt_unrecorded)" = "done" ]
done_testing
