#!/bin/sh
# DDL that removes or replaces rows with no row events in the binlog, and
# DDL in an executable comment, where mc-binlog-tail gave wrong data with
# exit 0 (MariaDB):
# - ALTER TABLE ... DROP PARTITION, TRUNCATE PARTITION (also ALL),
#   EXCHANGE PARTITION ... WITH TABLE (the rows of both tables change),
#   CONVERT PARTITION ... TO TABLE (rows leave the table, arrive in the new
#   one), CONVERT TABLE ... TO PARTITION (rows arrive), DISCARD and IMPORT
#   TABLESPACE were plain `alter` records: the rows they removed lived on
#   in the warehouse, those they brought never came. Now, for a table the
#   tail selects, exit 1, one line naming the file, offset, table and
#   statement and the way out (a new snapshot, then --rows-ddl=pass); with
#   --rows-ddl=pass the ddl record as before and a warning. The partition
#   statements that keep the rows (ADD, REORGANIZE, COALESCE, REBUILD,
#   OPTIMIZE, ANALYZE, REPAIR PARTITION, REMOVE PARTITIONING, PARTITION
#   BY) pass silently, and so does a table left out by --tables. Files and
#   live.
# - /*!40000 TRUNCATE TABLE d.t */ and MariaDB's /*M!100000 ... */ were no
#   DDL at all (no record: the truncated rows came back). Now a ddl record
#   of effect truncate; and /*!40000 ALTER TABLE d.e ADD b INT */ is
#   followed for table maps without names (MINIMAL): b, not @N names.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
f=mysql-bin.000001
B=$MDB_DIR/binlog/$f
part='PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20))'
sql "CREATE DATABASE d; CREATE DATABASE x;
CREATE TABLE d.p (id INT PRIMARY KEY, v INT) $part;
CREATE TABLE d.src (id INT PRIMARY KEY, v INT) $part;
CREATE TABLE d.t2 (id INT PRIMARY KEY, v INT);
CREATE TABLE x.sw (id INT PRIMARY KEY, v INT);
CREATE TABLE d.dt (id INT PRIMARY KEY, v INT);
CREATE TABLE d.ex (id INT PRIMARY KEY, v INT);
CREATE TABLE d.h (id INT PRIMARY KEY, v INT) PARTITION BY HASH (id) PARTITIONS 4;
CREATE TABLE d.t (id INT PRIMARY KEY, v INT);
INSERT INTO d.p VALUES (1, 1), (2, 2), (11, 11); INSERT INTO d.src VALUES (3, 3), (12, 12);
INSERT INTO d.t2 VALUES (27, 27); INSERT INTO x.sw VALUES (5, 5);
INSERT INTO d.dt VALUES (1, 1); INSERT INTO d.ex VALUES (7, 7); INSERT INTO d.t VALUES (1, 1)" ||
	{ fail "setup" "sql failed"; exit 1; }
mdb_snap_d

# The statements that change rows, each with the offset before it (pos_N)
# and its table(s) as the error names them.
n=0
run() { # SQL: run it, its range pos_N .. pos_N+1
	n=$((n + 1))
	eval "pos_$n=\$(mdb_pos)"
	eval "sql_$n=\$1"
	sql "$1" || { fail "setup" "sql failed: $1"; exit 1; }
}
run "ALTER TABLE d.p DROP PARTITION p0"
run "ALTER TABLE d.p ADD PARTITION (PARTITION p0b VALUES LESS THAN (25))"
run "ALTER TABLE d.p TRUNCATE PARTITION p1"
run "ALTER TABLE d.p TRUNCATE PARTITION ALL"
run "ALTER TABLE d.src EXCHANGE PARTITION p0 WITH TABLE x.sw"
run "ALTER TABLE d.src CONVERT PARTITION p1 TO TABLE d.cp"
run "ALTER TABLE d.p CONVERT TABLE d.t2 TO PARTITION p2 VALUES LESS THAN (30)"
run "ALTER TABLE d.dt DISCARD TABLESPACE"
# a tablespace to import: d.ex's file, exported
sql "FLUSH TABLES d.ex FOR EXPORT; \\! cp '$MDB_DIR/data/d/ex.ibd' '$MDB_DIR/data/d/dt.ibd'
\\! cp '$MDB_DIR/data/d/ex.cfg' '$MDB_DIR/data/d/dt.cfg'
UNLOCK TABLES" || { fail "setup" "export failed"; exit 1; }
run "ALTER TABLE d.dt IMPORT TABLESPACE"
nrows=$n
end=$(mdb_pos)
eval "pos_$((n + 1))=\$end"
expect_eq "d.dt imported d.ex's rows" "$(sql "SELECT id FROM d.dt")" 7

# The statements that keep the rows.
keep0=$(mdb_pos)
sql "ALTER TABLE d.p ADD PARTITION (PARTITION p3 VALUES LESS THAN (40));
ALTER TABLE d.p REORGANIZE PARTITION p3 INTO (PARTITION p3a VALUES LESS THAN (35),
  PARTITION p3b VALUES LESS THAN (40));
ALTER TABLE d.h COALESCE PARTITION 2;
ALTER TABLE d.p REBUILD PARTITION p3a; ALTER TABLE d.p OPTIMIZE PARTITION p3a;
ALTER TABLE d.p ANALYZE PARTITION p3a; ALTER TABLE d.p CHECK PARTITION p3a;
ALTER TABLE d.p REPAIR PARTITION p3a; ALTER TABLE d.h REMOVE PARTITIONING;
ALTER TABLE d.h PARTITION BY HASH (id) PARTITIONS 3" >/dev/null ||
	{ fail "setup" "sql failed"; exit 1; }
keep1=$(mdb_pos)
# DDL in an executable comment; one that changes columns, followed for
# table maps without names (MINIMAL)
sql "/*!40000 TRUNCATE TABLE d.t */; INSERT INTO d.t VALUES (2, 2);
/*M!100000 TRUNCATE TABLE d.t */; SET GLOBAL binlog_row_metadata = MINIMAL" ||
	{ fail "setup" "sql failed"; exit 1; }
sql "CREATE TABLE d.e (id INT PRIMARY KEY, a INT); /*!40000 ALTER TABLE d.e ADD b INT */;
INSERT INTO d.e VALUES (1, 2, 3)" || { fail "setup" "sql failed"; exit 1; }

# what the error and the warning name: the table(s) of statement N
names() {
	case $1 in
	5) echo '`d`.`src` and `x`.`sw`' ;;
	6) echo '`d`.`src` and `d`.`cp`' ;;
	7) echo '`d`.`p` and `d`.`t2`' ;;
	8 | 9) echo '`d`.`dt`' ;;
	*) echo '`d`.`p`' ;;
	esac
}
clause() {
	case $1 in
	1) echo 'DROP PARTITION' ;; 3 | 4) echo 'TRUNCATE PARTITION' ;;
	5) echo 'EXCHANGE PARTITION' ;; 6) echo 'CONVERT PARTITION' ;;
	7) echo 'CONVERT TABLE \.\.\. TO PARTITION' ;; 8) echo 'DISCARD TABLESPACE' ;;
	9) echo 'IMPORT TABLESPACE' ;;
	esac
}
re_quote() { printf '%s' "$1" | sed 's/[][\.*^$()+?{}|]/\\&/g'; }

k=1
while [ $k -le $nrows ]; do
	eval "a=\$pos_$k b=\$pos_$((k + 1)) s=\$sql_$k"
	if [ $k -eq 2 ]; then k=$((k + 1)); continue; fi # (ADD PARTITION: below)
	stmt=$(re_quote "$s")
	expect_code 1 "files: $s: refused" mc-binlog-tail --format=text --from="$B:$a" \
		--stop-position="$b" "$B"
	expect_grep "... one line naming file, offset, table(s), statement, the way out" \
		"^mc-binlog-tail: '[^']*$f': offset [0-9]+: $(names $k): $stmt \($(clause $k)\) removes or replaces rows with no row events in the binlog: .*mc-snapshot --tables=.* \| mc-tunnel-put --dest=\.\.\. --resnapshot.* --rows-ddl=pass$" \
		"$T/err"
	expect_eq "... one line" "$(wc -l <"$T/err")" 1
	o=$(sed -n 's/.*: offset \([0-9]*\): .*/\1/p' "$T/err")
	expect_eq "... its offset: the statement's, after $a, before $b" \
		"$([ "${o:-0}" -gt "$a" ] && [ "$o" -lt "$b" ] && echo in)" in
	expect_code 0 "files: $s: --rows-ddl=pass passes it" mc-binlog-tail --format=text \
		--rows-ddl=pass --from="$B:$a" --stop-position="$b" "$B"
	expect_grep "... its ddl record" "^ddl \`d\`\.\`[a-z0-9]*\` .*ALTER TABLE" "$T/out"
	expect_grep "... and a warning" \
		"^mc-binlog-tail: warning: $(names $k) at 1:[0-9]+: $stmt \($(clause $k)\) changes rows with no row events in the binlog, passed \(--rows-ddl=pass\)" \
		"$T/err"
	expect_eq "... one" "$(wc -l <"$T/err")" 1
	k=$((k + 1))
done

# CONVERT TABLE d.t2 TO PARTITION: d.t2 is gone after it. Refused, the way
# out names no snapshot of it; passed, a drop record of it follows the
# ALTER of d.p, and the warehouse's d.t2 is gone (its row 27 was kept).
expect_code 1 "files: CONVERT TABLE d.t2 TO PARTITION refused" mc-binlog-tail --format=text \
	--from="$B:$pos_7" --stop-position="$pos_8" "$B"
expect_grep "... d.t2 named gone, the snapshot of d.p only" \
	"t2., made a partition, is gone: --rows-ddl=pass writes its drop\); load a new snapshot of the table taken after it \(mc-snapshot --tables='\\^d[\\\\]\\.p[\$]' " "$T/err"
mc-binlog-tail --rows-ddl=pass --from="$B:$pos_1" "$B" >"$T/all.mcr" 2>/dev/null && mc-cat --to=jsonl "$T/all.mcr" >"$T/all.jsonl" ||
	fail "files: --rows-ddl=pass" "tail failed"
expect_eq "... passed: the ALTER of d.p, then a drop record of d.t2 at the same offset" \
	"$(grep '"kind":"ddl".*CONVERT TABLE' "$T/all.jsonl" | sed 's/.*"table":"\([^"]*\)".*"effect":"\([a-z]*\)".*/\1 \2/' | tr '\n' ' ')" "p alter t2 drop "
expect_ok "... loaded into a warehouse after a snapshot of d" mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/all.mcr"
AT=$(mc-cat --to=summary "$T/all.mcr" | sed -n 's/^positions: .* \.\. //p')
expect_code 1 "... d.t2 merged at the end: the table is gone (it kept row 27)" \
	mc-merge --warehouse="$T/w" --table=d__t2 --at="$AT" --output="$T/t2.mcr"
expect_grep "... naming the statement" "table 'd__t2': .*CONVERT TABLE d\.t2 TO PARTITION.*the table is gone" "$T/err"

expect_code 1 "files: the whole range refused at its first statement" mc-binlog-tail \
	--format=text --from="$B:$pos_1" "$B"
expect_grep "... DROP PARTITION" "offset [0-9]+: .*DROP PARTITION p0 " "$T/err"
expect_code 0 "files: --rows-ddl=pass: the whole range" mc-binlog-tail --format=text \
	--rows-ddl=pass --from="$B:$pos_1" "$B"
expect_eq "... a warning for each of the 8 statements" "$(grep -c ': warning: .* passed (--rows-ddl=pass)' "$T/err")" 8
expect_code 0 "files: ADD PARTITION passes" mc-binlog-tail --format=text --from="$B:$pos_2" \
	--stop-position="$pos_3" "$B"
expect_eq "... silently" "$(cat "$T/err")" ""
expect_code 0 "files: the statements that keep the rows pass" mc-binlog-tail --format=text \
	--from="$B:$keep0" --stop-position="$keep1" "$B"
expect_eq "... silently" "$(cat "$T/err")" ""
expect_eq "... each a ddl record (CHECK PARTITION is not logged)" "$(grep -c '^ddl ' "$T/out")" 9
expect_code 0 "files: tables not selected pass (--tables='^d[.]t\$')" mc-binlog-tail \
	--format=text --tables='^d[.]t$' --from="$B:$pos_1" --stop-position="$end" "$B"
expect_eq "... silently" "$(cat "$T/err")" ""
expect_code 1 "files: EXCHANGE refused for the table exchanged with (--tables='^x[.]')" \
	mc-binlog-tail --format=text --tables='^x[.]' --from="$B:$pos_5" --stop-position="$pos_6" "$B"
expect_grep "... naming it" "offset [0-9]+: \`x\`\.\`sw\`: ALTER TABLE d\.src EXCHANGE" "$T/err"
expect_code 1 "files: CONVERT PARTITION refused for the new table (--tables='^d[.]cp\$')" \
	mc-binlog-tail --format=text --tables='^d[.]cp$' --from="$B:$pos_6" --stop-position="$pos_7" "$B"
expect_grep "... naming it" "offset [0-9]+: \`d\`\.\`cp\`: ALTER" "$T/err"

# the executable comments
mc-binlog-tail --from="$B:$keep1" "$B" >"$T/ec.mcr" 2>"$T/err" &&
	mc-cat --to=jsonl "$T/ec.mcr" >"$T/ec.jsonl" || fail "executable comments" "tail failed"
expect_eq "/*!40000 TRUNCATE TABLE d.t */, /*M!100000 ...: two ddl records of effect truncate" \
	"$(grep -c '"kind":"ddl","db":"d","table":"t".*"effect":"truncate"' "$T/ec.jsonl")" 2
expect_grep "... the first /*!40000" '"sql":"/\*!40000 TRUNCATE TABLE d.t \*/"' "$T/ec.jsonl"
expect_code 0 "files: /*!40000 ALTER TABLE d.e ADD b INT */ with MINIMAL table maps" \
	mc-binlog-tail --format=text --tables='^d[.]e$' --from="$B:$keep1" "$B"
expect_eq "... followed: no warning" "$(cat "$T/err")" ""
expect_grep "... its names after it: b" '^  col @3 `b` int INT' "$T/out"

# live: the same
live() {
	timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
		--stop-at-end --format=text "$@"
}
expect_code 1 "live: DROP PARTITION refused" live --start="$f:$pos_1"
expect_grep "... one line naming the binlog, offset, table, statement" \
	"^mc-binlog-tail: '$f': offset [0-9]+: \`d\`\.\`p\`: ALTER TABLE d\.p DROP PARTITION p0 \(DROP PARTITION\) removes or replaces rows .*--rows-ddl=pass$" \
	"$T/err"
expect_code 0 "live: --rows-ddl=pass: the whole range" live --rows-ddl=pass --start="$f:$pos_1"
expect_eq "... a warning for each of the 8 statements" "$(grep -c ': warning: .* passed (--rows-ddl=pass)' "$T/err")" 8
expect_eq "... two truncate records of d.t (the executable comments)" \
	"$(grep -c '^ddl `d`.`t` .*TRUNCATE TABLE d.t' "$T/out")" 2
expect_code 0 "live: tables not selected pass" live --tables='^d[.]t$' --start="$f:$pos_1"
expect_eq "... silently" "$(cat "$T/err")" ""
expect_code 0 "live: the statements that keep the rows pass" live --start="$f:$keep0"
expect_eq "... silently" "$(cat "$T/err")" ""
expect_code 2 "--rows-ddl=other is a usage error" mc-binlog-tail --rows-ddl=other "$B"
