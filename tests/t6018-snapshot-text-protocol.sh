#!/bin/sh
# mc-snapshot reads a table without FLOAT or DOUBLE columns through the
# text protocol (its rows read as packets), and the others through the binary
# protocol (prepared statements). Over every other column type with its
# edge values (integers and their ZEROFILL, DECIMAL, BIT, YEAR, every
# temporal type and fraction, zero and invalid dates, text in many
# charsets, bytes, ENUM/SET, JSON, GEOMETRY, INET6/UUID/INET4, compressed,
# invisible and generated columns, NULL against empty) and split keys of
# each kind, the stream is byte for byte the one the binary protocol gives
# (MC_SNAP_PROTOCOL=binary), with one chunk a row (--chunk-bytes=1: every
# chunk's end key comes from the row read) and whole; the event time of
# the records is the one field set to 0 before comparing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

allbytes=$(python3 -c "print('X\'' + bytes(range(256)).hex() + '\'')")
sql "SET sql_mode='ALLOW_INVALID_DATES'; SET time_zone='+00:00';
CREATE DATABASE e;
CREATE TABLE e.num (id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED,
  mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  iz INT(5) UNSIGNED ZEROFILL, bz BIGINT(20) UNSIGNED ZEROFILL,
  d65 DECIMAL(65,30), d650 DECIMAL(65,0), d2 DECIMAL(10,2) UNSIGNED, d11 DECIMAL(1,1),
  dz DECIMAL(8,3) ZEROFILL, bo BOOLEAN,
  b1 BIT(1), b7 BIT(7), b8 BIT(8), b9 BIT(9), b63 BIT(63), b64 BIT(64), y YEAR) ENGINE=InnoDB;
INSERT INTO e.num VALUES
 (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0, 0,
  '-99999999999999999999999999999999999.999999999999999999999999999999',
  '-99999999999999999999999999999999999999999999999999999999999999999', 0, -0.9, 0, 0,
  b'0', b'0', b'0', b'0', b'0', b'0', 1901),
 (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
  9223372036854775807, 18446744073709551615, 99999, 18446744073709551615,
  '99999999999999999999999999999999999.999999999999999999999999999999',
  '99999999999999999999999999999999999999999999999999999999999999999', 99999999.99, 0.9,
  12345.678, 1,
  b'1', b'1111111', b'11111111', b'111111111', 0x7fffffffffffffff, 0xffffffffffffffff, 2155),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, -1, 1, -1, 1, -1, 1, -1, 1, -1, 9223372036854775808, 1, 9223372036854775807,
  '0.000000000000000000000000000001', '-1', 0.01, -0.1, 0.001, -128,
  b'1', b'1000000', 0x80, b'100000000', 0x4000000000000000, 0x8000000000000000, 0),
 (5, 0, 128, 0, 32768, 0, 8388608, 0, 2147483648, 0, 1, 12, 42,
  '-0.000000000000000000000000000001', '0', 1.5, 0, 7, 127,
  b'0', b'0101010', 0x7f, b'011111111', 1, 0x0123456789abcdef, 2000);
CREATE TABLE e.tm (id INT PRIMARY KEY,
  dt DATE, dtm0 DATETIME, dtm1 DATETIME(1), dtm3 DATETIME(3), dtm6 DATETIME(6),
  ts0 TIMESTAMP NULL DEFAULT NULL, ts1 TIMESTAMP(1) NULL DEFAULT NULL,
  ts3 TIMESTAMP(3) NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL,
  t0 TIME, t1 TIME(1), t3 TIME(3), t6 TIME(6)) ENGINE=InnoDB;
INSERT INTO e.tm VALUES
 (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.0', '0000-00-00 00:00:00.000',
  '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00.0',
  '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.000000',
  '-838:59:59', '-838:59:59.9', '-838:59:59.999', '-838:59:59.999999'),
 (2, '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.999',
  '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.9',
  '2038-01-19 03:14:07.999', '2038-01-19 03:14:07.999999',
  '838:59:59', '838:59:59.9', '838:59:59.999', '838:59:59.999999'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, '1000-01-01', '0001-01-01 00:00:00', '1000-01-01 00:00:00.1', '1000-01-01 00:00:00.001',
  '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01', '1970-01-01 00:00:01.1',
  '1970-01-01 00:00:01.001', '1970-01-01 00:00:01.000001',
  '00:00:00', '-00:00:00.1', '-00:00:00.001', '-00:00:00.000001'),
 (5, '2024-00-00', '2024-02-31 12:34:56', '2024-00-15 00:00:00.5', '2024-02-29 12:34:56.789',
  '2024-06-00 23:59:59.123456', '2024-02-29 12:34:56', '2000-01-01 00:00:00.5',
  '2024-02-29 12:34:56.789', '2024-02-29 12:34:56.000001',
  '-00:00:01', '12:00:00.5', '-01:02:03.004', '100:00:00.000001');
CREATE TABLE e.tx (id INT PRIMARY KEY,
  c CHAR(10), v VARCHAR(100), t TEXT, lt LONGTEXT,
  cl CHAR(10) CHARACTER SET latin1, tl TEXT CHARACTER SET latin1,
  v3 VARCHAR(20) CHARACTER SET utf8mb3, vg VARCHAR(10) CHARACTER SET gbk,
  vu2 VARCHAR(10) CHARACTER SET ucs2, v16 VARCHAR(10) CHARACTER SET utf16,
  v32 VARCHAR(10) CHARACTER SET utf32, va VARCHAR(10) CHARACTER SET ascii,
  bn BINARY(8), vb VARBINARY(300), bl BLOB, lb LONGBLOB,
  e ENUM('a','b','c d','it''s','é','😀','中'), el ENUM('é','€','x') CHARACTER SET latin1,
  s SET('a','é','😀'), j JSON) ENGINE=InnoDB;
INSERT INTO e.tx VALUES
 (1, 'a', 'emoji 😀 中文 é', REPEAT('long text ', 100), REPEAT('😀', 300000),
  'café', X'81FF8D', 'ascii', '中文', 'Āé', '😀x', 'a😀', 'plain',
  X'00FF00FF00FF00FF', $allbytes, $allbytes, REPEAT($allbytes, 70000),
  '😀', '€', 'a,😀', '{\"a\": [1, 2.5, \"x\", null, true, false]}'),
 (2, '', '', '', '', '', '', '', '', '', '', '', '',
  X'', X'', X'', X'', 'a', 'é', '', '[]'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 'sp  ', 'tab\there\nnl \\\\ \"q\" \0 nul', 'y', 'w', 'x  ', X'00', 'é', '简体',
  'ĀŁ', '𝄞', '𝄞', '~\0', X'0000000000000001', X'00', X'7F80', X'FEFF',
  'c d', 'x', 'é', '[18446744073709551616, -0.0, 5e-324]');
CREATE TABLE e.geo (id INT PRIMARY KEY, g GEOMETRY, pt POINT, gc GEOMETRYCOLLECTION) ENGINE=InnoDB;
INSERT INTO e.geo VALUES
 (1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-1.5 1e300)'),
  ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))')),
 (2, ST_GeomFromText('POINT(5 6)', 4326), ST_GeomFromText('POINT(0 0)', 3857),
  ST_GeomFromText('GEOMETRYCOLLECTION EMPTY')),
 (3, NULL, NULL, NULL);
CREATE TABLE e.misc (id INT PRIMARY KEY,
  a INET6, u UUID, b INET4,
  vc VARCHAR(300) COMPRESSED, bc BLOB COMPRESSED, tc TEXT COMPRESSED CHARACTER SET latin1,
  inv INT INVISIBLE, gv INT AS (id * 2) VIRTUAL, gs VARCHAR(30) AS (CONCAT('<', LEFT(vc, 5), '>')) STORED,
  nn VARCHAR(3) NOT NULL DEFAULT '') ENGINE=InnoDB;
INSERT INTO e.misc (id, a, u, b, vc, bc, tc, inv, nn) VALUES
 (1, '::', '00000000-0000-0000-0000-000000000000', '0.0.0.0', 'short', X'01', 'é', -2147483648, ''),
 (2, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '255.255.255.255', REPEAT('abc✓😀', 40), REPEAT($allbytes, 100), REPEAT('é€', 3000), 7, 'abc'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'x');
CREATE TABLE e.kstr (k VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_bin PRIMARY KEY, v INT);
INSERT INTO e.kstr VALUES ('a', 1), ('é', 2), ('ÿ', 3), ('a\\tb', 4), ('', 5);
CREATE TABLE e.kbin (k VARBINARY(8), n BIGINT UNSIGNED, PRIMARY KEY (k, n));
INSERT INTO e.kbin VALUES (X'00', 18446744073709551615), (X'00', 0), (X'FF00', 1), ('', 2);
CREATE TABLE e.kcomp (t DATETIME(3), d DECIMAL(12,3), i BIGINT, PRIMARY KEY (t, d, i));
INSERT INTO e.kcomp VALUES ('2024-01-01 00:00:00.001', -1.5, -9223372036854775808),
 ('2024-01-01 00:00:00.001', -1.5, 9223372036854775807), ('0000-00-00 00:00:00', 0, 0),
 ('2024-01-01 00:00:00.001', 123456789.999, 1);
CREATE TABLE e.ktime (t TIME(2) PRIMARY KEY, y YEAR NOT NULL, UNIQUE KEY (y));
INSERT INTO e.ktime VALUES ('-838:59:59.99', 1901), ('00:00:00', 0), ('12:00:00.5', 2155);
CREATE TABLE e.nokey (a INT, b VARCHAR(5));
INSERT INTO e.nokey VALUES (NULL, NULL), (1, ''), (NULL, 'x');
CREATE TABLE e.flt (id INT PRIMARY KEY, f FLOAT, f73 FLOAT(7,3), d DOUBLE, du DOUBLE UNSIGNED);
INSERT INTO e.flt VALUES (1, -3.40282347e38, -9999.999, -1.7976931348623157e308, 0),
 (2, 1.401298464324817e-45, 0.5, 4.9406564584124654e-324, 0.1), (3, NULL, NULL, NULL, NULL);" ||
	{ fail "create the tables" "sql failed"; exit 1; }

# norm MCR OUT: the stream with every record's time 0 (the one field that
# differs between two runs), re-encoded (mcr -> JSON lines -> mcr is
# byte-identical: t6015)
norm() {
	mc-cat --to=jsonl "$1" | sed 's/"time":[0-9]*/"time":0/' | mc-cat --from=jsonl --to=mcr >"$2"
}
# execs: the server's count of prepared statements executed
execs() { sql "SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'" | cut -f2; }

for opts in "--chunk-bytes=1" "--chunk-rows=2 --threads=3" ""; do
	e0=$(execs)
	expect_ok "text protocol ($opts)" mc-snapshot $MDB_ARGS --databases=e --tables='e\.[^f].*' $opts
	e1=$(execs)
	norm "$T/out" "$T/text.mcr"
	expect_eq "text protocol ($opts): no prepared statement executed" "$((e1 - e0))" 0
	expect_ok "binary protocol ($opts)" \
		env MC_SNAP_PROTOCOL=binary mc-snapshot $MDB_ARGS --databases=e --tables='e\.[^f].*' $opts
	e2=$(execs)
	norm "$T/out" "$T/bin.mcr"
	expect_eq "binary protocol ($opts): every chunk a prepared statement" "$((e2 - e1 >= 10))" 1
	expect_same "($opts) the text protocol's stream is the binary protocol's, byte for byte" \
		"$T/text.mcr" "$T/bin.mcr"
done
expect_eq "one chunk a row: 46 chunk_end marks for 39 rows" \
	"$(mc-snapshot $MDB_ARGS --databases=e --tables='e\.[^f].*' --chunk-bytes=1 2>/dev/null |
		mc-cat | grep -c '"chunk_end"')" 46

# FLOAT/DOUBLE: the binary protocol (their bits), whatever the setting
e0=$(execs)
expect_ok "a table with FLOAT and DOUBLE" mc-snapshot $MDB_ARGS --tables='e\.flt'
e1=$(execs)
expect_eq "FLOAT/DOUBLE: read by a prepared statement" "$((e1 - e0))" 1
mc-cat "$T/out" >"$T/flt.jsonl"
expect_grep "FLOAT/DOUBLE: the values" '"after":\[2,\{"f32":1e-45\},\{"f32":0.5\},5e-324,0.1\]' \
	"$T/flt.jsonl"

# the test of every type against the server's own rendering (t6015) runs
# through the text protocol too: its tables without floats take it

# The rows are read as their packets (docs/mc-snapshot.md "Code"). An error packet amid them (max_statement_time, reached while the
# --where's SLEEP holds each row 10 ms: about 50 rows of 1000 bytes go
# first) is the read's error as the server gave it, exit 1; a connection
# killed amid them is a lost one, exit 3. Either way no row record is
# written.
sql "CREATE DATABASE slow; CREATE TABLE slow.t (id INT PRIMARY KEY, v VARCHAR(1000));
INSERT INTO slow.t SELECT seq, REPEAT('x', 1000) FROM slow.seq_1_to_300;"
rows() { mc-cat "$T/out" 2>/dev/null | grep -c '"op":"snapshot"'; }
sql "SET GLOBAL max_statement_time=0.5"
expect_code 1 "an error packet amid the rows: exit 1" \
	mc-snapshot $MDB_ARGS --tables='slow\.t' --where='slow.t:SLEEP(0.01)=0'
sql "SET GLOBAL max_statement_time=0"
expect_grep "... the server's error, with the table and the place" \
	"^mc-snapshot: .*table 'slow.t': reading a chunk: Query execution was interrupted \(max_statement_time exceeded\) \(1969\)" \
	"$T/err"
expect_eq "... one line on stderr" "$(wc -l <"$T/err")" 1
expect_eq "... no row record" "$(rows)" 0

mc-snapshot $MDB_ARGS --tables='slow\.t' --where='slow.t:SLEEP(0.01)=0' >"$T/out" 2>"$T/err" &
pid=$!
mdb_kill_query '%SLEEP(0.01)%ORDER BY%' || fail "a connection killed amid the rows" "the chunk's query never showed"
wait $pid
expect_eq "a connection killed amid the rows: exit 3" "$?" 3
expect_grep "... a lost connection, with the table and the place" \
	"table 'slow.t': reading a chunk: Lost connection to server during query \(2013\)" "$T/err"
expect_eq "... no row record" "$(rows)" 0
