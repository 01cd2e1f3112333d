#!/bin/sh
# A warehouse written before the schema history's records carried their
# binlog history's rank (its file's header has no "ranked"), with two
# histories (RESET MASTER, --new-history) and an ALTER in each: the merge
# cannot order the statements, and refuses (exit 1) rather than cut at the
# wrong one; never a wrong state with exit 0 (docs/warehouse.md "Schema
# history"). (--at gave the state without the day's rows: found by a
# tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT); INSERT INTO d.t VALUES (1,1),(2,2)" ||
	{ fail setup "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "INSERT INTO d.t VALUES (3,3); ALTER TABLE d.t ADD COLUMN x INT DEFAULT 5; INSERT INTO d.t VALUES (4,4,40);
     FLUSH BINARY LOGS; INSERT INTO d.t VALUES (5,5,50); FLUSH BINARY LOGS" || { fail setup "sql failed"; exit 1; }
sql "SELECT id,v,x FROM d.t" | tr '\t' ',' | sort >"$T/truth1"
mdb_changes "$T/snap.mcr" "$T/h1.mcr"
sleep 1 # (the new binlog 1 created in another second than the old one)
sql "RESET MASTER" || { fail setup "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d >"$T/snap2.mcr" 2>"$T/err" || { fail setup "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "INSERT INTO d.t VALUES (6,6,60); UPDATE d.t SET x = 11 WHERE id = 1; ALTER TABLE d.t ADD COLUMN y INT DEFAULT 9;
     INSERT INTO d.t VALUES (7,7,70,77); FLUSH BINARY LOGS" || { fail setup "sql failed"; exit 1; }
mdb_changes "$T/snap2.mcr" "$T/h2.mcr"
restamp "$T/snap.mcr" 1763596800 >"$T/s1.mcr" &&
	restamp "$T/h1.mcr" 1763683200 >"$T/h1d.mcr" &&
	restamp "$T/h2.mcr" 1763769600 1763856000 >"$T/h2d.mcr" || { fail setup restamp; exit 1; }
expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/wh" "$T/s1.mcr"
expect_ok "history one loads" mc-tunnel-put --dest="$T/wh" "$T/h1d.mcr"
expect_ok "history two loads" mc-tunnel-put --new-history --dest="$T/wh" "$T/h2d.mcr"
# the schema history as an mcsync before 196beb0 wrote it: raw positions,
# in position order (wh_hist_add inserted each record at its position)
H=$T/wh/d__t/_schemahist.mcr
mc-cat "$H" | python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin]
print(json.dumps({"mcr": 1, "meta": {}}))
rs = [r for r in rs[1:] if r.get("kind") != "trailer"]
for r in rs:
    r["pos"][0] &= (1 << 40) - 1
for r in sorted(rs, key=lambda r: r["pos"]):
    print(json.dumps(r))' | mcr "$T/old.mcr"
mv "$T/old.mcr" "$H" || { fail setup "the old history"; exit 1; }
exact_or_refused() { # NAME TRUTH OUTPUT-FILE CMD...
	n=$1 tr=$2 o=$3
	shift 3
	if "$@" >"$T/cmd.out" 2>"$T/cmd.err"; then
		mc-cat --to=csv --table=d.t $o 2>/dev/null | tail -n +2 | sort >"$T/got"
		if cmp -s "$tr" "$T/got"; then ok "$n: exact"
		else fail "$n" "exit 0 with another state: $(tr '\n' ' ' <"$T/got") (the source: $(tr '\n' ' ' <"$tr"))"; fi
	else
		ok "$n: refused: $(head -c 200 "$T/cmd.err")"
	fi
}
exact_or_refused "--at a time of history one's day, after its rows" "$T/truth1" "$T/at1.mcr" \
	mc-merge --warehouse="$T/wh" --table=d__t --at='2025-11-21 12:00:00' --output="$T/at1.mcr"
exact_or_refused "the merge of history one's day" "$T/truth1" "$T/wh/d__t/ds=20251121/part-*.mcr.zst" \
	mc-merge --warehouse="$T/wh" --table=d__t --ds=20251121
expect_code 1 "the --at merge is refused" \
	mc-merge --warehouse="$T/wh" --table=d__t --at='2025-11-21 12:00:00' --output="$T/at2.mcr"
expect_grep "... saying why and what to do" "its schema history '.*_schemahist.mcr' was written by an older mc-tunnel-put, which did not tell the source's binlog histories apart in it .*load the table into a new warehouse" "$T/err"
