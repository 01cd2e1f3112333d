#!/bin/sh
# --mode=upsert and ALTERs that touch no column's values (ENGINE=, COMMENT=,
# FORCE, SET DEFAULT, ADD INDEX, AUTO_INCREMENT=, CHARACTER SET, ORDER BY,
# CREATE INDEX, ROW_FORMAT=): the tail goes through, the PK table equal to
# the source; CONVERT TO CHARACTER SET latin1, which rewrites the text with
# no row events, is refused (docs/maxcompute.md "--mode=upsert"). (It was
# taken, the PK table kept the old text, exit 0: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
set -- "ALTER TABLE TB ENGINE=InnoDB" "ALTER TABLE TB COMMENT='x'" "ALTER TABLE TB FORCE" \
	"ALTER TABLE TB ALTER COLUMN v SET DEFAULT 'q'" "ALTER TABLE TB ADD INDEX iv (v), ALGORITHM=INPLACE, LOCK=NONE" \
	"ALTER TABLE TB AUTO_INCREMENT=100" "ALTER TABLE TB CHARACTER SET latin1" "ALTER TABLE TB ORDER BY v" \
	"CREATE INDEX iv ON TB (v)" "ALTER TABLE TB ROW_FORMAT=DYNAMIC"
i=0
for s do
	i=$((i + 1))
	sql "CREATE DATABASE IF NOT EXISTS d; CREATE TABLE d.t$i (id INT PRIMARY KEY, v VARCHAR(20)) CHARSET utf8mb4;
	     INSERT INTO d.t$i VALUES (1,'a'),(2,'b');" || { fail setup "sql failed"; exit 1; }
done
sql "CREATE TABLE d.c (id INT PRIMARY KEY, v VARCHAR(20)) CHARSET utf8mb4; INSERT INTO d.c VALUES (1,'中'),(2,'b');" ||
	{ fail setup "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d --checkpoint-in="$T/ck" >"$T/snap.mcr" 2>"$T/err" ||
	{ fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
odps_start srv || exit 1
DB=$T/srv/p1.db
put() { mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st" --mode=upsert \
	--buckets=4 --retry-time=0.2 --retry-delay=0.05 "$@"; }
put2() { mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st2" --mode=upsert \
	--buckets=4 --retry-time=0.2 --retry-delay=0.05 "$@"; }
but "$T/snap.mcr" c >"$T/snap.noc.mcr" && only "$T/snap.mcr" c >"$T/snap.c.mcr" || { fail setup "only"; exit 1; }
expect_ok "the snapshot goes into the PK tables" put --checkpoint-out="$T/ck" "$T/snap.noc.mcr"
expect_ok "the snapshot of c goes into its PK table (another state)" put2 "$T/snap.c.mcr"
i=0
for s do
	i=$((i + 1))
	sql "USE d; $(echo "$s" | sed "s/TB/t$i/"); UPDATE d.t$i SET v = 'z' WHERE id = 2;" || { fail setup "sql failed: $s"; exit 1; }
done
sql "USE d; SET SESSION sql_mode = ''; ALTER TABLE c CONVERT TO CHARACTER SET latin1; UPDATE c SET v = 'z' WHERE id = 2;" ||
	{ fail setup "sql failed"; exit 1; }
mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --tables='^d\.' --checkpoint-in="$T/ck" \
	--stop-at-end >"$T/tail.mcr" 2>"$T/tail.err" || { fail setup "mc-binlog-tail: $(cat "$T/tail.err")"; exit 1; }
but "$T/tail.mcr" c >"$T/tail.noc.mcr"
if put "$T/tail.noc.mcr" >/dev/null 2>"$T/err"; then
	ok "t1..t$#: ALTERs that touch no column's values: the tail goes through"
else
	fail "t1..t$#: ALTERs that touch no column's values: the tail goes through" "$(tail -1 "$T/err")"
fi
i=0
for s do
	i=$((i + 1))
	sql "SELECT id, v FROM d.t$i" | tr '\t' '|' | sort >"$T/truth"
	sqlite3 "$DB" "SELECT id, v FROM d__t$i" | sort >"$T/got"
	expect_same "t$i ('$s'): the PK table equals the source" "$T/truth" "$T/got"
done
only "$T/tail.mcr" c >"$T/tail.c.mcr"
expect_code 1 "c: CONVERT TO CHARACTER SET latin1 is refused" put2 "$T/tail.c.mcr"
expect_grep "... naming the statement" "'ALTER TABLE c CONVERT TO CHARACTER SET latin1' alters the columns of" "$T/err"
