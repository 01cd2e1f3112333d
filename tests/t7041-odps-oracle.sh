#!/bin/sh
# The end-to-end oracle (as tests/t6201 for the local warehouse) with
# MaxCompute as the destination: a snapshot racing a writer, the tail, the
# merge in MaxCompute, each stage SIGKILLed at a random moment and rerun,
# the local server's faults switched on at random (5xx, 429, dropped
# connections, slow and lost answers, a repeated commit, session expiry);
# every table equals the source row by row and nothing is doubled
# (tests/t7041-odps-oracle.lib has the run). A few runs here; 100 in
# make bench (tests/bench/b7400-odps-soak.sh). Each run's seed is printed:
# T7041_SEED=N replays it (its faults, kill moments and the server's draws).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3
. "$(dirname "$0")/t7041-odps-oracle.lib"

oracle_setup

# The window of a decided commit and its --checkpoint-out: a sink killed
# after its journal decided commit 1 and before FILE.next was renamed over
# FILE leaves FILE a commit behind (here: absent) and FILE.next beside it
# (made here by moving FILE aside after a kill in the commit's session
# commit, which comes after the rename). The rerun's source reads FILE as
# its sink starts; that sink rolls the commit forward. A rerun killed while
# rolling it forward (a slow SQL call of the state mirror) must have moved
# FILE past the commit already, or every later rerun's source resumes a
# commit behind and the sink refuses its chunks (exit 1).
W=$T/window D=ow$$
mkdir -p "$W"
sql "DROP DATABASE IF EXISTS $D; CREATE DATABASE $D; USE $D; CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20));
	INSERT INTO t SELECT seq * 10, CONCAT('v', seq) FROM seq_1_to_60"
_wput() { # N [FILE]: the sink of run N (FILE: its input, else standard input)
	_n=$1
	shift
	exec mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_LOCAL_CONF" --state="$W/state" \
		--retry-time=0.2 --retry-delay=0.05 --commit-rows=20 --commit-interval=1000 --checkpoint-out="$W/ck" "$@" 2>"$W/put$_n.err"
}
_wkill() { # RULE: wait for the rule to fire, kill the sink $p
	if wait_for "$1" "$W/odps/faults.log" 300; then kill -9 $p; else kill -9 $p 2>/dev/null; fi
	wait $p 2>/dev/null
	curl -s -m 5 -X DELETE "http://127.0.0.1:$ODPS_LOCAL_PORT/_mcsync/faults" >/dev/null
}
if odps_local_start "$W/odps" p1; then
	mc-snapshot $MDB_ARGS --databases=$D --threads=1 --chunk-rows=10 >"$W/snap1.mcr" 2>"$W/src.err" ||
		fail "window: the snapshot" "$(tail -2 "$W/src.err")"
	# the first commit is the state mirror's, the second commit 1's session's
	_oracle_faults "commit slow=30 skip=1"
	(_wput 1 "$W/snap1.mcr") &
	p=$!
	_wkill "slow commit"
	expect_eq "window: the kill left commit 1 decided (journal of seq 1 with its after ledger)" \
		"$(grep -c '^after\.l\.' "$W/state/_mcsync/odps-journal" 2>/dev/null | sed 's/^[1-9][0-9]*$/some/')" "some"
	mv "$W/ck" "$W/ck.next"
	# run 2: its source from FILE as it finds it, its sink killed rolling commit 1 forward
	_oracle_faults "submit slow=30"
	mc-snapshot $MDB_ARGS --databases=$D --threads=1 --chunk-rows=10 --checkpoint-in="$W/ck" >"$W/snap2.mcr" 2>"$W/src.err"
	(_wput 2 "$W/snap2.mcr") &
	p=$!
	_wkill "slow submit"
	expect_grep "window: run 2 was killed rolling commit 1 forward" "commit 1 was decided and not finished" "$W/put2.err"
	expect_eq "window: --checkpoint-out is past commit 1 once a rerun has started rolling it forward" \
		"$(grep "^table\\.$D\\.t" "$W/ck" 2>/dev/null)" "$(printf 'table.%s.t after\t200' $D)"
	# run 3: a row written below commit 1's chunks meanwhile; the source from FILE
	sql "INSERT INTO $D.t VALUES (105, 'new')"
	mc-snapshot $MDB_ARGS --databases=$D --threads=1 --chunk-rows=10 --checkpoint-in="$W/ck" 2>"$W/src.err" |
		(_wput 3)
	expect_eq "window: run 3 (the source from the checkpoint it found) succeeds" "$?" 0
	odps_local_stop
	sqlite3 -separator "$(printf '\t')" "$W/odps/p1.db" "SELECT id, v FROM ${D}__t" | LC_ALL=C sort >"$W/got"
	sql "SELECT id, v FROM $D.t WHERE id <> 105" | LC_ALL=C sort >"$W/want"
	expect_eq "window: the table holds each snapshotted row once (60 rows; 105 is the tail's)" \
		"$(cat "$W/got")" "$(cat "$W/want")"
	[ -s "$W/put3.err" ] && sed 's/^/# run 3: /' "$W/put3.err" | tail -3
	sql "DROP DATABASE $D"
else
	fail "window: the local MaxCompute starts" ""
fi
if [ -n "${T7041_SEED:-}" ]; then
	seeds=$T7041_SEED
else
	base=$(( ($$ * 7919 + $(date +%s)) % 1000000 ))
	seeds=
	k=0
	while [ $k -lt "${T7041_RUNS:-3}" ]; do seeds="$seeds $((base + k * 7))"; k=$((k + 1)); done
fi
fired=0 kills=0
for s in $seeds; do
	echo "# seed $s (replay: T7041_SEED=$s sh tests/t7041-odps-oracle.sh)"
	if oracle_run "$s"; then
		ok "seed $s: every table equals the source row by row, nothing doubled ($ORACLE_FIRED faults fired, $ORACLE_KILLS kills landed:$ORACLE_KILLED, $ORACLE_AGAIN reruns after a stale checkpoint, $ORACLE_LOGROWS log rows)"
	else
		fail "seed $s: every table equals the source row by row, nothing doubled" "$ORACLE_WHY (faults: $(echo "$ORACLE_RULES" | tr '\n' ';'))"
	fi
	echo "# seed $s: rules: $(echo "$ORACLE_RULES" | tr '\n' ';')"
	fired=$((fired + ORACLE_FIRED)) kills=$((kills + ORACLE_KILLS))
done
[ $fired -gt 0 ] && ok "faults fired ($fired)" || fail "faults fired" "none"
[ $kills -gt 0 ] && ok "kills landed on running stages ($kills)" || fail "kills landed on running stages" "none"
