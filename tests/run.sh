#!/bin/sh
# tests/run.sh: run every test and print "N passed, N failed" last.
# Unit tests ($O/tests/*) and shell tests (tests/t*.sh) print one line per
# result ("ok - ..." or "FAIL - ..."); a fuzz corpus replay counts as one
# test per target. A test program that exits non-zero without printing a
# FAIL line counts as one failure. TESTS=pattern runs a subset (several
# patterns, separated by spaces: the tests whose path contains any);
# TESTS_EXCLUDE="pattern ..." leaves out the tests whose path holds one
# (make asan/ubsan: the package build, which compiles its own binaries).
# TESTS_NOLEAK="pattern ...": the shell tests whose path holds one run with
# ASAN_OPTIONS=detect_leaks=0 (a leak check at each exit costs ~30 ms);
# TESTS_LEAK="pattern ...": only the shell tests whose path holds one keep
# the check, the others run with detect_leaks=0 (make sanitize: a few tests
# a program; unit tests and fuzz replays always keep it).
#
# Scheduling: JOBS tests at a time (default: the number of cores), as a
# pool: a test starts as soon as one ends. The longest go first, by the
# seconds each took in the last run ($O/test-durations, kept between runs)
# or else by the checked-in estimate tests/durations; tests in neither go
# first of all. Each test's seconds are logged ($O/test-logs/durations) and
# the slowest are listed at the end.
#
# A shell test with the line "# runs beside the pool" (one that waits most
# of its time: a lag or a held request it measures, 5 to 10% of a CPU) is
# not counted among the JOBS: such tests run one at a time beside the pool.
#
# Limits: a test that runs longer than TEST_TIMEOUT seconds (default 600,
# 1200 for a sanitizer build) gets SIGTERM, SIGKILL 10 s later, and counts
# as a failure ("FAIL - NAME: killed after N s"); nothing hangs the run.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
case $O in /*) ;; *) O=$TOP/$O ;; esac
export O
. "$TOP/tests/python.sh"
FIXTURES=$TOP/tests/fixtures
export FIXTURES
LOGS=$O/test-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
case $O in *asan* | *ubsan* | *tsan*) limit_default=1200 ;; *) limit_default=600 ;; esac
LIMIT=${TEST_TIMEOUT:-$limit_default}
pattern=${TESTS:-}
exclude=${TESTS_EXCLUDE:-}
noleak=${TESTS_NOLEAK:-}
leak=${TESTS_LEAK:-}

list() {
	for u in "$O"/tests/*; do [ -x "$u" ] && [ -f "$u" ] && echo "unit $u"; done
	for f in "$O"/fuzz/*-replay; do [ -x "$f" ] && echo "fuzz $f"; done
	for s in "$TOP"/tests/t[0-9]*.sh; do [ -f "$s" ] && echo "shell $s"; done
}

now() { date +%s.%N; }

run_one() {
	kind=$1 path=$2
	name=$(basename "$path")
	log=$LOGS/$name.log
	t0=$(now)
	case $kind in
	unit) timeout -k 10 "$LIMIT" "$path" >"$log" 2>&1 ;;
	fuzz)
		t=$(basename "$path" -replay)
		if timeout -k 10 "$LIMIT" "$path" "$TOP/fuzz/corpus/$t" >"$log" 2>&1; then
			echo "ok - fuzz: $t corpus replay ($(ls "$TOP/fuzz/corpus/$t" | wc -l) inputs)" >>"$log"
		else
			echo "FAIL - fuzz: $t corpus replay: exit $?" >>"$log"
		fi ;;
	shell)
		opts=${ASAN_OPTIONS:-}
		off=
		for p in $noleak; do
			case $path in *"$p"*) off=1; break ;; esac
		done
		if [ -n "$leak" ]; then
			off=1
			for p in $leak; do
				case $path in *"$p"*) off=; break ;; esac
			done
		fi
		[ -n "$off" ] && opts=detect_leaks=0${opts:+:$opts}
		ASAN_OPTIONS=$opts timeout -k 10 "$LIMIT" sh "$path" >"$log" 2>&1 ;;
	esac
	rc=$?
	t1=$(now)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	if [ $rc -eq 124 ] || [ $rc -eq 137 ] &&
		awk -v s="$secs" -v l="$LIMIT" 'BEGIN { exit !(s >= l) }'; then
		echo "FAIL - $name: killed after $secs s (the limit is TEST_TIMEOUT=$LIMIT s)" >>"$log"
	elif [ $rc -ne 0 ] && ! grep -q '^FAIL - ' "$log"; then
		echo "FAIL - $name: exited $rc" >>"$log"
	fi
	grep -E '^(ok|FAIL) - ' "$log" | grep -c '^ok - ' >"$log.pass"
	grep -c '^FAIL - ' "$log" >"$log.fail"
	echo "$name $secs" >"$log.secs"
	grep -E '^FAIL - |^#   ' "$log"
	return 0
}

# The order: the longest first by the last run's seconds (or the estimate),
# unknown tests before all.
DUR=$O/test-durations
EST=$TOP/tests/durations
list | while read -r kind path; do
	hit=${pattern:+no}
	set -f # the patterns are words, not file names
	for p in $pattern; do
		case $path in *"$p"*) hit= && break ;; esac
	done
	for p in $exclude; do
		case $path in *"$p"*) hit=no && break ;; esac
	done
	set +f
	[ -z "$hit" ] || continue
	name=$(basename "$path")
	s=$( { [ -f "$DUR" ] && awk -v n="$name" '$1 == n { print $2; exit }' "$DUR"; } )
	[ -n "$s" ] || s=$( { [ -f "$EST" ] && awk -v n="$name" '$1 == n { print $2; exit }' "$EST"; } )
	[ -n "$s" ] || s=999999
	echo "$s $kind $path"
done | sort -k1,1gr -k3 >"$LOGS/all"
: >"$LOGS/beside"
: >"$LOGS/list"
while read -r est kind path; do
	if [ "$kind" = shell ] && grep -qx '# runs beside the pool' "$path"; then
		echo "$est $kind $path" >>"$LOGS/beside"
	else
		echo "$est $kind $path" >>"$LOGS/list"
	fi
done <"$LOGS/all"

# A pool of JOBS: each test writes a line to a FIFO when it ends; reading
# one line frees a slot for the next test.
mkfifo "$LOGS/.slots" || exit 1
exec 3<>"$LOGS/.slots"
# the tests that wait, one at a time beside the pool (the final wait
# collects them)
while read -r est kind path; do
	run_one "$kind" "$path" 3>&-
done <"$LOGS/beside" 3>&- &
running=0
while read -r est kind path; do
	if [ "$running" -ge "$JOBS" ]; then
		read -r _ <&3
		running=$((running - 1))
	fi
	{ run_one "$kind" "$path" 3>&-; echo done >&3; } &
	running=$((running + 1))
done <"$LOGS/list"
while [ "$running" -gt 0 ]; do
	read -r _ <&3
	running=$((running - 1))
done
wait
exec 3>&-
rm -f "$LOGS/.slots"

pass=0 failn=0
for f in "$LOGS"/*.pass; do [ -f "$f" ] && pass=$((pass + $(cat "$f"))); done
for f in "$LOGS"/*.fail; do [ -f "$f" ] && failn=$((failn + $(cat "$f"))); done
cat "$LOGS"/*.secs 2>/dev/null | sort -k2,2gr >"$LOGS/durations"
# keep this run's seconds for the next run's order (and the others')
if [ -s "$LOGS/durations" ]; then
	{ cat "$LOGS/durations"; [ -f "$DUR" ] && cat "$DUR"; } |
		awk '!seen[$1]++' | sort -k2,2gr >"$DUR.tmp" && mv "$DUR.tmp" "$DUR"
	echo "slowest tests (seconds; all in $LOGS/durations):"
	head -n 10 "$LOGS/durations" | awk '{ printf "  %7.1f  %s\n", $2, $1 }'
fi
echo "logs in $LOGS"
echo "$pass passed, $failn failed"
[ "$failn" -eq 0 ]
