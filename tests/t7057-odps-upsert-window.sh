#!/bin/sh
# --mode=upsert: the window of a decided commit and its --checkpoint-out, as
# tests/t7041 "window" for the batch upload. A sink killed after its journal
# decided commit 1 ("phase commit") and before FILE.next was renamed over FILE
# leaves FILE a commit behind (here: absent) and FILE.next beside it (made here
# by moving FILE aside after a kill in the commit's session status check, which
# comes after the rename). The rerun's source reads FILE as its sink starts;
# that sink rolls commit 1 forward. A rerun killed while rolling it forward
# (a slow status check of the commit's session) must have moved FILE past the
# commit already, or every later rerun's source resumes a commit behind and the
# sink refuses its chunks (exit 1) for good.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3
need sqlite3
. "$TOP/pipelines/odps-local.sh"

mdb_start
at_exit odps_local_stop

W=$T/w D=uw$$
mkdir -p "$W"
_faults() { curl -s -m 5 -X POST --data-binary "$1" "http://127.0.0.1:$ODPS_LOCAL_PORT/_mcsync/faults" >/dev/null; }
_nofaults() { curl -s -m 5 -X DELETE "http://127.0.0.1:$ODPS_LOCAL_PORT/_mcsync/faults" >/dev/null; }
_put() { # N [FILE]: the sink of run N (FILE: its input, else standard input)
	_n=$1
	shift
	exec mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_LOCAL_CONF" --state="$W/state" --mode=upsert \
		--buckets=2 --retry-time=0.2 --retry-delay=0.05 --commit-rows=20 --commit-interval=1000 --checkpoint-out="$W/ck" \
		"$@" 2>"$W/put$_n.err"
}
_kill() { # RULE: wait for the rule to fire, kill the sink $p
	if wait_for "$1" "$W/odps/faults.log" 300; then kill -9 $p; else
		kill -9 $p 2>/dev/null
		fail "the fault '$1' fired" "$(tail -2 "$W/put$2.err")"
	fi
	wait $p 2>/dev/null
	_nofaults
	mv "$W/odps/faults.log" "$W/faults$2.log"
}
sql "CREATE DATABASE $D; USE $D; CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20));
	INSERT INTO t SELECT seq * 10, CONCAT('v', seq) FROM seq_1_to_60"
odps_local_start "$W/odps" p1 || { fail "the local MaxCompute starts" ""; exit 1; }
mc-snapshot $MDB_ARGS --databases=$D --threads=1 --chunk-rows=10 >"$W/snap1.mcr" 2>"$W/src.err" ||
	fail "the snapshot" "$(tail -2 "$W/src.err")"
# run 1: killed at commit 1's session status check (after its journal's "commit")
_faults "uget slow=30"
(_put 1 "$W/snap1.mcr") &
p=$!
_kill "slow uget" 1
expect_eq "the kill left commit 1 decided (the journal says commit)" \
	"$(sed -n '2,3p' "$W/state/_mcsync/upsert-journal" | tr '\n' ' ')" "seq 1 phase commit "
mv "$W/ck" "$W/ck.next"
# run 2: its source from FILE as it finds it (absent), its sink killed rolling commit 1 forward
mc-snapshot $MDB_ARGS --databases=$D --threads=1 --chunk-rows=10 --checkpoint-in="$W/ck" >"$W/snap2.mcr" 2>"$W/src.err"
_faults "uget slow=30"
(_put 2 "$W/snap2.mcr") &
p=$!
_kill "slow uget" 2
expect_eq "run 2 was killed rolling commit 1 forward (the journal still says commit 1)" \
	"$(sed -n '2,3p' "$W/state/_mcsync/upsert-journal" | tr '\n' ' ')" "seq 1 phase commit "
expect_eq "--checkpoint-out is past commit 1 once a rerun has started rolling it forward" \
	"$(grep "^table\\.$D\\.t" "$W/ck" 2>/dev/null)" "$(printf 'table.%s.t after\t200' $D)"
# run 3: a row written below commit 1's chunks meanwhile; the source from FILE
sql "INSERT INTO $D.t VALUES (105, 'new')"
mc-snapshot $MDB_ARGS --databases=$D --threads=1 --chunk-rows=10 --checkpoint-in="$W/ck" 2>"$W/src.err" | (_put 3)
expect_eq "run 3 (the source from the checkpoint it found) succeeds" "$?" 0
expect_grep "... after rolling commit 1 forward" "commit 1 in doubt: session .* committed now" "$W/put3.err"
[ -s "$W/put3.err" ] && sed 's/^/# run 3: /' "$W/put3.err" | tail -3
odps_local_stop
sqlite3 -separator "$(printf '\t')" "$W/odps/p1.db" "SELECT id, v FROM ${D}__t" | LC_ALL=C sort >"$W/got"
sql "SELECT id, v FROM $D.t WHERE id <> 105" | LC_ALL=C sort >"$W/want"
expect_eq "the PK table holds each snapshotted row once (60 rows; 105 is the tail's)" \
	"$(cat "$W/got")" "$(cat "$W/want")"
sql "DROP DATABASE $D"
