#!/bin/sh
# A binlog FILE that ends inside a transaction (a copy taken while the
# server wrote it, rsync of the binlog folder) and is FOLLOWED by the next
# binlog among the FILEs: that transaction can never be "read whole by a
# later run" (docs/mc-binlog-tail.md "Damaged binlogs without checksums"),
# since the stream goes on into the next file and its checkpoint passes it.
# The next file's GTID list says the transaction committed. mc-binlog-tail
# stops (exit 1, naming the file and the offset of the open transaction),
# also when the file is cut inside the XID event; the same file as the
# last FILE passes (the server's current file). (That transaction's rows
# were dropped, exit 0: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(10));
INSERT INTO d.t VALUES (1, 'a'); INSERT INTO d.t VALUES (2, 'b'); INSERT INTO d.t VALUES (3, 'c');
FLUSH BINARY LOGS; INSERT INTO d.t VALUES (4, 'd');"
B=$MDB_DIR/binlog
mkdir "$T/copy"
# binlog 1 as a copy taken before the last transaction's XID was written
cut=$(python3 - "$B/mysql-bin.000001" <<'PY'
import sys, struct
b = open(sys.argv[1], 'rb').read()
off, last = 4, None
while off + 19 <= len(b):
    typ = b[off + 4]
    n = struct.unpack_from('<I', b, off + 9)[0]
    if typ == 16:
        last = off
    off += n
print(last)
PY
)
head -c "$cut" "$B/mysql-bin.000001" >"$T/copy/mysql-bin.000001"
cp "$B/mysql-bin.000002" "$T/copy/"

mc-binlog-tail "$B/mysql-bin.000001" "$B/mysql-bin.000002" >"$T/whole.mcr" 2>"$T/err"
expect_eq "the whole binlogs: 4 inserts" "$(mc-cat --to=csv --table=d.t "$T/whole.mcr" | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "1 2 3 4 "

C1=$T/copy/mysql-bin.000001 C2=$T/copy/mysql-bin.000002
expect_code 1 "binlog 1 cut inside its last transaction, binlog 2 after it: exit 1" \
	mc-binlog-tail "$C1" "$C2"
expect_grep "... naming the file, the transaction's offset and GTID" \
	"mysql-bin.000002': offset [0-9]+: the transaction 0-[0-9]+-[0-9]+ that begins at '[^']*mysql-bin.000001': offset [0-9]+ is cut by that file's end \(no COMMIT or XID\), but this file's GTID list says it committed" "$T/err"
expect_eq "... the transactions before it written" \
	"$(mc-cat --to=csv --table=d.t "$T/out" 2>/dev/null | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "1 2 "
expect_ok "binlog 1 alone (the server's current file): exit 0" mc-binlog-tail "$C1"
expect_eq "... the transactions before the open one" \
	"$(mc-cat --to=csv --table=d.t "$T/out" 2>/dev/null | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "1 2 "
# cut inside the XID event itself
head -c "$((cut + 10))" "$B/mysql-bin.000001" >"$C1"
expect_code 1 "binlog 1 cut inside the XID event, binlog 2 after it: exit 1" \
	mc-binlog-tail "$C1" "$C2"
expect_grep "... the same message" "is cut by that file's end .*GTID list says it committed" "$T/err"
