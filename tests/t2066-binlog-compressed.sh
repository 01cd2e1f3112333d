#!/bin/sh
# MariaDB's COMPRESSED columns (BLOB/TEXT COMPRESSED: binlog type 140;
# VARCHAR/VARBINARY COMPRESSED: 141), written by a throwaway MariaDB with
# zlib's raw streams (the default) and wrapped ones, values stored as is
# (short) and compressed: the rows mc-binlog-tail writes rebuild what SELECT
# returns (tests/binlog-select.py). A table the filter leaves out never
# stops the stream, whatever its columns; a selected one whose column type
# is not known is refused (exit 1, the offset).
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/mariadb.sh"
mdb_start
sql() { "$MDB_CLIENT" --no-defaults --default-character-set=utf8mb4 --socket="$MDB_SOCK" --user=root "$@"; }
BL=$MDB_DIR/binlog/mysql-bin

cat >"$T/cols" <<'COLS'
id INT_NOT_NULL_PRIMARY_KEY plain
v VARCHAR(100)_COMPRESSED text
vl VARCHAR(300)_COMPRESSED_CHARACTER_SET_latin1 text
vu VARCHAR(50)_COMPRESSED_CHARACTER_SET_ucs2 text
vb VARBINARY(200)_COMPRESSED bytes
tb TINYBLOB_COMPRESSED bytes
b BLOB_COMPRESSED bytes
tx TEXT_COMPRESSED_CHARACTER_SET_latin1 text
mt MEDIUMTEXT_COMPRESSED text
lb LONGBLOB_COMPRESSED bytes
COLS
create= sel=
while read -r n t k; do
	t=$(echo "$t" | tr '_' ' ')
	create="$create${create:+, }\`$n\` $t"
	case $k in
	text) e="HEX(CONVERT(\`$n\` USING utf8mb4))" ;;
	bytes) e="HEX(\`$n\`)" ;;
	*) e="\`$n\`" ;;
	esac
	sel="$sel${sel:+, }$e"
	echo "$k" >>"$T/kinds"
done <"$T/cols"

rows="(1, 'short', 'é', 'Ā', x'00ff', x'01', x'02', 'ü', '✓', x'03'),
 (2, REPEAT('abc✓', 25), REPEAT('é€', 150), REPEAT('ĀŁ', 25), REPEAT(x'00ff', 100),
  REPEAT(x'ab', 255), REPEAT(x'cd', 3000), REPEAT('ñ', 5000), REPEAT('😀 four bytes ', 20000),
  REPEAT(x'0102030405', 100000)),
 (3, '', '', '', '', '', '', '', '', ''),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (5, SHA2('a', 512), SHA2('b', 256), 'x', UNHEX(SHA2('c', 512)), UNHEX(CONCAT(SHA2('d', 512),
  SHA2('e', 512))), UNHEX(REPEAT(SHA2('f', 512), 8)), REPEAT('x', 99), REPEAT('y', 100),
  REPEAT('z', 101))"
cat >"$T/load.sql" <<SQL
CREATE DATABASE d;
USE d;
CREATE TABLE c ($create) ENGINE=InnoDB;
CREATE TABLE other (id INT PRIMARY KEY, z BLOB COMPRESSED) ENGINE=InnoDB;
CREATE TABLE sel (id INT PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO c VALUES $rows;
SET SESSION column_compression_zlib_wrap=ON;
INSERT INTO c SELECT id + 10, v, vl, vu, vb, tb, b, tx, mt, lb FROM c WHERE id <= 5;
UPDATE c SET v = REPEAT('updated ', 12), lb = x'' WHERE id = 12;
DELETE FROM c WHERE id = 13;
INSERT INTO other VALUES (1, REPEAT('q', 1000));
INSERT INTO sel VALUES (1);
BEGIN; INSERT INTO other VALUES (2, 'r'); INSERT INTO sel VALUES (2); COMMIT;
SQL
if sql <"$T/load.sql" >"$T/load.out" 2>&1; then ok "load the compressed tables"
else fail "load the compressed tables" "$(grep ERROR "$T/load.out")"; exit 1; fi
sql -N -B -e "SELECT $sel FROM d.c ORDER BY id" >"$T/select.tsv" 2>"$T/err" ||
	fail "SELECT" "$(head -3 "$T/err")"
sql -N -B -e 'FLUSH BINARY LOGS' >/dev/null 2>&1

expect_ok "decode COMPRESSED columns" mc-binlog-tail --format=text "$BL".000001
cp "$T/out" "$T/mc.txt"
if python3 "$TOP/tests/binlog-select.py" "$T/kinds" "$T/mc.txt" "$T/select.tsv" d.c >"$T/cmp" 2>&1; then
	ok "binlog rows = SELECT: $(cat "$T/cmp")"
else
	fail "binlog rows = SELECT" "$(head -8 "$T/cmp" | tr '\n' ' ')"
fi
expect_eq "ten inserts, an update and a delete of d.c" \
	"$(grep -o '^row [a-z]* `d`.`c`' "$T/mc.txt" | sort | uniq -c | tr '\n' ' ' | tr -s ' ')" \
	" 1 row delete \`d\`.\`c\` 10 row insert \`d\`.\`c\` 1 row update \`d\`.\`c\` "
expect_grep "type text as information_schema spells it (VARCHAR)" \
	'^  col @3 `vl` varchar\(300\) /\*M!100301 COMPRESSED\*/ STRING ' "$T/mc.txt"
expect_grep "type text as information_schema spells it (TEXT)" \
	'^  col @8 `tx` text /\*M!100301 COMPRESSED\*/ STRING ' "$T/mc.txt"
expect_grep "type text as information_schema spells it (VARBINARY)" \
	'^  col @5 `vb` varbinary\(200\) /\*M!100301 COMPRESSED\*/ BINARY ' "$T/mc.txt"
expect_grep "type text as information_schema spells it (LONGBLOB)" \
	'^  col @10 `lb` longblob /\*M!100301 COMPRESSED\*/ BINARY ' "$T/mc.txt"
expect_ok "the mcr form" mc-binlog-tail "$BL".000001
cp "$T/out" "$T/mc.mcr"
expect_ok "mcr -> JSON lines -> mcr" sh -c "mc-cat --to=jsonl '$T/mc.mcr' | mc-cat --to=mcr > '$T/rt.mcr'"
expect_same "... byte-identical" "$T/mc.mcr" "$T/rt.mcr"

# A table the filter leaves out: its rows are not decoded, whatever they hold.
expect_ok "--tables leaves the compressed tables out" \
	mc-binlog-tail --format=text --tables='^d\.sel$' "$BL".000001
expect_eq "the selected table's rows after theirs are all there" \
	"$(grep -A1 '^row insert `d`.`sel`' "$T/out" | grep -c '^  after @1=')" 2
