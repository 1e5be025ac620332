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
	check "type '$t': the log says its meta was not believed" grep -q "pending/evt_hostile_$i: meta empty, torn or not ours; rebuilt from the body" "$T/receive.log"
done

# hook_find itself, whatever its caller passes, refuses such a type (what
# a meta that did get through would meet): checked in unit-hook.

# A directory component that is a symbolic link leading outside.
ln -s "$T/outside/dir" "$T/hooks/call.answered"
rm -f "$T/outside.ran"
deliver evt_linkdir call.answered
hh run > "$T/run.out" 2>&1
check "a linked run-parts directory: its hooks do not run" [ ! -e "$T/outside.ran" ]
check "a linked run-parts directory: refused, kept for a retry" [ "$(state_of evt_linkdir)" = retrying ]
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

# Which names in hooks/ may run: `default`, and `call.` followed by
# lower-case letters and '_'. Nothing else there ever runs, whatever
# type an event has. Each of these names is an executable file in
# hooks/, and a type the receiver accepts: its event runs `default`, as
# any type without a hook of its own does, never the file of its name.
rm -f "$T/hooks/default.ran"
hook default 'echo "$HUSKY_HOOK $HUSKY_EVENT_TYPE" >> names.ran'
i=0
for t in forward.sh x.dpkg-old x.new call.completed.new call.completed.swp \
    call.failed.disabled call.completed-old call.completed.dpkg-dist \
    call.2 call. calls.completed; do
	i=$((i + 1))
	hook "$t" 'echo "$HUSKY_HOOK $HUSKY_EVENT_TYPE" >> names.ran'
	rm -f "$T/hooks/names.ran"
	deliver "evt_name_$i" "$t"
	check "type '$t': accepted by the receiver" [ "$STATUS" = 200 ]
	hh run > "$T/run.out" 2>&1
	check "type '$t': hooks/$t does not run, default does, once" \
	    [ "$(cat "$T/hooks/names.ran")" = "default $t" ]
	check "type '$t': done" [ "$(state_of "evt_name_$i")" = "done" ]
done

# An event whose type is "default" runs hooks/default once, as the hook
# for every type without one of its own: not twice, not as a hook of
# the type's.
rm -f "$T/hooks/names.ran"
deliver evt_name_default default
hh run > "$T/run.out" 2>&1
check "type 'default': hooks/default runs once" [ "$(cat "$T/hooks/names.ran")" = "default default" ]
check "type 'default': done" [ "$(state_of evt_name_default)" = "done" ]

# Without a default hook, such an event has no hook at all: done, and
# nothing ran.
mv "$T/hooks/default" "$T/default.aside"
rm -f "$T/hooks/names.ran"
deliver evt_name_alone forward.sh
hh run > "$T/run.out" 2>&1
check "type 'forward.sh', no default: hooks/forward.sh does not run" [ ! -e "$T/hooks/names.ran" ]
check "type 'forward.sh', no default: done, as an event with no hook" [ "$(state_of evt_name_alone)" = "done" ]

# Names that are no event type at all: the receiver refuses such an event
# (400), so none is stored to look a hook up for.
for t in 'call.completed~' .hidden '#call.completed#' Call.Completed \
    '.call.completed.swp'; do
	hook "$t" 'echo "$HUSKY_HOOK $HUSKY_EVENT_TYPE" >> names.ran'
	event evt_name_refused "$t" > "$T/refused.json"
	post "$T/refused.json"
	check "type '$t': refused by the receiver" [ "$STATUS" = 400 ]
	check "type '$t': nothing stored" '! stored evt_name_refused'
done

# Editors' and package managers' files beside a real hook: the real one
# runs, alone.
rm -f "$T/hooks/names.ran"
hook call.answered 'echo "$HUSKY_HOOK $HUSKY_EVENT_TYPE" >> names.ran'
for t in call.answered.swp .call.answered.swp '#call.answered#' \
    '.#call.answered' 'call.answered~' call.answered.dpkg-old \
    call.answered.orig call.answered.new; do
	hook "$t" 'echo "$HUSKY_HOOK $HUSKY_EVENT_TYPE" >> names.ran'
done
deliver evt_name_real call.answered
hh run > "$T/run.out" 2>&1
check "editors' copies beside call.answered: only it runs" \
    [ "$(cat "$T/hooks/names.ran")" = "call.answered call.answered" ]
mv "$T/default.aside" "$T/hooks/default"

# What a script hook sees of itself: it is executed through the open
# file, so $0 is /dev/fd/N; HUSKY_HOOK names it and it starts in hooks/.
hook call.disallowed 'printf "%s\n" "$0" "$HUSKY_HOOK" "$(pwd)" > self.txt'
deliver evt_self call.disallowed
hh run > /dev/null 2>&1
check "a script hook: \$0 is /dev/fd/N" grep -qx '/dev/fd/[0-9]*' "$T/hooks/self.txt"
check "a script hook: HUSKY_HOOK is its name" [ "$(sed -n 2p "$T/hooks/self.txt")" = call.disallowed ]
check "a script hook: it starts in the hooks directory" [ "$(sed -n 3p "$T/hooks/self.txt")" = "$T/hooks" ]
done_testing
