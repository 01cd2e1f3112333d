#!/bin/sh
# ALTER TABLE ... ADD COLUMN c DATE DEFAULT '2024-02-29' (DATETIME DEFAULT
# '2024-01-02 03:04:05', DATETIME(3) DEFAULT '... .123', BIGINT UNSIGNED
# DEFAULT 18446744073709551615): the day merged in MaxCompute gives the
# older rows the DEFAULT, as the local merge and the server: the literal is
# written in the forms MaxCompute takes (TO_DATE, CAST of the seconds and
# DATEADD of the fraction under SET odps.sql.timezone=Etc/GMT, the unsigned
# integer from its text). (Every merge of the day failed, exit 1, on
# CAST(text AS DATE) or an integer past BIGINT: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.t1 (id INT PRIMARY KEY, v INT); INSERT INTO d.t1 VALUES (1,1),(2,2);
     CREATE TABLE d.t2 (id INT PRIMARY KEY, v INT); INSERT INTO d.t2 VALUES (1,1),(2,2);
     CREATE TABLE d.t3 (id INT PRIMARY KEY, v INT); INSERT INTO d.t3 VALUES (1,1),(2,2);
     CREATE TABLE d.t4 (id INT PRIMARY KEY, v INT); INSERT INTO d.t4 VALUES (1,1),(2,2);" ||
	{ fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "UPDATE d.t1 SET v = 20 WHERE id = 2; ALTER TABLE d.t1 ADD COLUMN c DATE DEFAULT '2024-02-29';
     INSERT INTO d.t1 (id, v) VALUES (3, 3);
     UPDATE d.t2 SET v = 20 WHERE id = 2; ALTER TABLE d.t2 ADD COLUMN c DATETIME DEFAULT '2024-01-02 03:04:05';
     INSERT INTO d.t2 (id, v) VALUES (3, 3);
     UPDATE d.t3 SET v = 20 WHERE id = 2; ALTER TABLE d.t3 ADD COLUMN c DATETIME(3) DEFAULT '2024-01-02 03:04:05.123';
     INSERT INTO d.t3 (id, v) VALUES (3, 3);
     UPDATE d.t4 SET v = 20 WHERE id = 2; ALTER TABLE d.t4 ADD COLUMN c BIGINT UNSIGNED DEFAULT 18446744073709551615;
     INSERT INTO d.t4 (id, v) VALUES (3, 3);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
load_two_days "$T/w"
D=20251121
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
expect_ok "the snapshot goes into MaxCompute" mc-tunnel-put $OD --state="$T/s" "$T/snap1.mcr"
expect_ok "the changes too" mc-tunnel-put $OD --state="$T/s" "$T/changes1.mcr"
for t in t1 t2 t3 t4; do
	ty=$(sql "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'd' AND TABLE_NAME = '$t' AND COLUMN_NAME = 'c'")
	expect_ok "$t ($ty): the local merge" mc-merge --warehouse="$T/w" --table=d__$t --ds=$D
	mc-cat --to=csv --table=d.$t "$T/w/d__$t/ds=$D"/part-*.mcr.zst | tail -n +2 | sort >"$T/local.$t"
	sql "SELECT id, v, c FROM d.$t" | tr '\t' ',' | sort >"$T/truth.$t"
	expect_same "$t ($ty): the local merge equals the source" "$T/truth.$t" "$T/local.$t"
	if mc-merge $OD --state="$T/s" --table=d__$t --ds=$D 2>"$T/err"; then
		n=$(sqlite3 "$DB" "SELECT count(*) FROM d__$t WHERE ds = '$D' AND c IS NOT NULL")
		expect_eq "$t ($ty): the day merged in MaxCompute has the DEFAULT in every row" "$n" 3
		expect_eq "$t ($ty): ... one value, the new row's" \
			"$(sqlite3 "$DB" "SELECT count(DISTINCT c) FROM d__$t WHERE ds = '$D'")" 1
	else
		fail "$t ($ty): the merge in MaxCompute" "$(grep -v 'SQL instance .*: \(submitted\|Logview\)' "$T/err" | head -c 300)"
	fi
done
