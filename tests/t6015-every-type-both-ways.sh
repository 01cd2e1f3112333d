#!/bin/sh
# Every MariaDB 10.11 column type with its edge values, inserted, updated
# and deleted, through every path: mc-snapshot, mc-binlog-tail on the
# binlog files and mc-binlog-tail live. Each path's values are the server's
# own rendering (HEX of the text at time_zone '+00:00', of the bytes, BIT
# as hex digits, FLOAT/DOUBLE bit for bit, GEOMETRY checked against
# ST_AsWKB: tests/valcmp.py); the binlog's before images are the rows as
# they stood; the schema records are the same on both paths
# (tests/schemacmp.py); the live stream is the files' byte for byte; and
# every stream goes mcr -> JSON lines -> mcr byte-identical. Then the
# MySQL 8 and 9 binlog fixtures: the same round trip, and their values
# equal to MariaDB's mysqlbinlog -vv where that tool decodes them.
. "$(dirname "$0")/lib.sh"

# roundtrip DESC MCR: mcr -> jsonl -> mcr gives the same bytes
roundtrip() {
	if mc-cat --to=jsonl "$2" >"$T/rt.jsonl" 2>"$T/err" &&
		mc-cat --from=jsonl --to=mcr "$T/rt.jsonl" >"$T/rt.mcr" 2>"$T/err" &&
		cmp -s "$2" "$T/rt.mcr"; then
		ok "$1: mcr -> JSON lines -> mcr byte-identical"
	else
		fail "$1: mcr -> JSON lines -> mcr byte-identical" "$(cmp "$2" "$T/rt.mcr" 2>&1 | head -1)"
	fi
}

. "$(dirname "$0")/mariadb.sh"
mdb_start
BL=$MDB_DIR/binlog/mysql-bin

allbytes=$(python3 -c "print('X\'' + bytes(range(256)).hex() + '\'')")
set64=$(python3 -c "print(','.join(\"'m%d'\" % i for i in range(61)) + \",'😀','中','é'\")")
sql "SET sql_mode='ALLOW_INVALID_DATES'; SET time_zone='+00:00';
CREATE DATABASE e;
CREATE TABLE e.num (id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED,
  mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  iz INT(5) UNSIGNED ZEROFILL,
  d65 DECIMAL(65,30), d650 DECIMAL(65,0), d2 DECIMAL(10,2) UNSIGNED, d11 DECIMAL(1,1), d3818 DECIMAL(38,18),
  f FLOAT, f73 FLOAT(7,3), db DOUBLE, du DOUBLE UNSIGNED,
  b1 BIT(1), b7 BIT(7), b8 BIT(8), b9 BIT(9), b63 BIT(63), b64 BIT(64), y YEAR) ENGINE=InnoDB;
INSERT INTO e.num VALUES
 (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0,
  '-99999999999999999999999999999999999.999999999999999999999999999999',
  '-99999999999999999999999999999999999999999999999999999999999999999', 0, -0.9,
  '-99999999999999999999.999999999999999999',
  -3.40282347e38, -9999.999, -1.7976931348623157e308, 0,
  b'0', b'0', b'0', b'0', b'0', b'0', 1901),
 (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
  9223372036854775807, 18446744073709551615, 99999,
  '99999999999999999999999999999999999.999999999999999999999999999999',
  '99999999999999999999999999999999999999999999999999999999999999999', 99999999.99, 0.9,
  '99999999999999999999.999999999999999999',
  3.40282347e38, 9999.999, 1.7976931348623157e308, 1.7976931348623157e308,
  b'1', b'1111111', b'11111111', b'111111111', 0x7fffffffffffffff, 0xffffffffffffffff, 2155),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, -1, 1, -1, 1, -1, 1, -1, 1, -1, 9223372036854775808, 1,
  '0.000000000000000000000000000001', '-1', 0.01, -0.1, '-0.000000000000000001',
  1.401298464324817e-45, -0.001, 4.9406564584124654e-324, 2.2250738585072014e-308,
  b'1', b'1000000', 0x80, b'100000000', 0x4000000000000000, 0x8000000000000000, 0),
 (5, 0, 128, 0, 32768, 0, 8388608, 0, 2147483648, 0, 1, 12,
  '-0.000000000000000000000000000001', '0', 1.5, 0, '0.000000000000000000',
  -0e0, 0.5, -0e0, 0.1,
  b'0', b'0101010', 0x7f, b'011111111', 1, 0x0123456789abcdef, 2000);
CREATE TABLE e.tm (id INT PRIMARY KEY,
  dt DATE, dtm0 DATETIME, dtm1 DATETIME(1), dtm3 DATETIME(3), dtm6 DATETIME(6),
  ts0 TIMESTAMP NULL DEFAULT NULL, ts1 TIMESTAMP(1) NULL DEFAULT NULL,
  ts3 TIMESTAMP(3) NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL,
  t0 TIME, t1 TIME(1), t3 TIME(3), t6 TIME(6), y YEAR(4)) ENGINE=InnoDB;
INSERT INTO e.tm VALUES
 (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.0', '0000-00-00 00:00:00.000',
  '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00.0',
  '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.000000',
  '-838:59:59', '-838:59:59.9', '-838:59:59.999', '-838:59:59.999999', 1901),
 (2, '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.999',
  '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.9',
  '2038-01-19 03:14:07.999', '2038-01-19 03:14:07.999999',
  '838:59:59', '838:59:59.9', '838:59:59.999', '838:59:59.999999', 2155),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, '1000-01-01', '0001-01-01 00:00:00', '1000-01-01 00:00:00.1', '1000-01-01 00:00:00.001',
  '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01', '1970-01-01 00:00:01.1',
  '1970-01-01 00:00:01.001', '1970-01-01 00:00:01.000001',
  '00:00:00', '-00:00:00.1', '-00:00:00.001', '-00:00:00.000001', 0),
 (5, '2024-00-00', '2024-02-31 12:34:56', '2024-00-15 00:00:00.5', '2024-02-29 12:34:56.789',
  '2024-06-00 23:59:59.123456', '2024-02-29 12:34:56', '2000-01-01 00:00:00.5',
  '2024-02-29 12:34:56.789', '2024-02-29 12:34:56.000001',
  '-00:00:01', '12:00:00.5', '-01:02:03.004', '100:00:00.000001', 1970);
CREATE TABLE e.tx (id INT PRIMARY KEY,
  c CHAR(10), v VARCHAR(100), tt TINYTEXT, t TEXT, mt MEDIUMTEXT, lt LONGTEXT,
  cl CHAR(10) CHARACTER SET latin1, vl VARCHAR(50) CHARACTER SET latin1, tl TEXT CHARACTER SET latin1,
  v3 VARCHAR(20) CHARACTER SET utf8mb3, vg VARCHAR(10) CHARACTER SET gbk,
  vw VARCHAR(10) CHARACTER SET cp1251, vu2 VARCHAR(10) CHARACTER SET ucs2,
  v16 VARCHAR(10) CHARACTER SET utf16, c16l CHAR(3) CHARACTER SET utf16le,
  v32 VARCHAR(10) CHARACTER SET utf32, va VARCHAR(10) CHARACTER SET ascii,
  bn BINARY(8), vb VARBINARY(300), tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
  e ENUM('a','b','c d','it''s','é','😀','中'), el ENUM('é','€','x') CHARACTER SET latin1,
  s SET($set64), sl SET('ü','ß','a') CHARACTER SET latin1,
  j JSON) ENGINE=InnoDB;
INSERT INTO e.tx VALUES
 (1, 'a', 'emoji 😀 中文 é', 'tiny', REPEAT('long text ', 100), REPEAT('é', 70000), REPEAT('😀', 300000),
  'café', 'Œuvre ‰ €', X'81FF8D', 'ascii', '中文', 'Привет', 'Āé', '😀x', '😀', 'a😀', 'plain',
  X'00FF00FF00FF00FF', $allbytes, $allbytes, $allbytes, REPEAT($allbytes, 300), REPEAT($allbytes, 70000),
  '😀', '€', 'm0,m60,😀,中,é', 'ü,ß,a',
  '{\"a\": [1, 2.5, \"x\", null, true, false], \"n\": {\"deep\": {\"deeper\": [[[{}]]]}}}'),
 (2, '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',
  X'', X'', X'', X'', X'', X'', 'a', 'é', '', '', '[]'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 'sp  ', 'tab\there\nnl \\\\ \"q\" \0 nul', 'x', 'y', 'z', 'w', 'x  ', X'00', 'ÿ', 'é', '简体', 'ЁЖ',
  'ĀŁ', '𝄞', 'ab', '𝄞', '~\0',
  X'0000000000000001', X'00', X'FF', X'7F80', X'0102', X'FEFF',
  'c d', 'x', 'm1,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12,m13,m14,m15,m16,m17,m18,m19,m20,m21,m22,m23,m24,m25,m26,m27,m28,m29,m30,m31,m32,m33,m34,m35,m36,m37,m38,m39,m40,m41,m42,m43,m44,m45,m46,m47,m48,m49,m50,m51,m52,m53,m54,m55,m56,m57,m58,m59,m60,😀,中,é,m0',
  'ß',
  '[18446744073709551616, -9223372036854775809, 1e308, 123456789012345678901234567890.123, -0.0, 5e-324]'),
 (5, 'it''s', 'x', 'y', 'z', 'w', 'v', 'u', 't', 's', 'r', 'q', 'p', 'o', 'n', 'm', 'l', 'k',
  X'FF', X'FFFFFFFF', X'00', X'00', X'00', X'00', 'it''s', 'é', 'm60', 'a',
  '{\"unicode\": \"é 😀 \\\\u00e9 \\\\ud83d\\\\ude00 \\\\n\", \"\": \"\", \"big\": 99999999999999999999999999}');
CREATE TABLE e.geo (id INT PRIMARY KEY,
  g GEOMETRY, pt POINT, ls LINESTRING, pg POLYGON, mpt MULTIPOINT, mls MULTILINESTRING,
  mpg MULTIPOLYGON, gc GEOMETRYCOLLECTION) ENGINE=InnoDB;
INSERT INTO e.geo VALUES
 (1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-1.5 1e300)'),
  ST_GeomFromText('LINESTRING(0 0,1 1,2 -2)'), ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))'),
  ST_GeomFromText('MULTIPOINT(0 0,1 1)'), ST_GeomFromText('MULTILINESTRING((0 0,1 1),(2 2,3 3))'),
  ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))'),
  ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1),GEOMETRYCOLLECTION(POINT(2 2)))')),
 (2, ST_GeomFromText('POINT(5 6)', 4326), ST_GeomFromText('POINT(0 0)', 3857), NULL, NULL, NULL, NULL, NULL,
  ST_GeomFromText('GEOMETRYCOLLECTION EMPTY')),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, ST_GeomFromText('LINESTRING(1 2,3 4)'), ST_GeomFromText('POINT(-0 -0)'), ST_GeomFromText('LINESTRING(1 1,1 1)'),
  ST_GeomFromText('POLYGON((0 0,1 0,0 1,0 0))'), ST_GeomFromText('MULTIPOINT(5 5)'),
  ST_GeomFromText('MULTILINESTRING((0 0,1 1))'), ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)))'),
  ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1))')),
 (5, ST_GeomFromText('POLYGON((0 0,1 0,0 1,0 0))'), ST_GeomFromText('POINT(4.9406564584124654e-324 1.7976931348623157e308)'),
  NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE e.misc (id INT PRIMARY KEY,
  a INET6, u UUID, b INET4,
  vc VARCHAR(300) COMPRESSED, vbc VARBINARY(300) COMPRESSED, bc BLOB COMPRESSED,
  tc TEXT COMPRESSED CHARACTER SET latin1,
  inv INT INVISIBLE, gv INT AS (id * 2) VIRTUAL, gs VARCHAR(30) AS (CONCAT('<', LEFT(vc, 5), '>')) STORED,
  nn VARCHAR(3) NOT NULL DEFAULT '') ENGINE=InnoDB;
INSERT INTO e.misc (id, a, u, b, vc, vbc, bc, tc, inv, nn) VALUES
 (1, '::', '00000000-0000-0000-0000-000000000000', '0.0.0.0', 'short', X'00', X'01', 'é', -2147483648, ''),
 (2, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '255.255.255.255',
  REPEAT('abc✓😀', 40), REPEAT(X'00FF', 150), REPEAT($allbytes, 100), REPEAT('é€', 3000), 2147483647, 'abc'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'x'),
 (4, '::ffff:1.2.3.4', '123e4567-e89b-42d3-a456-426614174000', '1.2.3.4', '', X'', X'', '', 0, ''),
 (5, '1:0:0:2::3', '01890a5d-ac96-774b-bcce-b302099a8057', '10.0.0.1', SHA2('a', 512), UNHEX(SHA2('b', 512)),
  $allbytes, REPEAT('y', 100), 7, 'z');" || { fail "create the tables" "sql failed"; exit 1; }
TABLES="num tm tx geo misc"

# render TABLE: the server's rendering of every row, one tab-separated line
# per row, as tests/valcmp.py reads it
render() {
	_cols=$(sql "SELECT GROUP_CONCAT(CONCAT('HEX(', CASE
	  WHEN DATA_TYPE IN ('blob','tinyblob','mediumblob','longblob','varbinary','binary','geometry','point',
	    'linestring','polygon','multipoint','multilinestring','multipolygon','geometrycollection','json')
	    THEN CONCAT('\`',COLUMN_NAME,'\`')
	  WHEN DATA_TYPE='bit' THEN CONCAT('LOWER(LPAD(HEX(\`',COLUMN_NAME,'\`),', 2*CEIL(NUMERIC_PRECISION/8), ',''0''))')
	  WHEN DATA_TYPE='float' THEN CONCAT('CONCAT(CAST(\`',COLUMN_NAME,'\` AS DOUBLE))')
	  WHEN DATA_TYPE='year' THEN CONCAT('CONCAT(\`',COLUMN_NAME,'\`+0)')
	  WHEN CHARACTER_SET_NAME IS NOT NULL THEN CONCAT('CONVERT(\`',COLUMN_NAME,'\` USING utf8mb4)')
	  WHEN COLUMN_TYPE LIKE '%zerofill' THEN CONCAT('CONCAT(\`',COLUMN_NAME,'\`+0)')
	  WHEN DATA_TYPE='double' THEN CONCAT('CONCAT(\`',COLUMN_NAME,'\`)')
	  ELSE CONCAT('CAST(\`',COLUMN_NAME,'\` AS CHAR)') END, ')') ORDER BY ORDINAL_POSITION)
	  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='e' AND TABLE_NAME='$1' AND COLUMN_NAME <> 'id'")
	sql "SET time_zone='+00:00'; SELECT id, $_cols FROM e.$1 ORDER BY id"
}
for t in $TABLES; do render $t >"$T/s1.$t.tsv" || fail "the server's rendering of $t" "sql failed"; done
expect_eq "GEOMETRY: the value is the SRID, then ST_AsWKB's bytes" "$(sql "SELECT COUNT(*) FROM e.geo WHERE
  HEX(g) <> CONCAT(HEX(REVERSE(UNHEX(LPAD(HEX(ST_SRID(g)), 8, '0')))), HEX(ST_AsWKB(g))) OR
  HEX(pt) <> CONCAT(HEX(REVERSE(UNHEX(LPAD(HEX(ST_SRID(pt)), 8, '0')))), HEX(ST_AsWKB(pt)))")" 0
expect_eq "JSON: the stored text is what JSON_EXTRACT reads whole" \
	"$(sql "SELECT COUNT(*) FROM e.tx WHERE j IS NOT NULL AND JSON_EXTRACT(j, '\$') IS NULL")" 0

# the changes: each row takes the next row's values (NULLs and edges both
# ways), then a row goes
sql "FLUSH BINARY LOGS"
for t in $TABLES; do
	set_list=$(sql "SELECT GROUP_CONCAT(CONCAT('a.\`',COLUMN_NAME,'\` = b.\`',COLUMN_NAME,'\`') ORDER BY ORDINAL_POSITION)
	  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='e' AND TABLE_NAME='$t'
	  AND COLUMN_NAME <> 'id' AND EXTRA NOT LIKE '%GENERATED%'")
	sel_list=$(sql "SELECT GROUP_CONCAT(CONCAT('\`',COLUMN_NAME,'\`') ORDER BY ORDINAL_POSITION)
	  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='e' AND TABLE_NAME='$t'")
	sql "SET sql_mode='ALLOW_INVALID_DATES'; SET time_zone='+00:00';
	  UPDATE e.$t a JOIN (SELECT $sel_list FROM e.$t) b ON b.id = IF(a.id = 5, 1, a.id + 1) SET $set_list;
	  DELETE FROM e.$t WHERE id = 2;" || fail "update and delete in $t" "sql failed"
	render $t >"$T/s2.$t.tsv" || fail "the server's rendering of $t after the changes" "sql failed"
done
expect_eq "the rows changed: num id 1 holds what id 2 held" "$(cut -f2- "$T/s2.num.tsv" | head -1)" \
	"$(cut -f2- "$T/s1.num.tsv" | sed -n 2p)"

# the snapshot
expect_ok "mc-snapshot" mc-snapshot $MDB_ARGS --databases=e
cp "$T/out" "$T/snap.mcr"
roundtrip "snapshot" "$T/snap.mcr"
mc-cat --to=jsonl "$T/snap.mcr" >"$T/snap.jsonl"
for t in $TABLES; do
	expect_ok "snapshot: e.$t equals the server's rendering" \
		python3 "$TOP/tests/valcmp.py" e.$t "$T/s2.$t.tsv" "$T/snap.jsonl"
done

# the binlog files: the first (CREATE, INSERT) against the first rendering,
# all of them replayed against the last
expect_ok "mc-binlog-tail of the first binlog file" mc-binlog-tail --tables='e\..*' "$BL.000001"
cp "$T/out" "$T/file1.mcr"
roundtrip "binlog file 1" "$T/file1.mcr"
mc-cat --to=jsonl "$T/file1.mcr" >"$T/file1.jsonl"
for t in $TABLES; do
	expect_ok "binlog: e.$t's inserts equal the server's rendering" \
		python3 "$TOP/tests/valcmp.py" e.$t "$T/s1.$t.tsv" "$T/file1.jsonl"
done
expect_ok "mc-binlog-tail of all the binlog files" mc-binlog-tail --tables='e\..*' $(ls "$BL".0*)
cp "$T/out" "$T/file.mcr"
roundtrip "binlog files" "$T/file.mcr"
mc-cat --to=jsonl "$T/file.mcr" >"$T/file.jsonl"
for t in $TABLES; do
	expect_ok "binlog: e.$t's updates and deletes replayed equal the server's rows, before images as they stood" \
		python3 "$TOP/tests/valcmp.py" --replay e.$t "$T/s2.$t.tsv" "$T/file.jsonl"
done
expect_eq "binlog: every kind of change is there" \
	"$(grep -o '"op":"[a-z]*"' "$T/file.jsonl" | sort -u | tr -d '\n')" '"op":"delete""op":"insert""op":"update"'
expect_ok "the schema records are the same on both paths" \
	python3 "$TOP/tests/schemacmp.py" "$T/snap.jsonl" "$T/file.jsonl"

# live: the same stream as the files, byte for byte
if timeout -k 5 60 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end --tables='e\..*' --start=mysql-bin.000001:4 >"$T/live.mcr" 2>"$T/err"; then
	ok "mc-binlog-tail live from the first binlog"
else
	fail "mc-binlog-tail live from the first binlog" "exit $?"
fi
roundtrip "live" "$T/live.mcr"
mc-cat --to=jsonl "$T/live.mcr" >"$T/live.jsonl"
mc-binlog-tail --lower-case-table-names=0 --tables='e\..*' $(ls "$BL".0*) | mc-cat --to=jsonl >"$T/file.jsonl"
expect_same "live = files, byte for byte (JSON lines)" "$T/live.jsonl" "$T/file.jsonl"
for t in $TABLES; do
	expect_ok "live: e.$t replayed equals the server's rows" \
		python3 "$TOP/tests/valcmp.py" --replay e.$t "$T/s2.$t.tsv" "$T/live.jsonl"
done

# The MySQL 8 and 9 fixtures (tests/fixtures/README.md): each stream is
# whole (its rows checked against its schema records), goes mcr -> JSON
# lines -> mcr byte-identical, and its values are mysqlbinlog -vv's where
# that tool decodes the file (the -vv of the unpacked twin for a
# TRANSACTION_PAYLOAD file). json.binlog.000001 stops at its partial JSON
# update (exit 1, t2020); the stream up to it (--stop-position) is checked.
B=$FIXTURES/binlog
E=$B/expected-mariadb-mysqlbinlog
R=rust_mysql_common/test-data/binlogs
J=mysql-binlog-connector-java/src/test/resources
n=0
while read -r rel code vv; do
	f=$B/$rel
	mc-binlog-tail "$f" >"$T/fx.mcr" 2>"$T/err"
	expect_eq "$rel (MySQL $(dd if="$f" bs=1 skip=25 count=8 2>/dev/null | tr -dc '0-9.')): exit $code" "$?" "$code"
	if [ "$code" != 0 ]; then
		# the refused event's offset: the stream up to it
		off=$(sed -n 's/.*: offset \([0-9]*\): .*/\1/p' "$T/err")
		expect_ok "$rel: up to offset $off" mc-binlog-tail --stop-position="$off" "$f"
		cp "$T/out" "$T/fx.mcr"
	fi
	expect_ok "$rel: a whole stream, rows valid against their schema" mc-cat --check "$T/fx.mcr"
	roundtrip "$rel" "$T/fx.mcr"
	n=$((n + 1))
	[ "$vv" = - ] && continue
	mc-binlog-tail --format=text "$f" >"$T/fx.txt" 2>/dev/null
	if python3 "$TOP/tests/binlog-vv.py" "$E/$vv.mysqlbinlog-vv.txt" "$T/fx.txt" >"$T/cmp" 2>&1; then
		ok "$rel: the values of mysqlbinlog -vv: $(cat "$T/cmp")"
	else
		fail "$rel: the values of mysqlbinlog -vv" "$(head -5 "$T/cmp" | tr '\n' ' ')"
	fi
done <<LIST
$R/rpl_unfiltered_hidden_gcol.000001 0 $R/rpl_unfiltered_hidden_gcol.000001
$R/master-bin.000001 0 $R/master-bin.000001
$R/json.binlog.000001 1 -
$R/binlog-invisible-columns.000001 0 $R/binlog-invisible-columns.000001
$R/mysql_type_bit.000001 0 $R/mysql_type_bit.000001
$J/mysql-bin.compressed 0 mysql-bin.compressed.unpacked
$R/mysql-enum-string-set.000001 0 $R/mysql-enum-string-set.000001
$R/transaction_compression.000001 0 transaction_compression.000001.unpacked
$R/binlog_transaction_previous_GTID_no_tag.000001 0 $R/binlog_transaction_previous_GTID_no_tag.000001
$R/minimal_row_metadata.000001 0 $R/minimal_row_metadata.000001
$R/time_issue.000001 0 $R/time_issue.000001
$R/json-opaque.binlog 0 -
$R/vector.binlog 0 -
$R/binlog_transaction_with_GTID_TAG.000001 0 -
LIST
expect_eq "14 MySQL 8/9 fixtures" "$n" 14
