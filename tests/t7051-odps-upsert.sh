#!/bin/sh
# mc-tunnel-put --dest=odps:// --mode=upsert: the changes of a stream applied to a
# PK Delta Table of the local MaxCompute (tests/odps-server/upserts.py) through
# upsert sessions: the table is created with PRIMARY KEY, transactional and the
# bucket count; read back through SQL it equals the source state (inserts and
# updates as upserts, deletes as deletes, key-changing updates as a delete and an
# upsert); the changes of one key in a commit go as one record; a commit every
# --commit-rows or --commit-interval; a rerun is a repeat; the options that do
# not go with it, snapshot rows and state directories of the other mode refused
# (docs/maxcompute.md "--mode=upsert").
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t7051-odps-upsert.lib"

"$BIN/tools/mcgen" changes 300 400 >"$T/ch.mcr" || { fail "mcgen" "failed"; exit 1; }
mc-cat "$T/ch.mcr" >"$T/ch.jsonl"
"$BIN/tools/mcgen" sysbench 50 >"$T/sb.mcr"
N=--name=sbtest.sbtest1

# --- options ---
expect_code 2 "--mode=upsert with --route=log exits 2" put s0 $N=t0 --route=log "$T/ch.mcr"
expect_code 2 "--mode=upsert with --threads exits 2" put s0 $N=t0 --threads=2 "$T/ch.mcr"
expect_code 2 "--buckets without --mode=upsert exits 2" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s0" --buckets=4 "$T/ch.mcr"
expect_code 2 "--buckets=0 exits 2" put s0 $N=t0 --buckets=0 "$T/ch.mcr"
expect_code 2 "a bad --commit-interval exits 2" put s0 $N=t0 --commit-interval=5s "$T/ch.mcr"
expect_code 2 "--mode=upsert with a warehouse directory exits 2" \
	mc-tunnel-put --dest="$T/w" --mode=upsert "$T/ch.mcr"

# --- snapshot rows without chunk marks (not mc-snapshot's): refused, naming the
# record (mc-snapshot's streams go in: tests/t7054) ---
expect_code 1 "a snapshot row without chunk marks exits 1" put s0 $N=t0 "$T/sb.mcr"
expect_grep "naming the record and saying why" "record 3: a snapshot row of 'sbtest.sbtest1' without chunk marks: --mode=upsert takes snapshot rows of mc-snapshot's streams" "$T/err"

# --- the changes into a PK table ---
expect_ok "the changes go up" put s1 $N=t1 --buckets=4 --commit-rows=100 "$T/ch.mcr"
final t1 "$T/ch.jsonl" "the PK table read back equals the source state"
$CLI raw POST /projects/p1/tables/t1/upserts slotnum=1 H:x-odps-tunnel-version=6 >"$T/sess" 2>&1
expect_grep "the table is a PK Delta Table keyed on id with 4 buckets" \
	'"hash_key": \["id"\], "hasher": "default", "slots": \[\{"slot_id": "[^"]*", "buckets": \[0, 1, 2, 3\]' "$T/sess"
commits() { grep -c " POST /projects/p1/tables/$1/upserts?upsertid=" "$T/srv/requests.log"; }
puts() { grep -c " PUT /projects/p1/tables/$1/upserts?" "$T/srv/requests.log"; }
n=$(commits t1)
[ "$n" -ge 4 ] && ok "a commit every --commit-rows (100 of 400 changes): $n" ||
	fail "a commit every --commit-rows" "$n commits"
np=$(puts t1)
expect_ok "a rerun" put s1 $N=t1 --buckets=4 --commit-rows=100 "$T/ch.mcr"
final t1 "$T/ch.jsonl" "a rerun is a repeat"
[ "$(puts t1)" = "$np" ] && ok "a rerun sends nothing" || fail "a rerun sends nothing" "$np -> $(puts t1) PUTs"

expect_ok "--compress=none (upsert PUTs with no Content-Encoding)" \
	put s1n $N=t1n --buckets=4 --commit-rows=100 --compress=none "$T/ch.mcr"
final t1n "$T/ch.jsonl" "... the same table"

# --- one commit: the changes of a key collapsed to its last ---
expect_ok "all in one commit" put s2 $N=t2 --commit-rows=100000 --commit-interval=3600 "$T/ch.mcr"
final t2 "$T/ch.jsonl" "... the same table"
# (the sink commits at the first transaction end of a run too: two commits)
want=$(python3 "$T/model.py" "$T/ch.jsonl" - touched 1)
got=$(curl -s "http://127.0.0.1:$ODPS_PORT/_mcsync/upserts" | python3 -c 'import json,sys; print(sum(s["applied"] for s in json.load(sys.stdin)["sessions"] if s["table"].lower() == "t2"))')
expect_eq "one record per key touched in a commit ($want keys, 400 changes)" "$got" "$want"
[ "$(commits t2)" = 2 ] && ok "... two sessions, each committed once" || fail "two commits" "$(commits t2)"

# --- --commit-interval: a commit at the first transaction end after it ---
slow() { python3 -c '
import sys, time
for i, l in enumerate(open(sys.argv[1])):
    sys.stdout.write(l); sys.stdout.flush()
    if i % 40 == 39: time.sleep(0.15)' "$1"; }
slow "$T/ch.jsonl" | put s3 $N=t3 --commit-rows=100000 --commit-interval=0.3 - >/dev/null 2>"$T/err3"
n=$(commits t3)
[ "$n" -ge 3 ] && ok "--commit-interval=0.3 over a slow pipe: $n commits" ||
	fail "--commit-interval over a slow pipe" "$n commits ($(head -c 300 "$T/err3"))"
final t3 "$T/ch.jsonl" "... the same table"

# --- a state directory is of one mode ---
expect_code 2 "an upsert state without --mode=upsert exits 2" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s1" $N=t1 "$T/ch.mcr"
expect_grep "... saying so" "is of --mode=upsert" "$T/err"
mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/sb" --name=sbtest.sbtest1=tb "$T/sb.mcr" 2>/dev/null
expect_code 2 "a batch state with --mode=upsert exits 2" put sb $N=tb "$T/ch.mcr"
expect_grep "... saying so" "is of the batch upload" "$T/err"

# --- --partition: the PK table of that one partition ---
expect_ok "--partition=ds=20240101" put s4 $N=t4 --partition=ds=20240101 "$T/ch.mcr"
$CLI sql "SELECT id, k, c, pad FROM t4 WHERE ds = '20240101'" >"$T/got.p" 2>"$T/sql.err"
r=$(python3 "$T/model.py" "$T/ch.jsonl" "$T/got.p" -)
[ "${r%/*}" = "${r#*/}" ] && ok "... its rows equal the source state" || fail "the partition's rows" "$r"
$CLI sql "SHOW PARTITIONS t4" >"$T/parts" 2>&1
expect_grep "... the table is partitioned by ds, with that partition" "^ds=20240101$" "$T/parts"
