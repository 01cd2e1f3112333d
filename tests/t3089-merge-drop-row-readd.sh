#!/bin/sh
# DROP COLUMN x, a row, then ADD COLUMN x INT DEFAULT 7 (same name and
# type): the server gives every older row 7; the merge converts the rows of
# the first version (the same columns as the last) across both statements
# (docs/merge.md "Schema changes"), by day and by --at. (They took their
# old x back, exit 0: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.dd (id INT PRIMARY KEY, v INT, x INT);
     INSERT INTO d.dd VALUES (1,1,11),(2,2,22);" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "UPDATE d.dd SET x = 33 WHERE id = 2;
     ALTER TABLE d.dd DROP COLUMN x;
     INSERT INTO d.dd VALUES (3,3);
     ALTER TABLE d.dd ADD COLUMN x INT DEFAULT 7;
     INSERT INTO d.dd VALUES (4,4,44);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --tables='^d\.' --from="$first:$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
load_two_days "$T/w"
D=20251121
sql "SELECT id, v, x FROM d.dd" | tr '\t' ',' | sort >"$T/truth"
expect_ok "the merge of the day" mc-merge --warehouse="$T/w" --table=d__dd --ds=$D
mc-cat --to=csv --table=d.dd "$T/w/d__dd/ds=$D"/part-*.mcr.zst | tail -n +2 | sort >"$T/got"
expect_same "the merged day equals the source (x = 7 for the rows from before the DROP)" "$T/truth" "$T/got"
expect_ok "--at the end" sh -c "mc-merge --warehouse='$T/w' --table=d__dd --at=2:4:0 --output=- >'$T/at.mcr'"
mc-cat --to=csv --table=d.dd "$T/at.mcr" | tail -n +2 | sort >"$T/gotat"
expect_same "--at the end equals the source too" "$T/truth" "$T/gotat"
