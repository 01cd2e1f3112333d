#!/bin/sh
# `mc-snapshot --checkpoint=C | mc-tunnel-put --dest=W`, one side SIGKILLed
# once it has done some work, then the same command rerun: the base must
# hold every row (DESIGN.md: "killing any stage with SIGKILL at any moment
# and rerunning the same command must leave the destination exactly as an
# uninterrupted run would").
#
# KNOWN BUG (open, for the integrator; the checks marked KNOWN BUG fail):
# mc-tunnel-put skips the first `snapshot_rows` (its ledger) snapshot rows
# of its input by count, which assumes the rerun feeds the same snapshot
# input; a resumed mc-snapshot writes only the chunks its checkpoint does
# not name, so the sink drops that many of the *new* rows and then marks
# the base complete (_SUCCESS), exit 0. And when the sink dies, mc-snapshot
# has checkpointed chunks it wrote into the pipe that the sink never
# committed. t6201 feeds a snapshot through a file (the flow
# docs/mc-snapshot.md "Resume" describes) and passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE r; USE r; CREATE TABLE r.a (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO r.a SELECT seq, CONCAT('a', seq) FROM seq_1_to_3000;"
mkfifo "$T/fifo"

# wait_for CMD...: poll (up to 20 s) until CMD succeeds
wait_for() {
	_i=0
	until "$@"; do
		_i=$((_i + 1)); [ $_i -gt 200 ] && return 1
		sleep 0.1
	done
}
after_chunk() { grep -q 'after' "$T/ck$case.ckpt" 2>/dev/null; }
committed() { [ "$(sed -n 's/^snapshot_rows //p' "$T/w$case/_mcsync/ledger" 2>/dev/null || echo 0)" -gt 0 ] 2>/dev/null; }

for side in snapshot sink; do
	case=$side
	mc-snapshot $MDB_ARGS --databases=r --threads=1 --chunk-rows=200 --max-rate=1500 \
		--checkpoint="$T/ck$case.ckpt" >"$T/fifo" 2>/dev/null &
	snap=$!
	mc-tunnel-put --dest="$T/w$case" --commit-rows=100 <"$T/fifo" 2>/dev/null &
	sink=$!
	if [ $side = snapshot ]; then wait_for after_chunk; else wait_for committed; fi
	landed=$?
	if [ $side = snapshot ]; then kill -KILL $snap; else kill -KILL $sink; fi
	wait $snap 2>/dev/null
	wait $sink 2>/dev/null
	expect_eq "$side killed mid-work (the checkpoint names a chunk, the sink committed rows)" \
		"$landed/$(grep -c ' done$' "$T/ck$case.ckpt")" 0/0
	mc-snapshot $MDB_ARGS --databases=r --threads=1 --chunk-rows=200 --checkpoint="$T/ck$case.ckpt" \
		2>"$T/err" | mc-tunnel-put --dest="$T/w$case" --commit-rows=100 2>>"$T/err"
	expect_eq "$side killed: the rerun of the pipeline exits 0" "$?" 0
	n=$(mc-cat --to=csv --table=r.a "$T/w$case/r__a/"ds=*/part-*.mcr.zst | tail -n +2 | sort -u | wc -l)
	expect_eq "KNOWN BUG (mc-tunnel-put skips a resumed snapshot by row count): $side killed: the base holds every row" \
		"$n" 3000
done
