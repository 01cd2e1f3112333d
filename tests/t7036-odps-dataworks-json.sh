#!/bin/sh
# The dataworks-json log layout into MaxCompute (docs/maxcompute.md
# "Tables", docs/merge.md "Log layouts"): a throwaway MariaDB table of every
# type the layout carries into MaxCompute (integers at their limits, BIGINT
# beyond 2^53, DECIMAL(65,30) and (10,2), FLOAT and DOUBLE at their edges,
# text with quotes, backslashes, control characters, unicode, the text
# 'null' and a text holding ',"c":null', JSON, TIME, bytes, NULLs), a
# snapshot and a tail of inserts, updates (the key too) and deletes, goes
# into a local warehouse and into the local MaxCompute server in
# dataworks-json, mc-tunnel-put killed once in a commit and run again. The
# log table there is the layout's columns with data_columns the local
# layout's JSON text; the day merged in MaxCompute (GET_JSON_OBJECT under
# odps.sql.udf.getjsonobj.new=true) equals the local mc-merge row by row,
# every value exact, and the source. Columns the JSON cannot carry exactly
# into MaxCompute (GEOMETRY) are refused (exit 1 naming the table and the
# column), at the upload and by --emit-sql; a DATETIME column goes in
# (tests/t7067 has the dates and times).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl

mdb_start
allbytes=$(python3 -c "print('X\'' + bytes(range(256)).hex() + '\'')")
sql "SET time_zone='+00:00'; CREATE DATABASE e;
CREATE TABLE e.t (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, bi BIGINT,
  bu BIGINT UNSIGNED, iz INT(5) UNSIGNED ZEROFILL, d65 DECIMAL(65,30), d2 DECIMAL(10,2),
  f FLOAT, db DOUBLE, b1 BIT(1), b9 BIT(9), b64 BIT(64), y YEAR, tm TIME(6), c VARCHAR(60),
  tx TEXT CHARACTER SET latin1, en ENUM('a','b c','é'), st SET('x','y','😀'), j JSON,
  bn BINARY(4), vb VARBINARY(300), bl BLOB);
CREATE TABLE e.r (id INT PRIMARY KEY, dt DATETIME);
CREATE TABLE e.g (id INT PRIMARY KEY, g POINT);
INSERT INTO e.r VALUES (1, '2024-01-01 00:00:00');
INSERT INTO e.g VALUES (1, ST_GeomFromText('POINT(1 2)'));
INSERT INTO e.t VALUES
 (1, -128, 255, -9223372036854775807, 18446744073709551615, 7,
  '-12345678901234567890.123456789012345678000000000000', -12.30,
  -3.4e38, 1.7976931348623157e308, b'1', b'111111111', 0xffffffffffffffff, 2155,
  '-838:59:59.000000', CONCAT('it''s \"q\" \\\\ tab\there', CHAR(1), CHAR(31), '\n'), 'café', 'é',
  'x,😀', '{\"a\": [1, 2.50, 18446744073709551616], \"s\": \"\\\\u00e9\"}', X'00FF7F80',
  $allbytes, X''),
 (2, 127, 0, 9223372036854775807, 9223372036854775808, 0,
  '0.000000000000000001000000000000', 99999999.99, 1.401298464324817e-45,
  4.9406564584124654e-324, b'0', b'0', 0x8000000000000000, 0, '-00:00:00.000001', 'null', '',
  'a', '', 'null', X'00000000', X'', X'0A0D22275C'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  ',\"c\":null,\"tx\":null', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 0, 1, 9007199254740993, 9007199254740993, 1, '0.5', 0.1, 0.1, 0.1, b'1', b'1',
  9007199254740993, 1901, '00:00:00', '中文 😀', 'x', 'b c', 'y', '\"s\"', X'FFFFFFFF', X'41',
  X'00')" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=e >"$T/snap.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
i=0
while [ $i -lt 25 ]; do
	i=$((i + 1))
	sql "INSERT INTO e.t (id, bi, c, f, d65) VALUES ($((i + 100)), -$i, 'n\"$i\\\\', $i.25, '$i.000000000000000001');
	     UPDATE e.t SET bi = bi - 1, db = db / 3 WHERE id = 4" || { fail "setup" "sql failed"; exit 1; }
done
sql "SET time_zone='+00:00';
INSERT INTO e.t SELECT id + 10, ti, tu, bi, bu, iz, d65, d2, f, db, b1, b9, b64, y, tm, c, tx, en,
  st, j, bn, vb, bl FROM e.t WHERE id < 10;
UPDATE e.t SET ti = -1, bu = 1, d65 = '-0.5', f = -0.001, db = 2.2250738585072014e-308,
  c = 'after', vb = X'FF', j = '[]' WHERE id IN (1, 12);
UPDATE e.t SET id = 20 WHERE id = 2;
UPDATE e.t SET c = NULL, bl = NULL, bu = 18446744073709551615 WHERE id = 3;
UPDATE e.t SET c = 'null', tx = NULL WHERE id = 14;
DELETE FROM e.t WHERE id IN (13, 105);
FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --tables='^e\.t$' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
only "$T/snap.mcr" t >"$T/snapt.mcr" || { fail "setup" "only"; exit 1; }
restamp "$T/snapt.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/ch1.mcr" || { fail "setup" "restamp"; exit 1; }
[ "$(mc-cat "$T/snap1.mcr" | grep -c '"table":"[rg]"')" = 0 ] || { fail "setup" "snapshot of e.t only"; exit 1; }

D=20251121
H=$BIN/tools/mchist
L=dataworks-json
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
S=$T/s
put() { mc-tunnel-put $OD --state="$S" --retry-time=0.2 --log-layout=$L "$@"; }
W=$T/w
expect_ok "the stream goes into a local warehouse in $L" \
	mc-tunnel-put --dest="$W" --log-layout=$L "$T/snap1.mcr" "$T/ch1.mcr"
expect_ok "the snapshot goes into MaxCompute in $L" put "$T/snap1.mcr"
kill_in_commit "$T/srv" 2 "mc-tunnel-put killed in a commit mid-stream" "the kill" \
	mc-tunnel-put $OD --state="$S" --retry-time=0.2 --log-layout=$L --commit-rows=15 "$T/ch1.mcr"
expect_ok "the rerun finishes the stream" put --commit-rows=15 "$T/ch1.mcr"
expect_ok "... and a rerun again is a repeat" put "$T/ch1.mcr"
expect_eq "the log table: the layout's columns, data_columns in place of the table's" \
	"$(sqlite3 "$DB" "SELECT group_concat(name, ',') FROM pragma_table_info('e__t_log')")" \
	"sequence_id,operation_type,execute_time,before_image,after_image,src_datasource,src_database,src_table,data_columns,ddl_sql,ds"
expect_eq "each change once (the local log's count)" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM e__t_log")" \
	"$(mc-cat "$T/ch1.mcr" | jq -s '[.[] | select(.kind == "row" and .table == "t") |
		if .op == "update" then 2 else 1 end] | add')"
# data_columns is the local layout's JSON text, byte for byte
{ "$H" createl e__t "$W/e__t/_schema.mcr" $L &&
	"$H" loadl $L e__t log "$W/e__t_log"/ds=*/part-*.mcr.zst; } >"$T/l.load" 2>"$T/err" ||
	fail "mchist" "$(cat "$T/err")"
rm -f "$T/l.db"
sqlite3 "$T/l.db" ".read $T/l.load" 2>"$T/err" || fail "load" "$(cat "$T/err")"
sqlite3 "$T/l.db" "SELECT sequence_id, before_image, hex(data_columns) FROM e__t_log" | sort >"$T/lj"
sqlite3 "$DB" "SELECT sequence_id, before_image, hex(data_columns) FROM e__t_log WHERE ds = '$D'" |
	sort >"$T/oj"
[ -s "$T/lj" ] || fail "the local log has rows" "none"
expect_same "data_columns in MaxCompute is the local layout's JSON text, row by row" "$T/lj" "$T/oj"
for want in '"bu":"18446744073709551615"' '"bi":9007199254740993' '"d65":"-12345678901234567890.123456789012345678000000000000"' \
	'"db":5e-324' '"c":"null"' '"c":null' '"bl":""' '"c":",\"c\":null,\"tx\":null"'; do
	if sqlite3 "$DB" "SELECT data_columns FROM e__t_log" | grep -qF -- "$want"; then
		ok "data_columns in MaxCompute holds $want"
	else
		fail "data_columns in MaxCompute holds $want" "$(sqlite3 "$DB" "SELECT data_columns FROM e__t_log LIMIT 1")"
	fi
done

expect_ok "the local merge of $D" mc-merge --warehouse="$W" --table=e__t --ds=$D
expect_ok "the merge of $D in MaxCompute" mc-merge $OD --state="$S" --table=e__t --ds=$D
local_load "$W" e__t ""
# every value exact: reals with 17 digits, blobs as hex, text quoted
cols=$(sqlite3 "$T/loc.db" "SELECT group_concat(
	'CASE typeof(' || name || ') WHEN ''real'' THEN printf(''%!.17g'', ' || name || ') WHEN ''blob'' THEN ''x'' || hex(' ||
	name || ') WHEN ''text'' THEN ''t'' || quote(' || IIF(name = 'd65', 'rtrim(d65, ''0'')', name) ||
	') ELSE typeof(' || name || ') || quote(' || name || ') END', ' || ''|'' || ')
	FROM pragma_table_info('e__t') WHERE name NOT IN ('_pos_file', '_pos_off', '_pos_row', 'ds')")
sqlite3 "$T/loc.db" "SELECT $cols, _pos_file, _pos_off, _pos_row FROM e__t WHERE ds = '$D'" \
	2>"$T/err" | sort >"$T/l.rows"
[ -s "$T/err" ] && fail "the local rows" "$(cat "$T/err")"
sqlite3 "$DB" "SELECT $cols, mc_pos_file, mc_pos_off, mc_pos_row FROM e__t WHERE ds = '$D'" \
	2>"$T/err" | sort >"$T/o.rows"
[ -s "$T/err" ] && fail "the rows in MaxCompute" "$(cat "$T/err")"
f32() { # FILE: column 9 (FLOAT f) as the float32 it is (mchist loads its shortest text as a double)
	python3 -c '
import struct, sys
for l in open(sys.argv[1], encoding="utf-8", errors="surrogateescape"):
    v = l.rstrip("\n").split("|")
    try:
        v[8] = repr(struct.unpack("<f", struct.pack("<f", float(v[8])))[0])
    except (ValueError, IndexError, OverflowError):
        pass
    print("|".join(v))' "$1" >"$1.f" && mv "$1.f" "$1"
}
f32 "$T/l.rows" && f32 "$T/o.rows"
[ "$(wc -l <"$T/l.rows")" -gt 20 ] || fail "the local merge has rows" "$(wc -l <"$T/l.rows")"
expect_same "the partition merged in MaxCompute equals the local merge, every value exact" \
	"$T/l.rows" "$T/o.rows"
sql "SELECT id, IFNULL(bi, '-'), IFNULL(bu, '-'), IFNULL(CAST(d65 AS DECIMAL(38,18)), '-'), IFNULL(d2, '-'),
	IFNULL(HEX(c), '-'), IFNULL(HEX(CONVERT(tx USING utf8mb4)), '-'), IFNULL(HEX(j), '-'), IFNULL(HEX(vb), '-'), IFNULL(HEX(bl), '-'),
	IFNULL(HEX(tm), '-')
	FROM e.t" | tr '\t' '|' | sort >"$T/truth"
sqlite3 "$DB" "SELECT id, IFNULL(bi, '-'), IFNULL(bu, '-'), IFNULL(d65, '-'), IFNULL(d2, '-'),
	IIF(c IS NULL, '-', hex(c)), IIF(tx IS NULL, '-', hex(CAST(tx AS BLOB))), IIF(j IS NULL, '-', hex(j)), IIF(vb IS NULL, '-', hex(vb)),
	IIF(bl IS NULL, '-', hex(bl)), IIF(tm IS NULL, '-', hex(tm))
	FROM e__t WHERE ds = '$D'" | sort >"$T/got"
expect_eq "the merged keys are the server's" "$(cut -d'|' -f1 "$T/got" | sort -n | tr '\n' ' ')" \
	"$(sql "SELECT id FROM e.t ORDER BY id" | tr '\n' ' ')"
expect_same "and the source's values (BIGINT beyond 2^53, DECIMAL, text, bytes, NULL)" \
	"$T/truth" "$T/got"
expect_eq "the text 'null' is text, a NULL is NULL" \
	"$(sqlite3 "$DB" "SELECT id, quote(c) FROM e__t WHERE ds = '$D' AND id IN (3, 14, 20) ORDER BY id" | tr '\n' ' ')" \
	"3|NULL 14|'null' 20|'null' "

# --emit-sql for MaxCompute on the local warehouse: the merge's statement
expect_ok "--emit-sql --dialect=maxcompute on a $L warehouse" \
	mc-merge --warehouse="$W" --table=e__t --ds=$D --emit-sql --dialect=maxcompute
expect_grep "... under odps.sql.udf.getjsonobj.new=true" "^SET odps.sql.udf.getjsonobj.new=true;" "$T/out"
expect_grep "... a column read with GET_JSON_OBJECT, a JSON null told apart" \
	"CASE WHEN INSTR[(]data_columns, ',\"bu\":null'[)] > 0 THEN NULL ELSE CAST[(]GET_JSON_OBJECT[(]data_columns, '[$][.]bu'[)] AS DECIMAL[(]20,0[)][)] END AS \`bu\`" "$T/out"
expect_grep "... bytes through UNHEX" "UNHEX[(]GET_JSON_OBJECT[(]data_columns, '[$][.]vb'[)][)]" "$T/out"

# ---- refusals ----
only "$T/snap.mcr" r >"$T/snap_r.mcr" && only "$T/snap.mcr" g >"$T/snap_g.mcr" ||
	fail "setup" "only"
expect_ok "a DATETIME column goes into MaxCompute in $L (t7067)" \
	mc-tunnel-put $OD --state="$T/sr" --retry-time=0.2 --log-layout=$L "$T/snap_r.mcr"
expect_code 1 "a GEOMETRY column into MaxCompute in $L: exit 1" \
	mc-tunnel-put $OD --state="$T/sg" --retry-time=0.2 --log-layout=$L "$T/snap_g.mcr"
expect_grep "... naming the table and the column" \
	"table 'e.g': column 'g' [(]BINARY in MaxCompute[)] of the dataworks-json log layout: a GEOMETRY's JSON text is MySQL's internal form" "$T/err"
restamp "$T/snap_g.mcr" 1763596800 1763769600 >"$T/snap_g1.mcr" || fail "setup" "restamp"
expect_ok "the GEOMETRY table into a local warehouse in $L" \
	mc-tunnel-put --dest="$T/wg" --log-layout=$L "$T/snap_g1.mcr"
expect_code 1 "--emit-sql --dialect=maxcompute of it: exit 1" \
	mc-merge --warehouse="$T/wg" --table=e__g --ds=20251121 --emit-sql --dialect=maxcompute
expect_grep "... naming the table and the column" \
	"table 'e__g': column 'g' [(]BINARY in MaxCompute[)] of the dataworks-json log layout" "$T/err"
# a schema change of a table in dataworks-json: it was refused at the
# upload while the merge read one version; it goes in (t7068 merges across
# such changes)
sql "CREATE TABLE e.a (id INT PRIMARY KEY, v INT); INSERT INTO e.a VALUES (1, 1)" ||
	fail "setup" "sql failed"
mc-snapshot $MDB_ARGS --tables='^e\.a$' >"$T/snap_a.mcr" 2>"$T/err" || fail "setup" "mc-snapshot e.a"
set -- $(mc-cat --to=summary "$T/snap_a.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
sql "ALTER TABLE e.a ADD COLUMN z INT NOT NULL DEFAULT 0; UPDATE e.a SET z = 5; FLUSH BINARY LOGS" ||
	fail "setup" "sql failed"
mc-binlog-tail --tables='^e\.a$' --from="$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1"):$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch_a.mcr" 2>"$T/err" || fail "setup" "mc-binlog-tail e.a"
expect_ok "a table without schema change goes in in $L" \
	mc-tunnel-put $OD --state="$T/sa" --retry-time=0.2 --log-layout=$L "$T/snap_a.mcr"
expect_ok "an ALTER TABLE of it in $L goes in" \
	mc-tunnel-put $OD --state="$T/sa" --retry-time=0.2 --log-layout=$L "$T/ch_a.mcr"
expect_eq "... and the change after it, data_columns in the new version" \
	"$(sqlite3 "$DB" "SELECT data_columns FROM e__a_log WHERE operation_type = 'U' AND after_image = 'Y'")" \
	'{"id":1,"v":1,"z":5}'
odps_stop "$ODPS_PID"
