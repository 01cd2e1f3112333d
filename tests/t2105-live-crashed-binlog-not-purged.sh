#!/bin/sh
# A live tail resuming in a binlog that a server crash (kill -9) left cut
# inside its last event (the server started a new binlog after its
# restart): the server answers the dump with error 1236 "binlog truncated
# in the middle of event". mc-binlog-tail passes the server's words, names
# the binlog and offset and says it has that binlog, not "purged"; a
# binlog newer than the server's is "no such binlog". (Every error 1236
# was reported as "(purged, or not there)", sending the DBA the wrong way:
# found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.k (id INT PRIMARY KEY, b LONGBLOB);
INSERT INTO d.k VALUES (1, 'one'); INSERT INTO d.k VALUES (2, REPEAT('x', 100000))"
B=$MDB_DIR/binlog/mysql-bin.000001
# the crash: the server killed, its binlog cut inside the last rows event
kill -KILL "$MDB_PID"
wait "$MDB_PID" 2>/dev/null
MDB_PID=
cut=$(python3 - "$B" <<'PY'
import sys, struct
b = open(sys.argv[1], 'rb').read()
off, last = 4, None
while off + 19 <= len(b):
    n = struct.unpack_from('<I', b, off + 9)[0]
    if b[off + 4] in (23, 24, 25, 30, 31, 32):
        last = (off, n)
    off += n
print(last[0] + last[1] // 2)
PY
)
truncate -s "$cut" "$B"
mdb_restart
sql "INSERT INTO d.k VALUES (3, 'after')"
live() { timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end "$@"; }
expect_code 1 "live, a binlog cut by a crash: exit 1" live --start=mysql-bin.000001:4
expect_grep "... the server's words, the binlog and offset, that it has it" \
	"cannot read the binlog from mysql-bin.000001:[0-9]+: the server says: .*truncated in the middle of event.* \\(it has that binlog, mysql-bin.000001 to mysql-bin.000002\\)" "$T/err"
expect_eq "... not called purged" "$(grep -c purged "$T/err")" 0
expect_code 1 "a binlog newer than the server's: exit 1" live --start=mysql-bin.000009:4
expect_grep "... no such binlog" \
	"cannot read the binlog from mysql-bin.000009:4: the server has no such binlog \\(it has mysql-bin.000001 to mysql-bin.000002\\)" "$T/err"
