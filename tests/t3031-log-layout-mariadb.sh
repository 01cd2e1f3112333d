#!/bin/sh
# The dts log layout on a real stream (docs/merge.md "Log layouts"): a
# throwaway MariaDB, a snapshot, then inserts, updates (several rows an
# event, a key-changing one, a composite key), deletes and a re-insert,
# tailed from the binlog and loaded with --log-layout=dts. The state at
# the last position, merged by mc-merge, by the SQL of `mc-merge
# --emit-sql --dialect=sqlite` over the dts log table, and by DTS's own
# recipe as a DTS user writes it: the same rows, and the server's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.o (id INT PRIMARY KEY, c VARCHAR(20), n INT NULL);
     CREATE TABLE d.k (a INT, b VARCHAR(8), v INT, PRIMARY KEY (a, b));
     INSERT INTO d.o VALUES (1,'one',1),(2,'two',NULL),(3,'three',3),(4,'four',4);
     INSERT INTO d.k VALUES (1,'x',1),(1,'y',2),(2,'x',3)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.o VALUES (5,'five',5),(6,'six',NULL);
     UPDATE d.o SET n = n + 100 WHERE id <= 5;
     UPDATE d.o SET id = 10 WHERE id = 2;
     DELETE FROM d.o WHERE id = 3;
     INSERT INTO d.o VALUES (3,'three_again',33);
     UPDATE d.o SET c = 'ONE', n = NULL WHERE id = 1;
     DELETE FROM d.o WHERE id = 6;
     UPDATE d.k SET b = 'z' WHERE a = 1 AND b = 'x';
     UPDATE d.k SET v = v * 10;
     DELETE FROM d.k WHERE a = 2;
     INSERT INTO d.k VALUES (2,'x',30);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, and a
# heartbeat at the last position stamped 2025-11-22 (the end of day 21)
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" || { fail "setup" "restamp"; exit 1; }
expect_ok "the snapshot loads in the dts layout" mc-tunnel-put --dest="$T/w" --log-layout=dts "$T/snap1.mcr"
expect_ok "the changes load" mc-tunnel-put --dest="$T/w" "$T/changes1.mcr"
D=20251121
H=$BIN/tools/mchist

for t in o k; do
	W=$T/w
	case $t in o) cols="id, c, n" key='"id"' ;; k) cols="a, b, v" key='"a", "b"' ;; esac
	expect_ok "$t: mc-merge --ds=$D" mc-merge --warehouse="$W" --table=d__$t --ds=$D
	mc-cat --to=csv --with-op --table=d.$t "$W/d__$t/ds=$D"/part-*.mcr.zst | tail -n +2 | cut -d, -f2- | sort >"$T/$t.got"
	expect_eq "$t: mc-merge has rows" "$(test -s "$T/$t.got" && echo yes)" yes
	expect_ok "$t: --emit-sql --dialect=sqlite" \
		mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
	cp "$T/out" "$T/$t.sql"
	base=ds=20251120
	{ "$H" createl d__$t "$W/d__$t/_schema.mcr" dts &&
		"$H" load d__$t "$base" base "$W/d__$t/$base"/part-*.mcr.zst &&
		"$H" loadl dts d__$t log "$W/d__${t}_log"/ds=*/part-*.mcr.zst; } >"$T/$t.load" 2>"$T/err" ||
		fail "$t: mchist" "failed"
	sqlite3 "$T/$t.db" <"$T/$t.load" 2>"$T/err" || fail "$t: sqlite3 loads" "failed"
	sqlite3 "$T/$t.db" <"$T/$t.sql" 2>"$T/err" || fail "$t: sqlite3 runs the emitted SQL" "failed"
	echo "SELECT $cols, _pos_file, _pos_off, _pos_row FROM \"d__$t\" WHERE ds = '$D';" |
		sqlite3 -csv "$T/$t.db" 2>"$T/err" |
		awk -F, '{ printf "%s:%s:%s", $4, $5, $6; for (i = 1; i <= 3; i++) printf ",%s", $i; print "" }' |
		sort >"$T/$t.sq"
	expect_same "$t: the emitted SQL over the dts log gives mc-merge's rows and positions" "$T/$t.got" "$T/$t.sq"
	hi=$(sed -n 's/.*record_id in \[[0-9]*, \([0-9]*\)).*/\1/p' "$T/$t.sql")
	sqlite3 -csv "$T/$t.db" >"$T/$t.dts" 2>"$T/err" <<SQL || fail "$t: DTS's recipe runs" "failed"
SELECT $cols FROM (
  SELECT ROW_NUMBER() OVER (PARTITION BY $key ORDER BY record_id DESC, after_flag DESC) AS row_number,
    record_id, operation_flag, after_flag, $cols
  FROM (
    SELECT incr.record_id, incr.operation_flag, incr.after_flag, $(echo "$cols" | sed 's/\([a-z][a-z]*\)/incr.\1/g')
    FROM "d__${t}_log" incr WHERE record_id < $hi
    UNION ALL
    SELECT 0 AS record_id, 'I' AS operation_flag, 'Y' AS after_flag, $(echo "$cols" | sed 's/\([a-z][a-z]*\)/base.\1/g')
    FROM "d__$t" base WHERE ds = '20251120'
  ) t
) gt WHERE row_number = 1 AND after_flag = 'Y';
SQL
	sort "$T/$t.dts" >"$T/$t.dts.s"
	cut -d, -f2- "$T/$t.got" | sort >"$T/$t.cols"
	expect_same "$t: DTS's own recipe gives the same rows" "$T/$t.cols" "$T/$t.dts.s"
	sql "SELECT $cols FROM d.$t" | sed 's/\tNULL/\t/g' | tr '\t' , | sort >"$T/$t.truth"
	expect_same "$t: and they are the server's" "$T/$t.truth" "$T/$t.cols"
done
