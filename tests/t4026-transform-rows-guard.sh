#!/bin/sh
# The rules' select, dml and limit choose which tables and rows pass, and
# were left out of the rules fingerprint: a stream of a source through
# rules that select another table, or drop other rows, was taken into a
# warehouse loaded through the old ones, exit 0, so that (found by a
# tester)
# - a replay of the saved streams through fixed rules into the same
#   warehouse skipped what was committed: the table the fix adds got its
#   snapshot but none of its changes, the rows the old rules dropped stayed;
# - a --fresh replay rerun with the fixed files continued the replay-new
#   directory of a failed one with the old files, and swapped in a mixture.
# Now mc-transform writes their fingerprint (rows_fp), the sink keeps it
# beside the tail's --tables and refuses another unless --tables-changed,
# and replay.sh --fresh continues only with the files it began with.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10));
CREATE TABLE b (id INT PRIMARY KEY, v VARCHAR(10));
INSERT INTO a SELECT seq, 'a0' FROM seq_1_to_20;
INSERT INTO b SELECT seq, 'b0' FROM seq_1_to_20" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
sql "USE d; UPDATE a SET v = 'a1' WHERE id <= 5; DELETE FROM a WHERE id BETWEEN 6 AND 8;
UPDATE b SET v = 'b1' WHERE id <= 5; DELETE FROM b WHERE id BETWEEN 6 AND 8" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch1.mcr"
off=$(mdb_pos)
sql "USE d; DELETE FROM a WHERE id IN (9, 10); DELETE FROM b WHERE id = 1; FLUSH BINARY LOGS" ||
	{ fail "setup" "sql"; exit 1; }
mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$off" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch2.mcr" || { fail "setup" "tail"; exit 1; }
# days: the snapshot 2025-11-20, day 1 2025-11-21, day 2 2025-11-22 (its
# end: a heartbeat on 2025-11-23)
restamp "$T/snap.mcr" 1763596800 >"$T/s.mcr" && restamp "$T/ch1.mcr" 1763683200 >"$T/d1.mcr" &&
	restamp "$T/ch2.mcr" 1763769600 1763856000 >"$T/d2.mcr" || { fail "setup" "restamp"; exit 1; }
cat >"$T/v1.yaml" <<'YAML'
select: {include: [{db: d, table: a}]}
names: {template: "${table}"}
dml: [{table: a, drop: [delete]}]
YAML
cat >"$T/v2.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
YAML
for v in v1 v2; do
	for f in s d1 d2; do
		mc-transform --rules="$T/$v.yaml" "$T/$f.mcr" >"$T/$f.$v.mcr" 2>"$T/err" ||
			{ fail "setup" "mc-transform: $(cat "$T/err")"; exit 1; }
	done
done
rfp() { mc-cat "$1" | jq -r 'select(.mcr) | .meta.rows_fp'; }
expect_grep "mc-transform's header carries the rows fingerprint" '^r1:[0-9a-f]{32}$' \
	"$(rfp "$T/d1.v1.mcr" >"$T/fp"; echo "$T/fp")"
expect_ok "... another for other select and dml" test "$(rfp "$T/d1.v1.mcr")" != "$(rfp "$T/d1.v2.mcr")"
expect_eq "... the rules fingerprint the same (names, columns: the same tables' shape)" \
	"$(mc-cat "$T/d1.v1.mcr" | jq -r 'select(.mcr) | .meta.rules_fp')" \
	"$(mc-cat "$T/d1.v2.mcr" | jq -r 'select(.mcr) | .meta.rules_fp')"

R=$TOP/pipelines/replay.sh
expect_ok "v1: the snapshot and day 1" sh "$R" --dest="$T/w" "$T/s.v1.mcr" "$T/d1.v1.mcr"
expect_grep "... the ledger keeps the rows fingerprint beside --tables" \
	"^tables\.[0-9]+ all rows:$(rfp "$T/d1.v1.mcr")\$" "$T/w/_mcsync/ledger"
expect_code 1 "day 2 through v2 (select b too, deletes kept): refused" \
	mc-tunnel-put --dest="$T/w" "$T/d2.v2.mcr"
expect_grep "... naming the rules and the way" "this stream's mc-binlog-tail read every table \(no --tables\) and rules selecting rows r1:[0-9a-f]+, the warehouse's streams of it every table \(no --tables\) and rules selecting rows r1:.*--tables-changed.*pipelines/replay.sh --fresh" "$T/err"
expect_code 1 "a replay of v2's files into the same warehouse: refused" \
	sh "$R" --dest="$T/w" "$T/s.v2.mcr" "$T/d1.v2.mcr" "$T/d2.v2.mcr"

# --fresh: a first try with a file not through the rules fails at it
expect_code 1 "a --fresh replay of v1 with an untransformed day 2: fails at it" \
	sh "$R" --dest="$T/w" --fresh "$T/s.v1.mcr" "$T/d1.v1.mcr" "$T/d2.mcr"
expect_ok "... its replay-new directory is left" test -d "$T/w.replay-new"
expect_code 1 "the --fresh replay rerun with v2's files: refused (it continued the other)" \
	sh "$R" --dest="$T/w" --fresh "$T/s.v2.mcr" "$T/d1.v2.mcr" "$T/d2.v2.mcr"
expect_grep "... saying what to remove" "w.replay-new was begun by a replay of other files .*remove .*w.replay-new and .*w.replay-inputs to start the fresh replay again" "$T/err"
rm -rf "$T/w.replay-new" "$T/w.replay-inputs"
expect_ok "... then the fresh replay of v2" sh "$R" --dest="$T/w" --fresh "$T/s.v2.mcr" "$T/d1.v2.mcr" "$T/d2.v2.mcr"
expect_ok "... no replay-inputs left" test ! -e "$T/w.replay-inputs"
for t in a b; do
	expect_eq "$t: ds=20251122 equals the source" \
		"$(mc-cat "$T"/w/$t/ds=20251122/part-*.mcr.zst | jq -c 'select(.kind == "row") | .after' | sort | tr '\n' ' ')" \
		"$(sql "SELECT CONCAT('[', id, ',\"', v, '\"]') FROM d.$t" | sort | tr '\n' ' ')"
done

# from here on, other rules with --tables-changed (after a snapshot of
# what they add): taken, and recorded
expect_ok "v1's snapshot and day 1 into a new warehouse" mc-tunnel-put --dest="$T/w2" "$T/s.v1.mcr" "$T/d1.v1.mcr"
expect_ok "day 2 through v2 with --tables-changed" mc-tunnel-put --dest="$T/w2" --tables-changed "$T/d2.v2.mcr"
expect_grep "... recorded" "^tables\.[0-9]+ all rows:$(rfp "$T/d2.v2.mcr")\$" "$T/w2/_mcsync/ledger"
# a ledger of an older sink (--tables only): the stream's rows taken
sed -i 's/^\(tables\.[0-9]*\) all rows:.*/\1 all/' "$T/w2/_mcsync/ledger"
expect_ok "a ledger without rows: day 2 again (a repeat) is taken" mc-tunnel-put --dest="$T/w2" "$T/d2.v2.mcr"
expect_grep "... and its rows fingerprint recorded" "^tables\.[0-9]+ all rows:$(rfp "$T/d2.v2.mcr")\$" "$T/w2/_mcsync/ledger"
