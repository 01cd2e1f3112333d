#!/bin/sh
# mc-tunnel-put --mode=upsert refuses an ALTER TABLE of a column of a table
# its state holds (exit 1, the statement, its position and the advice to
# load the table again), whatever the schema records after it say: DROP x
# then ADD x DEFAULT 7 (two statements or one: the server gave every row
# x = 7) and MODIFY v INT NOT NULL under a non-strict sql_mode (the server
# made the NULLs 0). An ALTER that touches no column (ADD INDEX) goes
# through, and the PK table follows the source. (The PK table kept the old
# x, or the NULLs, of every row not changed since, exit 0: found by a
# tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
 CREATE TABLE t (id INT PRIMARY KEY, v INT, x INT);
 CREATE TABLE t2 (id INT PRIMARY KEY, v INT, x INT);
 CREATE TABLE t3 (id INT PRIMARY KEY, v INT NULL, w INT);
 CREATE TABLE t4 (id INT PRIMARY KEY, v INT);
 INSERT INTO t VALUES (1,1,11),(2,2,22);
 INSERT INTO t2 VALUES (1,1,11),(2,2,22);
 INSERT INTO t3 VALUES (1,NULL,1),(2,NULL,2);
 INSERT INTO t4 VALUES (1,1),(2,2);" || { fail setup "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d --checkpoint-in="$T/ck" >"$T/snap.mcr" 2>"$T/err" ||
	{ fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
odps_start srv || exit 1
DB=$T/srv/p1.db
put() { mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st" --mode=upsert \
	--buckets=4 --retry-time=0.2 --retry-delay=0.05 "$@"; }
expect_ok "the snapshot goes into the PK tables" put --checkpoint-out="$T/ck" "$T/snap.mcr"
sql "USE d; ALTER TABLE t DROP COLUMN x; ALTER TABLE t ADD COLUMN x INT DEFAULT 7; UPDATE t SET v = 20 WHERE id = 2;
  ALTER TABLE t2 DROP COLUMN x, ADD COLUMN x INT DEFAULT 7; UPDATE t2 SET v = 20 WHERE id = 2;
  UPDATE t3 SET w = 20 WHERE id = 2; SET SESSION sql_mode = '';
  ALTER TABLE t3 MODIFY v INT NOT NULL; UPDATE t3 SET w = 30 WHERE id = 2;
  ALTER TABLE t4 ADD INDEX iv (v); UPDATE t4 SET v = 20 WHERE id = 2;" ||
	{ fail setup "sql failed"; exit 1; }
mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --tables='^d\.' --checkpoint-in="$T/ck" \
	--stop-at-end >"$T/tail.mcr" 2>"$T/tail.err" || { fail setup "mc-binlog-tail: $(cat "$T/tail.err")"; exit 1; }
for t in t t2 t3; do
	only "$T/tail.mcr" $t >"$T/tail.$t.mcr"
	expect_code 1 "$t: the tail across its ALTER is refused" put "$T/tail.$t.mcr"
	expect_grep "$t: the message names the statement and says to load the table again" \
		"'ALTER TABLE $t [^']*' alters the columns of d\.$t .*load the table again into a new one" "$T/err"
	sqlite3 "$DB" "SELECT id, ifnull(v, 'NULL') FROM d__$t" | sort >"$T/got.$t"
	printf '1|%s\n2|%s\n' "$([ $t = t3 ] && echo NULL || echo 1)" \
		"$([ $t = t3 ] && echo NULL || echo 2)" >"$T/want.$t"
	expect_same "$t: the PK table holds the snapshot's rows (nothing of the tail)" \
		"$T/want.$t" "$T/got.$t"
done
only "$T/tail.mcr" t4 >"$T/tail.t4.mcr"
expect_ok "t4: ADD INDEX touches no column: its tail goes through" put "$T/tail.t4.mcr"
sql "SELECT id, v FROM d.t4" | tr '\t' '|' | sort >"$T/truth.t4"
sqlite3 "$DB" "SELECT id, v FROM d__t4" | sort >"$T/got.t4"
expect_same "t4: the PK table equals the source" "$T/truth.t4" "$T/got.t4"
