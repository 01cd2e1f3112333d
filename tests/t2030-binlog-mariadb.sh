#!/bin/sh
# A binlog written by a throwaway MariaDB (binlog_format=ROW, full row
# metadata) with a table of every type: rebuilding the table from
# mc-binlog-tail's rows gives what SELECT returns, row by row and value by
# value (tests/binlog-select.py). The server is tests/mariadb.sh's.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/mariadb.sh"
mdb_start
# this test passes its own client options
sql() { "$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root "$@"; }
BL=$MDB_DIR/binlog/mysql-bin

# name, type, how to compare (binlog-select.py)
cat >"$T/cols" <<'COLS'
id INT_UNSIGNED_NOT_NULL_PRIMARY_KEY int
ti TINYINT int
tiu TINYINT_UNSIGNED int
si SMALLINT int
siu SMALLINT_UNSIGNED int
mi MEDIUMINT int
miu MEDIUMINT_UNSIGNED int
i INT int
iu INT_UNSIGNED int
bi BIGINT int
biu BIGINT_UNSIGNED int
f FLOAT float
d DOUBLE double
dec1 DECIMAL(10,2) plain
dec2 DECIMAL(65,30) plain
dec3 DECIMAL(5,0)_UNSIGNED plain
c CHAR(10) text
c4 CHAR(20)_CHARACTER_SET_utf8mb4 text
cl CHAR(5)_CHARACTER_SET_latin1 text
vc VARCHAR(255)_CHARACTER_SET_latin1 text
vc3 VARCHAR(300)_CHARACTER_SET_utf8mb3 text
vc4 VARCHAR(255)_CHARACTER_SET_utf8mb4 text
vcu VARCHAR(10)_CHARACTER_SET_ucs2 text
tt TINYTEXT text
tx TEXT text
mt MEDIUMTEXT text
lt LONGTEXT text
bn BINARY(4) bytes
vb VARBINARY(16) bytes
tb TINYBLOB bytes
bl BLOB bytes
mb MEDIUMBLOB bytes
lb LONGBLOB bytes
j JSON text
b1 BIT(1) bit
b17 BIT(17) bit
b64 BIT(64) bit
e ENUM('a','b','c','it''s') plain
s SET('x','y','z') plain
y YEAR plain
dt DATE plain
t0 TIME plain
t3 TIME(3) plain
t6 TIME(6) plain
dt0 DATETIME plain
dt2 DATETIME(2) plain
dt6 DATETIME(6) plain
ts0 TIMESTAMP_NULL plain
ts6 TIMESTAMP(6)_NULL plain
g GEOMETRY bytes
p POINT bytes
COLS
create= sel= kinds=
while read -r n t k; do
	t=$(echo "$t" | tr '_' ' ')
	create="$create${create:+, }\`$n\` $t"
	case $k in
	text) e="HEX(CONVERT(\`$n\` USING utf8mb4))" ;;
	bytes) e="HEX(\`$n\`)" ;;
	bit) e="CAST(\`$n\` AS UNSIGNED)" ;;
	*) e="\`$n\`" ;;
	esac
	sel="$sel${sel:+, }$e"
	echo "$k" >>"$T/kinds"
done <"$T/cols"

cat >"$T/load.sql" <<SQL
SET sql_mode='';
SET time_zone='+03:00';
CREATE DATABASE d;
USE d;
CREATE TABLE t ($create) ENGINE=InnoDB;
INSERT INTO t VALUES (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
  -9223372036854775808, 18446744073709551615, 1.5, -2.25, -12345678.91,
  -12345678901234567890123456789012345.123456789012345678901234567890, 99999,
  'abc', 'ñandú ✓', 'é', 'café\\\\x', 'ünï', '😀 four bytes', 'ĀŁ',
  'tiny', 'text\\n\\ttab', 'medium', REPEAT('long', 100),
  x'01', x'00ff1000', x'00', x'deadbeef', x'', REPEAT(x'ab', 300),
  '{"a": [1, 2.5, {"b": null}], "c": "d"}',
  b'1', b'10101010101010101', b'1111111111111111111111111111111111111111111111111111111111111110',
  'it''s', 'x,z', 2155, '0000-00-00', '-838:59:59', '-00:00:00.001', '-00:00:00.000001',
  '0000-00-00 00:00:00', '2024-02-29 12:00:00.5', '9999-12-31 23:59:59.999999',
  '1970-01-01 03:00:01', '2038-01-19 06:14:07.999999', ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'),
  ST_GeomFromText('POINT(1 2)'));
INSERT INTO t (id) VALUES (2);
INSERT INTO t VALUES (3, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0,
  9223372036854775807, 0, -3.4e38, 1.7976931348623157e308, 0.01,
  0.000000000000000000000000000001, 0,
  '', '', '', '', '', '', '', '', '', '', '',
  x'', x'', x'', x'', x'', x'',
  '[]', b'0', b'0', b'0', '', '', 1901, '1000-01-01', '838:59:59', '00:00:00', '12:34:56.789012',
  '1000-01-01 00:00:00', '1000-01-01 00:00:00.01', '2000-01-01 00:00:00.000001',
  '2000-01-01 00:00:00', '2000-01-01 00:00:00.5', ST_GeomFromText('POINT(0 0)'), ST_GeomFromText('POINT(-1 -2)'));
INSERT INTO t (id, ti, c, vc, d, dec1, t6, ts6, j) VALUES (4, 5, 'x', 'Ÿ€', 1e-300, -0.5, '-12:00:00.5', '2001-02-03 04:05:06.7', '{"k": "v\\\\"q", "n": -1}');
UPDATE t SET vc4='updated', t6='-01:02:03.4', dec1=0.01, b17=b'1', e='a', s='' WHERE id=1;
UPDATE t SET id=5 WHERE id=4;
DELETE FROM t WHERE id=2;
BEGIN; INSERT INTO t (id) VALUES (6); ROLLBACK;
SQL
if sql <"$T/load.sql" >"$T/load.out" 2>&1; then ok "load the all-types table"
else fail "load the all-types table" "$(head -3 "$T/load.out")"; exit 1; fi
sql -N -B -e "SET time_zone='+00:00'; SELECT $sel FROM d.t ORDER BY id" >"$T/select.tsv" 2>"$T/err" ||
	fail "SELECT" "$(head -3 "$T/err")"
sql -N -B -e 'FLUSH BINARY LOGS' >/dev/null 2>&1

expect_ok "decode the server's binlog" mc-binlog-tail --format=text "$BL".000001
cp "$T/out" "$T/mc.txt"
if python3 "$TOP/tests/binlog-select.py" "$T/kinds" "$T/mc.txt" "$T/select.tsv" d.t >"$T/cmp" 2>&1; then
	ok "binlog rows = SELECT: $(cat "$T/cmp")"
else
	fail "binlog rows = SELECT" "$(head -8 "$T/cmp" | tr '\n' ' ')"
fi
expect_grep "the rolled back transaction is not there" '^row insert `d`.`t` v1 1:[0-9]+:0 ' "$T/mc.txt"
expect_eq "no row with id 6" "$(grep -c "after @1=6$" "$T/mc.txt")" 0
expect_ok "mcr form of the same binlog" mc-binlog-tail "$BL".000001
cp "$T/out" "$T/mb.mcr"
expect_ok "mcr form reads back" "$BIN/tests/t_binlog" --read "$T/mb.mcr"

# Table maps with no metadata (binlog_row_metadata=NO_LOG, as MySQL 5.x):
# names, key, UNSIGNED and charsets followed from the binlog's DDL, or from
# --schema records, each in force at its position: a column renamed by
# ALTER gets its old name before and its new one after.
sql -e 'SET GLOBAL binlog_row_metadata=NO_LOG'
sql <<'SQL'
CREATE TABLE d.u (a INT PRIMARY KEY, b INT);
INSERT INTO d.u VALUES (1, 10);
ALTER TABLE d.u CHANGE b bb INT;
INSERT INTO d.u VALUES (2, 20);
SQL
# XA: prepared in one session, committed from another after other work.
sql -e "XA START 'x1'; INSERT INTO d.u VALUES (10, 100); XA END 'x1'; XA PREPARE 'x1';"
sql -e "INSERT INTO d.u VALUES (11, 110); XA COMMIT 'x1';"
sql -e "XA START 'x2'; INSERT INTO d.u VALUES (12, 120); XA END 'x2'; XA PREPARE 'x2';"
sql -e "XA ROLLBACK 'x2';"
sql -e "XA START 'x3'; INSERT INTO d.u VALUES (13, 130); XA END 'x3'; XA COMMIT 'x3' ONE PHASE;"
sql <<'SQL'
CREATE TABLE d.ctas (PRIMARY KEY (a)) AS SELECT a, bb FROM d.u;
CREATE TABLE d.w (a INT UNSIGNED PRIMARY KEY, b BIGINT UNSIGNED, c TINYINT);
INSERT INTO d.w VALUES (4294967295, 18446744073709551615, -1);
CREATE DATABASE e CHARACTER SET latin1;
CREATE TABLE e.cs (id INT PRIMARY KEY, l VARCHAR(10), b VARBINARY(10), u TEXT CHARACTER SET utf8mb4,
  t TINYTEXT) DEFAULT CHARSET=ucs2;
INSERT INTO e.cs VALUES (1, 'é€', x'00ff', 'ü✓', 'Ā');
CREATE TABLE e.d (id INT PRIMARY KEY, l VARCHAR(10));
INSERT INTO e.d VALUES (1, 'é');
SQL
sql -e 'FLUSH BINARY LOGS'
mc-binlog-tail --format=text "$BL".000002 >"$T/u.txt" 2>"$T/err"
expect_grep "no metadata: names from the CREATE TABLE in the binlog" '^  col @2 `b` int INT' "$T/u.txt"
expect_grep "no metadata: names follow the ALTER" '^  col @2 `bb` int INT' "$T/u.txt"
expect_grep "no metadata: key from the CREATE TABLE" '^schema `d`.`u` v1 [0-9:]+ flags=0 key=1$' "$T/u.txt"
expect_grep "no metadata: VARCHAR in the table default (ucs2) converted to UTF-8" "^  after @2='é€'$" "$T/u.txt"
expect_grep "no metadata: VARBINARY is bytes" "^  after @3=x'00ff'$" "$T/u.txt"
expect_grep "no metadata: column charset utf8mb4" "^  after @4='ü✓'$" "$T/u.txt"
expect_grep "no metadata: TINYTEXT in the table default (ucs2)" "^  after @5='Ā'$" "$T/u.txt"
expect_grep "no metadata: database default latin1" "^  after @2='é'$" "$T/u.txt"
expect_grep "no metadata: type text in characters" '^  col @2 `l` varchar\(10\) STRING' "$T/u.txt"
expect_grep "no metadata: UNSIGNED from the CREATE TABLE (INT)" '^  after @1=4294967295$' "$T/u.txt"
expect_grep "no metadata: UNSIGNED from the CREATE TABLE (BIGINT)" '^  after @2=18446744073709551615$' "$T/u.txt"
expect_grep "no metadata: signed stays signed" '^  after @3=-1$' "$T/u.txt"
expect_eq "XA: committed rows in commit order, the rolled back one dropped" \
	"$(grep -A1 '^row insert `d`.`u`' "$T/u.txt" | grep -o 'after @1=[0-9]*' | cut -d= -f2 | tr '\n' ' ')" "1 2 11 10 13 "
xa=$(grep -m1 -A3 '^row insert `d`.`u` .*' "$T/u.txt" | head -1)
p10=$(grep -B1 '^  after @1=10$' "$T/u.txt" | head -1 | awk '{print $5}' | cut -d: -f2)
p11=$(grep -B1 '^  after @1=11$' "$T/u.txt" | head -1 | awk '{print $5}' | cut -d: -f2)
expect_eq "XA: the prepared row takes the position of its XA COMMIT" "$([ "$p10" -gt "$p11" ] && echo yes)" yes
expect_grep "CREATE TABLE ... SELECT: the ddl record" '^ddl .*CREATE TABLE' "$T/u.txt"
expect_eq "CREATE TABLE ... SELECT: its rows" "$(grep -c '^row insert `d`.`ctas`' "$T/u.txt")" 5
expect_eq "CREATE TABLE ... SELECT: ddl before its rows" \
	"$(grep -E '^(ddl .*ctas|row insert `d`.`ctas`)' "$T/u.txt" | head -1 | cut -c1-3)" ddl
# Without the CREATE TABLE (the binlog starts after it): named by index,
# until a schema file says more.
from=$(grep -m1 '^mark txn_end' "$T/u.txt" | awk '{print $3}' | cut -d: -f2)
mc-binlog-tail --format=text --from="$BL.000002:$from" >"$T/u1.txt" 2>"$T/err"
expect_grep "MINIMAL metadata, no CREATE: names by index" '^schema `d`.`u` v1 [0-9:]+ flags=1 ' "$T/u1.txt"
p1=$(grep -m1 '^ddl .*CREATE TABLE d.u' "$T/u.txt" | awk '{print $3}')
p2=$(grep -m1 '^ddl .*ALTER TABLE d.u' "$T/u.txt" | awk '{print $3}')
expect_ok "write a schema file" "$BIN/tests/t_binlog" --schema-out "$T/u.mcr" \
	d u "$p1" a,b 1 d u "$p2" a,bb 1
expect_ok "--schema" mc-binlog-tail --format=text --schema="$T/u.mcr" --from="$BL.000002:$from"
cp "$T/out" "$T/u2.txt"
expect_grep "--schema: names before the ALTER" '^  col @2 `b` int INT' "$T/u2.txt"
expect_grep "--schema: names after the ALTER" '^  col @2 `bb` int INT' "$T/u2.txt"
expect_grep "--schema: key from the schema file" '^schema `d`.`u` v1 [0-9:]+ flags=0 key=1$' "$T/u2.txt"
expect_eq "--schema: two versions" "$(grep -c '^schema `d`.`u`' "$T/u2.txt")" 2
expect_code 2 "--schema: missing file exits 2" mc-binlog-tail --schema="$T/none.mcr" "$BL".000002

# Memory stays flat with a large transaction: with --txn-memory=1M a 40 MB
# transaction goes to the temporary file, and the output is the same.
sql <<'SQL'
CREATE TABLE d.big (id INT PRIMARY KEY, v TEXT);
SET SESSION max_recursive_iterations = 100000;
BEGIN;
INSERT INTO d.big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
  SELECT i, REPEAT(CHAR(65 + i % 26), 1000) FROM n;
COMMIT;
SQL
sql -e 'FLUSH BINARY LOGS'
big=$(ls "$BL".0* | tail -2 | head -1)
if command -v /usr/bin/time >/dev/null; then
	TMPDIR=$T /usr/bin/time -f '%M' -o "$T/rss" mc-binlog-tail --txn-memory=1M "$big" >"$T/big1.mcr" 2>"$T/err"
	rss=$(tail -1 "$T/rss")
	expect_eq "40 MB transaction, --txn-memory=1M: peak memory under 32 MB (got ${rss} KB)" \
		"$([ "$rss" -lt 32768 ] && echo yes)" yes
	mc-binlog-tail "$big" >"$T/big2.mcr"
	expect_same "40 MB transaction: same stream spilled or not" "$T/big1.mcr" "$T/big2.mcr"
	expect_eq "40 MB transaction: 40000 rows" "$(mc-binlog-tail --format=text "$big" | grep -c '^row insert')" 40000
fi
