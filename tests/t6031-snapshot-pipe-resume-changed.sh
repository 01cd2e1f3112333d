#!/bin/sh
# `mc-snapshot --checkpoint-in=C | mc-tunnel-put --checkpoint-out=C`, the
# pipeline killed, then run again with another --where, or after the
# table's primary key moved to another column: the sink's checkpoint held
# only the chains, so mc-snapshot could not tell (t6029 and t6030 check its
# own --checkpoint only) and resumed the chain on the new key or under the
# new condition: rows lost, repeated or of both conditions, exit 0. Now
# mc-snapshot's header says each table's split key and condition (entry
# "chains"), the sink keeps them beside the chains it commits and gives
# them back in --checkpoint-out, and mc-snapshot --checkpoint-in refuses
# another; the sink itself refuses a stream that would continue a chain on
# another key or condition (a snapshot not resumed through its checkpoint).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE p; USE p;
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, UNIQUE KEY (v));
INSERT INTO t SELECT seq, 3001 - seq FROM seq_1_to_3000;" || fail "the table" "sql failed"
mkfifo "$T/fifo"
W=$T/wh C=$T/ck
SNAP="mc-snapshot $MDB_ARGS --databases=p --threads=1 --chunk-rows=100"
# killed ARGS...: the pipeline, killed once the sink committed a chunk of p.t
killed() {
	rm -rf "$W" "$C"
	$SNAP --max-rate=1500 --checkpoint-in="$C" "$@" >"$T/fifo" 2>"$T/s.err" &
	snap=$!
	mc-tunnel-put --partial-ok --dest="$W" --commit-rows=100 --checkpoint-out="$C" <"$T/fifo" \
		2>"$T/p.err" &
	sink=$!
	wait_for '^table\.p\.t after' "$C" 50 || fail "the first run's commits" "no checkpoint"
	kill -KILL $snap $sink 2>/dev/null
	wait $snap 2>/dev/null
	wait $sink 2>/dev/null
	cp "$W/_mcsync/ledger" "$T/ledger.first"
}
# same: the warehouse's ledger (its commit point) as the killed run left it
# (--checkpoint-out may lag it by a commit after a kill: a rerun updates it)
same() { cmp -s "$W/_mcsync/ledger" "$T/ledger.first" && echo same; }
# piped ARGS...: the rerun; its exit statuses in $T/rc as "SNAP SINK"
piped() {
	$SNAP --checkpoint-in="$C" "$@" >"$T/fifo" 2>"$T/s.err" &
	snap=$!
	mc-tunnel-put --dest="$W" --checkpoint-out="$C" <"$T/fifo" >/dev/null 2>"$T/p.err"
	r=$?
	wait $snap
	echo "$? $r" >"$T/rc"
}
# base: p.t's ids in the warehouse's base, sorted
base() { mc-cat --to=csv --table=p.t "$W"/p__t/ds=*/part-*.mcr.zst 2>/dev/null | sed 1d | cut -d, -f1 | sort -n; }

killed --where='p.t:v % 3 <> 0'
expect_grep "the sink's checkpoint says the chain's condition" '^where\.table\.p\.t v % 3 <> 0$' "$C"
expect_grep "... and its split key" '^split\.table\.p\.t `id` int$' "$C"
piped --where='p.t:v % 5 <> 0'
expect_eq "another --where through --checkpoint-in: mc-snapshot exit 1" "$(cut -d' ' -f1 "$T/rc")" 1
expect_grep "... naming both conditions" \
	"^mc-snapshot: '$C': table 'p.t': the checkpoint's chain was read under the condition \(v % 3 <> 0\), but this run's is \(v % 5 <> 0\)" "$T/s.err"
expect_eq "... nothing committed" "$(same)" same

# the sink refuses such a stream itself (a snapshot not resumed from it)
$SNAP --where='p.t:v % 5 <> 0' >"$T/other.mcr" 2>/dev/null || fail "a snapshot to a file" "exit $?"
expect_code 1 "a stream under another condition fed to the sink: exit 1" \
	mc-tunnel-put --dest="$W" --checkpoint-out="$C" "$T/other.mcr"
expect_grep "... naming both and the way out" \
	"^mc-tunnel-put: .*record 1: this stream's mc-snapshot reads 'table.p.t' split on \(\`id\` int\) under the condition \(v % 5 <> 0\), but the chunks committed of it were split on \(\`id\` int\) under \(v % 3 <> 0\) .*--resnapshot" "$T/err"
expect_eq "... nothing committed" "$(same)" same

piped --where='p.t:v % 3 <> 0'
expect_eq "the rerun under the recorded condition: both exit 0" "$(cat "$T/rc")" "0 0"
base >"$T/ids"
expect_eq "... the base holds the condition's rows, each once" \
	"$(wc -l <"$T/ids") $(sort -u "$T/ids" | wc -l) $(awk '(3001 - $1) % 3 == 0' "$T/ids" | wc -l)" "2000 2000 0"

# the primary key moved between the runs
killed
sql "ALTER TABLE p.t DROP PRIMARY KEY, ADD PRIMARY KEY (v), ADD UNIQUE KEY (id)" || fail "the ALTER" "sql failed"
piped
expect_eq "the key moved, resumed through --checkpoint-in: mc-snapshot exit 1" "$(cut -d' ' -f1 "$T/rc")" 1
expect_grep "... naming both keys" \
	"^mc-snapshot: '$C': table 'p.t': the checkpoint resumes its snapshot after a value of the split key \(\`id\` int\), but the table splits on \(\`v\` int\) now" "$T/s.err"
expect_eq "... nothing committed" "$(same)" same
piped --split-key=p.t:id
expect_eq "... resumed on the recorded key (--split-key=p.t:id): both exit 0" "$(cat "$T/rc")" "0 0"
base >"$T/ids"
expect_eq "... every row once" "$(wc -l <"$T/ids") $(sort -u "$T/ids" | wc -l)" "3000 3000"
