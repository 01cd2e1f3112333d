#!/bin/sh
# MariaDB's own old-format TIME(n), DATETIME(n), TIMESTAMP(n) (a table made
# under mysql56_temporal_format=OFF, or on MariaDB 10.0 and older) are
# written under the old binlog types 11, 12, 7 with no metadata: the
# fraction digits, and so each value's length, are not in the binlog. A
# throwaway MariaDB started with that setting off writes them: a selected
# table with such a column is refused (exit 1, the offset, the remedy),
# never decoded into wrong rows; a table the filter leaves out passes;
# once the table is converted (ALTER TABLE ... FORCE with the setting on)
# its rows decode to what SELECT returns.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/mariadb.sh"
mdb_start --mysql56-temporal-format=OFF
sql() { "$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root "$@"; }
BL=$MDB_DIR/binlog/mysql-bin

cat >"$T/load.sql" <<'SQL'
SET time_zone='+00:00';
CREATE DATABASE d;
USE d;
CREATE TABLE old (id INT PRIMARY KEY, ts1 TIMESTAMP(1) NULL, t3 TIME(3), dt6 DATETIME(6),
  t0 TIME, dt2 DATETIME(2), ts6 TIMESTAMP(6) NULL, v VARCHAR(5)) ENGINE=InnoDB;
CREATE TABLE sel (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE one (ts TIMESTAMP(1) NULL) ENGINE=InnoDB;
INSERT INTO one VALUES ('2024-02-29 12:34:56.1');
INSERT INTO old VALUES (1, '2024-02-29 12:34:56.1', '-838:59:58.999', '9999-12-31 23:59:59.999999',
  '-01:00:00', '0000-00-00 00:00:00.00', '2038-01-19 03:14:07.999999', 'x');
INSERT INTO sel VALUES (1);
BEGIN; INSERT INTO old (id, t3) VALUES (2, '00:00:00.5'); INSERT INTO sel VALUES (2); COMMIT;
INSERT INTO sel VALUES (3);
SQL
if sql <"$T/load.sql" >"$T/load.out" 2>&1; then ok "load tables of the old format"
else fail "load tables of the old format" "$(grep ERROR "$T/load.out")"; exit 1; fi
expect_grep "the server made them in its old format" 'mariadb-5\.3' \
	/dev/stdin <<EOF2
$(sql -N -B -e "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_NAME='old'")
EOF2
sql -e 'FLUSH BINARY LOGS'

expect_code 1 "a selected table of the old format is refused" \
	mc-binlog-tail --format=text --tables='^d\.(old|sel)$' "$BL".000001
expect_grep "... naming the file, offset, table and column, and the remedy" \
	"^mc-binlog-tail: '.*mysql-bin\.000001': offset [0-9]+: table \`d\`\.\`old\`: column 2 \(ts1\) is MariaDB's old-format TIMESTAMP \(mysql56_temporal_format=OFF\): its fraction digits are not in the binlog; convert the table \(SET GLOBAL mysql56_temporal_format=ON; ALTER TABLE \.\.\. FORCE\) or leave it out with --tables$" \
	"$T/err"
expect_eq "... and no row of it written" "$(grep -c '^row .*`d`.`old`' "$T/out")" 0
expect_eq "... nor anything after it" "$(grep -c '^row .*`d`.`sel`' "$T/out")" 0
expect_code 1 "the mcr form is refused too" mc-binlog-tail "$BL".000001
expect_code 1 "a lone TIMESTAMP(1) is refused, not read as two rows" \
	mc-binlog-tail --format=text --tables='^d\.one$' "$BL".000001
expect_grep "... naming its column" "column 1 \(ts\) is MariaDB's old-format TIMESTAMP" "$T/err"
expect_eq "... no row of it written" "$(grep -c '^row ' "$T/out")" 0
expect_ok "a table of the old format the filter leaves out passes" \
	mc-binlog-tail --format=text --tables='^d\.sel$' "$BL".000001
expect_eq "... with every row of the selected table" \
	"$(grep -A1 '^row insert `d`.`sel`' "$T/out" | grep '^  after' | tr '\n' ' ')" \
	"  after @1=1   after @1=2   after @1=3 "

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
printf 'plain\nplain\nplain\nplain\nplain\nplain\nplain\nplain\n' >"$T/kinds"
sql -N -B -e "SET time_zone='+00:00'; SELECT * FROM d.old WHERE id > 10 ORDER BY id" \
	>"$T/select.tsv"
sql -e 'FLUSH BINARY LOGS'
expect_ok "the converted table decodes" mc-binlog-tail --format=text "$BL".000002
cp "$T/out" "$T/mc.txt"
expect_grep "... as TIMESTAMP(1) of the new format" '^  col @2 `ts1` timestamp\(1\) TIMESTAMP ' \
	"$T/mc.txt"
if python3 "$TOP/tests/binlog-select.py" "$T/kinds" "$T/mc.txt" "$T/select.tsv" d.old >"$T/cmp" 2>&1; then
	ok "binlog rows = SELECT: $(cat "$T/cmp")"
else
	fail "binlog rows = SELECT" "$(head -8 "$T/cmp" | tr '\n' ' ')"
fi
