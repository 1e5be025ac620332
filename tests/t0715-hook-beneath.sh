#!/bin/sh
# The event type read back from the spool is untrusted (the web server's
# user can write pending meta): whatever it says, huskyhook run executes
# nothing but files beneath the hooks directory. Symbolic links the
# operator made for a hook file itself are followed; a linked directory
# is not.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup_hooks "retry_base = 1h" "retry_max = 1h"

# Programs outside hooks/ that leave a mark when they run.
mkdir -p "$T/outside/dir"
for f in "$T/outside/x" "$T/outside/dir/call.completed" "$T/outside/dir/10-x"; do
	printf '#!/bin/sh\necho ran >> "%s/outside.ran"\n' "$T" > "$f"
	chmod 755 "$f"
done

# retype ID TYPE: what a hostile writer of pending/ID does. A meta file is
# checked as untrusted input when it is read: one whose type is not an
# event type is not believed, and the event runs as its stored body (the
# one the signature covered) says.
retype() {
	sed "s|^event_type=.*|event_type=$2|" "$T/spool/pending/$1" > "$T/meta.tmp"
	mv "$T/meta.tmp" "$T/spool/pending/$1"
}

hook default 'echo "$HUSKY_EVENT_TYPE" >> default.ran'
i=0
for t in ../outside/x ../../../../../../bin/sh /bin/sh .. . ./default \
    ../hooks/default outside/x 'call.completed/../../outside/x'; do
	i=$((i + 1))
	deliver "evt_hostile_$i" call.completed
	retype "evt_hostile_$i" "$t"
	rm -f "$T/outside.ran" "$T/hooks/default.ran"
	hh run > "$T/run.out" 2>&1
	check "type '$t': nothing outside hooks/ runs" [ ! -e "$T/outside.ran" ]
	check "type '$t': the event runs as its body says, by the default hook" [ "$(cat "$T/hooks/default.ran")" = call.completed ]
	check "type '$t': done" [ "$(state_of "evt_hostile_$i")" = "done" ]
	check "type '$t': the log says its meta was not believed" grep -q "pending/evt_hostile_$i: meta torn or not ours; rebuilt from the body" "$T/receive.log"
done

# hook_find itself, whatever its caller passes, refuses such a type (what
# a meta that did get through would meet): checked in unit-hook.

# A directory component that is a symbolic link leading outside.
ln -s "$T/outside/dir" "$T/hooks/call.answered"
rm -f "$T/outside.ran"
deliver evt_linkdir call.answered
hh run > "$T/run.out" 2>&1
check "a linked run-parts directory: its hooks do not run" [ ! -e "$T/outside.ran" ]
check "a linked run-parts directory: refused, kept for a retry" [ "$(state_of evt_linkdir)" = pending ]
check "a linked run-parts directory: the report says so" grep -q 'evt_linkdir.*symbolic link' "$T/run.out"
hh check > "$T/check.out" 2>&1
check "huskyhook check reports the linked directory" grep -q 'problem: .*call.answered.*symbolic link' "$T/check.out"
rm "$T/hooks/call.answered"

# A hook file that is a symbolic link the operator made: followed, as
# documented (ln -s /usr/local/bin/x hooks/call.completed).
ln -s "$T/outside/x" "$T/hooks/call.initiated"
rm -f "$T/outside.ran"
deliver evt_linkfile call.initiated
hh run > "$T/run.out" 2>&1
check "a hook file linked by the operator runs" [ -s "$T/outside.ran" ]
check "and its event is done" [ "$(state_of evt_linkfile)" = "done" ]
rm "$T/hooks/call.initiated"

# A run-parts directory: a linked entry leading to a directory, and a
# subdirectory, are not hooks.
mkdir -p "$T/hooks/call.failed"
ln -s "$T/outside/dir" "$T/hooks/call.failed/10-dir"
hook call.failed/20-real 'echo real >> real.ran'
rm -f "$T/outside.ran"
deliver evt_parts call.failed
hh run > "$T/run.out" 2>&1
check "run-parts: the real hook ran" [ -s "$T/hooks/real.ran" ]
check "run-parts: nothing through the linked directory" [ ! -e "$T/outside.ran" ]
check "run-parts: done" [ "$(state_of evt_parts)" = "done" ]

# A type naming a hook set aside: the disabled file does not run (only
# default may), whoever sent the type.
hook call.failed.disabled 'echo disabled >> disabled.ran'
rm -f "$T/hooks/default.ran"
deliver evt_disabled call.failed.disabled
hh run > /dev/null 2>&1
check "a type naming a .disabled hook: that hook does not run" [ ! -e "$T/hooks/disabled.ran" ]
check "the default hook runs for it instead" [ "$(cat "$T/hooks/default.ran")" = call.failed.disabled ]

# What a script hook sees of itself: it is executed through the open
# file, so $0 is /dev/fd/N; HUSKY_HOOK names it and it starts in hooks/.
hook call.disallowed 'printf "%s\n" "$0" "$HUSKY_HOOK" "$(pwd)" > self.txt'
deliver evt_self call.disallowed
hh run > /dev/null 2>&1
check "a script hook: \$0 is /dev/fd/N" grep -qx '/dev/fd/[0-9]*' "$T/hooks/self.txt"
check "a script hook: HUSKY_HOOK is its name" [ "$(sed -n 2p "$T/hooks/self.txt")" = call.disallowed ]
check "a script hook: it starts in the hooks directory" [ "$(sed -n 3p "$T/hooks/self.txt")" = "$T/hooks" ]
done_testing
