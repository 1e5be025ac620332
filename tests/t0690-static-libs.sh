#!/bin/sh
# ./configure --enable-static-libs: huskyhook-receive and huskyhook with
# libfcgi, json-c and libcrypto linked in, needing only the C library
# (libc.so.6 and its loader, ld-linux). This build is checked if it was
# configured so; otherwise the test configures and builds one of its own
# in tests/tmp. Then the copied receiver takes the vendor's sample.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
command -v readelf > /dev/null || skip_all "readelf is not installed (binutils)"
setup
if grep -q '^STATIC_LIBS_TRUE = $' "$top_builddir/Makefile" 2>/dev/null; then
	B=$top_builddir
	diag "this build is configured with --enable-static-libs"
else
	for lib in fcgi json-c crypto; do
		[ -f "$(${CC:-cc} -print-file-name=lib$lib.a)" ] ||
		    skip_all "lib$lib.a is not installed"
	done
	B=$T/build
	mkdir -p "$B"
	if (cd "$B" && "$top_srcdir/configure" --enable-static-libs > configure.out 2>&1 &&
	    make -j2 huskyhook huskyhook-receive > make.out 2>&1); then
		ok "configure --enable-static-libs && make"
	else
		not_ok "configure --enable-static-libs && make"
		tail -n 20 "$B/configure.out" "$B/make.out" 2>/dev/null | sed 's/^/# /'
		done_testing
		exit 1
	fi
fi
for prog in huskyhook-receive huskyhook; do
	readelf -d "$B/$prog" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort > "$T/needed"
	check "$prog needs only libc.so.6 and ld-linux" \
	    'grep -v -e "^libc\.so\.6\$" -e "^ld-linux[-a-z0-9_.]*\.so\.[0-9]*\$" "$T/needed" | wc -l | grep -qx 0'
	sed 's/^/# NEEDED /' "$T/needed"
	strip -o "$T/$prog.stripped" "$B/$prog" 2>/dev/null
	diag "$prog: $(wc -c < "$B/$prog" | tr -d ' ') bytes, $(wc -c < "$T/$prog.stripped" | tr -d ' ') stripped"
done

# The one file copied: it takes the sample as a CGI program.
mkdir -p "$T/host"
cp "$B/huskyhook-receive" "$T/host/huskyhook.cgi"
RECEIVE=$T/host/huskyhook.cgi
write_conf "max_age = 0"
printf '%s' "$(cat "$top_srcdir/tests/data/call-completed.json")" > "$T/sample.json"
post "$T/sample.json"
check "the copied receiver accepts the vendor's sample (200)" '[ "$STATUS" = 200 ] && cmp -s "$T/sample.json" "$T/spool/events/evt_test123.json"'
SIG=$(sign "$T/sample.json" wrong) post "$T/sample.json"
check "and refuses a bad signature (401)" [ "$STATUS" = 401 ]
HUSKYHOOK=$B/huskyhook
check "the static huskyhook lists the event" '"$HUSKYHOOK" -c "$CONF" list | grep -q evt_test123'
done_testing
