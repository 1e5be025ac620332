#!/bin/sh
# Every fuzz target replays its committed corpus: in a libFuzzer build
# (--enable-fuzzing) through libFuzzer, otherwise through fuzz/driver.c.
# A crash, a sanitizer report or an oracle's abort() fails the test.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"
setup
for target in request signature event config hook-env meta; do
	bin=$top_builddir/fuzz/fuzz-$target
	corpus=$top_srcdir/fuzz/corpus/$target
	n=$(find "$corpus" -type f | wc -l)
	if [ ! -x "$bin" ]; then
		not_ok "fuzz-$target is built"
		continue
	fi
	# shellcheck disable=SC2046
	if "$bin" $(find "$corpus" -type f | sort) > "$T/$target.out" 2>&1; then
		ok "fuzz-$target replays its $n corpus files"
	else
		not_ok "fuzz-$target replays its $n corpus files"
		tail -n 30 "$T/$target.out" | sed 's/^/# /'
	fi
done
done_testing
