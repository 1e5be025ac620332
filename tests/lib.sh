# Shared by the numbered shell tests: TAP output, a scratch layout, and
# helpers that drive huskyhook-receive as a CGI program.
# shellcheck shell=sh disable=SC2034,SC2119,SC2120

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
RECEIVE=$top_builddir/huskyhook-receive
FAULTLIB=$top_builddir/tests/faultinject.so
SECRET=test-secret-do-not-log-7f3a9c
tap_n=0
tap_failed=0
# Under --enable-asan: the fault shim is preloaded before the ASan
# runtime, and any finding must fail the test.
ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
}

# check NAME COMMAND...: one test point from a command's exit status.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

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
		leaks=$(grep -rlF -e "$SECRET" "$SAN_DIR" --exclude='*secret*' \
		    --exclude='*.conf' --exclude='*.lst' 2>/dev/null)
		if [ -n "$leaks" ]; then
			not_ok "the secret is in no log or answer"
			echo "$leaks" | sed 's/^/# /'
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

diag() {
	echo "$@" | sed 's/^/# /'
}

# A fresh layout under tests/tmp/<test>: secret, spool, config.
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

# write_conf [EXTRA LINES]: the test config, plus any lines given.
write_conf() {
	{
		echo "secret_file = $T/secret"
		echo "spool = $T/spool"
		echo "log = $T/receive.log"
		for line in "$@"; do echo "$line"; done
	} > "$CONF"
}

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
	body=$1
	shift
	sig=${SIG-$(sign "$body")}
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	    CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c < "$body" | tr -d ' ')" \
	    HTTP_X_HUSKY_SIGNATURE="$sig" REMOTE_ADDR=192.0.2.7 \
	    HUSKYHOOK_CONFIG="$CONF" "$@" $RUN_AS $VG "$RECEIVE" < "$body" > "$T/out" \
	    2>> "$T/stderr"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}

# The JSON body of the last answer.
answer() {
	sed '1,/^\r*$/d' "$T/out"
}

# stored ID: 0 if events/ID.json exists.
stored() {
	[ -f "$T/spool/events/$1.json" ]
}

count_files() {
	find "$1" -type f | wc -l | tr -d ' '
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

# server_ready PORT PID: 0 once something answers HTTP on PORT (then the
# servers are stopped when the test exits), 1 if PID died or 5 s passed.
server_ready() {
	i=0
	while [ $i -lt 50 ]; do
		if curl -s -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null; then
			trap 'cleanup_servers' EXIT
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

cleanup_servers() {
	apache_stop
	lighttpd_stop
	[ -z "${SOCKDIR:-}" ] || rm -rf "$SOCKDIR"
}

# lighttpd_start SNIPPET: lighttpd -D on a free loopback port with the
# shipped SNIPPET (a name in lighttpd/, or an absolute path) included,
# only paths and the port filled in. Sets
# $URL and $LIGHTTPD_PID; stops it when the test exits.
lighttpd_start() {
	case $1 in
	/*) snippet=$1 ;;
	*) snippet=$top_srcdir/lighttpd/$1 ;;
	esac
	LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
	[ -x "$LIGHTTPD" ] || return 1
	sockdir
	mkdir -p "$T/www" "$T/run"
	port=$((20000 + $$ % 20000))
	tries=0
	while [ $tries -lt 20 ]; do
		# A port something answers on is taken (by another lighttpd
		# of this run, maybe, whose sockets must stay).
		if curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
			port=$((port + 1))
			tries=$((tries + 1))
			continue
		fi
		rm -f "$SOCKDIR/lighttpd-$port.socket"*
		cat > "$T/lighttpd.conf" <<EOF2
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $port
server.pid-file = "$T/run/lighttpd.pid"
server.errorlog = "$T/lighttpd-error.log"
server.max-worker = 0
var.huskyhook_receive = "$RECEIVE"
var.huskyhook_config = "$CONF"
var.huskyhook_socket = "$SOCKDIR/lighttpd-$port.socket"
include "$snippet"
EOF2
		"$LIGHTTPD" -D -f "$T/lighttpd.conf" 2>> "$T/lighttpd-stderr.log" &
		LIGHTTPD_PID=$!
		URL=http://127.0.0.1:$port/huskyhook
		server_ready "$port" "$LIGHTTPD_PID" && return 0
		lighttpd_stop
		port=$((port + 1))
		tries=$((tries + 1))
	done
	return 1
}

# load_start: for the stress scripts, after setup and the config: skips
# unless lighttpd and bench/hhload are there, then starts lighttpd with
# the shipped FastCGI snippet. Sets $HHLOAD and $port.
load_start() {
	HHLOAD=$top_builddir/bench/hhload
	command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] ||
	    skip_all "lighttpd is not installed"
	[ -x "$HHLOAD" ] || skip_all "bench/hhload is not built"
	lighttpd_start huskyhook-fastcgi.conf ||
	    { not_ok "lighttpd starts"; done_testing; exit 1; }
	port=${URL#http://127.0.0.1:}
	port=${port%%/*}
}

# receiver_pids: the receiver processes under lighttpd: its children, and
# their workers if HUSKYHOOK_FCGI_WORKERS made them fork any.
receiver_pids() {
	for rp in $(ps -o pid= --ppid "$LIGHTTPD_PID"); do
		echo "$rp"
		ps -o pid= --ppid "$rp" | tr -d ' '
	done
}

# server_stop PIDVAR: stops the server whose pid the variable PIDVAR
# holds, waits for it, and empties the variable.
server_stop() {
	eval "stop_pid=\${$1:-}"
	if [ -n "$stop_pid" ]; then
		kill "$stop_pid" 2>/dev/null
		wait "$stop_pid" 2>/dev/null
		eval "$1="
	fi
}

lighttpd_stop() {
	server_stop LIGHTTPD_PID
}

# curl_post FILE [CURL ARGS...]: POST FILE to $URL, signed unless SIG is
# set; the status in $STATUS, the body in $T/out.
curl_post() {
	body=$1
	shift
	sig=${SIG-$(sign "$body")}
	STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' \
	    -H "X-Husky-Signature: $sig" --data-binary "@$body" "$@" "$URL")
}

# check_through_server MODE: what every web server setup must get right
# at $URL: the vendor doc's sample, sent as its own curl line sends it and
# signed with its own openssl line (200 accepted, stored byte for byte),
# its redelivery, a bad signature, a GET, a body over max_body.
check_through_server() {
	mode=$1
	PAYLOAD=$(cat "$top_srcdir/tests/data/call-completed.json")
	# The vendor doc's line, as it is written there.
	# shellcheck disable=SC3037
	doc_sig=$(echo -n "$PAYLOAD" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
	STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -X POST "$URL" \
	    -H "Content-Type: application/json" \
	    -H "X-Husky-Signature: $doc_sig" -d "$PAYLOAD")
	check "$mode: the vendor's sample: 200 accepted" sh -c "[ '$STATUS' = 200 ] && grep -q '\"accepted\",\"event_id\":\"evt_test123\"' '$T/out'"
	printf '%s' "$PAYLOAD" > "$T/payload"
	check "$mode: stored byte for byte" cmp -s "$T/payload" "$T/spool/events/evt_test123.json"
	curl_post "$T/payload"
	check "$mode: redelivery: 200 duplicate" sh -c "[ '$STATUS' = 200 ] && grep -q duplicate '$T/out'"

	event evt_bad > "$T/bad.json"
	SIG=$(sign "$T/bad.json" wrong) curl_post "$T/bad.json"
	check "$mode: bad signature: 401" [ "$STATUS" = 401 ]
	check "$mode: 401 is JSON" grep -q '"error"' "$T/out"
	check "$mode: nothing stored for it" [ ! -e "$T/spool/events/evt_bad.json" ]

	STATUS=$(curl -s -o "$T/out" -D "$T/headers" -w '%{http_code}' "$URL")
	check "$mode: GET: 405" [ "$STATUS" = 405 ]
	check "$mode: 405 carries Allow: POST" grep -qi '^Allow: POST' "$T/headers"

	head -c 2000000 /dev/zero | tr '\0' 'a' > "$T/huge.json"
	curl_post "$T/huge.json"
	check "$mode: 2 MB body: 413" [ "$STATUS" = 413 ]
}

HUSKYHOOK=$top_builddir/huskyhook
# HUSKYHOOK_VALGRIND=1: the receiver and the tool run under memcheck;
# any error or leak report fails the test (see done_testing).
VG=

# hh ARGS...: the command-line tool with the test config.
# shellcheck disable=SC2086
hh() {
	$VG "$HUSKYHOOK" -c "$CONF" "$@"
}

# setup_hooks [EXTRA CONFIG LINES]: a layout with a hooks directory.
setup_hooks() {
	setup
	mkdir -p "$T/hooks"
	write_conf "hooks = $T/hooks" "$@"
}

# deliver ID [TYPE [CREATED_AT]]: an event through the receiver, as CGI.
deliver() {
	event "$1" "${2:-call.completed}" "${3:-$(now_utc)}" > "$T/deliver.json"
	post "$T/deliver.json"
	[ "$STATUS" = 200 ] || diag "delivery of $1 answered $STATUS"
}

# hook NAME BODY: an executable shell script in the hooks directory.
hook() {
	mkdir -p "$(dirname "$T/hooks/$1")"
	printf '#!/bin/sh\n%s\n' "$2" > "$T/hooks/$1"
	chmod 755 "$T/hooks/$1"
}

# state_of ID: pending, done or failed, from where its meta is.
state_of() {
	for s in pending "done" failed; do
		[ -e "$T/spool/$s/$1" ] && { echo $s; return; }
	done
	echo none
}

# meta ID KEY: one value of the event's meta.
meta() {
	sed -n "s/^$2=//p" "$T/spool/$(state_of "$1")/$1"
}

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
	return 0
}

# check_gone NAME PIDFILE: a test point that the process is gone.
check_gone() {
	if alive "$(cat "$2")"; then not_ok "$1"; else ok "$1"; fi
}

# apache_start MODE: Apache (apache2 -f, not the system service) on a
# free loopback port. MODE fcgid or proxy-fcgi includes the shipped
# apache/huskyhook-MODE.conf with only its Define lines' paths changed;
# MODE cgi serves $T/www/cgi-bin (set up by the caller) with .htaccess
# allowed. Sets $APACHE_PORT; stops it when the test exits. As root,
# Apache's children run as $APACHE_USER, so the caller chowns the layout.
APACHE_USER=www-data
APACHE_MODULES=/usr/lib/apache2/modules
apache_start() {
	APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
	[ -x "$APACHE" ] || return 1
	sockdir
	A=$T/apache
	mkdir -p "$A/run" "$T/www"
	case $1 in
	fcgid)
		sed -e "s#^Define HUSKYHOOK_RECEIVE .*#Define HUSKYHOOK_RECEIVE $RECEIVE#" \
		    -e "s#^Define HUSKYHOOK_CONFIG .*#Define HUSKYHOOK_CONFIG $CONF#" \
		    "$top_srcdir/apache/huskyhook-fcgid.conf" > "$A/site.conf" ;;
	proxy-fcgi)
		sed -e "s#^Define HUSKYHOOK_SOCKET .*#Define HUSKYHOOK_SOCKET $SOCKET#" \
		    "$top_srcdir/apache/huskyhook-proxy-fcgi.conf" > "$A/site.conf" ;;
	cgi)
		: > "$A/site.conf" ;;
	esac
	port=$((30000 + $$ % 20000))
	tries=0
	while [ $tries -lt 20 ]; do
		{
			echo "ServerName 127.0.0.1"
			echo "Listen 127.0.0.1:$port"
			echo "PidFile $A/run/httpd.pid"
			echo "ErrorLog $A/error.log"
			echo "LogLevel warn"
			echo "DefaultRuntimeDir $A/run"
			echo "Mutex file:$A/run default"
			for m in mpm_event authz_core alias mime env rewrite cgid fcgid proxy proxy_fcgi; do
				echo "LoadModule ${m}_module $APACHE_MODULES/mod_$m.so"
			done
			[ "$(id -u)" = 0 ] && echo "User $APACHE_USER" && echo "Group $APACHE_USER"
			echo "ScriptSock $SOCKDIR/cgid-$port.sock"
			echo "FcgidIPCDir $SOCKDIR/fcgid-$port"
			echo "FcgidProcessTableFile $A/run/fcgid.shm"
			echo "TypesConfig /dev/null"
			echo "DocumentRoot $T/www"
			echo "<Directory $T/www>"
			echo "	AllowOverride All"
			echo "	Require all granted"
			echo "</Directory>"
			echo "Include $A/site.conf"
		} > "$A/httpd.conf"
		mkdir -p "$SOCKDIR/fcgid-$port"
		[ "$(id -u)" = 0 ] && chown "$APACHE_USER" "$SOCKDIR/fcgid-$port"
		"$APACHE" -f "$A/httpd.conf" -DFOREGROUND 2>> "$A/stderr.log" &
		APACHE_PID=$!
		APACHE_PORT=$port
		URL=http://127.0.0.1:$port/huskyhook
		server_ready "$port" "$APACHE_PID" && return 0
		apache_stop
		port=$((port + 1))
		tries=$((tries + 1))
	done
	return 1
}

apache_stop() {
	server_stop APACHE_PID
}
