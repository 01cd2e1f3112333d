#!/bin/sh
# A live tail rerun from its checkpoint across a server restart that
# changed binlog_checksum (CRC32 to NONE, and NONE to CRC32): it read the
# binlog ROTATE's file name by the checksum setting at connect, not the
# binlog's own (its Format_description), so the next binlog's rows came out
# at file number 0 (a name cut or with the CRC bytes in it), exit 0, and
# the sink refused every run after ("input out of order": found by a
# tester). Now each binlog's Format_description says its checksums; the
# merge equals the source both ways.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --binlog-checksum=CRC32
S=$MDB_SERVER_ID
for way in "d1 --binlog-checksum=NONE" "d2 --binlog-checksum=CRC32"; do
	set -- $way
	db=$1 T0=$T/$1
	mkdir -p "$T0"
	sql "CREATE DATABASE $db; USE $db; CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200));
	INSERT INTO t SELECT seq, 'v' FROM seq_1_to_20" || { fail "setup" "sql"; exit 1; }
	C=$T0/c.ckpt
	put() { mc-tunnel-put --dest="$T0/wh" --checkpoint-out="$C" 2>>"$T0/put.err"; }
	tailrun() {
		{ mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --tables="^$db\\." --checkpoint-in="$C" \
			--stop-at-end 2>"$T0/tail.err"
			echo $? >"$T0/tail.rc"; } | put
	}
	mc-snapshot $MDB_ARGS --databases=$db --checkpoint-in="$C" | put
	sql "UPDATE $db.t SET v='a' WHERE id=1" || { fail "setup" "sql"; exit 1; }
	tailrun
	f0=$(sed -n 's/^pos \([0-9]*\):.*/\1/p' "$C")
	sql "UPDATE $db.t SET v='b' WHERE id=2" || { fail "setup" "sql"; exit 1; }
	mdb_restart "$2"
	sql "UPDATE $db.t SET v='c' WHERE id=3" || { fail "setup" "sql"; exit 1; }
	tailrun
	expect_eq "restarted with $2: the tail across the restart" "$(cat "$T0/tail.rc") $(cat "$T0/put.err")" "0 "
	expect_eq "... the checkpoint in the next binlog" "$(sed -n 's/^pos \([0-9]*\):.*/\1/p' "$C")" $((f0 + 1))
	at=$(sed -n 's/^pos \([0-9:]*\)$/\1/p' "$C")
	mc-merge --warehouse="$T0/wh" --table=${db}__t --at="$at" --output="$T0/t.mcr" 2>"$T0/merr" ||
		fail "... merged" "$(cat "$T0/merr")"
	mc-cat --to=csv --table=$db.t "$T0/t.mcr" | sort >"$T0/got"
	mc-snapshot $MDB_ARGS --databases=$db | mc-cat --to=csv --table=$db.t | sort >"$T0/want"
	expect_same "... the merge equals the source" "$T0/got" "$T0/want"
done
