#!/bin/sh
# mc-binlog-tail without --schema after an ALTER that adds generated (and
# invisible) columns: the schema record's flags equal mc-snapshot's
# (docs/mc-binlog-tail.md "Invisible and generated columns").
# - a binlog file (FULL metadata) that does not hold the CREATE TABLE: the
#   ALTER is followed from the column list of the table map before it, so
#   the columns it adds with AS (...) / GENERATED ALWAYS / INVISIBLE keep
#   their flags;
# - live with binlog_row_metadata=NO_LOG: the column list is read from
#   information_schema (EXTRA: "VIRTUAL GENERATED", "STORED GENERATED",
#   "INVISIBLE"), for a table whose first table map comes after the ALTER.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
binlog_now() { sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}'; }
sql "CREATE DATABASE s;
     CREATE TABLE s.a (id INT PRIMARY KEY, v INT, n VARCHAR(5));
     CREATE TABLE s.b (k INT NOT NULL, v INT, PRIMARY KEY (k));
     INSERT INTO s.a VALUES (1, 1, 'x'); INSERT INTO s.b VALUES (1, 1);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
p=$(binlog_now)
sql "INSERT INTO s.a VALUES (2, 2, 'y'); INSERT INTO s.b VALUES (2, 2);
     ALTER TABLE s.a ADD COLUMN g INT AS (v * 2) STORED,
       ADD COLUMN h BIGINT GENERATED ALWAYS AS (id + 1) VIRTUAL AFTER id, ADD COLUMN w INT INVISIBLE;
     ALTER TABLE s.b CHANGE v vv INT; ALTER TABLE s.b ADD COLUMN gp INT AS (vv + 1) PERSISTENT FIRST;
     INSERT INTO s.a (id, v, n) VALUES (3, 3, 'z'); INSERT INTO s.b (k, vv) VALUES (3, 3)" ||
	{ fail "setup" "sql failed"; exit 1; }
expect_ok "mc-snapshot after the ALTERs" mc-snapshot $MDB_ARGS --databases=s
mc-cat --to=jsonl "$T/out" >"$T/snap.jsonl"
expect_grep "the snapshot: h is generated" '"name":"h","mysql_type":"bigint","mc_type":"BIGINT","nullable":true,"flags":2' "$T/snap.jsonl"

# a binlog file without the CREATE TABLE, no --schema
expect_ok "mc-binlog-tail of the file, no --schema" mc-binlog-tail --from="$MDB_DIR/binlog/$p" "$MDB_DIR/binlog/${p%%:*}"
mc-cat --to=jsonl "$T/out" >"$T/file.jsonl"
expect_grep "file: the added STORED column g has flag generated" '"name":"g","mysql_type":"int","mc_type":"INT","nullable":true,"flags":2' "$T/file.jsonl"
expect_grep "file: GENERATED ALWAYS ... VIRTUAL, placed AFTER id" '"columns":\[\{"name":"id"[^]]*\},\{"name":"h","mysql_type":"bigint","mc_type":"BIGINT","nullable":true,"flags":2' "$T/file.jsonl"
expect_grep "file: PERSISTENT, placed FIRST (after a CHANGE)" '"columns":\[\{"name":"gp","mysql_type":"int","mc_type":"INT","nullable":true,"flags":2\},\{"name":"k"' "$T/file.jsonl"
python3 "$TOP/tests/schemacmp.py" "$T/file.jsonl" "$T/snap.jsonl" >"$T/cmp" 2>&1
expect_eq "file: the last schema records equal the snapshot's (flags, columns, key)" "$(cat "$T/cmp")" ""

# live, table maps without names (NO_LOG): from information_schema
sql "SET GLOBAL binlog_row_metadata = NO_LOG; FLUSH BINARY LOGS;
     CREATE TABLE s.c (id INT PRIMARY KEY, v INT, g0 INT AS (v + 10) VIRTUAL, i0 INT INVISIBLE)" ||
	{ fail "setup" "sql failed"; exit 1; }
p2=$(binlog_now)
sql "ALTER TABLE s.c ADD COLUMN g1 INT GENERATED ALWAYS AS (v * 3) STORED AFTER id;
     INSERT INTO s.c (id, v, i0) VALUES (1, 1, 5)" || { fail "setup" "sql failed"; exit 1; }
expect_ok "mc-snapshot of s.c" mc-snapshot $MDB_ARGS --tables=s.c
mc-cat --to=jsonl "$T/out" >"$T/snap2.jsonl"
expect_code 0 "live tail, NO_LOG metadata, --stop-at-end" timeout -k 5 60 mc-binlog-tail $MDB_ARGS \
	--server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end --start="$p2"
mc-cat --to=jsonl "$T/out" >"$T/live.jsonl"
expect_eq "live: no warning" "$(cat "$T/err")" ""
expect_grep "live: g0 (VIRTUAL GENERATED in EXTRA) has flag generated" '"name":"g0","mysql_type":"int","mc_type":"INT","nullable":true,"flags":2' "$T/live.jsonl"
expect_grep "live: g1 (STORED GENERATED) too" '"name":"g1","mysql_type":"int","mc_type":"INT","nullable":true,"flags":2' "$T/live.jsonl"
python3 "$TOP/tests/schemacmp.py" "$T/live.jsonl" "$T/snap2.jsonl" >"$T/cmp" 2>&1
expect_eq "live: the schema record equals the snapshot's (flags, columns, key)" "$(cat "$T/cmp")" ""
