#!/bin/sh
# mc-binlog-tail: the fixture README's special cases and the known failure
# modes of other CDC tools, checked against the values the fixtures' sources
# document (rust_mysql_common's tests, gen_alltypes.sql).
. "$(dirname "$0")/lib.sh"
B=$FIXTURES/binlog
R=$B/rust_mysql_common/test-data/binlogs
G=$B/generated-here-mariadb-10.11
J=$B/mysql-binlog-connector-java/src/test/resources

text() { mc-binlog-tail --format=text "$@" >"$T/o.txt" 2>"$T/err"; }
has() { expect_grep "$1" "$2" "$T/o.txt"; }

# TRANSACTION_PAYLOAD: rows inside share the payload event's end offset and
# are numbered across the payload; the txn_end mark comes after them.
text "$J/mysql-bin.compressed"
has "payload: update row at the payload's end offset" '^row update `demo`.`movies` v1 0:724:0 '
has "payload: new genre from the compressed transaction" "^  after @5='Western\|Action'$"
has "payload: txn_end after the rows" '^mark txn_end 0:724:1 '
text "$R/transaction_compression.000001"
has "payload (8.0.32): insert" '^row insert `test`.`tb1` v1 1:431:0 '

# PARTIAL_UPDATE_ROWS: JSON diffs applied to the before image.
mc-binlog-tail --format=text "$R/json.binlog.000001" >"$T/o.txt" 2>"$T/err"
expect_eq "partial JSON with a MINIMAL before image: exit 1" "$?" 1
expect_grep "partial JSON with a MINIMAL before image: message" \
	"offset 3750: column 2: partial JSON update of a column that is not in the before image" "$T/err"
has "partial JSON: \$.age 24 -> 25 applied" \
	"^  after @2=json:'\\{\"age\": 25, \"data\": \"xxxxxxxxxx\", \"name\": \"Joe\"\\}'$"
has "partial JSON: \$.age 40 -> 41 applied" \
	"^  after @2=json:'\\{\"age\": 41, \"data\": \"zzzzzzzzzz\", \"name\": \"Pete\"\\}'$"
has "partial JSON: generated column follows" "^  after @4=41$"
expect_ok "--partial-json=absent goes on" mc-binlog-tail --format=text --partial-json=absent "$R/json.binlog.000001"
expect_grep "--partial-json=absent: the JSON column is absent" '^  after @2=ABSENT$' "$T/out"

# GTID_TAGGED (MySQL 8.4): the label keeps the tag.
text "$R/binlog_transaction_with_GTID_TAG.000001"
has "GTID_TAGGED: label uuid:tag:gno" '^mark txn_end 1:541:0 .* label=55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3$'
has "GTID_TAGGED: row value" "^  after @3=decimal:'250.00'$"
text "$R/mysql_type_bit.000001"
has "GTID: label uuid:gno" 'label=fbda2ad0-7c46-11ec-ae30-4ef7efc81a2a:3$'
text "$G/mariadb-bin.000004"
has "MariaDB GTID: label domain-server-seq" '^mark txn_end 4:1045:0 .* label=0-1-102$'

# JSON binary with opaque values (rust_mysql_common's json-opaque test).
text "$R/json-opaque.binlog"
for want in '{"a": "base64:type15:VQ=="}' '{"b": "2012-03-18"}' \
	'{"c": "2012-03-18 11:30:45.000000"}' '{"c": "87:31:46.654321"}' '{"d": 123.456}' \
	'{"e": 9.00}' '{"e": [0, 1, true, false]}' '{"e": null}'; do
	if grep -qF "  after @1=json:'$want'" "$T/o.txt"; then ok "JSON opaque: $want"
	else fail "JSON opaque: $want" "not found"; fi
done

# VECTOR (MySQL 9): little-endian float32 bytes (rust_mysql_common's test).
text "$R/vector.binlog"
has "VECTOR: schema type with dimensions" '^  col @2 `vector_column` vector\(3\) BINARY not null'
has "VECTOR: foo row 1 = 1.1, 2.2, 3.3" "^  after @2=x'cdcc8c3fcdcc0c4033335340'$"
has "VECTOR: bar vector(4)" "^  after @4=x'cdcc8c3fcdcc0c4033335340cdcc8c40'$"

# MINIMAL row image + SIGNEDNESS metadata.
text "$R/minimal_row_metadata.000001"
has "MINIMAL: unsigned INT 3230202323" '^  after @5=3230202323$'
has "MINIMAL: absent column is not NULL" '^  after @2=ABSENT$'
has "MINIMAL: schema says unsigned" '^  col @5 `@5` int unsigned BIGINT flags=4$'
text "$G/mariadb-bin.000004"
has "MINIMAL update (MariaDB): before image has the key only" '^  before @2=ABSENT$'
has "MINIMAL update (MariaDB): after image has the changed column" "^  after @2='c'$"

# TIME outside 00:00-23:59:59, negative and fractional.
text "$R/time_issue.000001"
has "negative TIME -507:48:27" "^  after @1=time:'-507:48:27'$"
text "$G/mariadb-bin.000001"
has "TIME -838:59:59" "^  after @28=time:'-838:59:59'$"
has "TIME(6) -00:00:00.000001" "^  after @29=time:'-00:00:00.000001'$"
has "TIME(6) updated to -01:02:03.400000" "^  after @29=time:'-01:02:03.400000'$"
text "$G/mariadb-bin.000004"
has "TIME(1) -01:00:00.5" "^  after @9=time:'-01:00:00.5'$"

# BIT(3)=b'100', BIT(8)=b'00100000'.
text "$R/mysql_type_bit.000001"
has "BIT(3) b'100'" '^  after @1=bit:04$'
has "BIT(8) b'00100000'" '^  after @3=bit:20$'

# ENUM/SET as strings, column names from FULL metadata.
text "$R/mysql-enum-string-set.000001"
has "ENUM label" "^  after @3='variant2'$"
has "SET labels" "^  after @4='two,four'$"
has "ENUM/SET in the schema" "^  col @3 \`f3\` enum\('var1','variant2','foo'\) STRING"

# Invisible columns.
text "$R/binlog-invisible-columns.000001"
has "invisible column flagged" '^  col @1 `f1` int unsigned BIGINT flags=5$'
has "visible column not flagged" '^  col @3 `f3` int INT flags=0$'

# Every type of gen_alltypes.sql, and the known failure modes of others.
text "$G/mariadb-bin.000001"
has "DECIMAL(65,30) exact" "^  after @10=decimal:'-12345678901234567890123456789012345.123456789012345678901234567890'$"
has "DECIMAL(10,2) keeps its scale" "^  after @9=decimal:'0.01'$"
has "zero DATE is not NULL" "^  after @27=date:'0000-00-00'$"
has "zero DATETIME is not NULL" "^  after @31=datetime:'0000-00-00 00:00:00'$"
has "TIMESTAMP(6) is the UTC instant with microseconds" "^  after @35=timestamp:'2038-01-19 03:14:07.999999'$"
has "TIMESTAMP(0) UTC" "^  after @34=timestamp:'1970-01-01 00:00:01'$"
has "DATETIME(2) keeps 2 digits" "^  after @33=datetime:'2024-02-29 12:00:00.50'$"
has "BIGINT UNSIGNED max" '^  after @6=18446744073709551615$'
has "FLOAT" '^  after @7=f32:1.5$'
has "latin1 text converted to UTF-8" "^  after @13='cafxe9'$"
has "utf8mb4 text" "^  after @14='ünïcödé ✓'$"
has "BINARY(4) padded with zero bytes" "^  after @16=x'01000000'$"
has "VARBINARY bytes" "^  after @15=x'00ff10'$"
has "GEOMETRY: SRID + WKB bytes" "^  after @36=x'000000000101000000000000000000f03f0000000000000040'$"
has "YEAR" '^  after @26=2155$'
has "ALTER TABLE is a ddl record" '^ddl `t`.`alltypes` 1:[0-9]+:0 .*ALTER TABLE alltypes ADD COLUMN extra'
text "$G/mariadb-bin.000004"
has "TIMESTAMP(3) UTC with milliseconds" "^  after @6=timestamp:'2001-02-03 04:05:06.789'$"

# MariaDB compressed events 165-168.
text "$G/mariadb-bin.000005"
has "QUERY_COMPRESSED: DDL text" '^ddl `t`.`z` .*CREATE TABLE z'
has "WRITE_ROWS_COMPRESSED" '^row insert `t`.`z` '
has "UPDATE_ROWS_COMPRESSED" '^row update `t`.`z` '
has "DELETE_ROWS_COMPRESSED" '^row delete `t`.`z` '

# Unknown ignorable event (Aurora padding, type 100) is skipped.
expect_ok "unknown ignorable event skipped" mc-binlog-tail --format=text "$J/mysql-bin.aurora-padding"

# Positions: file number from the name, offsets = event ends as read.
text "$G/mariadb-bin.000004"
has "insert at the end of its Write_rows event (1014)" '^row insert `t`.`q1` v1 4:1014:0 '
has "schema at its Table_map event (945)" '^schema `t`.`q1` v1 4:945:0 '
has "txn_end at the Xid event (1045)" '^mark txn_end 4:1045:0 '

# Rows only at commit: a file that stops on an event boundary inside a
# transaction writes the transactions before it and exits 0.
head -c 1844 "$G/mariadb-bin.000004" >"$T/cut.000004"
expect_ok "incomplete transaction at the end: exit 0" mc-binlog-tail --format=text "$T/cut.000004"
expect_eq "incomplete transaction at the end: not written" "$(grep -c '^row delete' "$T/out")" 0
expect_eq "incomplete transaction at the end: earlier ones are" "$(grep -c '^row update' "$T/out")" 2

# Files are ordered by sequence number, never by name. (Two files that
# follow each other: 000004 has no ROTATE, so number + 1 comes next.)
ln -s "$G/mariadb-bin.000005" "$T/b.1000000"
ln -s "$G/mariadb-bin.000004" "$T/b.999999"
text "$T/b.1000000" "$T/b.999999"
expect_eq "ordered by sequence number: first" "$(grep -m1 -o '^row [a-z]* `[^ ]* v[0-9]* [0-9]*' "$T/o.txt" | awk '{print $NF}')" 999999
expect_eq "ordered by sequence number: last" "$(grep '^row ' "$T/o.txt" | tail -1 | awk '{print $5}' | cut -d: -f1)" 1000000

# Options: --tables, --stop-position, --stop-datetime, --from.
text --tables='^t\.q1$' "$G/mariadb-bin.000004"
has "--tables keeps the table" '^row insert `t`.`q1`'
text --tables='^nomatch$' "$G/mariadb-bin.000004"
expect_eq "--tables drops others" "$(grep -c '^row\|^schema' "$T/o.txt")" 0
text --stop-position=1045 "$G/mariadb-bin.000004"
expect_eq "--stop-position: events from 1045 on are not read" "$(grep -c '^row' "$T/o.txt")" 1
text --from="$G/mariadb-bin.000004:1045" "$G/mariadb-bin.000004"
expect_eq "--from: starts at 1045" "$(grep -c '^row' "$T/o.txt")" 3
has "--from: first row is the update" '^row update `t`.`q1` v1 4:1339:0 '
text --from="$G/mariadb-bin.000004:1046"
expect_code 2 "--from inside an event exits 2" mc-binlog-tail --from="$G/mariadb-bin.000004:1046"
text --stop-datetime='2000-01-01 00:00:00' "$G/mariadb-bin.000004"
expect_eq "--stop-datetime before everything" "$(grep -c '^row' "$T/o.txt")" 0

# --index: a binlog index file, names relative to its folder.
mkdir -p "$T/ix"
for i in 2 3 4; do ln -s "$G/mariadb-bin.00000$i" "$T/ix/"; done
printf './mariadb-bin.000004\n./mariadb-bin.000002\nmariadb-bin.000003\n' >"$T/ix/mariadb-bin.index"
text --index="$T/ix/mariadb-bin.index"
expect_eq "--index: rows of the three files" "$(grep -c '^row' "$T/o.txt")" 35
expect_eq "--index: in sequence order" "$(grep '^row' "$T/o.txt" | awk '{print $5}' | cut -d: -f1 | uniq | tr '\n' ' ')" "3 4 "
text --index="$T/ix/mariadb-bin.index" --from=mariadb-bin.000004:1045
expect_eq "--index with --from FILE:POS" "$(grep -c '^row' "$T/o.txt")" 3
expect_code 2 "--index: missing index file exits 2" mc-binlog-tail --index="$T/none.index"

# --txn-memory: a transaction over the limit goes to a zstd temporary file
# and comes back at its commit, unchanged.
for f in "$G/mariadb-bin.000001" "$J/mysql-bin.compressed" "$J/mysql-bin.checksum-crc32"; do
	mc-binlog-tail "$f" >"$T/mem.mcr"
	TMPDIR=$T mc-binlog-tail --txn-memory=0 "$f" >"$T/spill.mcr"
	expect_same "--txn-memory=0 gives the same stream: $(basename "$f")" "$T/mem.mcr" "$T/spill.mcr"
done
expect_eq "--txn-memory: temporary files removed" "$(ls "$T" | grep -c '^mc-binlog-tail\.')" 0
expect_code 2 "bad --txn-memory exits 2" mc-binlog-tail --txn-memory=lots "$G/mariadb-bin.000001"

# A transaction that never ends (its XID cut out) when the next one begins:
# exit 1 naming where it began and where the next one begins (it was
# dropped with exit 0 before); nothing of it is written.
python3 - "$G/mariadb-bin.000004" "$T/noxid.000004" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(b[:1014] + b[1045:])  # the Xid event at 1014..1045
PY
expect_code 1 "unended transaction: exit 1" mc-binlog-tail --format=text "$T/noxid.000004"
expect_grep "unended transaction: both offsets named" \
	"noxid.000004': offset 1014: the transaction that began at offset 646 was never closed" "$T/err"
expect_eq "unended transaction: its insert is not written" "$(grep -c '^row insert' "$T/out")" 0

# A zstd-compressed binlog (the number before .zst counts) and standard input.
mkdir -p "$T/z"
zstd -q -c "$G/mariadb-bin.000004" >"$T/z/mariadb-bin.000004.zst"
mc-binlog-tail --format=text "$G/mariadb-bin.000004" >"$T/plain.txt"
text "$T/z/mariadb-bin.000004.zst"
expect_same "zstd-compressed binlog decodes the same" "$T/o.txt" "$T/plain.txt"
mc-binlog-tail --format=text - <"$G/mariadb-bin.000004" >"$T/stdin.txt" 2>"$T/err"
expect_eq "standard input: same rows" "$(grep -c '^row' "$T/stdin.txt")" 4
expect_grep "standard input: file number 0" '^row insert `t`.`q1` v1 0:1014:0 ' "$T/stdin.txt"
