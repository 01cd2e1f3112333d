#!/bin/sh
# The schema records of mc-snapshot and of mc-binlog-tail (reading the
# binlog that created the tables) are the same for the same table: every
# column type (INET6/UUID/INET4 left out here), flags (unsigned, invisible,
# generated), and the key (a table with only a unique key of NOT NULL
# columns: the server's primary key on both paths).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

sql "SET sql_mode='';
CREATE DATABASE s;
CREATE TABLE s.every (
  id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, sz SMALLINT UNSIGNED ZEROFILL,
  mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, i5 INT(5),
  bi BIGINT, bu BIGINT UNSIGNED,
  de DECIMAL(65,30), d2 DECIMAL(10,2) UNSIGNED, d0 DECIMAL,
  f FLOAT, f73 FLOAT(7,3), fu FLOAT UNSIGNED, db DOUBLE, d72 DOUBLE(7,2) UNSIGNED, r REAL,
  dt DATE, dtm DATETIME(6), dt0 DATETIME, dt3 DATETIME(3), ts TIMESTAMP(6) NULL DEFAULT NULL,
  ts0 TIMESTAMP NULL, tm TIME(6), tm0 TIME, tm2 TIME(2), y YEAR,
  b1 BIT(1), b9 BIT(9), b64 BIT(64),
  e ENUM('a','b','c d'), eu ENUM('unsigned','x'), eq ENUM('it''s','é'), s SET('x','y','z'),
  su SET('unsigned'),
  cl CHAR(10) CHARACTER SET latin1, vl VARCHAR(50) CHARACTER SET latin1,
  vu VARCHAR(50) CHARACTER SET utf8mb4, c3 CHAR(5) CHARACTER SET utf8mb3, va VARCHAR(7) CHARACTER SET ascii,
  tx TEXT, ttx TINYTEXT, mtx MEDIUMTEXT, ltx LONGTEXT,
  bn BINARY(4), vb VARBINARY(300), bl BLOB, tb TINYBLOB, mb MEDIUMBLOB, lb LONGBLOB,
  j JSON, g GEOMETRY, pt POINT, ls LINESTRING, pg POLYGON, mpt MULTIPOINT,
  mls MULTILINESTRING, mpg MULTIPOLYGON, gc GEOMETRYCOLLECTION,
  inv INT INVISIBLE, gen INT AS (i + 1) VIRTUAL, gst INT AS (i + 2) STORED,
  gp BIGINT GENERATED ALWAYS AS (bi * 2) PERSISTENT,
  uc2 VARCHAR(5) CHARACTER SET ucs2, u16 VARCHAR(5) CHARACTER SET utf16,
  u16l CHAR(2) CHARACTER SET utf16le, u32 CHAR(3) CHARACTER SET utf32,
  nn VARCHAR(3) NOT NULL DEFAULT ''
) ENGINE=InnoDB;
CREATE TABLE s.uniq (a INT NOT NULL, b VARCHAR(5), UNIQUE KEY zz (a)) ENGINE=InnoDB;
CREATE TABLE s.uniq2 (a INT NULL, b INT NOT NULL, c INT NOT NULL, UNIQUE KEY a_first (a),
  UNIQUE KEY z_second (c, b)) ENGINE=InnoDB;
CREATE TABLE s.nokey (a INT, b TEXT) ENGINE=InnoDB;
CREATE TABLE s.pk2 (a INT NOT NULL, b CHAR(3) NOT NULL, c INT, PRIMARY KEY (b, a),
  UNIQUE KEY (c)) ENGINE=InnoDB;
INSERT INTO s.every (id) VALUES (1); INSERT INTO s.uniq VALUES (1, 'x');
INSERT INTO s.uniq2 VALUES (1, 2, 3); INSERT INTO s.nokey VALUES (1, 'x');
INSERT INTO s.pk2 VALUES (1, 'a', 2);" || { fail "create the tables" "sql failed"; exit 1; }

expect_ok "mc-snapshot" mc-snapshot $MDB_ARGS --databases=s
cp "$T/out" "$T/snap.mcr"; mc-cat --to=jsonl "$T/out" >"$T/snap.jsonl"
binlog=$(ls "$MDB_DIR"/binlog/mysql-bin.0* | tail -1)
expect_ok "mc-binlog-tail of the binlog that created them" mc-binlog-tail "$binlog"
cp "$T/out" "$T/tail.mcr"
expect_ok "... whose records have a JSON form" mc-cat --to=jsonl "$T/tail.mcr"
cp "$T/out" "$T/tail.jsonl"
expect_ok "the schema records are the same on both paths" \
	python3 "$TOP/tests/schemacmp.py" "$T/snap.jsonl" "$T/tail.jsonl"
expect_grep "ENUM('unsigned',...) is not unsigned" '"name":"eu","mysql_type":"enum\('"'unsigned','x'"'\)","mc_type":"STRING","nullable":true,"flags":0' "$T/snap.jsonl"
expect_grep "FLOAT(7,3) is float" '"name":"f73","mysql_type":"float",' "$T/snap.jsonl"
expect_grep "DOUBLE(7,2) UNSIGNED is double unsigned" '"name":"d72","mysql_type":"double unsigned",' "$T/snap.jsonl"
expect_grep "POINT is geometry" '"name":"pt","mysql_type":"geometry",' "$T/snap.jsonl"
expect_grep "invisible: flag 1 in the binlog's schema" '"name":"inv","mysql_type":"int","mc_type":"INT","nullable":true,"flags":1' "$T/tail.jsonl"
expect_grep "generated (VIRTUAL): flag 2" '"name":"gen","mysql_type":"int","mc_type":"INT","nullable":true,"flags":2' "$T/tail.jsonl"
expect_grep "generated (GENERATED ALWAYS ... PERSISTENT): flag 2" '"name":"gp","mysql_type":"bigint","mc_type":"BIGINT","nullable":true,"flags":2' "$T/tail.jsonl"
expect_grep "ucs2: varchar(5) in the binlog's schema (GEOMETRY counted among the charset columns)" '"name":"uc2","mysql_type":"varchar\(5\)"' "$T/tail.jsonl"
expect_grep "only a unique key: a primary key (flags 0) in the snapshot" '"table":"uniq",.*"flags":0,.*"key":\[0\]' "$T/snap.jsonl"
expect_grep "the first whole unique key of NOT NULL columns in the server's order" '"table":"uniq2",.*"flags":0,.*"key":\[2,1\]' "$T/snap.jsonl"

# --schema: the snapshot's records give the flags to a binlog without the
# CREATE TABLE (the tail starts after it)
pos=$(grep -o '"table":"every","version":1,"pos":\[[0-9]*,[0-9]*' "$T/snap.jsonl" | head -1 | sed 's/.*\[//')
sql "INSERT INTO s.every (id) VALUES (2)"
expect_ok "mc-binlog-tail --schema from the snapshot, after the CREATE" \
	mc-binlog-tail --schema="$T/snap.mcr" --from="$binlog:${pos#*,}" "$binlog"
mc-cat --to=jsonl "$T/out" >"$T/tail2.jsonl"
expect_grep "... the invisible flag" '"name":"inv","mysql_type":"int","mc_type":"INT","nullable":true,"flags":1' "$T/tail2.jsonl"
expect_grep "... the generated flag" '"name":"gst","mysql_type":"int","mc_type":"INT","nullable":true,"flags":2' "$T/tail2.jsonl"
