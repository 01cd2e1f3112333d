#!/bin/sh
# A damaged binlog without checksums: an XID event whose type byte is
# changed leaves its transaction open. When the next one starts (BEGIN, a
# GTID event) or the file's closing ROTATE/STOP comes, mc-binlog-tail stops
# (exit 1, the file, where the open one began and where it was found)
# instead of dropping it and the DDL after it with exit 0.
. "$(dirname "$0")/lib.sh"
J=$FIXTURES/binlog/mysql-binlog-connector-java/src/test/resources
R=$FIXTURES/binlog/rust_mysql_common/test-data/binlogs

flip() { # SRC DST OFFSET-OF-EVENT NEW-TYPE
	python3 - "$@" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
off, t = int(sys.argv[3]), int(sys.argv[4])
assert b[off + 4] == 16, "not an XID event"
b[off + 4] = t
open(sys.argv[2], 'wb').write(bytes(b))
PY
}

# MySQL 5.7, binlog_checksum=NONE: the XID at 19705 ends a transaction
# (BEGIN at 18492); a CREATE TABLE follows at 19793, then more.
mc-binlog-tail --format=text "$J/mysql-bin.checksum-none" >"$T/good.txt"
expect_grep "intact: the CREATE TABLE after the XID is written" '^ddl `account_db`.`message` ' "$T/good.txt"
for t in 17 7 11; do
	flip "$J/mysql-bin.checksum-none" "$T/bad.000001" 19705 $t
	expect_code 1 "XID's type byte changed to $t: exit 1" mc-binlog-tail --format=text "$T/bad.000001"
	expect_grep "... naming the file, where the transaction began and where it was found open" \
		"bad.000001': offset [0-9]*: the transaction that began at offset [0-9]* was never closed" "$T/err"
done
expect_grep "... it began at its BEGIN; found open at the next GTID event" \
	"offset 19732: the transaction that began at offset 18492 was never closed .*before the GTID event" "$T/err"
expect_eq "... nothing of it is written" "$(grep -c '19732' "$T/out")" 0
expect_eq "... the transactions before it are" "$(grep -c '^mark txn_end' "$T/out")" \
	"$(sed -n '/^mark txn_end 0:19732:/q;p' "$T/good.txt" | grep -c '^mark txn_end')"

# MySQL 5.1 (2009), no checksums, statements on tables left out: the XID at
# 553 changed: the CREATE TABLE t3 after it is no longer lost at the next
# BEGIN.
mc-binlog-tail --format=text --tables='^test\.t3$' --stop-position=850 "$R/binlog_transaction.000001" >"$T/good51.txt"
expect_grep "5.1 intact: the CREATE TABLE t3 is written" '^ddl `test`.`t3` ' "$T/good51.txt"
flip "$R/binlog_transaction.000001" "$T/bad51.000001" 553 17
expect_code 1 "5.1: XID's type byte changed: exit 1" \
	mc-binlog-tail --format=text --tables='^test\.t3$' --stop-position=850 "$T/bad51.000001"
expect_grep "... at the next BEGIN" "bad51.000001': offset [0-9]*: the transaction that began at offset [0-9]* was never closed .*before the BEGIN" "$T/err"

# A file closed by its ROTATE: a transaction still open at it
python3 - "$J/mysql-bin.checksum-none" "$T/rot.000001" <<'PY'
import sys, struct
b = bytearray(open(sys.argv[1], 'rb').read())
# keep up to the XID at 19705 (changed), then a ROTATE to the next file
head = b[:19705 + 27]
head[19705 + 4] = 17
name = b'mysql-bin.000002'
n = 19 + 8 + len(name)
ev = struct.pack('<IBIII H', 0, 4, 1, n, len(head) + n, 0) + struct.pack('<Q', 4) + name
open(sys.argv[2], 'wb').write(bytes(head) + ev)
PY
expect_code 1 "open at the file's closing ROTATE: exit 1" mc-binlog-tail "$T/rot.000001"
expect_grep "... named" "rot.000001': offset 19732: the transaction that began at offset [0-9]* was never closed .*ROTATE" "$T/err"
# ... while a file that just ends (the server's current one) keeps its
# incomplete transaction unwritten, as before
head -c 19732 "$J/mysql-bin.checksum-none" >"$T/cut.000001"
expect_code 0 "a file cut after a whole transaction: exit 0" mc-binlog-tail "$T/cut.000001"
