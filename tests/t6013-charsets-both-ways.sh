#!/bin/sh
# Text in every charset comes out as the same UTF-8 through mc-snapshot and
# mc-binlog-tail, equal to the server's own conversion (HEX(CONVERT(c USING
# utf8mb4))): latin1 (MySQL's cp1252, 0x81 a C1 control), gbk, cp1251,
# utf8mb4, binary bytes, and latin1/cp1251 ENUM and SET labels, both in the
# values and in the schema's type text (gbk VARCHAR(10) is varchar(10),
# counted in characters). Bytes that are no character of their charset
# (gbk A2E3, which the server itself shows as '?') stop both paths with
# the same message.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

sql "CREATE DATABASE c;
CREATE TABLE c.t (id INT PRIMARY KEY,
  l1 VARCHAR(20) CHARACTER SET latin1, l2 CHAR(6) CHARACTER SET latin1, l3 TEXT CHARACTER SET latin1,
  g1 VARCHAR(10) CHARACTER SET gbk, g2 CHAR(4) CHARACTER SET gbk, g3 TEXT CHARACTER SET gbk,
  w1 VARCHAR(10) CHARACTER SET cp1251, u1 VARCHAR(10) CHARACTER SET utf8mb4,
  b1 VARBINARY(10), b2 BINARY(4),
  e1 ENUM('é','€x','plain') CHARACTER SET latin1, s1 SET('ü','ß','a') CHARACTER SET latin1,
  e2 ENUM('да','нет') CHARACTER SET cp1251, e3 ENUM('中','文') CHARACTER SET gbk) ENGINE=InnoDB;
CREATE TABLE c.bad (id INT PRIMARY KEY, g VARCHAR(10) CHARACTER SET gbk) ENGINE=InnoDB;
INSERT INTO c.t VALUES
  (1, 'café €', 'ab', 'Œuvre ‰', '中文', '汉字', '简体中文', 'Привет', 'emoji 😀', X'00ff80', X'0102', 'é', 'ü,a', 'да', '文'),
  (2, X'81', X'8d9d', X'ff', '', 'a', 'abc', 'ЁЖ', '', '', '', '€x', '', 'нет', '中'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 'plain', 'x  ', 'y', 'z', 'w', 'v', 'u', 't', 's', 'r', 'plain', 'ß,ü', 'да', '中');
SET sql_mode='';
INSERT INTO c.bad VALUES (1, X'A2E3');
INSERT INTO c.t (id) VALUES (5);" || { fail "create the tables" "sql failed"; exit 1; }

cols="l1 l2 l3 g1 g2 g3 w1 u1 b1 b2 e1 s1 e2 e3"
q="SELECT id"
for c in $cols; do
	case $c in b*) q="$q, HEX($c)" ;; *) q="$q, HEX(CONVERT($c USING utf8mb4))" ;; esac
done
sql "$q FROM c.t ORDER BY id" >"$T/server.tsv" || fail "the server's values" "sql failed"
expect_grep "the server's latin1 0x81 is U+0081" '^2	C281	' "$T/server.tsv"

expect_ok "mc-snapshot" mc-snapshot $MDB_ARGS --tables=c.t
cp "$T/out" "$T/snap.mcr"
expect_ok "... has a JSON form" mc-cat --to=jsonl "$T/snap.mcr"
cp "$T/out" "$T/snap.jsonl"
binlog=$(ls "$MDB_DIR"/binlog/mysql-bin.0* | tail -1)
expect_ok "mc-binlog-tail" mc-binlog-tail --tables='c\.t' "$binlog"
cp "$T/out" "$T/tail.mcr"
expect_ok "... has a JSON form (latin1 labels in the schema's type text were raw bytes)" \
	mc-cat --to=jsonl "$T/tail.mcr"
cp "$T/out" "$T/tail.jsonl"
expect_ok "the snapshot's values are the server's" python3 "$TOP/tests/valcmp.py" c.t "$T/server.tsv" "$T/snap.jsonl"
expect_ok "the binlog's values are the server's (gbk, cp1251 were raw bytes)" \
	python3 "$TOP/tests/valcmp.py" c.t "$T/server.tsv" "$T/tail.jsonl"
expect_ok "the schema records are the same on both paths" \
	python3 "$TOP/tests/schemacmp.py" "$T/snap.jsonl" "$T/tail.jsonl"
expect_grep "gbk VARCHAR(10) is varchar(10) in the binlog's schema (was varchar(20))" \
	'"name":"g1","mysql_type":"varchar\(10\)"' "$T/tail.jsonl"
expect_grep "latin1 ENUM labels in UTF-8 in the binlog's schema" \
	'"name":"e1","mysql_type":"enum\('"'é','€x','plain'"'\)"' "$T/tail.jsonl"
expect_grep "cp1251 ENUM labels in UTF-8 in the binlog's schema" \
	'"name":"e2","mysql_type":"enum\('"'да','нет'"'\)"' "$T/tail.jsonl"

# bytes that are no gbk character: the same stop on both paths
expect_code 1 "mc-snapshot of a gbk value that is no gbk character" mc-snapshot $MDB_ARGS --tables=c.bad
expect_grep "... names the table, column and byte" \
	"table 'c.bad': column 'g', row 1 of the chunk read: text not valid in its charset gbk at byte 0" "$T/err"
expect_code 1 "mc-binlog-tail of it" mc-binlog-tail --tables='c\.bad' "$binlog"
expect_grep "... names the offset, table, column and byte" \
	"offset [0-9]*: table \`c\`\.\`bad\`: column 2 \(g\): text not valid in its charset gbk at byte 0" "$T/err"
expect_ok "a binlog whose unselected table has such a value passes" \
	mc-binlog-tail --tables='c\.t' "$binlog"
