#!/bin/sh
# MariaDB's own old-format TIME(n), DATETIME(n), TIMESTAMP(n) (a table made
# under mysql56_temporal_format=OFF, or on MariaDB 10.0 and older) are
# written under the old binlog types 11, 12, 7 with no metadata: the
# fraction digits, and so each value's length, are not in the binlog. A
# throwaway MariaDB started with that setting off writes them. Where the
# digits are known (the CREATE/ALTER TABLE the binlog carries, --schema,
# information_schema on the live path) every value decodes to what SELECT
# returns (time_zone +00:00); where they are not, a selected table is
# refused (exit 1, the offset, the remedy), never decoded into wrong rows;
# a table the filter leaves out passes; once the table is converted (ALTER
# TABLE ... FORCE with the setting on) its rows decode too.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/mariadb.sh"
mdb_start --mysql56-temporal-format=OFF
sql() { "$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root "$@"; }
BL=$MDB_DIR/binlog/mysql-bin

# d.e: every precision of the three types, with edge values; d.old: mixed
cols="id INT PRIMARY KEY"
for n in 0 1 2 3 4 5 6; do
	cols="$cols, t$n TIME($n), d$n DATETIME($n), s$n TIMESTAMP($n) NULL"
done
times="'-838:59:59.999999' '838:59:59.999999' '00:00:00' '-00:00:00.000001' '00:00:00.1'
'00:00:00.000001' '12:34:56.999999' '-01:00:00.5' '-12:34:56.1' '-00:00:00.9' '100:00:00.000009'"
dts="'0000-00-00 00:00:00' '1000-01-01 00:00:00.000001' '9999-12-31 23:59:59.999999'
'2024-02-29 12:34:56.1' '2024-00-00 00:00:00.5' '1970-01-01 00:00:00.000001' '2001-02-03 04:05:06.9'
'0000-01-00 23:59:59.999999' '1999-12-31 23:59:59.5' '2024-07-00 12:00:00.05' '1582-10-10 10:10:10.101010'"
tss="'1970-01-01 00:00:01' '2038-01-19 03:14:07.999999' '0000-00-00 00:00:00' '2024-02-29 12:34:56.1'
'1999-12-31 23:59:59.000001' NULL '1970-01-01 00:00:01.5' '2000-01-01 00:00:00.000001'
'2021-06-30 23:59:59.9' '2010-10-10 10:10:10.101010' '1980-01-01 00:00:00.99'"
nth() { echo "$2" | tr ' ' '\n' | sed -n "${1}p" | tr '#' ' '; }
times=$(echo "$times" | sed "s/\([0-9]\) \([0-9-]\)/\1#\2/g")
dts=$(echo "$dts" | sed "s/\([0-9]\) \([0-9]\)/\1#\2/g")
tss=$(echo "$tss" | sed "s/\([0-9]\) \([0-9]\)/\1#\2/g")
rows() { # FIRST_ID: 11 rows of edge values
	_r=""
	for i in 1 2 3 4 5 6 7 8 9 10 11; do
		_v="$(( $1 + i ))"
		for n in 0 1 2 3 4 5 6; do
			j=$(( (i + n - 1) % 11 + 1 ))
			_v="$_v, $(nth $j "$times"), $(nth $j "$dts"), $(nth $j "$tss")"
		done
		_r="$_r${_r:+, }($_v)"
	done
	echo "$_r"
}
printf 'plain\n%.0s' $(seq 22) >"$T/kinds.e"

cat >"$T/load.sql" <<SQL
SET time_zone='+00:00';
CREATE DATABASE d;
USE d;
CREATE TABLE e ($cols) ENGINE=InnoDB;
CREATE TABLE old (id INT PRIMARY KEY, ts1 TIMESTAMP(1) NULL, t3 TIME(3), dt6 DATETIME(6),
  t0 TIME, dt2 DATETIME(2), ts6 TIMESTAMP(6) NULL, v VARCHAR(5)) ENGINE=InnoDB;
CREATE TABLE sel (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE one (ts TIMESTAMP(1) NULL) ENGINE=InnoDB;
SQL
if sql <"$T/load.sql" >"$T/load.out" 2>&1; then ok "create tables of the old format"
else fail "create tables of the old format" "$(grep ERROR "$T/load.out")"; exit 1; fi
expect_grep "the server made them in its old format" 'mariadb-5\.3' \
	/dev/stdin <<EOF2
$(sql -N -B -e "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_NAME='old'")
EOF2
# a snapshot's schema records (for --schema), then a new binlog file: the
# CREATE TABLEs are in file 1 only
mc-snapshot $MDB_ARGS --tables='^d\.' >"$T/snap.mcr" 2>"$T/snap.err" ||
	fail "mc-snapshot" "$(cat "$T/snap.err")"
sql -e 'FLUSH BINARY LOGS'

cat >"$T/rows.sql" <<SQL
SET time_zone='+00:00';
USE d;
INSERT INTO one VALUES ('2024-02-29 12:34:56.1');
INSERT INTO old VALUES (1, '2024-02-29 12:34:56.1', '-838:59:58.999', '9999-12-31 23:59:59.999999',
  '-01:00:00', '0000-00-00 00:00:00.00', '2038-01-19 03:14:07.999999', 'x');
INSERT INTO sel VALUES (1);
BEGIN; INSERT INTO old (id, t3) VALUES (2, '00:00:00.5'); INSERT INTO sel VALUES (2); COMMIT;
INSERT INTO sel VALUES (3);
INSERT INTO e VALUES $(rows 0);
INSERT INTO e VALUES $(rows 100);
UPDATE e SET t6 = '-00:00:00.000001', d3 = '2024-02-29 23:59:59.999', s2 = '2038-01-19 03:14:07.99'
  WHERE id = 3;
UPDATE e SET t1 = t2, t2 = t3, t3 = t4, t4 = t5, t5 = t6, t6 = t1, d1 = d6, s5 = s1 WHERE id > 105;
DELETE FROM e WHERE id IN (4, 104);
SQL
if sql <"$T/rows.sql" >"$T/rows.out" 2>&1; then ok "load edge values"
else fail "load edge values" "$(grep ERROR "$T/rows.out")"; exit 1; fi
sql -N -B -e "SET time_zone='+00:00'; SELECT * FROM d.e ORDER BY id" >"$T/e.tsv"
sql -N -B -e "SET time_zone='+00:00'; SELECT * FROM d.old ORDER BY id" >"$T/old.tsv"
sql -N -B -e "SET time_zone='+00:00'; SELECT * FROM d.one" >"$T/one.tsv"
expect_eq "SELECT has the rows" "$(wc -l <"$T/e.tsv")" 20
sql -e 'FLUSH BINARY LOGS'
printf 'plain\n%.0s' $(seq 8) >"$T/kinds.old"

same_as_select() { # WHAT TEXT_FILE: d.e and d.old as SELECT has them
	for _t in e old; do
		if python3 "$TOP/tests/binlog-select.py" "$T/kinds.$_t" "$2" "$T/$_t.tsv" d.$_t \
			>"$T/cmp" 2>&1; then
			ok "$1: d.$_t = SELECT: $(cat "$T/cmp")"
		else
			fail "$1: d.$_t = SELECT" "$(head -8 "$T/cmp" | tr '\n' ' ')"
		fi
	done
}

# The digits from the CREATE TABLE (file 1)
expect_ok "the digits from the CREATE TABLE: decoded" \
	mc-binlog-tail --format=text "$BL".000001 "$BL".000002
cp "$T/out" "$T/ddl.txt"
same_as_select "from the CREATE TABLE" "$T/ddl.txt"
expect_grep "... typed with its digits" '^  col @2 `ts1` timestamp\(1\) /\* mariadb-5.3 \*/ TIMESTAMP ' "$T/ddl.txt"
expect_grep "... TIME(0) as time" '^  col @2 `t0` time /\* mariadb-5.3 \*/ STRING ' "$T/ddl.txt"
expect_eq "a lone TIMESTAMP(1) is one row" "$(grep -c '^row insert `d`.`one`' "$T/ddl.txt")" 1
expect_grep "... of its value" "^  after @1=.*'$(cat "$T/one.tsv")'\$" "$T/ddl.txt"
expect_ok "... the mcr form too" mc-binlog-tail "$BL".000001 "$BL".000002
cp "$T/out" "$T/ddl.mcr"
expect_ok "... which mc-cat reads" mc-cat --to=jsonl "$T/ddl.mcr"
cp "$T/out" "$T/ddl.jsonl"
mc-cat --to=jsonl "$T/snap.mcr" >"$T/snap.jsonl"
if python3 "$TOP/tests/schemacmp.py" "$T/snap.jsonl" "$T/ddl.jsonl" >"$T/sc" 2>&1; then
	ok "the schema records are mc-snapshot's"
else
	fail "the schema records are mc-snapshot's" "$(head -5 "$T/sc" | tr '\n' ' ')"
fi
expect_grep "... spelled as information_schema does" \
	'"name":"s3","mysql_type":"timestamp\(3\) /\* mariadb-5.3 \*/","mc_type":"TIMESTAMP"' \
	"$T/ddl.jsonl"

# File 2 alone: no CREATE TABLE, no --schema: refused
expect_code 1 "without the CREATE TABLE, a selected table of the old format is refused" \
	mc-binlog-tail --format=text --tables='^d\.(old|sel)$' "$BL".000002
expect_grep "... naming the file, offset, table and column, and the remedy" \
	"^mc-binlog-tail: '.*mysql-bin\.000002': offset [0-9]+: table \`d\`\.\`old\`: column 2 \(ts1\) is MariaDB's old-format TIMESTAMP \(mysql56_temporal_format=OFF\) whose fraction digits are in neither the binlog, its CREATE TABLE nor --schema; give --schema FILE \(mc-snapshot's schema records\), convert the table \(SET GLOBAL mysql56_temporal_format=ON; ALTER TABLE \.\.\. FORCE\) or leave it out with --tables$" \
	"$T/err"
expect_eq "... and no row of it written" "$(grep -c '^row .*`d`.`old`' "$T/out")" 0
expect_eq "... nor anything after it" "$(grep -c '^row .*`d`.`sel`' "$T/out")" 0
expect_code 1 "the mcr form is refused too" mc-binlog-tail "$BL".000002
expect_code 1 "a lone TIMESTAMP(1) is refused, not read as two rows" \
	mc-binlog-tail --format=text --tables='^d\.one$' "$BL".000002
expect_grep "... naming its column" "column 1 \(ts\) is MariaDB's old-format TIMESTAMP" "$T/err"
expect_eq "... no row of it written" "$(grep -c '^row ' "$T/out")" 0
expect_ok "a table of the old format the filter leaves out passes" \
	mc-binlog-tail --format=text --tables='^d\.sel$' "$BL".000002
expect_eq "... with every row of the selected table" \
	"$(grep -A1 '^row insert `d`.`sel`' "$T/out" | grep '^  after' | tr '\n' ' ')" \
	"  after @1=1   after @1=2   after @1=3 "

# File 2 with --schema (the snapshot's schema records)
expect_ok "file 2 with --schema: decoded" \
	mc-binlog-tail --format=text --schema="$T/snap.mcr" "$BL".000002
cp "$T/out" "$T/schema.txt"
same_as_select "--schema" "$T/schema.txt"
rows_of() { grep '^row \|^  before\|^  after' "$1" | sed -E 's/ [0-9]+:[0-9]+:[0-9]+ / P /; s/ v[0-9]+ / V /'; }
rows_of "$T/ddl.txt" >"$T/ddl.rows"
rows_of "$T/schema.txt" >"$T/schema.rows"
expect_same "--schema: the same rows as from the CREATE TABLE" "$T/ddl.rows" "$T/schema.rows"
expect_eq "... all of them" "$(grep -c '^row ' "$T/schema.rows")" 37

# Live, from file 2: the digits from information_schema
live() { # OUT START
	timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
		--stop-at-end --format=text --start="$2" >"$T/$1" 2>"$T/$1.err"
}
if live live2.txt mysql-bin.000002:4; then ok "live from file 2 (information_schema): exit 0"
else fail "live from file 2 (information_schema)" "$(head -3 "$T/live2.txt.err")"; fi
same_as_select "live, information_schema" "$T/live2.txt"
if live live1.txt mysql-bin.000001:4; then ok "live from file 1 (the CREATE TABLE): exit 0"
else fail "live from file 1" "$(head -3 "$T/live1.txt.err")"; fi
same_as_select "live, the CREATE TABLE" "$T/live1.txt"

# An ALTER that changes the digits, the table staying in the old format
cat >"$T/alter.sql" <<'SQL'
SET time_zone='+00:00';
CREATE TABLE d.a (id INT PRIMARY KEY, t TIME(1), x DATETIME(6)) ENGINE=InnoDB;
INSERT INTO d.a VALUES (1, '-00:00:01.5', '2024-02-29 12:34:56.123456');
ALTER TABLE d.a MODIFY t TIME(6), MODIFY x DATETIME(2);
INSERT INTO d.a VALUES (2, '-00:00:01.000001', '2024-02-29 12:34:56.12');
UPDATE d.a SET id = 3 WHERE id = 1;
SQL
sql <"$T/alter.sql" >"$T/alter.out" 2>&1 || fail "alter" "$(grep ERROR "$T/alter.out")"
sql -N -B -e "SET time_zone='+00:00'; SELECT * FROM d.a ORDER BY id" >"$T/a.tsv"
sql -e 'FLUSH BINARY LOGS'
printf 'plain\nplain\nplain\n' >"$T/kinds.a"
expect_ok "an ALTER changing the digits is followed" mc-binlog-tail --format=text "$BL".000003
expect_eq "... the row before it with the digits then" \
	"$(grep -A3 '^row insert `d`.`a`' "$T/out" | grep '^  after' | head -3 | tr '\n' ' ')" \
	"  after @1=1   after @2=time:'-00:00:01.5'   after @3=datetime:'2024-02-29 12:34:56.123456' "
if python3 "$TOP/tests/binlog-select.py" "$T/kinds.a" "$T/out" "$T/a.tsv" d.a >"$T/cmp" 2>&1; then
	ok "... the rows after it = SELECT: $(cat "$T/cmp")"
else
	fail "... the rows after it = SELECT" "$(head -8 "$T/cmp" | tr '\n' ' ')"
fi
expect_grep "... typed time(6) after it" '^  col @2 `t` time\(6\) /\* mariadb-5.3 \*/ STRING ' "$T/out"

# Converted: the new binlog types, decoded exactly.
cat >"$T/conv.sql" <<'SQL'
SET GLOBAL mysql56_temporal_format=ON;
ALTER TABLE d.old FORCE;
SET time_zone='+00:00';
INSERT INTO d.old VALUES (11, '2024-02-29 12:34:56.1', '-838:59:58.999', '9999-12-31 23:59:59.999999',
  '-01:00:00', '0000-00-00 00:00:00.00', '2038-01-19 03:14:07.999999', 'x'),
  (12, '1970-01-01 00:00:01.0', '-00:00:00.001', '1000-01-01 00:00:00.000001', '838:59:59',
  '2024-01-01 00:00:00.01', '1999-12-31 23:59:59.5', 'y');
UPDATE d.old SET t3 = '12:34:56.789' WHERE id = 12;
SQL
sql <"$T/conv.sql" >"$T/conv.out" 2>&1 || fail "convert" "$(grep ERROR "$T/conv.out")"
sql -N -B -e "SET time_zone='+00:00'; SELECT * FROM d.old WHERE id > 10 ORDER BY id" \
	>"$T/select.tsv"
sql -e 'FLUSH BINARY LOGS'
expect_ok "the converted table decodes" mc-binlog-tail --format=text "$BL".000004
cp "$T/out" "$T/mc.txt"
expect_grep "... as TIMESTAMP(1) of the new format" '^  col @2 `ts1` timestamp\(1\) TIMESTAMP ' \
	"$T/mc.txt"
if python3 "$TOP/tests/binlog-select.py" "$T/kinds.old" "$T/mc.txt" "$T/select.tsv" d.old >"$T/cmp" 2>&1; then
	ok "binlog rows = SELECT: $(cat "$T/cmp")"
else
	fail "binlog rows = SELECT" "$(head -8 "$T/cmp" | tr '\n' ' ')"
fi

# Live, from file 2 again, d.old now converted on the server: its
# information_schema no longer describes the old-format table map, so the
# digits are not known: a warning, and the table refused (never guessed)
if live live3.txt mysql-bin.000002:4; then fail "live after the conversion: exit 0, expected 1"
else ok "live after the conversion: refused"; fi
expect_grep "... warning that information_schema does not describe the map" \
	"d\`.\`old\` at .*information_schema does not describe the table map \(column 2 \`ts1\` timestamp\(1\): storage format differs from the table map\)" \
	"$T/live3.txt.err"
expect_grep "... naming the column" \
	"offset [0-9]+: table \`d\`\.\`old\`: column 2 \(ts1\) is MariaDB's old-format TIMESTAMP" "$T/live3.txt.err"
expect_eq "... and no row of it written" "$(grep -c '^row .*`d`.`old`' "$T/live3.txt")" 0

# A column type the decoder does not know (file 2 with d.e's column 2 made
# type 20 in its table maps, checksums recomputed): a selected table is
# refused at its table map, one the filter leaves out passes
python3 - "$BL".000002 "$T/unknown.000002" <<'PY'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], 'rb').read())
p = 4
while p + 19 <= len(b):
    n = struct.unpack_from('<I', b, p + 9)[0]
    if b[p + 4] == 19:
        q = p + 19 + 8
        db = b[q + 1:q + 1 + b[q]]; q += 2 + b[q]
        tb = b[q + 1:q + 1 + b[q]]; q += 2 + b[q]
        if db == b'd' and tb == b'e':
            b[q + 1 + 1] = 20
            struct.pack_into('<I', b, p + n - 4, zlib.crc32(bytes(b[p:p + n - 4])))
    p += n
open(sys.argv[2], 'wb').write(b)
PY
expect_code 1 "a column type not known: a selected table is refused" \
	mc-binlog-tail --format=text --tables='^d\.e$' "$T/unknown.000002"
expect_grep "... at its table map, naming the type" \
	"offset [0-9]+: table \`d\`\.\`e\`: column 2 has type 20, which this decoder does not know" "$T/err"
expect_ok "... a table the filter leaves out passes" \
	mc-binlog-tail --format=text --tables='^d\.sel$' "$T/unknown.000002"
