#!/bin/sh
# A tail's --tables narrowed (mc-tunnel-put --tables-changed): the table it
# leaves out is no longer read; the ledger records where (unfollowed.NAME),
# a merge of it past that point is exit 1 naming it, a merge up to it
# works, and mc-cat --status flags the table (docs/mc-tunnel-put.md
# "Tables a tail reads"). (The merge gave the stale rows, exit 0: found by
# a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE f; CREATE TABLE f.a (id INT PRIMARY KEY, v INT);
     CREATE TABLE f.b (id INT PRIMARY KEY, v INT);
     INSERT INTO f.a VALUES (1,1); INSERT INTO f.b VALUES (1,1)" || { fail "setup" "sql"; exit 1; }
W=$T/w
CK=$T/ck
tail_put() { # REGEX [PUT-OPTION]
	_re=$1
	shift
	timeout -k 5 60 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --tables="$_re" \
		--checkpoint-in="$CK" --stop-at-end 2>"$T/tail.err" |
		mc-tunnel-put --dest="$W" --checkpoint-out="$CK" "$@"
}
expect_ok "the snapshot" sh -c "mc-snapshot $MDB_ARGS --databases=f --checkpoint-in='$CK' |
	mc-tunnel-put --dest='$W' --checkpoint-out='$CK'"
sql "INSERT INTO f.a VALUES (2,2); INSERT INTO f.b VALUES (2,2)"
expect_ok "a tail of both tables" tail_put '^f\.'
sql "INSERT INTO f.a VALUES (3,3); INSERT INTO f.b VALUES (3,3)"
expect_ok "a tail of f.a alone, --tables-changed" tail_put '^f\.a$' --tables-changed
sql "INSERT INTO f.a VALUES (4,4); INSERT INTO f.b VALUES (4,4)"
expect_ok "the next tail of f.a alone" tail_put '^f\.a$'
at=$(sed -n 's/^pos //p' "$CK")
expect_ok "f.a merges at the last position" mc-merge --warehouse="$W" --table=f__a --at="$at" --output="$T/a.mcr"
expect_eq "... with every row" "$(mc-cat --to=csv --table=f.a "$T/a.mcr" | tail -n +2 | sort | tr '\n' ' ')" "1,1 2,2 3,3 4,4 "
expect_code 1 "f.b, no longer read by the tail: its merge past the change is refused" \
	mc-merge --warehouse="$W" --table=f__b --at="$at" --output="$T/b.mcr"
expect_grep "... naming where its tail stopped reading it" \
	"table 'f__b': its source's tail has not read it since [0-9]*:[0-9]*:0 \\(its --tables changed: ledger unfollowed.f__b\\)" "$T/err"
since=$(sed -n 's/^unfollowed.f__b //p' "$W/_mcsync/ledger")
expect_ok "up to that point it merges" mc-merge --warehouse="$W" --table=f__b --at="$since" --output="$T/b.mcr"
expect_eq "... the rows it had then" "$(mc-cat --to=csv --table=f.b "$T/b.mcr" | tail -n +2 | sort | tr '\n' ' ')" "1,1 2,2 "
mc-cat --status="$W" >"$T/status" 2>&1
expect_grep "mc-cat --status says f__b is not followed" '^ *! f__b: not read by its tail since ' "$T/status"
expect_eq "and f__a is" "$(grep -c '! f__a' "$T/status")" 0
