#!/bin/sh
# DATE, DATETIME and TIMESTAMP columns in the dataworks-json log layout into
# MaxCompute (docs/maxcompute.md "Tables", dataworks-json): a throwaway
# MariaDB table with DATE, DATETIME(0), (3), (6) and TIMESTAMP(0..3) columns
# (edges: 1900-01-01 00:00:00, 9999-12-31 23:59:59.999, TIMESTAMP's first
# and last seconds, a leap day, each fraction digit, NULLs; TIMESTAMPs
# written at UTC+08:00) gets a snapshot and a tail of inserts, updates and
# deletes; the stream goes into the local MaxCompute server in
# dataworks-json and, on a second server, in mcsync's layout (Tunnel
# DATETIME / TIMESTAMP values); both merged there: the dataworks-json merge
# (SET odps.sql.timezone=Etc/GMT; TO_DATE, CAST, DATEADD ff3 / ff6 of the
# JSON text) equals the mcsync layout's column for column, and the source.
# A change holding a value MaxCompute does not promise to read exactly
# (before 1900-01-01: 1899-12-31, 1899-12-31 23:59:59.999, 1000-01-01) is
# exit 1 at the upload naming the table, the column, the value and the
# position, nothing of it committed; the zero date is refused as in every
# layout. The server refuses date text read in another zone, before 1900
# and in forms MaxCompute does not document.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl

mdb_start
cols="d DATE, d0 DATETIME, d3 DATETIME(3), d6 DATETIME(6), t0 TIMESTAMP NULL, t1 TIMESTAMP(1) NULL,
  t2 TIMESTAMP(2) NULL, t3 TIMESTAMP(3) NULL"
sql "SET time_zone='+00:00', sql_mode=''; CREATE DATABASE e;
CREATE TABLE e.d (id INT PRIMARY KEY, $cols);
CREATE TABLE e.o1 (id INT PRIMARY KEY, d DATE);
CREATE TABLE e.o2 (id INT PRIMARY KEY, d3 DATETIME(3));
CREATE TABLE e.o3 (id INT PRIMARY KEY, d DATE);
CREATE TABLE e.o4 (id INT PRIMARY KEY, d DATE);
INSERT INTO e.d VALUES (1, '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00.000',
  '2000-01-01 00:00:00.000000', '2000-01-01 00:00:00', '2000-01-01 00:00:00.0',
  '2000-01-01 00:00:00.00', '2000-01-01 00:00:00.000'),
 (2, '1899-12-31', '1899-12-31 23:59:59', '1000-01-01 00:00:00.000', NULL, NULL, NULL, NULL, NULL)" ||
	{ fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=e >"$T/snap.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "SET time_zone='+00:00', sql_mode='';
INSERT INTO e.d VALUES
 (3, '1900-01-01', '1900-01-01 00:00:00', '1900-01-01 00:00:00.001', '1900-01-01 00:00:00.000001',
  '1970-01-01 00:00:01', '1970-01-01 00:00:01.1', '1970-01-01 00:00:01.01', '1970-01-01 00:00:01.001'),
 (4, '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.999999',
  '2038-01-19 03:14:07', '2038-01-19 03:14:07.9', '2038-01-19 03:14:07.99', '2038-01-19 03:14:07.999'),
 (5, '2024-02-29', '2024-02-29 12:34:56', '2024-02-29 12:34:56.5', '2024-02-29 12:34:56.25',
  '2024-02-29 23:59:59', '2024-02-29 23:59:59.5', '2024-02-29 23:59:59.05', '2024-02-29 23:59:59.125'),
 (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SET time_zone='+08:00';
INSERT INTO e.d VALUES (7, '2001-02-03', '2001-02-03 04:05:06', '2001-02-03 04:05:06.070',
  '2001-02-03 04:05:06.080900', '2001-01-01 07:59:59', '2001-01-01 07:59:59.3',
  '2001-01-01 07:59:59.45', '2001-01-01 07:59:59.678');
UPDATE e.d SET d3 = '2010-10-10 10:10:10.010', t3 = '2010-10-10 10:10:10.999', d = NULL WHERE id = 1;
UPDATE e.d SET d6 = NULL, t1 = NULL WHERE id = 5;
DELETE FROM e.d WHERE id = 6;
SET time_zone='+00:00';
INSERT INTO e.o1 VALUES (1, '1899-12-31');
INSERT INTO e.o2 VALUES (1, '1899-12-31 23:59:59.999');
INSERT INTO e.o3 VALUES (1, '1000-01-01');
INSERT INTO e.o4 VALUES (1, '0000-00-00');
FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
mc-binlog-tail --tables='^e\.' --from="$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1"):$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
for t in d o1 o2 o3 o4; do
	only "$T/snap.mcr" $t >"$T/s_$t.mcr" && only "$T/ch.mcr" $t >"$T/c_$t.mcr" &&
		restamp "$T/s_$t.mcr" 1763596800 >"$T/s1_$t.mcr" &&
		restamp "$T/c_$t.mcr" 1763683200 1763769600 >"$T/c1_$t.mcr" ||
		{ fail "setup" "only/restamp $t"; exit 1; }
done
D=20251121
sel="SELECT id, IFNULL(d, '-'), IFNULL(d0, '-'), IFNULL(d3, '-'), IFNULL(d6, '-'), IFNULL(t0, '-'),
	IFNULL(t1, '-'), IFNULL(t2, '-'), IFNULL(t3, '-') FROM e__d WHERE ds = '$D' ORDER BY id"

# ---- mcsync's layout: Tunnel DATE, DATETIME and TIMESTAMP values ----
L=mcsync
layout_start
expect_ok "the stream goes into MaxCompute in mcsync's layout" \
	put "$T/s1_d.mcr" "$T/c1_d.mcr"
expect_ok "... merged there" mc-merge $OD --state="$S" --table=e__d --ds=$D
sqlite3 "$DB" "$sel" >"$T/mcsync.rows" 2>"$T/err" || fail "mcsync rows" "$(cat "$T/err")"
odps_stop "$ODPS_PID"

# ---- dataworks-json: the same values read back from data_columns ----
L=dataworks-json
layout_start
expect_ok "the stream goes into MaxCompute in $L" put "$T/s1_d.mcr" "$T/c1_d.mcr"
expect_ok "... merged there" mc-merge $OD --state="$S" --table=e__d --ds=$D
sqlite3 "$DB" "$sel" >"$T/json.rows" 2>"$T/err" || fail "$L rows" "$(cat "$T/err")"
[ "$(wc -l <"$T/json.rows")" = 6 ] || fail "six rows merged" "$(cat "$T/json.rows")"
expect_same "the $L merge equals mcsync's layout's, column for column" \
	"$T/mcsync.rows" "$T/json.rows"
sql "SET time_zone='+00:00'; SELECT id, IFNULL(d, '-'),
	IFNULL(LEFT(DATE_FORMAT(d0, '%Y-%m-%d %H:%i:%s.%f'), 23), '-'),
	IFNULL(LEFT(DATE_FORMAT(d3, '%Y-%m-%d %H:%i:%s.%f'), 23), '-'),
	IFNULL(CONCAT(DATE_FORMAT(d6, '%Y-%m-%d %H:%i:%s.%f'), '000'), '-'),
	IFNULL(CONCAT(DATE_FORMAT(t0, '%Y-%m-%d %H:%i:%s.%f'), '000'), '-'),
	IFNULL(CONCAT(DATE_FORMAT(t1, '%Y-%m-%d %H:%i:%s.%f'), '000'), '-'),
	IFNULL(CONCAT(DATE_FORMAT(t2, '%Y-%m-%d %H:%i:%s.%f'), '000'), '-'),
	IFNULL(CONCAT(DATE_FORMAT(t3, '%Y-%m-%d %H:%i:%s.%f'), '000'), '-') FROM e.d ORDER BY id" |
	tr '\t' '|' >"$T/truth"
expect_same "... and the source's values (at UTC)" "$T/truth" "$T/json.rows"
expect_eq "... the edges as written" "$(grep -E '^(3|4|7)\|' "$T/json.rows" | cut -d'|' -f1,4,5,9 | tr '\n' ' ')" \
	"3|1900-01-01 00:00:00.001|1900-01-01 00:00:00.000001000|1970-01-01 00:00:01.001000000 4|9999-12-31 23:59:59.999|9999-12-31 23:59:59.999999000|2038-01-19 03:14:07.999000000 7|2001-02-03 04:05:06.070|2001-02-03 04:05:06.080900000|2000-12-31 23:59:59.678000000 "
expect_ok "--emit-sql --dialect=maxcompute of the same stream in a local warehouse" \
	mc-tunnel-put --dest="$T/w" --log-layout=$L "$T/s1_d.mcr" "$T/c1_d.mcr"
expect_ok "--emit-sql --dialect=maxcompute" \
	mc-merge --warehouse="$T/w" --table=e__d --ds=$D --emit-sql --dialect=maxcompute
expect_grep "... reads the text at Etc/GMT" "^SET odps.sql.timezone=Etc/GMT;" "$T/out"
expect_grep "... a DATE through TO_DATE" "ELSE TO_DATE[(]GET_JSON_OBJECT[(]data_columns, '[$][.]d'[)][)] END AS \`d\`" "$T/out"
expect_grep "... a DATETIME's milliseconds through DATEADD ff3, by the text's length" \
	"WHEN 23 THEN DATEADD[(]CAST[(]SUBSTR[(]GET_JSON_OBJECT[(]data_columns, '[$][.]d3'[)], 1, 19[)] AS DATETIME[)], CAST[(]SUBSTR[(]GET_JSON_OBJECT[(]data_columns, '[$][.]d3'[)], 21, 3[)] AS BIGINT[)], 'ff3'[)] ELSE CAST[(]GET_JSON_OBJECT[(]data_columns, '[$][.]d3'[)] AS DATETIME[)] END" "$T/out"
expect_grep "... a TIMESTAMP's in microseconds through DATEADD ff6" \
	"WHEN 21 THEN DATEADD[(]CAST[(]SUBSTR[(]GET_JSON_OBJECT[(]data_columns, '[$][.]t1'[)], 1, 19[)] AS TIMESTAMP[)], CAST[(]SUBSTR[(]GET_JSON_OBJECT[(]data_columns, '[$][.]t1'[)], 21, 1[)] AS BIGINT[)] [*] 100000, 'ff6'[)]" "$T/out"

# ---- the server reads date text only as MaxCompute documents it ----
q() { python3 "$TOP/tests/odps-server/client.py" --endpoint="$ODPS_ENDPOINT" \
	--credentials="$ODPS_CONF" --project=p1 sql "$1"; }
expect_code 1 "the server: date text read in the project's zone is an error" \
	q "SELECT TO_DATE('2000-01-01')"
expect_grep "... naming the zone to set" "odps.sql.timezone=Etc/GMT" "$T/err"
expect_code 1 "... a date before 1900 is an error" \
	q "SET odps.sql.timezone=Etc/GMT; SELECT CAST('1899-12-31 23:59:59' AS DATETIME)"
expect_code 1 "... fraction digits in CAST AS DATETIME are an error" \
	q "SET odps.sql.timezone=Etc/GMT; SELECT CAST('2000-01-01 00:00:00.5' AS DATETIME)"
expect_code 1 "... DATEADD of microseconds to a DATETIME is an error" \
	q "SET odps.sql.timezone=Etc/GMT; SELECT DATEADD(CAST('2000-01-01 00:00:00' AS DATETIME), 1, 'ff6')"
expect_code 0 "... the documented forms run" \
	q "SET odps.sql.timezone=Etc/GMT; SELECT DATEADD(CAST('2000-01-01 00:00:00' AS TIMESTAMP), 5, 'ff6') AS a, TO_DATE('1900-01-01') AS b"
expect_grep "... to their values" "^2000-01-01 00:00:00.000005000,1900-01-01$" "$T/out"

# ---- values MaxCompute does not promise to read exactly: refused ----
for c in "o1|d|DATE|1899-12-31|before 1900-01-01" \
	"o2|d3|DATETIME|1899-12-31 23:59:59.999|before 1900-01-01" \
	"o3|d|DATE|1000-01-01|before 1900-01-01"; do
	IFS='|' read -r t col ty v why <<EOF
$c
EOF
	expect_code 1 "a change of e.$t with $col '$v' in $L: exit 1" \
		mc-tunnel-put $OD --state="$T/so$t" --retry-time=0.2 --log-layout=$L "$T/s1_$t.mcr" "$T/c1_$t.mcr"
	expect_grep "... naming the table, the column, the value and its position" \
		"^mc-tunnel-put: '[^']*/c1_$t.mcr': table 'e.$t': column '$col' [(]$ty in MaxCompute[)] of the dataworks-json log layout: value '$v' at position [0-9]+:[0-9]+:[0-9]+: $why" "$T/err"
	expect_eq "... one line" "$(wc -l <"$T/err")" 1
	expect_eq "... nothing of it committed" "$(sqlite3 "$DB" "SELECT count(*) FROM e__${t}_log")" 0
done
expect_code 1 "a zero date in a change in $L: exit 1, as in every layout" \
	mc-tunnel-put $OD --state="$T/so4" --retry-time=0.2 --log-layout=$L "$T/s1_o4.mcr" "$T/c1_o4.mcr"
expect_grep "... naming it" "e[.]o4[.]d [(]date[)] -> MaxCompute DATE: value '0000-00-00' at position [0-9:]+: a zero date" "$T/err"
odps_stop "$ODPS_PID"
