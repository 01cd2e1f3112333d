#!/bin/sh
# tests/run.sh: run every test and print "N passed, N failed" last.
# Unit tests ($O/tests/*) and shell tests (tests/t*.sh) print one line per
# result ("ok - ..." or "FAIL - ..."); a fuzz corpus replay counts as one
# test per target. A test program that exits non-zero without printing a
# FAIL line counts as one failure. TESTS=pattern runs a subset.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
case $O in /*) ;; *) O=$TOP/$O ;; esac
export O
FIXTURES=$TOP/tests/fixtures
export FIXTURES
LOGS=$O/test-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
JOBS=${JOBS:-2}
pattern=${TESTS:-}

list() {
	for u in "$O"/tests/*; do [ -x "$u" ] && [ -f "$u" ] && echo "unit $u"; done
	for f in "$O"/fuzz/*-replay; do [ -x "$f" ] && echo "fuzz $f"; done
	for s in "$TOP"/tests/t[0-9]*.sh; do [ -f "$s" ] && echo "shell $s"; done
}

run_one() {
	kind=$1 path=$2
	name=$(basename "$path")
	log=$LOGS/$name.log
	case $kind in
	unit) "$path" >"$log" 2>&1 ;;
	fuzz)
		t=$(basename "$path" -replay)
		if "$path" "$TOP/fuzz/corpus/$t" >"$log" 2>&1; then
			echo "ok - fuzz: $t corpus replay ($(ls "$TOP/fuzz/corpus/$t" | wc -l) inputs)" >>"$log"
		else
			echo "FAIL - fuzz: $t corpus replay: exit $?" >>"$log"
		fi ;;
	shell) sh "$path" >"$log" 2>&1 ;;
	esac
	rc=$?
	if [ $rc -ne 0 ] && ! grep -q '^FAIL - ' "$log"; then
		echo "FAIL - $name: exited $rc" >>"$log"
	fi
	grep -E '^(ok|FAIL) - ' "$log" | grep -c '^ok - ' >"$log.pass"
	grep -c '^FAIL - ' "$log" >"$log.fail"
	grep -E '^FAIL - |^#   ' "$log"
	return 0
}

list | while read -r kind path; do
	case $path in *"$pattern"*) echo "$kind $path" ;; esac
done >"$LOGS/list"

# Run JOBS at a time.
i=0
while read -r kind path; do
	run_one "$kind" "$path" &
	i=$((i + 1))
	if [ $((i % JOBS)) -eq 0 ]; then wait; fi
done <"$LOGS/list"
wait

pass=0 failn=0
for f in "$LOGS"/*.pass; do [ -f "$f" ] && pass=$((pass + $(cat "$f"))); done
for f in "$LOGS"/*.fail; do [ -f "$f" ] && failn=$((failn + $(cat "$f"))); done
echo "logs in $LOGS"
echo "$pass passed, $failn failed"
[ "$failn" -eq 0 ]
