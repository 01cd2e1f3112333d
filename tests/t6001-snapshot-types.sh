#!/bin/sh
# mc-snapshot: every column type, value by value against SELECT.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

sql "SET sql_mode='';
CREATE DATABASE d;
CREATE TABLE d.every (
  id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED,
  mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
  bi BIGINT, bu BIGINT UNSIGNED,
  de DECIMAL(65,30), d2 DECIMAL(10,2) UNSIGNED,
  f FLOAT, db DOUBLE,
  dt DATE, dtm DATETIME(6), dt0 DATETIME, ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6), tm0 TIME, y YEAR,
  b1 BIT(1), b64 BIT(64),
  e ENUM('a','b','c d'), s SET('x','y','z'),
  cl CHAR(10) CHARACTER SET latin1, vl VARCHAR(50) CHARACTER SET latin1,
  vu VARCHAR(50) CHARACTER SET utf8mb4, tx TEXT,
  bn BINARY(4), vb VARBINARY(300), bl BLOB,
  j JSON, g GEOMETRY
) ENGINE=InnoDB;
INSERT INTO d.every VALUES
 (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
  -9223372036854775808, 18446744073709551615,
  '-12345678901234567890123456789012345.123456789012345678901234567890', 99999999.99,
  3.4028235e38, 1.7976931348623157e308,
  '0000-00-00', '9999-12-31 23:59:59.999999', '0000-00-00 00:00:00', '2038-01-19 03:14:07.123456', '-838:59:59.000000', '838:59:59', 1901,
  b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
  'c d', 'x,z', _latin1 X'636166E9', 'Ünïcödé latin1', 'emoji 😀 中文', repeat('long text ', 100),
  X'00010203', X'00FF', NULL, '{\"a\": [1, 2.5, \"x\"]}', ST_GeomFromText('POINT(1 2)')),
 (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0,
  '0.000000000000000000000000000001', 0.5, -1.17549435e-38, -4.9e-324,
  '2024-02-29', '1000-01-01 00:00:00.000001', '2024-02-29 12:34:56', '1970-01-01 00:00:01.000000', '-00:00:00.000001', '00:00:00', 2155,
  b'0', b'0', 'a', '', '', '', '', '',
  X'', X'', X'', '[]', NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0.1, 0.1,
  NULL, NULL, NULL, NULL, '12:00:00.5', NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL), 
 (4, 0,0,0,0,0,0,0,0,0,0, '-0.5', 0, 1e-45, 123456789.123456789, '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00',
  '0000-00-00 00:00:00', '-12:34:56.789', '-838:59:59', 1970, b'1', b'10000000', 'b', 'x,y,z', 'a', 'b', 'c', 'd', X'FFFFFFFF', X'7F', X'00', '{}',
  ST_GeomFromText('LINESTRING(0 0,1 1)'))" || { fail "create the every-type table" "sql failed"; exit 1; }
# all byte values in a BLOB
sql "UPDATE d.every SET bl = (SELECT CONCAT($(python3 -c "print(','.join('X\'%02X\'' % i for i in range(256)))"))) WHERE id=1"

expect_ok "mc-snapshot reads the table" mc-snapshot $MDB_ARGS --databases=d
cp "$T/out" "$T/snap.mcr"
expect_ok "the output is a whole stream" mc-cat --check "$T/snap.mcr"
mc-cat --to=jsonl "$T/snap.mcr" >"$T/snap.jsonl"

# The server's own text of every value, in the form of the JSON lines.
cols=$(sql "SELECT GROUP_CONCAT(CASE
  WHEN DATA_TYPE IN ('blob','varbinary','binary','geometry') THEN CONCAT('TO_BASE64(\`',COLUMN_NAME,'\`)')
  WHEN DATA_TYPE='bit' THEN CONCAT('LOWER(LPAD(HEX(\`',COLUMN_NAME,'\`),', 2*CEIL(NUMERIC_PRECISION/8), ',''0''))')
  WHEN DATA_TYPE='float' THEN CONCAT('CAST(\`',COLUMN_NAME,'\` AS DOUBLE)')
  WHEN DATA_TYPE='year' THEN CONCAT('\`',COLUMN_NAME,'\`+0')
  ELSE CONCAT('\`',COLUMN_NAME,'\`') END ORDER BY ORDINAL_POSITION)
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='d' AND TABLE_NAME='every'")
sql "SET time_zone='+00:00'; SELECT $cols FROM d.every ORDER BY id" >"$T/select.tsv"
expect_ok "the snapshot matches SELECT value by value" \
	python3 "$TOP/tests/snapcmp.py" "$T/snap.jsonl" d every "$T/select.tsv"
expect_grep "schema: DECIMAL(65,30) maps to DECIMAL(38,18), each value checked" '"mysql_type":"decimal\(65,30\)","mc_type":"DECIMAL\(38,18\)"' "$T/snap.jsonl"
expect_grep "schema: key is the primary key" '"kind":"schema".*"key":\[0\]' "$T/snap.jsonl"
expect_grep "a snapshot_end mark" '"mark":"snapshot_end".*"table":"every"' "$T/snap.jsonl"

# long values: fetched past the first buffer (mysql_stmt_fetch_column)
sql "CREATE TABLE d.big (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT);
INSERT INTO d.big VALUES (1, REPEAT(X'00FF7F80', 800000), REPEAT('é', 1000000)), (2, X'01', 'x'), (3, REPEAT('z', 70000), NULL)"
expect_ok "a 3 MB BLOB and a 2 MB TEXT" mc-snapshot $MDB_ARGS --databases=d --tables=big
mc-cat --to=jsonl "$T/out" >"$T/big.jsonl"
sql "SELECT id, TO_BASE64(b), t FROM d.big ORDER BY id" >"$T/big.tsv"
expect_ok "... come out whole" python3 "$TOP/tests/snapcmp.py" "$T/big.jsonl" d big "$T/big.tsv"
expect_ok "--chunk-bytes=1M ends chunks at a megabyte" mc-snapshot $MDB_ARGS --databases=d --tables=big --chunk-bytes=1M
mc-cat --to=jsonl "$T/out" >"$T/big.jsonl"
expect_ok "... with every row" python3 "$TOP/tests/snapcmp.py" "$T/big.jsonl" d big "$T/big.tsv"
expect_eq "... the 5 MB row in a chunk of its own, the rest in the next" "$(grep -c '"mark":"chunk_end"' "$T/big.jsonl")" 2

# invisible and generated columns are in the images, flagged in the schema
sql "CREATE TABLE d.flags (id INT PRIMARY KEY, a INT, h INT INVISIBLE DEFAULT 7,
  g INT AS (a * 2) VIRTUAL, s INT AS (a + 1) PERSISTENT);
INSERT INTO d.flags (id, a) VALUES (1, 10), (2, NULL)"
expect_ok "invisible and generated columns" mc-snapshot $MDB_ARGS --databases=d --tables=flags
mc-cat --to=jsonl "$T/out" >"$T/flags.jsonl"
expect_grep "... flagged invisible (1) and generated (2)" '"name":"h","mysql_type":"int","mc_type":"INT","nullable":true,"flags":1\}.*"name":"g".*"flags":2\}.*"name":"s".*"flags":2\}' "$T/flags.jsonl"
expect_grep "... with their values" '"after":\[1,10,7,20,11\]' "$T/flags.jsonl"
expect_code 1 "a selection matching no table exits 1" mc-snapshot $MDB_ARGS --databases=nosuchdb
expect_grep "... saying so" 'no table matches' "$T/err"
expect_eq "... and writes nothing (no stream a sink could take as whole)" "$(wc -c <"$T/out" | tr -d ' ')" 0
