# Shared by the numbered shell tests: TAP output, a scratch layout, and
# helpers that drive huskyhook-receive as a CGI program and the huskyhook
# tool with hooks. The tests that start web servers source
# tests/servers.sh as well.
#
# POSIX sh has no local variables: a helper's own variables carry its
# prefix (check_, post_, ...), so that they cannot clobber a test's. The
# comment above each helper gives its inputs and what it sets.
# shellcheck shell=sh disable=SC2034,SC2119,SC2120

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
RECEIVE=$top_builddir/huskyhook-receive
HUSKYHOOK=$top_builddir/huskyhook
FAULTLIB=$top_builddir/tests/faultinject.so
SECRET=test-secret-do-not-log-7f3a9c
tap_n=0
tap_failed=0
# Under --enable-asan: the fault shim is preloaded before the ASan
# runtime, and any finding must fail the test.
ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
# HUSKYHOOK_VALGRIND=1: the receiver and the tool run under memcheck;
# any error or leak report fails the test (see done_testing).
VG=

## TAP

# ok NAME, not_ok NAME: one test point; not_ok counts a failure.
ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
}

# check NAME SCRIPT: one test point from SCRIPT, a string evaluated in
# the test's shell: check "x" '[ "$STATUS" = 200 ] && grep -q y "$T/out"'.
# check NAME COMMAND ARG...: one test point from the command's status.
check() {
	check_name=$1
	shift
	if [ $# -eq 1 ]; then
		if eval "$1"; then ok "$check_name"; else not_ok "$check_name"; fi
	elif "$@"; then
		ok "$check_name"
	else
		not_ok "$check_name"
	fi
}

# skip REASON: a skipped test point.
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

# skip_all REASON: the plan of a test that skips everything; exits.
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# done_testing: the closing checks (sanitizers, the secret, valgrind) and
# the plan; its status is 0 if no test point failed.
done_testing() {
	# A sanitizer report after the answer was sent would pass unseen.
	if [ -n "${SAN_DIR:-}" ] && [ -d "$SAN_DIR" ]; then
		if grep -rqsE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
		    "$SAN_DIR" --include=stderr --include='*.log' --include='sanitizer*'; then
			not_ok "no sanitizer reports"
			grep -rhsE -A5 'Sanitizer|runtime error:' "$SAN_DIR" \
			    --include=stderr --include='*.log' --include='sanitizer*' |
			    head -40 | sed 's/^/# /'
		else
			ok "no sanitizer reports"
		fi
	fi
	# The secret is in no file the test made but the secret files and
	# configs: not in a log, an answer, a hook's output or environment.
	if [ -n "${SAN_DIR:-}" ] && [ -d "$SAN_DIR" ]; then
		done_leaks=$(grep -rlF -e "$SECRET" "$SAN_DIR" --exclude='*secret*' \
		    --exclude='*.conf' --exclude='*.lst' 2>/dev/null)
		if [ -n "$done_leaks" ]; then
			not_ok "the secret is in no log or answer"
			echo "$done_leaks" | sed 's/^/# /'
		else
			ok "the secret is in no log or answer"
		fi
	fi
	if [ -n "$VG" ]; then
		# With --quiet, every "==PID==" line is part of an error or leak
		# report; "--PID-- WARNING" lines (a syscall valgrind does not
		# know, such as pidfd_open) are not.
		if find "$SAN_DIR" -name 'valgrind.*' -exec grep -l '^==[0-9]*==' {} + 2>/dev/null | grep -q .; then
			not_ok "no valgrind reports"
			find "$SAN_DIR" -name 'valgrind.*' -exec grep -h '^==[0-9]*==' {} + |
			    head -60 | sed 's/^/# /'
		else
			ok "no valgrind reports ($(find "$SAN_DIR" -name 'valgrind.*' | wc -l) processes checked)"
		fi
	fi
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# diag TEXT...: TEXT as TAP comment lines.
diag() {
	echo "$@" | sed 's/^/# /'
}

## The scratch layout

# setup: a fresh layout under tests/tmp/<test>: secret, spool, config.
# Sets $T, $CONF, $SAN_DIR (and $VG under HUSKYHOOK_VALGRIND=1).
setup() {
	T=$top_builddir/tests/tmp/$(basename "$0" .sh)
	rm -rf "$T"
	mkdir -p "$T/spool"
	# Sanitizer reports of every process the test starts land in files
	# that done_testing looks for, wherever their stderr went.
	SAN_DIR=$T
	ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$T/sanitizer"
	UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$T/sanitizer"
	if [ "${HUSKYHOOK_VALGRIND:-}" = 1 ]; then
		VG="valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --log-file=$T/valgrind.%p"
	fi
	printf '%s\n' "$SECRET" > "$T/secret"
	chmod 600 "$T/secret"
	CONF=$T/huskyhook.conf
	write_conf
}

# write_conf [EXTRA LINES]: $CONF: the test config for $T, plus the lines.
write_conf() {
	{
		echo "secret_file = $T/secret"
		echo "spool = $T/spool"
		echo "log = $T/receive.log"
		for conf_line in "$@"; do echo "$conf_line"; done
	} > "$CONF"
}

# setup_hooks [EXTRA CONFIG LINES]: setup, with a hooks directory $T/hooks.
setup_hooks() {
	setup
	mkdir -p "$T/hooks"
	write_conf "hooks = $T/hooks" "$@"
}

# sockdir: a short directory for Unix sockets, whose paths may not be
# longer than 107 bytes (a distcheck build directory is deep).
# Call it in the test's own shell (not in $(...)), then use $SOCKDIR.
sockdir() {
	if [ -z "${SOCKDIR:-}" ]; then
		SOCKDIR=$(mktemp -d /tmp/huskyhook-test.XXXXXX)
		chmod 755 "$SOCKDIR"
	fi
}

# count_files DIR: the number of files under DIR on stdout.
count_files() {
	find "$1" -type f | wc -l | tr -d ' '
}

## Events and the receiver as CGI

# now_utc: the time now as RFC 3339 UTC on stdout.
now_utc() {
	date -u +%Y-%m-%dT%H:%M:%SZ
}

# event ID [TYPE [CREATED_AT]]: a vendor-shaped event body on stdout.
event() {
	printf '{"event_id":"%s","event_type":"%s","created_at":"%s","org_id":"org_abc_123","data":{"call_id":"call_987654321","agent_id":"agent_alpha","status":"completed","duration_seconds":124,"summary":"Customer confirmed appointment."}}' \
	    "$1" "${2:-call.completed}" "${3:-$(now_utc)}"
}

# sign FILE [SECRET]: the vendor doc's own openssl line.
sign() {
	openssl dgst -sha256 -hmac "${2:-$SECRET}" < "$1" | sed 's/^.*= //'
}

# post FILE [VAR=VALUE...]: the receiver as CGI; the answer in $T/out,
# its status in $STATUS. The signature is right unless SIG is set;
# RUN_AS may hold a command (setpriv ...) to run it as another user.
# shellcheck disable=SC2086
post() {
	post_body=$1
	shift
	post_sig=${SIG-$(sign "$post_body")}
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	    CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c < "$post_body" | tr -d ' ')" \
	    HTTP_X_HUSKY_SIGNATURE="$post_sig" REMOTE_ADDR=192.0.2.7 \
	    HUSKYHOOK_CONFIG="$CONF" "$@" $RUN_AS $VG "$RECEIVE" < "$post_body" > "$T/out" \
	    2>> "$T/stderr"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}

# answer: the JSON body of the last answer ($T/out) on stdout.
answer() {
	sed '1,/^\r*$/d' "$T/out"
}

# stored ID: 0 if events/ID.json exists.
stored() {
	[ -f "$T/spool/events/$1.json" ]
}

# deliver ID [TYPE [CREATED_AT]]: an event through the receiver, as CGI
# (its body in $T/deliver.json, the answer as post leaves it).
deliver() {
	event "$1" "${2:-call.completed}" "${3:-$(now_utc)}" > "$T/deliver.json"
	post "$T/deliver.json"
	[ "$STATUS" = 200 ] || diag "delivery of $1 answered $STATUS"
}

## The tool and hooks

# hh ARGS...: the command-line tool with the test config.
# shellcheck disable=SC2086
hh() {
	$VG "$HUSKYHOOK" -c "$CONF" "$@"
}

# hook NAME BODY: an executable shell script in the hooks directory.
hook() {
	mkdir -p "$(dirname "$T/hooks/$1")"
	printf '#!/bin/sh\n%s\n' "$2" > "$T/hooks/$1"
	chmod 755 "$T/hooks/$1"
}

# state_of ID: pending, done, failed or none on stdout, from where its
# meta is.
state_of() {
	for state_dir in pending retrying "done" failed; do
		[ -e "$T/spool/$state_dir/$1" ] && { echo $state_dir; return; }
	done
	echo none
}

# meta ID KEY: one value of the event's meta on stdout.
meta() {
	sed -n "s/^$2=//p" "$T/spool/$(state_of "$1")/$1"
}

## Processes

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
	alive_stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $alive_stat in Z*) return 1 ;; esac
	return 0
}

# check_gone NAME PIDFILE: a test point that the process is gone.
check_gone() {
	if alive "$(cat "$2")"; then not_ok "$1"; else ok "$1"; fi
}
