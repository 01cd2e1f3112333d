#!/bin/sh
# A snapshot's chunk without rows, read after the point a merge asks for:
# the base partitions knew the watermarks of their rows only, so (found by
# a tester)
# - a re-snapshot generation whose last chunk was read empty after a
#   DELETE of the next day was taken as the base of the day before: its
#   row was lost, exit 0 (the generation built here from a real snapshot,
#   its last chunk given the later watermark, as a resumed or slow read
#   writes it);
# - the re-snapshot of a table empty at the time was taken as the base of
#   every earlier day, which then failed, "starts at P, after the point
#   asked", where the older chain holds them;
# - an --at inside the first snapshot's read window was refused only past
#   its rows, not past its empty chunk.
# Now the base partitions keep the highest watermark of their chunks
# (wm_max): a generation is the base only when that lies below the point,
# and an --at below it is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
need python3
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE d.m (id INT PRIMARY KEY);
     INSERT INTO d.t VALUES (1,'a'),(2,'b'),(15,'o')" || { fail setup sql; exit 1; }
mdb_snap_d
now=$(date +%s); mid=$((now - now % 86400 + 86400))
d2=$(date -u -d "@$mid" +%Y%m%d); d3=$(date -u -d "@$((mid + 86400))" +%Y%m%d)
sql "SET timestamp=$((mid + 3600)); UPDATE d.t SET v='x' WHERE id=1" || exit 1
mc-snapshot $MDB_ARGS --databases=d --tables='^d\.t$' --chunk-rows=2 --threads=1 >"$T/s1.mcr" 2>"$T/err" || { fail setup "$(cat "$T/err")"; exit 1; }
sql "SET timestamp=$((mid + 86400 + 3600)); DELETE FROM d.t WHERE id=15;
     SET timestamp=$((mid + 86400 + 7200)); INSERT INTO d.m VALUES (1);
     SET timestamp=$((mid + 3*86400)); INSERT INTO d.m VALUES (2)" || exit 1
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
wm3=$(mc-cat "$T/changes.mcr" | python3 -c '
import json,sys
for l in sys.stdin:
    r=json.loads(l)
    if r.get("table")=="m" and r.get("op")=="insert": print(json.dumps(r["pos"])); break')
mc-cat "$T/s1.mcr" | python3 -c '
import json,sys
wm3=json.loads(sys.argv[1]); n=0; out=[]
for l in sys.stdin:
    r=json.loads(l)
    if r.get("kind")=="trailer": r["count"]=n
    elif "mcr" not in r:
        if r.get("op")=="snapshot" and r["after"][0]==15: continue
        lab=r.get("label","")
        if (r.get("mark")=="chunk_end" and not lab.endswith(" 2]") and not lab.startswith("(-inf")) or r.get("mark")=="snapshot_end":
            r["pos"]=wm3
        n+=1
    out.append(json.dumps(r))
print("\n".join(out))' "$wm3" | tee "$T/gen.jsonl" | mc-cat --to=mcr >"$T/gen.mcr"

expect_ok "load the base and the log" mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/changes.mcr"
expect_ok "load the generation" mc-tunnel-put --dest="$T/w" --resnapshot "$T/gen.mcr"

expect_ok "merge $d2" mc-merge --warehouse="$T/w" --table=d__t --ds=$d2 -v

mc-cat --to=csv --table=d.t "$T/w/d__t/ds=$d2/part-000000.mcr.zst" >"$T/got"
printf 'id,v\n1,x\n2,b\n15,o\n' >"$T/want"
expect_same "$d2: the state at its end (15 deleted only on $d3)" "$T/got" "$T/want"
expect_ok "merge $d3" mc-merge --warehouse="$T/w" --table=d__t --ds=$d3
mc-cat --to=csv --table=d.t "$T/w/d__t/ds=$d3/part-000000.mcr.zst" >"$T/got"
printf 'id,v\n1,x\n2,b\n' >"$T/want"
expect_same "$d3: the state at its end" "$T/got" "$T/want"

# the re-snapshot of a table empty then
T0=$T/e
mkdir -p "$T0"
sql "CREATE DATABASE e; CREATE TABLE e.e (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO e.e VALUES (1,'a'),(2,'b')" ||
	{ fail "setup" "sql"; exit 1; }
mc-snapshot $MDB_ARGS --databases=e >"$T0/snap.mcr" || { fail "setup" "snapshot"; exit 1; }
sql "SET timestamp=$((mid + 3600)); UPDATE e.e SET v='a2' WHERE id=1;
SET timestamp=$((mid + 86400 + 3600)); DELETE FROM e.e" || { fail "setup" "sql"; exit 1; }
mc-snapshot $MDB_ARGS --databases=e >"$T0/resnap.mcr" || { fail "setup" "snapshot"; exit 1; }
sql "SET timestamp=$((mid + 86400 + 7200)); INSERT INTO e.e VALUES (7,'late');
SET timestamp=$((mid + 3*86400)); INSERT INTO e.e VALUES (8,'d4')" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T0/snap.mcr" "$T0/changes.mcr"
expect_ok "a table emptied: the snapshot and the log" mc-tunnel-put --dest="$T0/w" "$T0/snap.mcr" "$T0/changes.mcr"
expect_ok "... its re-snapshot, empty" mc-tunnel-put --dest="$T0/w" --resnapshot "$T0/resnap.mcr"
expect_ok "... the day before it merges" mc-merge --warehouse="$T0/w" --table=e__e --ds=$d2
expect_eq "... from the older chain" \
	"$(mc-cat --to=csv --table=e.e "$T0/w/e__e/ds=$d2/part-000000.mcr.zst" | tr '\n' ' ')" "id,v 1,a2 2,b "
expect_ok "... the day after" mc-merge --warehouse="$T0/w" --table=e__e --ds=$d3
expect_eq "... from the re-snapshot" \
	"$(mc-cat --to=csv --table=e.e "$T0/w/e__e/ds=$d3/part-000000.mcr.zst" | tr '\n' ' ')" "id,v 7,late "

# --at inside a first snapshot's read window (the generation above as
# the first snapshot of another warehouse: rows read at wm1, its last
# chunk read empty at wm3): refused, where it gave the state without row 15
wm1=$(grep '"op": "snapshot"' "$T/gen.jsonl" | head -1 | sed 's/.*"pos": \[\([0-9]*\), \([0-9]*\), \([0-9]*\)\].*/\1:\2:\3/')
expect_ok "the generation as a first snapshot, and the log" mc-tunnel-put --dest="$T/w2" "$T/gen.mcr" "$T/changes.mcr"
expect_code 1 "--at=$wm1, between its chunks: refused" \
	mc-merge --warehouse="$T/w2" --table=d__t --at="$wm1" --output="$T/at.mcr"
expect_grep "... saying why" "holds rows \(or a chunk without rows\) read at [0-9:]+, not before the point asked" "$T/err"
