#!/bin/sh
# A fuzzing campaign: every target for SECONDS (default 1200), JOBS at a
# time (default 2), each starting from its committed corpus and
# dictionary. Needs a build configured with
#   ../configure CC=clang --enable-fuzzing
# Usage: fuzz/campaign.sh BUILD_DIR [SECONDS [JOBS]]
# Results: BUILD_DIR/fuzz-campaign/<target>.log (libFuzzer's own output),
# new inputs in <target>.corpus/, crashes as <target>-crash-*; a summary
# line per target on stdout.
set -eu
build=$(cd "$1" && pwd)
seconds=${2:-1200}
jobs=${3:-2}
top=$(cd "$(dirname "$0")/.." && pwd)
out=$build/fuzz-campaign
mkdir -p "$out"

dict_for() {
	case $1 in
	event|hook-env) echo "$top/fuzz/dict/json.dict" ;;
	*) echo "$top/fuzz/dict/$1.dict" ;;
	esac
}

max_len_for() {
	case $1 in
	signature) echo 1100 ;;
	meta) echo 16384 ;;
	config) echo 4096 ;;
	*) echo 16384 ;;
	esac
}

one() {
	t=$1
	mkdir -p "$out/$t.corpus"
	set -- "$build/fuzz/fuzz-$t" "$out/$t.corpus" "$top/fuzz/corpus/$t" \
	    -max_total_time="$seconds" -max_len="$(max_len_for "$t")" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$out/$t-"
	[ -f "$(dict_for "$t")" ] && set -- "$@" -dict="$(dict_for "$t")"
	"$@" > "$out/$t.log" 2>&1 || true
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$out/$t.log" | tail -n 1 | cut -d' ' -f2)
	crashes=$(find "$out" -name "$t-crash-*" -o -name "$t-leak-*" -o -name "$t-timeout-*" | wc -l)
	echo "fuzz-$t: ${seconds}s, ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, crashes/leaks/timeouts $crashes"
}

targets="request signature event config hook-env meta"
running=0
for t in $targets; do
	one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
