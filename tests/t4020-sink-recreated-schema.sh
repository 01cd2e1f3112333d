#!/bin/sh
# A table dropped and created again with other columns before any change of
# it reached the tail (docs/mc-tunnel-put.md, docs/merge.md "DDL"):
# mc-binlog-tail --schema=SNAPSHOT gives the new table's schema the version
# number the snapshot gave the old one (1), and mc-tunnel-put, fed the
# snapshot and the changes in one run, wrote the new table's rows into the
# log file after the old schema record without the new one (a schema record
# was written only when the version number changed): exit 0, then every
# reader of that file refused it (mc-cat, mc-merge: "after image has 3
# values, the schema 2 columns"), or merged the rows under the old column
# names. A schema record is now written whenever the schema differs from
# the file's last one, whatever its number: the file reads, and the merge
# equals the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT); CREATE TABLE d.r (id INT PRIMARY KEY, v INT);
     INSERT INTO d.t VALUES (1, 1), (2, 2); INSERT INTO d.r VALUES (1, 1)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "DROP TABLE d.t; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(10), w INT DEFAULT 4);
     INSERT INTO d.t (id, v) VALUES (7, 'x'); UPDATE d.t SET w = 5 WHERE id = 7; INSERT INTO d.t (id, v) VALUES (8, NULL);
     DROP TABLE d.r; CREATE TABLE d.r (id INT PRIMARY KEY, w INT); INSERT INTO d.r VALUES (3, 30);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/now.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
expect_ok "the snapshot and the changes load in one run" mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/changes.mcr"
for f in "$T"/w/d__t_log/ds=*/part-*.mcr.zst "$T"/w/d__r_log/ds=*/part-*.mcr.zst; do
	expect_ok "the log file $(basename "$(dirname "$f")")/$(basename "$f") reads" mc-cat --check "$f"
done
at=$(mc-cat --to=jsonl "$T/changes.mcr" | grep -o '"pos":\[[0-9,]*\]' | tail -1 | sed 's/.*\[//; s/\]//; s/,/:/g')
for t in t r; do
	expect_ok "$t: mc-merge --at=$at" mc-merge --warehouse="$T/w" --table=d__$t --at="$at" --output="$T/$t.mcr"
	mc-cat --to=csv --table=d.$t "$T/$t.mcr" | sort >"$T/got"
	mc-cat --to=csv --table=d.$t "$T/now.mcr" | sort >"$T/want"
	expect_same "$t: the merge equals the server (the new table's columns)" "$T/got" "$T/want"
done
