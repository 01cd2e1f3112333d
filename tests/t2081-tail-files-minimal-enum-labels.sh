#!/bin/sh
# mc-binlog-tail reading binlog files (--schema=SNAPSHOT, the DDL followed)
# whose table maps carry no ENUM/SET labels (binlog_row_metadata=MINIMAL,
# MariaDB's default). It wrote the values as their index numbers under
# the type text enum(), exit 0, and a warehouse that holds the snapshot's
# labels merged "2" and "1" where the server had 'b' and 'é'. Now the
# labels come from the snapshot's schema records and from the ENUM/SET
# definitions of the CREATE/ALTER TABLE followed (read in the statement's
# character_set_client and sql_mode, taken into the column's charset as
# the server does): the same stream as FULL table maps give. Where they
# cannot be known exactly (a --schema without labels, fewer labels than
# the values, ALTER TABLE ... CONVERT TO CHARACTER SET, a statement not
# followed, a label not ASCII in a column of unknown charset, a label the
# column's charset cannot hold) the tail stops at the table's map, one
# line naming the file, offset, table, column and the way out, exit 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start --binlog-row-metadata=MINIMAL
expect_eq "the server writes MINIMAL table maps" "$(sql "SELECT @@GLOBAL.binlog_row_metadata")" MINIMAL
SETUP="CREATE DATABASE d CHARACTER SET utf8mb4;
CREATE TABLE d.le (id INT PRIMARY KEY, e ENUM('é','b'), s SET('b','é')) CHARSET latin1;
INSERT INTO d.le VALUES (1, 2, 1);"
# after the snapshot: rows of its table, tables created and altered (labels
# with escapes, trailing spaces, a doubled quote, cp1252's euro in latin1,
# an emoji; under NO_BACKSLASH_ESCAPES; sent in latin1)
CHANGES1="INSERT INTO d.le VALUES (2, 1, 3); UPDATE d.le SET id = 3 WHERE id = 1;"
CHANGES2="CREATE TABLE d.nc (id INT PRIMARY KEY, e ENUM('x','it''s','a\\\\b','n\\nl','tr  ','ü','😀', 'p\\%q'),
  s SET('p','q\"r', \"d\"\"q\")) CHARSET utf8mb4;
INSERT INTO d.nc VALUES (1, 2, 3), (2, 3, 0), (3, 4, 2), (4, 5, 1), (5, 6, NULL), (6, 7, 4), (7, 8, 7);
CREATE TABLE d.l1 (id INT PRIMARY KEY, e ENUM('é','€','b')) CHARSET latin1;
INSERT INTO d.l1 VALUES (1, '€'), (2, 'é');
ALTER TABLE d.le MODIFY e ENUM('é','b','ç') CHARACTER SET latin1;
INSERT INTO d.le VALUES (4, 'ç', 'é');
ALTER TABLE d.le ADD COLUMN f ENUM('m','ñ') CHARSET latin1 AFTER e;
INSERT INTO d.le VALUES (5, 'b', 'ñ', 'b,é');
ALTER TABLE d.le CHANGE s s2 SET('b','é','z') COLLATE latin1_bin;
INSERT INTO d.le VALUES (6, 'é', 'm', 'z,é'); UPDATE d.le SET e = 'ç' WHERE id = 2;
SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES');
CREATE TABLE d.nb (id INT PRIMARY KEY, e ENUM('a\\b','c')) CHARSET utf8mb4;
SET SESSION sql_mode = DEFAULT;
INSERT INTO d.nb VALUES (1, 1), (2, 2);
$(printf "SET NAMES latin1; CREATE TABLE d.cl (id INT PRIMARY KEY, e ENUM('\\351','b')) CHARSET utf8mb4; SET NAMES utf8mb4;")
INSERT INTO d.cl VALUES (1, 1), (2, 2);"
sql "$SETUP" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "$CHANGES1" || { fail "setup" "the changes failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/now.mcr" 2>"$T/err" || { fail "setup" "mc-snapshot"; exit 1; }
sql "$CHANGES2" || { fail "setup" "the changes failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr" # (fails the test when the tail fails)
ok "MINIMAL maps, --schema: the tail reads the changes"
mc-cat "$T/changes.mcr" >"$T/changes.jsonl"
expect_grep "le: the labels of the snapshot in the type text" \
	'"name":"e","mysql_type":"enum\('"'é','b'"'\)"' "$T/changes.jsonl"
expect_grep "le: the values as labels" '"after":\[2,"é","b,é"\]' "$T/changes.jsonl"
expect_grep "le: ... in an update too" '"before":\[1,"b","b"\],"after":\[3,"b","b"\]' "$T/changes.jsonl"
if grep -q 'enum()\|set()' "$T/changes.jsonl"; then fail "no type text without labels" "$(grep -o '"mysql_type":"[a-z]*()"' "$T/changes.jsonl" | head -3)"; else ok "no type text without labels"; fi

# the warehouse: the merge holds the server's labels (up to the first
# ALTER, whose new label mc-merge does not take as a widening)
W=$T/w
load_two_days "$W"
set -- $(mc-cat --to=jsonl "$T/changes.mcr" | sed -n 's/.*"kind":"ddl","db":"d","table":"nc","pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1 \2/p')
expect_ok "le: mc-merge up to the changes after the rows" \
	mc-merge --warehouse="$W" --table=d__le --at="$1:$(($2 - 1)):0" --output="$T/le.mcr"
mc-cat --to=csv --table=d.le "$T/le.mcr" | sort >"$T/got"
mc-cat --to=csv --table=d.le "$T/now.mcr" | sort >"$T/want"
expect_same "le: the merged rows equal the server's table" "$T/got" "$T/want"
expect_grep "le: ... 'é' and 'b' where the numbers were" '^2,é,"b,é"$' "$T/got"

# the same changes with FULL table maps: the same stream
sql "SET GLOBAL binlog_row_metadata = FULL; FLUSH BINARY LOGS; DROP DATABASE d; $SETUP" ||
	{ fail "setup" "FULL"; exit 1; }
full=$(sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
sql "$CHANGES1 $CHANGES2" || { fail "setup" "the FULL changes failed"; exit 1; }
expect_ok "FULL maps: the tail reads the changes" \
	mc-binlog-tail --from="$MDB_DIR/binlog/$full" "$MDB_DIR/binlog/${full%%:*}"
mv "$T/out" "$T/full.mcr"
norm() { # the schema records' columns and the rows and DDL of a stream
	mc-cat "$1" | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    k = r.get("kind")
    if k == "schema":
        print("schema", r["table"], [(c["name"], c["mysql_type"], c["nullable"]) for c in r["columns"]], r["key"])
    elif k == "row":
        print("row", r["table"], r["op"], r.get("before"), r.get("after"))
    elif k == "ddl":
        print("ddl", r["table"], r["sql"])'
}
norm "$T/changes.mcr" >"$T/min.norm"
norm "$T/full.mcr" >"$T/full.norm"
expect_same "MINIMAL maps with --schema and DDL = FULL maps" "$T/min.norm" "$T/full.norm"
for t in nc l1 nb cl; do
	expect_grep "$t: labels from its CREATE TABLE" "^schema $t .*(enum|set)\\('" "$T/min.norm"
done
expect_grep "nc: escapes, trailing spaces, quotes undone as the server does" \
	"^row nc insert None \\[7, 'p\\\\\\\\%q', 'p,q\"r,d\"q'\\]" "$T/min.norm"
expect_grep "cl: a label sent in latin1" "^row cl insert None \\[1, 'é'\\]" "$T/min.norm"
expect_grep "nb: NO_BACKSLASH_ESCAPES" "^row nb insert None \\[1, 'a\\\\\\\\b'\\]" "$T/min.norm"

# refusals: each table from the MINIMAL binlogs, or with another --schema
sql "SET GLOBAL binlog_row_metadata = MINIMAL; FLUSH BINARY LOGS;
CREATE DATABASE d2; CREATE TABLE d2.a (id INT PRIMARY KEY, e ENUM('p','q'));
CREATE TABLE d2.u (id INT PRIMARY KEY, e ENUM('ü','a'));
CREATE TABLE d.cv (id INT PRIMARY KEY, e ENUM('é','b')) CHARSET latin1; INSERT INTO d.cv VALUES (1, 'é');
CREATE TABLE d.lk LIKE d.l1; CREATE TABLE d.it (id INT PRIMARY KEY, e ENUM(x'78','y'));
CREATE TABLE d.cn (id INT PRIMARY KEY, e ENUM('中','b')) CHARSET latin1;
SET SESSION sql_mode = ''; ALTER TABLE d.cv CONVERT TO CHARACTER SET utf8mb4; SET SESSION sql_mode = DEFAULT;
INSERT INTO d.cv VALUES (2, 'b'); INSERT INTO d.lk VALUES (1, 1); INSERT INTO d.it VALUES (1, 1);
INSERT INTO d.cn VALUES (1, 1); INSERT INTO d2.a VALUES (1, 2); INSERT INTO d2.u VALUES (1, 2);" ||
	{ fail "setup" "the refused changes"; exit 1; }
ref=$(sql "SHOW BINARY LOGS" | tail -1 | cut -f1)
files() { # TABLE-RE [OPTION...]: the files from the last one on
	_re=$1
	shift
	mc-binlog-tail --tables="$_re" "$@" "$MDB_DIR/binlog/$ref"
}
WAY="its ENUM/SET labels cannot be known exactly \\(the table map carries none: binlog_row_metadata=MINIMAL\\); give a --schema snapshot of the table taken after its last change before here, or tail the server live, or set binlog_row_metadata=FULL on the server$"
refused() { # NAME TABLE COLUMN WHY-RE CMD...
	_n=$1 _t=$2 _c=$3 _w=$4
	shift 4
	expect_code 1 "$_n: refused, exit 1" "$@"
	expect_grep "$_n: ... one line naming the file, offset, table, column, why and what to do" \
		"^mc-binlog-tail: '[^']*mysql-bin\\.[0-9]+': offset [0-9]+: table \`${_t%%.*}\`\\.\`${_t#*.}\`: column $_c: $_w: $WAY" "$T/err"
	[ "$(wc -l <"$T/err")" -eq 1 ] && ok "$_n: one line" || fail "$_n: one line" "$(cat "$T/err")"
}
refused "CONVERT TO CHARACTER SET" d.cv "2 \\(e\\)" \
	"an ALTER TABLE \\.\\.\\. CONVERT TO CHARACTER SET of the table keeps the bytes of its ENUM and SET labels and reads them in the new charset, which is not followed from the statement" \
	files '^d[.]cv$'
mc-cat "$T/out" >"$T/out.jsonl" 2>/dev/null # (no trailer: the records before it)
expect_grep "CONVERT: the row before it was written" '"after":\[1,"é"\]' "$T/out.jsonl"
refused "CREATE TABLE ... LIKE" d.lk "2" \
	"the table's columns are not known here \\(a DDL statement of it was not followed\\)" files '^d[.]lk$'
refused "a hex literal" d.it "2 \\(e\\)" \
	"the statement writes a label otherwise than as a quoted string \\(a charset introducer, a hex or bit literal, strings side by side\\)" \
	files '^d[.]it$'
refused "a label latin1 cannot hold (the server made it '?')" d.cn "2 \\(e\\)" \
	"ENUM label 1 \\('中'\\) has no form in the column's charset latin1 \\(at byte 0\\): the server keeps another text" \
	files '^d[.]cn$'
expect_eq "cn: ... the server's label is '?'" \
	"$(sql "SELECT e FROM d.cn WHERE id = 1" | od -An -c | tr -d ' \n')" "?\\n"
refused "not ASCII, the charset not known" d2.u "2 \\(e\\)" \
	"ENUM label 1 \\('ü'\\) is not ASCII and the column's charset is not known" files '^d2[.]u$'
expect_ok "ASCII labels, the charset not known: read" files '^d2[.]a$'
mc-cat "$T/out" >"$T/out.jsonl"
expect_grep "... the value as its label" '"after":\[1,"q"\]' "$T/out.jsonl"
# --schema
mc-cat "$T/snap.mcr" | sed "s/enum('é','b')/enum()/" | mc-cat --to=mcr >"$T/nolab.mcr"
mc-cat "$T/snap.mcr" | sed "s/enum('é','b')/enum('é')/" | mc-cat --to=mcr >"$T/fewer.mcr"
mc-cat "$T/snap.mcr" | sed "s/\"mysql_type\":\"enum('é','b')\"/\"mysql_type\":\"varchar(3)\"/" |
	mc-cat --to=mcr >"$T/notenum.mcr"
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
from=$(printf '%s/binlog/mysql-bin.%06d:%s' "$MDB_DIR" "$1" "$2")
snap_tail() { mc-binlog-tail --schema="$1" --from="$from" --tables='^d[.]le$' "${from%:*}"; }
refused "a --schema without labels" d.le "2 \\(e\\)" \
	"the schema record's type text 'enum\\(\\)' holds no labels \\(a stream written from table maps without them\\)" \
	snap_tail "$T/nolab.mcr"
refused "a --schema that does not say ENUM" d.le "2 \\(e\\)" \
	"the schema known here does not give it as an ENUM or SET" snap_tail "$T/notenum.mcr"
expect_code 1 "a value beyond the labels known: refused" snap_tail "$T/fewer.mcr"
expect_grep "... naming the table, the column and the value" \
	"^mc-binlog-tail: '[^']*mysql-bin\\.[0-9]+': offset [0-9]+: table \`d\`\\.\`le\`: column 2: ENUM value 2 is beyond the 1 labels known of the column$" "$T/err"
# an ALTER of a table known from --schema, whose charset its schema
# records do not say: ASCII labels are followed, others refused
sql "CREATE TABLE d.ms (id INT PRIMARY KEY, e ENUM('a','b')) CHARSET latin1; INSERT INTO d.ms VALUES (1, 1)"
mc-snapshot $MDB_ARGS --databases=d --tables='^d[.]ms$' >"$T/ms.mcr" 2>"$T/err" || { fail "setup" "mc-snapshot ms"; exit 1; }
sql "ALTER TABLE d.ms MODIFY e ENUM('a','b','c'); INSERT INTO d.ms VALUES (2, 3);
ALTER TABLE d.ms MODIFY e ENUM('a','b','c','é'); INSERT INTO d.ms VALUES (3, 4);" || { fail "setup" "ms"; exit 1; }
set -- $(mc-cat --to=summary "$T/ms.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
from=$(printf '%s/binlog/mysql-bin.%06d:%s' "$MDB_DIR" "$1" "$2")
refused "ALTER ... MODIFY of a --schema table, a label not ASCII" d.ms "2 \\(e\\)" \
	"ENUM label 4 \\('é'\\) is not ASCII and the column's charset is not known" \
	mc-binlog-tail --schema="$T/ms.mcr" --from="$from" "${from%:*}"
mc-cat "$T/out" >"$T/out.jsonl" 2>/dev/null
expect_grep "... the row of the ASCII labels written" '"after":\[2,"c"\]' "$T/out.jsonl"
