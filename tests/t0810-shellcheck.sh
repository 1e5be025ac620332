#!/bin/sh
# Every shell script of the project passes shellcheck.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
command -v shellcheck > /dev/null || skip_all "shellcheck is not installed"
mkdir -p "$top_builddir/tests/tmp"
cd "$top_srcdir" || exit 99
for f in tests/*.sh tests/stress/*.sh bench/*.sh scripts/*.sh test.sh demo.sh .ci/run examples/hooks/* debian/*.prerm; do
	[ -f "$f" ] || continue
	if shellcheck -x -s sh "$f" > "$top_builddir/tests/tmp/shellcheck.out" 2>&1; then
		ok "shellcheck $f"
	else
		not_ok "shellcheck $f"
		sed 's/^/# /' "$top_builddir/tests/tmp/shellcheck.out"
	fi
done
done_testing
