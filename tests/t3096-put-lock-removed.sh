#!/bin/sh
# Two mc-tunnel-put writing one warehouse after its lock file was removed
# (cron overlap; a DBA deletes the "stale" put.lock): the writer whose lock
# file is no longer the path's stops before its next commit, exit 3, the
# other completes, and a rerun gives the warehouse an uninterrupted run
# writes (docs/mc-tunnel-put.md "Exit status"). (Both exited 0 and wrote
# the same commits: found by a tester.)
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 3000 >"$T/s.mcr" && "$MCGEN" changes 3000 3000 >"$T/c.mcr" ||
	{ fail "setup" "mcgen"; exit 1; }
W=$T/w
expect_ok "the snapshot" mc-tunnel-put --dest="$W" "$T/s.mcr"
expect_ok "the same into a reference warehouse" mc-tunnel-put --dest="$T/ref" "$T/s.mcr"
expect_ok "the changes into the reference" mc-tunnel-put --dest="$T/ref" --commit-rows=100 "$T/c.mcr"

size=$(wc -c <"$T/c.mcr")
head -c $((size / 2)) "$T/c.mcr" >"$T/c1"
tail -c +$((size / 2 + 1)) "$T/c.mcr" >"$T/c2"
seq0=$(sed -n 's/^seq //p' "$W/_mcsync/ledger")
# the first writer: half of the changes, then it waits for the rest
(
	cat "$T/c1"
	while [ ! -f "$T/go" ]; do sleep 0.1; done
	cat "$T/c2"
) | mc-tunnel-put --dest="$W" --commit-rows=100 >/dev/null 2>"$T/err1" &
p1=$!
i=0
while [ "$(sed -n 's/^seq //p' "$W/_mcsync/ledger")" = "$seq0" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_code 3 "a second writer meanwhile is refused (the lock)" mc-tunnel-put --dest="$W" --commit-rows=100 "$T/c.mcr"
rm -f "$W/_mcsync/put.lock"
mc-tunnel-put --dest="$W" --commit-rows=100 "$T/c.mcr" >/dev/null 2>"$T/err2"
rc2=$?
touch "$T/go"
wait $p1
rc1=$?
echo "# first writer exit $rc1 ($(head -c 200 "$T/err1")), second exit $rc2 ($(head -c 200 "$T/err2"))"
at=$(sed -n 's/^pos //p' "$T/ref/_mcsync/ledger")
mc-merge --warehouse="$T/ref" --table=sbtest__sbtest1 --at="$at" --output="$T/ref.mcr" 2>"$T/err" ||
	fail "setup" "merge of the reference"
expect_eq "the second writer (its own lock file) completes" "$rc2" 0
expect_eq "the first one, whose lock file was removed, stops: exit 3" "$rc1" 3
expect_grep "... saying why" "put.lock': the lock file this run holds was removed or replaced: another run may be writing now" "$T/err1"
{
	expect_ok "a rerun completes" mc-tunnel-put --dest="$W" --commit-rows=100 "$T/c.mcr"
	expect_ok "the warehouse merges" \
		mc-merge --warehouse="$W" --table=sbtest__sbtest1 --at="$at" --output="$T/got.mcr"
	expect_same "... to the reference's state" "$T/ref.mcr" "$T/got.mcr"
}
