# Web servers for the tests that start them, sourced after tests/lib.sh:
# lighttpd, Apache, nginx, Caddy and h2o on free loopback ports, stopped
# when the test exits, and curl_post to send them an event.
#
# As in tests/lib.sh, a helper's own variables carry its prefix (lt_,
# ap_, ng_, cd_, h2_, ...), and the comment above each helper gives its inputs and what
# it sets.
# top_srcdir and the rest are set by tests/lib.sh.
# shellcheck shell=sh disable=SC2034,SC2154

APACHE_USER=www-data
APACHE_MODULES=/usr/lib/apache2/modules

# server_ready PORT PID: 0 once something answers HTTP on PORT (then the
# servers are stopped when the test exits), 1 if PID died or 5 s passed.
server_ready() {
	ready_i=0
	while [ $ready_i -lt 50 ]; do
		if curl -s -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null; then
			trap 'cleanup_servers' EXIT
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
		ready_i=$((ready_i + 1))
	done
	return 1
}

# cleanup_servers: stops the servers that run, and the receiver
# spawn_receiver started, and removes $SOCKDIR if sockdir made one.
cleanup_servers() {
	apache_stop
	lighttpd_stop
	nginx_stop
	caddy_stop
	h2o_stop
	spawn_stop
	[ -z "${SOCKDIR:-}" ] || rm -rf "$SOCKDIR"
}

# server_stop PIDVAR: stops the server whose pid the variable PIDVAR
# holds, waits for it, and empties the variable.
server_stop() {
	eval "server_stop_pid=\${$1:-}"
	if [ -n "$server_stop_pid" ]; then
		kill "$server_stop_pid" 2>/dev/null
		wait "$server_stop_pid" 2>/dev/null
		eval "$1="
	fi
}

# lighttpd_start SNIPPET: lighttpd -D on a free loopback port with the
# shipped SNIPPET (a name in lighttpd/, or an absolute path) included,
# only paths and the port filled in; its config in $T/lighttpd.conf. Sets
# $URL, $LIGHTTPD_PORT and $LIGHTTPD_PID; stops it when the test exits.
# lighttpd_start - FILE: the same, with FILE's lines (as huskyhook init
# printed them) in place of the variables and the include.
lighttpd_start() {
	case $1 in
	-) lt_snippet='' lt_lines=$2 ;;
	/*) lt_snippet=$1 ;;
	*) lt_snippet=$top_srcdir/lighttpd/$1 ;;
	esac
	lt_bin=$(command -v lighttpd || echo /usr/sbin/lighttpd)
	[ -x "$lt_bin" ] || return 1
	sockdir
	mkdir -p "$T/www" "$T/run"
	lt_port=$((20000 + $$ % 20000))
	lt_tries=0
	while [ $lt_tries -lt 20 ]; do
		# A port something answers on is taken (by another lighttpd
		# of this run, maybe, whose sockets must stay).
		if curl -s -o /dev/null "http://127.0.0.1:$lt_port/" 2>/dev/null; then
			lt_port=$((lt_port + 1))
			lt_tries=$((lt_tries + 1))
			continue
		fi
		rm -f "$SOCKDIR/lighttpd-$lt_port.socket"*
		cat > "$T/lighttpd.conf" <<EOF2
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $lt_port
server.pid-file = "$T/run/lighttpd.pid"
server.errorlog = "$T/lighttpd-error.log"
server.max-worker = 0
EOF2
		if [ -z "$lt_snippet" ]; then
			cat "$lt_lines" >> "$T/lighttpd.conf"
		else
			cat >> "$T/lighttpd.conf" <<EOF2
var.huskyhook_receive = "$RECEIVE"
var.huskyhook_config = "$CONF"
var.huskyhook_socket = "$SOCKDIR/lighttpd-$lt_port.socket"
include "$lt_snippet"
EOF2
		fi
		"$lt_bin" -D -f "$T/lighttpd.conf" 2>> "$T/lighttpd-stderr.log" &
		LIGHTTPD_PID=$!
		LIGHTTPD_PORT=$lt_port
		URL=http://127.0.0.1:$lt_port/huskyhook
		server_ready "$lt_port" "$LIGHTTPD_PID" && return 0
		lighttpd_stop
		lt_port=$((lt_port + 1))
		lt_tries=$((lt_tries + 1))
	done
	return 1
}

# lighttpd_must_start SNIPPET: lighttpd_start, or a failed test point
# with lighttpd's logs and the end of the test.
lighttpd_must_start() {
	lighttpd_start "$1" && return 0
	not_ok "lighttpd starts with $1"
	cat "$T"/lighttpd-*.log 2>/dev/null | sed 's/^/# /'
	done_testing
	exit 1
}

# lighttpd_start_as USER LINES: lighttpd_start - with the lines in file
# LINES, lighttpd running as USER (started as root), its error log and
# run directory made USER's first; its config lines in $T/lighttpd.site.
lighttpd_start_as() {
	{
		echo "server.username = \"$1\""
		echo "server.groupname = \"$(id -gn "$1")\""
		cat "$2"
	} > "$T/lighttpd.site"
	mkdir -p "$T/run"
	touch "$T/lighttpd-error.log"
	chown "$1" "$T/lighttpd-error.log" "$T/run"
	lighttpd_start - "$T/lighttpd.site"
}

# lighttpd_stop: stops the lighttpd lighttpd_start started, if it runs.
lighttpd_stop() {
	server_stop LIGHTTPD_PID
}

# load_start: for the stress scripts, after setup and the config: skips
# unless lighttpd and bench/hhload are there, then starts lighttpd with
# the shipped FastCGI snippet. Sets $HHLOAD and $LIGHTTPD_PORT.
load_start() {
	HHLOAD=$top_builddir/bench/hhload
	command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] ||
	    skip_all "lighttpd is not installed"
	[ -x "$HHLOAD" ] || skip_all "bench/hhload is not built"
	lighttpd_start huskyhook-fastcgi.conf ||
	    { not_ok "lighttpd starts"; done_testing; exit 1; }
}

# receiver_pids: the receiver processes under lighttpd, one a line: its
# children (and any child of theirs).
receiver_pids() {
	for rpids_p in $(ps -o pid= --ppid "$LIGHTTPD_PID"); do
		echo "$rpids_p"
		ps -o pid= --ppid "$rpids_p" | tr -d ' '
	done
}

# apache_start MODE: Apache (apache2 -f, not the system service) on a
# free loopback port, its files in $T/apache. MODE fcgid or proxy-fcgi
# includes the shipped apache/huskyhook-MODE.conf with only its Define
# lines' paths changed (proxy-fcgi: to the socket $SOCKET); MODE cgi
# serves $T/www/cgi-bin (set up by the caller) with .htaccess allowed.
# MODE lines FILE: FILE's lines (as huskyhook init printed them) instead.
# Sets $APACHE (the binary), $APACHE_PORT, $APACHE_PID and $URL; stops it
# when the test exits. As root, Apache's children run as $APACHE_USER, so
# the caller chowns the layout.
apache_start() {
	APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
	[ -x "$APACHE" ] || return 1
	sockdir
	ap_dir=$T/apache
	mkdir -p "$ap_dir/run" "$T/www"
	case $1 in
	fcgid)
		sed -e "s#^Define HUSKYHOOK_RECEIVE .*#Define HUSKYHOOK_RECEIVE $RECEIVE#" \
		    -e "s#^Define HUSKYHOOK_CONFIG .*#Define HUSKYHOOK_CONFIG $CONF#" \
		    "$top_srcdir/apache/huskyhook-fcgid.conf" > "$ap_dir/site.conf" ;;
	proxy-fcgi)
		sed -e "s#^Define HUSKYHOOK_SOCKET .*#Define HUSKYHOOK_SOCKET $SOCKET#" \
		    "$top_srcdir/apache/huskyhook-proxy-fcgi.conf" > "$ap_dir/site.conf" ;;
	cgi)
		: > "$ap_dir/site.conf" ;;
	lines)
		cp "$2" "$ap_dir/site.conf" ;;
	esac
	ap_port=$((30000 + $$ % 20000))
	ap_tries=0
	while [ $ap_tries -lt 20 ]; do
		{
			echo "ServerName 127.0.0.1"
			echo "Listen 127.0.0.1:$ap_port"
			echo "PidFile $ap_dir/run/httpd.pid"
			echo "ErrorLog $ap_dir/error.log"
			echo "LogLevel warn"
			echo "DefaultRuntimeDir $ap_dir/run"
			echo "Mutex file:$ap_dir/run default"
			for ap_mod in mpm_event authz_core alias mime env rewrite cgid fcgid proxy proxy_fcgi; do
				echo "LoadModule ${ap_mod}_module $APACHE_MODULES/mod_$ap_mod.so"
			done
			[ "$(id -u)" = 0 ] && echo "User $APACHE_USER" && echo "Group $APACHE_USER"
			echo "ScriptSock $SOCKDIR/cgid-$ap_port.sock"
			echo "FcgidIPCDir $SOCKDIR/fcgid-$ap_port"
			echo "FcgidProcessTableFile $ap_dir/run/fcgid.shm"
			echo "TypesConfig /dev/null"
			echo "DocumentRoot $T/www"
			echo "<Directory $T/www>"
			echo "	AllowOverride All"
			echo "	Require all granted"
			echo "</Directory>"
			echo "Include $ap_dir/site.conf"
		} > "$ap_dir/httpd.conf"
		mkdir -p "$SOCKDIR/fcgid-$ap_port"
		[ "$(id -u)" = 0 ] && chown "$APACHE_USER" "$SOCKDIR/fcgid-$ap_port"
		"$APACHE" -f "$ap_dir/httpd.conf" -DFOREGROUND 2>> "$ap_dir/stderr.log" &
		APACHE_PID=$!
		APACHE_PORT=$ap_port
		URL=http://127.0.0.1:$ap_port/huskyhook
		server_ready "$ap_port" "$APACHE_PID" && return 0
		apache_stop
		ap_port=$((ap_port + 1))
		ap_tries=$((ap_tries + 1))
	done
	return 1
}

# apache_stop: stops the Apache apache_start started, if it runs.
apache_stop() {
	server_stop APACHE_PID
}

# free_port BASE: on stdout, the first port from BASE up (20 tried) that
# nothing answers on.
free_port() {
	fp_port=$1
	while [ "$fp_port" -lt $(($1 + 20)) ]; do
		curl -s -o /dev/null "http://127.0.0.1:$fp_port/" 2>/dev/null || break
		fp_port=$((fp_port + 1))
	done
	echo "$fp_port"
}

# spawn_receiver PROGRAM [ARGS...]: PROGRAM (the receiver, or fcgiwrap)
# under spawn-fcgi on $SOCKDIR/NAME.sock, NAME the last part of $T, in
# $SPAWN_PROCS processes (default 1), with HUSKYHOOK_CONFIG=$CONF; as
# root, as $APACHE_USER, the socket that user's (the caller chowns the
# layout). Sets $SOCKET and $SPAWN_PID (their pids).
spawn_receiver() {
	sockdir
	SOCKET=$SOCKDIR/$(basename "$T").sock
	rm -f "$SOCKET"
	if [ "$(id -u)" = 0 ]; then
		set -- -U "$APACHE_USER" -u "$APACHE_USER" -- "$@"
	else
		set -- -- "$@"
	fi
	HUSKYHOOK_CONFIG=$CONF spawn-fcgi -s "$SOCKET" -M 0600 -P "$T/spawn.pid" \
	    -F "${SPAWN_PROCS:-1}" "$@" > "$T/spawn.out" 2>&1 || return 1
	SPAWN_PID=$(tr '\n' ' ' < "$T/spawn.pid")
	trap 'cleanup_servers' EXIT
}

# spawn_stop: stops the process spawn_receiver started, if it runs.
spawn_stop() {
	if [ -n "${SPAWN_PID:-}" ]; then
		# shellcheck disable=SC2086
		kill $SPAWN_PID 2>/dev/null
		SPAWN_PID=
	fi
}

# nginx_start SITE: nginx (not the system service) on a free loopback
# port, in the foreground, its files in $T/nginx with Debian's stock
# fastcgi_params beside its config, SITE's lines (a location block) in
# its one server block, bodies kept in $T/nginx/body. As root its
# workers run as $APACHE_USER. Sets $NGINX_PORT, $NGINX_PID and $URL;
# stops it when the test exits.
nginx_start() {
	ng_bin=$(command -v nginx || echo /usr/sbin/nginx)
	[ -x "$ng_bin" ] || return 1
	ng_dir=$T/nginx
	mkdir -p "$ng_dir/body" "$ng_dir/fastcgi" "$ng_dir/proxy" "$T/www"
	cp /etc/nginx/fastcgi_params "$ng_dir/"
	cp "$1" "$ng_dir/site.conf"
	[ "$(id -u)" = 0 ] && chown "$APACHE_USER" "$ng_dir/body" "$ng_dir/fastcgi" "$ng_dir/proxy"
	ng_port=$(free_port $((21000 + $$ % 400)))
	{
		echo "daemon off;"
		echo "worker_processes 1;"
		[ "$(id -u)" = 0 ] && echo "user $APACHE_USER;"
		echo "pid $ng_dir/nginx.pid;"
		echo "error_log $ng_dir/error.log warn;"
		echo "events { worker_connections 256; }"
		echo "http {"
		echo "	access_log off;"
		echo "	client_body_temp_path $ng_dir/body;"
		echo "	fastcgi_temp_path $ng_dir/fastcgi;"
		echo "	proxy_temp_path $ng_dir/proxy;"
		echo "	server {"
		echo "		listen 127.0.0.1:$ng_port;"
		echo "		root $T/www;"
		echo "		include $ng_dir/site.conf;"
		echo "	}"
		echo "}"
	} > "$ng_dir/nginx.conf"
	"$ng_bin" -p "$ng_dir" -c "$ng_dir/nginx.conf" 2>> "$ng_dir/stderr.log" &
	NGINX_PID=$!
	NGINX_PORT=$ng_port
	URL=http://127.0.0.1:$ng_port/huskyhook
	server_ready "$ng_port" "$NGINX_PID" && return 0
	nginx_stop
	return 1
}

# nginx_stop: stops the nginx nginx_start started, if it runs.
nginx_stop() {
	server_stop NGINX_PID
}

# caddy_start CADDYFILE: Caddy (caddy run, not the system service) on a
# free loopback port with CADDYFILE, its site address made
# http://127.0.0.1:PORT, the rest of the site a 404, after global options
# that keep it from certificates and its admin endpoint; its files in
# $T/caddy, its log in
# $T/caddy/caddy.log. Sets $CADDY_PORT, $CADDY_PID and $URL; stops it
# when the test exits.
caddy_start() {
	cd_bin=$(command -v caddy || echo /usr/bin/caddy)
	[ -x "$cd_bin" ] || return 1
	cd_dir=$T/caddy
	mkdir -p "$cd_dir"
	cd_port=$(free_port $((21400 + $$ % 300)))
	{
		printf '{\n\tadmin off\n\tauto_https off\n}\n'
		sed -e "s#^[a-z0-9.]* {\$#http://127.0.0.1:$cd_port {#" \
		    -e '$ s/^}$/\trespond 404\n}/' "$1"
	} > "$cd_dir/Caddyfile"
	HOME=$cd_dir XDG_DATA_HOME=$cd_dir/data XDG_CONFIG_HOME=$cd_dir/config \
	    "$cd_bin" run --config "$cd_dir/Caddyfile" --adapter caddyfile \
	    > "$cd_dir/caddy.log" 2>&1 &
	CADDY_PID=$!
	CADDY_PORT=$cd_port
	URL=http://127.0.0.1:$cd_port/huskyhook
	server_ready "$cd_port" "$CADDY_PID" && return 0
	caddy_stop
	return 1
}

# caddy_stop: stops the Caddy caddy_start started, if it runs.
caddy_stop() {
	server_stop CADDY_PID
}

# h2o_start PATHS: h2o (not the system service) on a free loopback port,
# PATHS (an h2o.conf fragment of paths) under its one host, with
# limit-request-body 1048576; its files in $T/h2o, its error log
# $T/h2o/error.log. As root it runs as $APACHE_USER (the caller chowns
# the layout). Sets $H2O_PORT, $H2O_PID and $URL; stops it when the test
# exits.
h2o_start() {
	h2_bin=$(command -v h2o || echo /usr/bin/h2o)
	[ -x "$h2_bin" ] || return 1
	h2_dir=$T/h2o
	mkdir -p "$h2_dir" "$T/www"
	h2_port=$(free_port $((21700 + $$ % 250)))
	{
		[ "$(id -u)" = 0 ] && echo "user: $APACHE_USER"
		echo "listen:"
		echo "  host: 127.0.0.1"
		echo "  port: $h2_port"
		echo "pid-file: $h2_dir/h2o.pid"
		echo "error-log: $h2_dir/error.log"
		echo "limit-request-body: 1048576"
		echo "hosts:"
		echo "  default:"
		echo "    paths:"
		sed 's/^/      /' "$1"
		echo "      \"/\":"
		echo "        file.dir: $T/www"
	} > "$h2_dir/h2o.conf"
	[ "$(id -u)" = 0 ] && chown -R "$APACHE_USER" "$h2_dir"
	"$h2_bin" -c "$h2_dir/h2o.conf" > "$h2_dir/stderr.log" 2>&1 &
	H2O_PID=$!
	H2O_PORT=$h2_port
	URL=http://127.0.0.1:$h2_port/huskyhook
	server_ready "$h2_port" "$H2O_PID" && return 0
	h2o_stop
	return 1
}

# h2o_stop: stops the h2o h2o_start started, if it runs (and with it
# the receivers it spawned).
h2o_stop() {
	server_stop H2O_PID
}

# curl_post FILE [CURL ARGS...]: POST FILE to $URL, signed unless SIG is
# set; the status in $STATUS, the body in $T/out.
curl_post() {
	cpost_body=$1
	shift
	cpost_sig=${SIG-$(sign "$cpost_body")}
	STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' \
	    -H "X-Husky-Signature: $cpost_sig" --data-binary "@$cpost_body" "$@" "$URL")
}
