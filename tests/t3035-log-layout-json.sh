#!/bin/sh
# The dataworks-json log layout (docs/warehouse.md "Log layouts"):
# DataWorks' append format with the table's columns in one data_columns
# JSON object. The ledger records it (MaxCompute: t7036); the
# merge SQL of `mc-merge --emit-sql --dialect=sqlite` reads the columns
# with json_extract and gives mc-merge's rows, row for row with their
# positions: on random histories (tests/tools/mchist, as t3030) and on a
# throwaway MariaDB table with every type family at its edges (integers at
# their limits, BIGINT UNSIGNED and BIT(64) above BIGINT, DECIMAL(65,30),
# FLOAT and DOUBLE extremes and subnormals, dates and times with fractions,
# text with quotes, backslashes, control characters and emoji, ENUM, SET,
# JSON, bytes with all 256 values, NULLs), where each value is compared
# with mc-merge's exactly (tests/t3035-cmp.py) and the JSON text is checked
# for the written forms.
. "$(dirname "$0")/lib.sh"
H=$BIN/tools/mchist
L=dataworks-json
CMP=$(dirname "$0")/t3035-cmp.py

# ---- random histories ----
SEED=${MERGE_SEED:-1764892800}
mkdir -p "$T/h"
"$H" gen "$SEED" 12 30 "$T/h" || { fail "mchist gen" "failed"; exit 1; }
set -- $(cat "$T/h/days")
D1=$1 D2=$2 D3=$3
expect_ok "--log-layout=$L" mc-tunnel-put --dest="$T/w" --log-layout=$L --commit-rows=50 \
	"$T/h/snap.mcr" "$T/h/log.mcr" || exit 1
expect_grep "the ledger records it" "^log_layout $L\$" "$T/w/_mcsync/ledger"
bad=0 n=0
: >"$T/diffs"
while read -r t k; do
	[ "$k" = - ] && k=
	mc-merge --warehouse="$T/w" --table="$t" --ds="$D1" $k 2>>"$T/err" || bad=$((bad + 1))
	{ "$H" createl "$t" "$T/w/$t/_schema.mcr" $L &&
		"$H" load "$t" "ds=$D1" base $(ls "$T/w/$t/ds=$D1"/part-*.mcr.zst 2>/dev/null) &&
		"$H" loadl $L "$t" log $(ls "$T/w/${t}_log"/ds=*/part-*.mcr.zst); } >"$T/$t.load" 2>>"$T/err" ||
		bad=$((bad + 1))
	: >"$T/$t.sql"
	for d in "$D2" "$D3"; do
		mc-merge --warehouse="$T/w" --table="$t" --ds="$d" $k 2>>"$T/err" || bad=$((bad + 1))
		mc-merge --warehouse="$T/w" --table="$t" --ds="$d" $k --emit-sql --dialect=sqlite \
			>>"$T/$t.sql" 2>>"$T/err" || bad=$((bad + 1))
	done
	for d in "$D2" "$D3"; do
		rm -f "$T/$t.db"
		mc-cat --to=jsonl "$T/w/$t/ds=$d/part-000000.mcr.zst" |
			python3 "$CMP" "$T/$t.db" "$T/$t.load" "$T/$t.sql" -- "$t" "$d" >>"$T/diffs" 2>&1 ||
			bad=$((bad + 1))
		n=$((n + 1))
	done
	lt=$t lk=$k
done <"$T/h/tables"
expect_eq "histories: $n merges, the SQL over data_columns gives mc-merge's rows and positions" \
	"$bad" 0
[ "$bad" = 0 ] || sed -n '1,10p' "$T/diffs" "$T/err"
expect_grep "the SQL reads the columns with json_extract" \
	"json_extract\\(data_columns, '[$][.]\"v\"'\\) AS \"v\"" "$T/$lt.sql"
expect_ok "--emit-sql for MaxCompute (t7036 runs it)" \
	mc-merge --warehouse="$T/w" --table="$lt" --ds="$D2" $lk --emit-sql
expect_grep "... reading the columns with GET_JSON_OBJECT" \
	"GET_JSON_OBJECT[(]data_columns, '[$][.]v'[)]" "$T/out"

# ---- every type, on a real stream ----
. "$(dirname "$0")/mariadb.sh"
mdb_start
allbytes=$(python3 -c "print('X\'' + bytes(range(256)).hex() + '\'')")
sql "SET time_zone='+00:00'; SET sql_mode='ALLOW_INVALID_DATES'; CREATE DATABASE e;
CREATE TABLE e.t (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, bi BIGINT,
  bu BIGINT UNSIGNED, iz INT(5) UNSIGNED ZEROFILL, d65 DECIMAL(65,30), d2 DECIMAL(10,2),
  f FLOAT, db DOUBLE, b1 BIT(1), b9 BIT(9), b64 BIT(64), y YEAR, dt DATE, dtm DATETIME(6),
  ts TIMESTAMP(6) NULL, tm TIME(6), c VARCHAR(40), tx TEXT CHARACTER SET latin1,
  en ENUM('a','b c','é'), st SET('x','y','😀'), j JSON, bn BINARY(4), vb VARBINARY(300),
  bl BLOB, g POINT NULL);
INSERT INTO e.t VALUES
 (1, -128, 255, -9223372036854775808, 18446744073709551615, 7,
  '-99999999999999999999999999999999999.999999999999999999999999999999', -12.30,
  -3.40282347e38, 1.7976931348623157e308, b'1', b'111111111', 0xffffffffffffffff, 2155,
  '0000-00-00', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999',
  '-838:59:59.000000', 'it''s \"q\" \\\\ tab\there', 'café', 'é', 'x,😀',
  '{\"a\": [1, 2.50, 18446744073709551616], \"s\": \"\\\\u00e9\"}', X'00FF7F80', $allbytes,
  X'', ST_GeomFromText('POINT(1 2)')),
 (2, 127, 0, 9223372036854775807, 9223372036854775808, 0,
  '0.000000000000000000000000000001', 99999999.99, 1.401298464324817e-45,
  4.9406564584124654e-324, b'0', b'0', 0x8000000000000000, 0, '2024-02-31',
  '0000-00-00 00:00:00.000000', '1970-01-01 00:00:01.000001', '-00:00:00.000001', '', '',
  'a', '', 'null', X'00000000', X'', X'0A0D22275C', NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)" ||
	{ fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=e >"$T/snap.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "SET time_zone='+00:00'; SET sql_mode='ALLOW_INVALID_DATES';
INSERT INTO e.t SELECT id + 10, ti, tu, bi, bu, iz, d65, d2, f, db, b1, b9, b64, y, dt, dtm, ts,
  tm, c, tx, en, st, j, bn, vb, bl, g FROM e.t;
UPDATE e.t SET ti = -1, bu = 1, d65 = '-0.5', f = -0.001, db = 2.2250738585072014e-308,
  dtm = '2001-02-03 04:05:06.000100', c = 'after', vb = X'FF', j = '[]' WHERE id IN (1, 12);
UPDATE e.t SET id = 20 WHERE id = 2;
UPDATE e.t SET c = NULL, bl = NULL, bu = 18446744073709551615 WHERE id = 3;
DELETE FROM e.t WHERE id = 13;
FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# days: the snapshot 2025-11-20, the changes 2025-11-21, a heartbeat at the
# last position 2025-11-22 (t3031)
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" || { fail "setup" "restamp"; exit 1; }
W=$T/we
expect_ok "every type: the snapshot loads in the $L layout" \
	mc-tunnel-put --dest="$W" --log-layout=$L "$T/snap1.mcr" || exit 1
expect_ok "... the changes load" mc-tunnel-put --dest="$W" "$T/changes1.mcr" || exit 1
D=20251121
expect_ok "every type: mc-merge --ds=$D" mc-merge --warehouse="$W" --table=e__t --ds=$D
expect_ok "every type: --emit-sql --dialect=sqlite" \
	mc-merge --warehouse="$W" --table=e__t --ds=$D --emit-sql --dialect=sqlite
cp "$T/out" "$T/e.sql"
{ "$H" createl e__t "$W/e__t/_schema.mcr" $L &&
	"$H" load e__t ds=20251120 base "$W/e__t/ds=20251120"/part-*.mcr.zst &&
	"$H" loadl $L e__t log "$W/e__t_log"/ds=*/part-*.mcr.zst; } >"$T/e.load" 2>"$T/err" ||
	fail "every type: mchist" "$(cat "$T/err")"
if mc-cat --to=jsonl "$W/e__t/ds=$D"/part-*.mcr.zst |
	python3 "$CMP" "$T/e.db" "$T/e.load" "$T/e.sql" -- e__t $D >"$T/cmp" 2>&1; then
	ok "every type: the SQL over data_columns gives mc-merge's rows, every value exact ($(tail -1 "$T/cmp"))"
else
	fail "every type: the SQL over data_columns gives mc-merge's rows, every value exact" \
		"$(head -5 "$T/cmp")"
fi
sqlite3 "$T/e.db" "SELECT id FROM e__t WHERE ds = '$D' ORDER BY id" | tr '\n' ' ' >"$T/ids"
expect_eq "every type: the merged keys are the server's" "$(cat "$T/ids")" \
	"$(sql "SELECT id FROM e.t ORDER BY id" | tr '\n' ' ')"
# the JSON text: one string per kind as written
for want in '"bu":"18446744073709551615"' '"bi":-9223372036854775808' '"tu":255' \
	'"b64":"18446744073709551615"' '"b9":511' '"d2":"-12.30"' '"f":-3.4028235e+38' \
	'"db":5e-324' '"dtm":"9999-12-31 23:59:59.999999"' '"tm":"-838:59:59.000000"' \
	'"dt":"0000-00-00"' '"bn":"00FF7F80"' '"bl":""' '"st":"x,😀"' '"iz":7' \
	'"c":"it'"''"'s \"q\" \\ tab\there"' '"c":null' '"tx":"café"'; do
	if grep -qF -- "$want" "$T/e.load"; then
		ok "data_columns holds $want"
	else
		fail "data_columns holds $want" "$(grep -o '"id":1,[^}]*' "$T/e.load" | head -1)"
	fi
done
