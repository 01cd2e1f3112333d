#!/bin/sh
# The oracle of --mode=upsert (issue 16's "done means"): a snapshot racing a writer
# into PK Delta Tables of the local MaxCompute, then the tail, each stage's source
# or sink SIGKILLed at random moments and rerun (tests/t7041-odps-oracle.lib's
# stages, with mc-tunnel-put --mode=upsert); after the writer stops and the tail
# catches up, every table equals the source row by row, and at no commit did a
# key go back to an older value: the server logs each commit's keys and rows
# (DIR/upserts.log), the source's history of every key is the same log of the
# whole binlog of the database put with a commit per transaction into reference
# tables, and each key's rows at the oracle's commits must come in that order (a
# subsequence). T7055_SEED=N replays a run's choices (timing is the machine's).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3
need sqlite3
. "$(dirname "$0")/t7041-odps-oracle.lib"

# the stages' sink: --mode=upsert, a commit every 20 rows or 0.2 s
_oput() {
	exec mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_LOCAL_CONF" --state="$_OR/state" \
		--mode=upsert --buckets=4 --retry-time=0.1 --retry-delay=0.05 --commit-rows=20 --commit-interval=0.2 "$@"
}

# fewer keys, more changes, a slower snapshot: keys changed again between the
# chunks' watermarks, which the tail repeats
ORACLE_ROWS=${ORACLE_ROWS_UPS:-120}
ORACLE_CHANGES=${ORACLE_CHANGES_UPS:-300}
_osrc() {
	if [ "$1" = snap ]; then
		exec mc-snapshot $MDB_ARGS --databases="$_ODB" --threads=2 --chunk-rows=15 --max-rate=150 \
			--checkpoint-in="$_OR/ck"
	fi
	exec mc-binlog-tail $MDB_ARGS --server-id=$((4700000 + _oseed % 100000)) --tables="^$_ODB\\." \
		--checkpoint-in="$_OR/ck" --stop-at-end --retry-time=0
}

# monotone.py LOG: for each table ref_T the per-key rows at every source
# transaction end; each key's rows at the commits of the oracle's table o*__T
# must be a subsequence of them (never back). Prints the keys and commits checked.
cat >"$T/monotone.py" <<'PY'
import json, sys
ref, got = {}, []
for l in open(sys.argv[1]):
    c = json.loads(l)
    t = c["table"]
    for k, row in c["ops"]:
        key = json.dumps(k)
        if t.startswith("ref_"):
            ref.setdefault((t[4:], key), [None]).append(row)
        else:
            got.append((t.split("__", 1)[1], key, row))
at, ncommit = {}, 0
for t, key, row in got:
    seq = ref.get((t, key), [None])
    i = at.get((t, key), 0)
    while i < len(seq) and seq[i] != row:
        i += 1
    if i == len(seq):
        back = row in seq[:at.get((t, key), 0)]
        print("%s key %s: %s %s" % (t, key, "went back to" if back else "took a row the source never had:", json.dumps(row)[:200]))
        sys.exit(1)
    at[(t, key)] = i
print("%d keys, %d rows at commits" % (len(at), len(got)))
PY

mdb_start
at_exit odps_local_stop

# The window the random kills hit under load: the sink killed between a commit's
# journal "commit" and its sessions' commit (the rerun rolls it forward). The
# checkpoint must already name that commit: the rerun's source reads it while the
# sink finishes the commit, and one resumed from the commit before repeats chunks
# that a write meanwhile bounds otherwise or watermarks higher, refused (exit 1:
# snapshot_end "... which this stream does not continue", or a chunk "of a new
# snapshot" of a table the commit completed). The source's read comes first here.
# _window N ROWS: ids 10..ROWS*10, chunks of 10 rows, a commit every 2 chunks; the
# sink killed in commit N's window; a row 205 written (below commit 2's chunks)
_window() {
	W=$T/window$1 D=w$1
	mkdir -p "$W"
	sql "CREATE DATABASE $D; USE $D; CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20));
		INSERT INTO t SELECT seq * 10, CONCAT('v', seq) FROM seq_1_to_$2"
	odps_local_start "$W/odps" p1 || { fail "window $1: the local MaxCompute starts" ""; return 1; }
	mc-snapshot $MDB_ARGS --databases=$D --threads=1 --chunk-rows=10 --checkpoint-in="$W/ck" >"$W/snap1.mcr" 2>"$W/src.err" ||
		{ fail "window $1: the snapshot" "$(tail -2 "$W/src.err")"; return 1; }
	# one session status check (uget) per commit: commit N waits in its own
	curl -s -m 5 -X POST --data-binary "uget slow=30 skip=$(($1 - 1))" "http://127.0.0.1:$ODPS_LOCAL_PORT/_mcsync/faults" >/dev/null
	(exec mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_LOCAL_CONF" --state="$W/state" --mode=upsert \
		--buckets=2 --retry-time=0.2 --retry-delay=0.05 --commit-rows=20 --commit-interval=1000 --checkpoint-out="$W/ck" \
		"$W/snap1.mcr") 2>"$W/put1.err" &
	p=$!
	if ! wait_for "slow uget" "$W/odps/faults.log" 300; then
		kill -9 $p 2>/dev/null
		wait $p 2>/dev/null
		fail "window $1: the fault fired" "$(tail -3 "$W/put1.err")"
		odps_local_stop
		return 1
	fi
	kill -9 $p
	wait $p 2>/dev/null
	curl -s -m 5 -X DELETE "http://127.0.0.1:$ODPS_LOCAL_PORT/_mcsync/faults" >/dev/null
	expect_eq "window $1: the kill left commit $1 in doubt (the journal says commit)" \
		"$(sed -n '2,3p' "$W/state/_mcsync/upsert-journal" | tr '\n' ' ')" "seq $1 phase commit "
	expect_eq "window $1: --checkpoint-out names the commit in doubt" \
		"$(grep "^table\\.$D\\.t" "$W/ck")" "$3"
	sql "INSERT INTO $D.t VALUES (205, 'new')"
	mc-snapshot $MDB_ARGS --databases=$D --threads=1 --chunk-rows=10 --checkpoint-in="$W/ck" >"$W/snap2.mcr" 2>"$W/src.err" ||
		fail "window $1: the rerun's snapshot" "$(tail -2 "$W/src.err")"
	expect_ok "window $1: the rerun's sink, its source resumed from the checkpoint it found" \
		mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_LOCAL_CONF" --state="$W/state" --mode=upsert \
		--retry-time=0.2 --retry-delay=0.05 --commit-rows=20 --checkpoint-out="$W/ck" "$W/snap2.mcr"
	expect_grep "... rolled commit $1 forward" "commit $1 in doubt: session .* committed now" "$T/err"
	# the tail from the checkpoint brings the row (a write past the chunks' watermarks)
	sql "UPDATE $D.t SET v = 'x' WHERE id = 10"
	mc-binlog-tail $MDB_ARGS --server-id=$((4690000 + $$ % 10000)) --tables="^$D\\." --checkpoint-in="$W/ck" \
		--stop-at-end --retry-time=0 >"$W/tail.mcr" 2>"$W/tail.err" ||
		fail "window $1: the tail" "$(tail -2 "$W/tail.err")"
	expect_ok "window $1: the tail's sink" mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_LOCAL_CONF" \
		--state="$W/state" --mode=upsert --retry-time=0.2 --retry-delay=0.05 --checkpoint-out="$W/ck" "$W/tail.mcr"
	odps_local_stop
	sqlite3 -separator "$(printf '\t')" "$W/odps/p1.db" "SELECT id, v FROM ${D}__t" | LC_ALL=C sort >"$W/got"
	sql "SELECT id, v FROM $D.t" | LC_ALL=C sort >"$W/want"
	expect_eq "window $1: the PK table equals the source ($(($2 + 1)) rows)" "$(cat "$W/got")" "$(cat "$W/want")"
	sql "DROP DATABASE $D"
}
# commit 2 of 4 (chunks to 400; the rerun's chunks from 200 would end at 290, 390...)
_window 2 60 "$(printf 'table.w2.t after\t400')"
# commit 4, the one that completes the table (the rerun's last chunk from 600 would
# be at a higher watermark)
_window 4 65 "table.w4.t done"

if [ -n "${T7055_SEED:-}" ]; then
	seeds=$T7055_SEED
else
	base=$(( ($$ * 7919 + $(date +%s)) % 1000000 ))
	seeds="$base $((base + 7))"
fi
kills=0
for s in $seeds; do
	echo "# seed $s (replay: T7055_SEED=$s sh tests/t7055-odps-upsert-oracle.sh)"
	_oseed=$s _orng=$s _ODB=o$s _OR=$T/o$s
	ORACLE_KILLS=0 ORACLE_KILLED= ORACLE_WHY= ORACLE_AGAIN=0
	rm -rf "$_OR" && mkdir -p "$_OR"
	sql "DROP DATABASE IF EXISTS $_ODB"
	from=$(sql "SHOW MASTER STATUS" | awk 'NR == 1 { print $1 ":" $2 }')
	sed -e "s/@ROWS@/$ORACLE_ROWS/g" -e "s/^CREATE DATABASE shop;/CREATE DATABASE $_ODB;/" \
		-e "s/^USE shop;/USE $_ODB;/" -e 's/big_dec DECIMAL(65,30)/big_dec DECIMAL(38,18)/' \
		-e "s/'0000-00-00'/NULL/" "$TOP/pipelines/demo-data.sql" >"$_OR/data.sql"
	sql "source $_OR/data.sql" >"$_OR/data.out" 2>&1 || { fail "seed $s: the sample data loads" "$(tail -2 "$_OR/data.out")"; continue; }
	odps_local_start "$_OR/odps" p1 --seed="$s" || { fail "seed $s: the local MaxCompute starts" ""; continue; }
	MCSYNC_DEMO_ROWS=$ORACLE_ROWS sh "$TOP/pipelines/demo-load.sh" "$ORACLE_CHANGES" $((s % 1000 * 1000 + 1)) |
		sed -e "s/^USE shop;/USE $_ODB;/" -e 's/^COMMIT;$/COMMIT; DO SLEEP(0.01);/' >"$_OR/load.sql"
	sql "source $_OR/load.sql" >"$_OR/load.out" 2>&1 &
	w=$!
	rc=0
	_ostage snap && _ostage tail || rc=1
	wait $w || { [ $rc = 1 ] || ORACLE_WHY="the writer failed: $(tail -2 "$_OR/load.out")"; rc=1; }
	if [ $rc = 0 ]; then
		sql "FLUSH BINARY LOGS"
		_ostage tail || rc=1
	fi
	[ $rc = 0 ] || { fail "seed $s: the stages succeed" "$ORACLE_WHY"; odps_local_stop; continue; }
	kills=$((kills + ORACLE_KILLS))
	# the source's history of every key: the whole binlog of the database, a
	# commit per transaction, into ref_T
	mc-binlog-tail $MDB_ARGS --server-id=$((4800000 + s % 100000)) --tables="^$_ODB\\." \
		--start="$from" --stop-at-end --retry-time=0 2>"$_OR/ref.err" |
		mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_LOCAL_CONF" --state="$_OR/state-ref" \
			--mode=upsert --commit-rows=1 --name="$_ODB.customers=ref_customers" \
			--name="$_ODB.order_items=ref_order_items" 2>>"$_OR/ref.err" ||
		{ fail "seed $s: the reference history goes up" "$(tail -2 "$_OR/ref.err")"; odps_local_stop; continue; }
	# the truth: the source now, by the batch upload beside
	mc-snapshot $MDB_ARGS --databases="$_ODB" --threads=1 >"$_OR/truth.mcr" 2>"$_OR/truth.err" &&
		mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_LOCAL_CONF" --state="$_OR/state-src" \
			--name="$_ODB.customers=src_customers" --name="$_ODB.order_items=src_order_items" \
			"$_OR/truth.mcr" 2>>"$_OR/truth.err" ||
		{ fail "seed $s: the truth goes up" "$(tail -2 "$_OR/truth.err")"; odps_local_stop; continue; }
	odps_local_stop
	why=
	for t in customers order_items; do
		cols=$(sql "SELECT GROUP_CONCAT(CONCAT('\"', column_name, '\"') ORDER BY ordinal_position)
			FROM information_schema.columns WHERE table_schema='$_ODB' AND table_name='$t'")
		sqlite3 -cmd ".mode quote" "$_OR/odps/p1.db" "SELECT $cols FROM ${_ODB}__$t" | LC_ALL=C sort >"$_OR/$t.got"
		sqlite3 -cmd ".mode quote" "$_OR/odps/p1.db" "SELECT $cols FROM src_$t" | LC_ALL=C sort >"$_OR/$t.want"
		if ! [ -s "$_OR/$t.want" ] || ! cmp -s "$_OR/$t.got" "$_OR/$t.want"; then
			why="$why $t differs from the source: $(wc -l <"$_OR/$t.got") rows, want $(wc -l <"$_OR/$t.want"): $(diff "$_OR/$t.want" "$_OR/$t.got" | head -4 | cut -c1-160 | tr '\n' ' ')"
		fi
	done
	[ -z "$why" ] && ok "seed $s: every PK table equals the source row by row ($ORACLE_KILLS kills landed:$ORACLE_KILLED; $ORACLE_AGAIN reruns after a stale checkpoint)" ||
		fail "seed $s: every PK table equals the source row by row" "$why"
	if m=$(python3 "$T/monotone.py" "$_OR/odps/upserts.log"); then
		ok "seed $s: no key went back to an older value at any commit ($m)"
	else
		fail "seed $s: no key went back to an older value at any commit" "$m"
	fi
	sql "DROP DATABASE $_ODB"
done
[ $kills -gt 0 ] && ok "kills landed on running stages ($kills)" || fail "kills landed on running stages" "none"
