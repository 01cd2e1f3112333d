#!/bin/sh
# An ALTER TABLE that moves the primary key to other columns while
# mc-snapshot reads the table: the old key's values may then repeat, and a
# chunk split on it that stops at its row limit inside a run of one value
# leaves the rest of the run to no chunk. Rows that existed before the
# snapshot were lost (the tail from the lowest watermark does not have
# them), exit 0 everywhere. mc-snapshot checks with the columns that the
# schema record's key and the split key are still unique, and stops (exit
# 1, naming the table and the key) before writing the chunk; a key moved
# while the old one stays unique passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
load() {
	sql "DROP DATABASE IF EXISTS p; CREATE DATABASE p; USE p;
	CREATE TABLE t (id INT NOT NULL, v INT NOT NULL, w INT, PRIMARY KEY(id), UNIQUE KEY(v));
	INSERT INTO t SELECT seq, seq, 0 FROM seq_1_to_3000;" || fail "the table" "sql failed"
}
# snap ALTER: a slow snapshot of p.t (1 thread, chunks of 100), the ALTER
# (and the inserts) after its first chunk
snap() {
	mc-snapshot $MDB_ARGS --databases=p --threads=1 --chunk-rows=100 --max-rate=1500 \
		--checkpoint="$T/sck" >"$T/snap.mcr" 2>"$T/snap.err" &
	pid=$!
	wait_for '^table\.p\.t after' "$T/sck" 50 || fail "the snapshot's first chunk" "no checkpoint"
	sql "USE p; $1" || fail "the ALTER" "sql failed"
	wait $pid
}
load
snap "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (v); INSERT INTO t SELECT 2500, 10000 + seq, 1 FROM seq_1_to_400"
expect_eq "the primary key moved during the snapshot: exit 1" "$?" 1
cp "$T/snap.err" "$T/err"
expect_grep "... naming the table and the key" \
	"^mc-snapshot: table 'p.t' was changed \(ALTER TABLE\) while it was being snapshotted: its key \(id\) is no longer a unique key of it .*take the table's snapshot again from the start" "$T/err"
expect_eq "... no snapshot_end written" "$(mc-cat "$T/snap.mcr" 2>/dev/null | grep -c snapshot_end)" 0

rm -f "$T/sck"
load
snap "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (v), ADD UNIQUE KEY (id); INSERT INTO t SELECT 5000 + seq, 10000 + seq, 1 FROM seq_1_to_400"
expect_eq "the primary key moved while the old one stays unique: exit 0" "$?" 0
expect_eq "... every row of before it once" \
	"$(mc-cat --to=csv --table=p.t "$T/snap.mcr" | grep -c ',0$') $(mc-cat --to=csv --table=p.t "$T/snap.mcr" | grep ',0$' | sort -u | wc -l)" "3000 3000"
