#!/bin/sh
# An INCIDENT event (LOST_EVENTS: a MyISAM statement whose rows did not fit
# max_binlog_stmt_cache_size; the server kept them but could not log them)
# stops mc-binlog-tail as it stops a replica: exit 1 naming the file, the
# incident's offset and the way on (a new mc-snapshot of the tables, then
# --from past it, which reads on). (INCIDENT events were skipped silently:
# the rows the server kept missing from the copy, exit 0: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "SET GLOBAL max_binlog_stmt_cache_size = 4096; CREATE DATABASE d;
CREATE TABLE d.m (id INT PRIMARY KEY, v TEXT) ENGINE=MyISAM; INSERT INTO d.m VALUES (0, 'logged')"
sql "INSERT INTO d.m SELECT seq, REPEAT('x', 100) FROM d.seq_1_to_2000" 2>"$T/sqlerr"
n=$(sql "SELECT COUNT(*) FROM d.m")
[ "$n" -gt 1 ] && ok "the server kept $((n - 1)) MyISAM rows it could not log" ||
	fail "the server kept MyISAM rows it could not log" "$n rows"
sql "INSERT INTO d.m VALUES (1000, 'after')"
B=$MDB_DIR/binlog/mysql-bin.000001
expect_code 1 "an INCIDENT (LOST_EVENTS) event: exit 1" mc-binlog-tail "$B"
expect_grep "... naming the file, offset, incident and the way on" \
	"mysql-bin.000001': offset [0-9]+: INCIDENT event \(LOST_EVENTS, 1\): the server could not log some changes.*new mc-snapshot.*--from or --start at offset [0-9]+\)" "$T/err"
expect_eq "... the rows before it written" \
	"$(mc-cat --to=csv --table=d.m "$T/out" 2>/dev/null | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "0 "
past=$(sed -n 's/.*at offset \([0-9]*\)).*/\1/p' "$T/err")
expect_ok "--from past it reads on" mc-binlog-tail --from="$B:$past" "$B"
expect_eq "... the row after it" \
	"$(mc-cat --to=csv --table=d.m "$T/out" 2>/dev/null | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "1000 "
