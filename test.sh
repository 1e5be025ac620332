#!/bin/sh
# The whole test suite: installs what it needs (as root, on Debian),
# builds with warnings as errors, runs `make check`, runs it again under
# AddressSanitizer and UndefinedBehaviorSanitizer, runs the receiver's and
# the tool's tests under valgrind, then `make distcheck`.
# Ends with one line: "N passed, N failed, N skipped".
set -eu
cd "$(dirname "$0")"
top=$(pwd)
# shellcheck source=scripts/deps.sh
. ./scripts/deps.sh
install_deps test

# make itself reruns autoconf and automake when their inputs change.
[ -x configure ] || ./autogen.sh > /dev/null 2>&1
jobs=$(nproc 2>/dev/null || echo 2)

failed_builds=0
run_suite() {
	name=$1
	shift
	mkdir -p "build-$name"
	(
		cd "build-$name"
		[ -f Makefile ] || "$top/configure" --enable-werror "$@" > configure.out
		make -j"$jobs" > make.out 2>&1 || { cat make.out; exit 1; }
		make -j"$jobs" check > check.out 2>&1 || { grep -E '^(FAIL|ERROR)' check.out; exit 1; }
	) || failed_builds=$((failed_builds + 1))
	grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "build-$name/check.out" 2>/dev/null |
	    sed "s/^/$name: /" || true
}

run_suite plain
run_suite asan --enable-asan

# memcheck over the receiver's CGI tests and runs of the tool (the tests
# with tight timing are left out: valgrind is slow).
echo "valgrind:"
if (cd build-plain && HUSKYHOOK_VALGRIND=1 make check \
    TESTS="tests/t0100-cgi-status.sh tests/t0700-run.sh tests/t0740-cli.sh" \
    > valgrind.out 2>&1); then
	grep -E '^# (TOTAL|PASS|FAIL|ERROR):' build-plain/valgrind.out | sed 's/^/valgrind: /'
else
	grep -E '^(FAIL|ERROR)' build-plain/valgrind.out
	failed_builds=$((failed_builds + 1))
fi

# distcheck: the tarball is built, configured, installed, and from it
# the unit tests and the tests that use what it ships (server snippets,
# init's lines, the demo, examples, docs, the package) run; the whole
# suite ran above on the same sources.
echo "distcheck:"
dist_tests=
for f in tests/unit-*.c; do
	dist_tests="$dist_tests ${f%.c}"
done
dist_tests="$dist_tests tests/t0050-demo.sh tests/t0600-lighttpd.sh \
tests/t0610-apache.sh tests/t0612-nginx.sh tests/t0614-caddy.sh \
tests/t0615-status-page.sh tests/t0616-h2o.sh tests/t0680-debian-package.sh \
tests/t0685-init-lines.sh tests/t0750-examples.sh tests/t0800-docs.sh \
tests/t0810-shellcheck.sh tests/t0900-fuzz-corpora.sh"
if (cd build-plain && make -j"$jobs" distcheck TESTS="$dist_tests" \
    > distcheck.out 2>&1); then
	echo "distcheck: passed"
	distcheck_failed=0
else
	tail -n 30 build-plain/distcheck.out
	distcheck_failed=1
fi

sum() {
	cat build-*/check.out build-plain/valgrind.out 2>/dev/null |
	    sed -n "s/^# $1: *//p" |
	    awk '{ n += $1 } END { print n + 0 }'
}
passed=$(sum PASS)
failed=$(( $(sum FAIL) + $(sum ERROR) + distcheck_failed ))
skipped=$(sum SKIP)
[ "$failed_builds" -eq 0 ] || failed=$((failed + failed_builds))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
