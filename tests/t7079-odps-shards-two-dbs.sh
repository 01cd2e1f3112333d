#!/bin/sh
# Many tables into one across two databases: d1.t and d2.t (same table
# name) merged by mc-transform into one destination `allt` (shard column),
# snapshot and changes (inserts, updates, a key change, a delete and a
# re-insert of one key in one transaction, a key swap through a third
# value) in one mc-tunnel-put run. Into a local warehouse the log file
# held one schema record (of the first shard's db) and rows of both dbs:
# the file could not be read back ("row of 'd1.allt' follows schema
# version 1, and no schema record before it has that version"), exit 0 at
# the load and every later merge refused it; the merge's output likewise
# kept each base row's db under one schema record. Into MaxCompute (batch
# with mc-merge there, and --mode=upsert) the same streams: not tested
# before. Each must equal the union of the shards read from the source.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3
mdb_start
sql "CREATE DATABASE d1; CREATE DATABASE d2;
CREATE TABLE d1.t (id INT PRIMARY KEY, v INT, note VARCHAR(10));
CREATE TABLE d2.t LIKE d1.t;
INSERT INTO d1.t SELECT seq, seq % 23, 'a' FROM d1.seq_1_to_60;
INSERT INTO d2.t SELECT seq, seq % 17, 'b' FROM d1.seq_20_to_90" || { fail "setup" "sql failed"; exit 1; }
cat >"$T/sync.yaml" <<'YAML'
version: 1
select:
  include:
    - db: d1
    - db: d2
merge:
  - into: allt
    tables:
      - {db: d1, table: t}
      - {db: d2, table: t}
    shard_column: src_table
YAML
mc-snapshot $MDB_ARGS --rules="$T/sync.yaml" --chunk-rows=7 --threads=2 >"$T/snap.mcr" 2>"$T/err" &&
	mc-transform --rules="$T/sync.yaml" "$T/snap.mcr" >"$T/snap.t.mcr" 2>"$T/err" ||
	{ fail "setup" "snapshot: $(cat "$T/err")"; exit 1; }
sql "INSERT INTO d1.t VALUES (100, 1, 'new'); UPDATE d2.t SET v = v + 1000 WHERE id <= 30;
 DELETE FROM d1.t WHERE id BETWEEN 30 AND 40; UPDATE d2.t SET id = id + 500 WHERE id = 27;
 BEGIN; DELETE FROM d1.t WHERE id = 5; INSERT INTO d1.t VALUES (5, 55, 'reins'); COMMIT;
 BEGIN; UPDATE d1.t SET id = 1000 WHERE id = 1; UPDATE d1.t SET id = 1 WHERE id = 2;
        UPDATE d1.t SET id = 2 WHERE id = 1000; COMMIT;
 FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" &&
	mc-transform --rules="$T/sync.yaml" "$T/ch.mcr" >"$T/ch.t.mcr" 2>"$T/err" ||
	{ fail "setup" "changes: $(cat "$T/err")"; exit 1; }
last=$(mc-cat --to=summary "$T/ch.mcr" | sed -n 's/^positions: .* \.\. \([0-9]*:[0-9]*:[0-9]*\).*/\1/p')
{ for db in d1 d2; do sql "SELECT CONCAT_WS(',', id, v, IFNULL(note, ''), '$db.t') FROM $db.t"; done; } |
	sort >"$T/want.csv"
[ "$(wc -l <"$T/want.csv")" -gt 100 ] || { fail "setup" "the source has $(wc -l <"$T/want.csv") rows"; exit 1; }

# the local warehouse
expect_ok "local: the snapshot and the changes in one run" mc-tunnel-put --dest="$T/w" --commit-rows=10 \
	"$T/snap.t.mcr" "$T/ch.t.mcr"
bad=
for f in "$T"/w/allt_log/*/*.mcr* "$T"/w/allt/*/*.mcr*; do
	mc-cat --check "$f" 2>>"$T/chk" || bad="$bad $f"
done
expect_eq "local: every file it wrote reads back" "$bad$(head -1 "$T/chk")" ""
mc-merge --warehouse="$T/w" --table=allt --at="$last" --output="$T/at.mcr" 2>"$T/err" ||
	fail "local: mc-merge --at" "$(cat "$T/err")"
expect_ok "local: the merge's output reads back" mc-cat --check "$T/at.mcr"
mc-cat --to=csv --table=d1.allt "$T/at.mcr" | tail -n +2 | sort >"$T/loc.csv"
expect_same "local: the merge is the union of the shards" "$T/want.csv" "$T/loc.csv"

# MaxCompute, batch
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF --endpoint=$ODPS_ENDPOINT"
expect_ok "MaxCompute: the snapshot and the changes" mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 \
	--commit-rows=10 "$T/snap.t.mcr" "$T/ch.t.mcr"
expect_ok "MaxCompute: mc-merge --at --into" mc-merge $OD --state="$T/s" --table=allt --at="$last" --into=at1
sqlite3 "$DB" "SELECT id || ',' || v || ',' || IFNULL(note, '') || ',' || src_table FROM at1" | sort >"$T/got.csv"
expect_same "MaxCompute: the merge is the union of the shards" "$T/want.csv" "$T/got.csv"

# MaxCompute, --mode=upsert (another server: the same table name)
odps_start srv2 || exit 1
expect_ok "upsert: the snapshot and the changes" mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" \
	--endpoint="$ODPS_ENDPOINT" --state="$T/u" --retry-time=0.2 --mode=upsert --commit-rows=10 \
	"$T/snap.t.mcr" "$T/ch.t.mcr"
sqlite3 "$T/srv2/p1.db" "SELECT id || ',' || v || ',' || IFNULL(note, '') || ',' || src_table FROM allt" |
	sort >"$T/gotu.csv"
expect_same "upsert: the PK table is the union of the shards" "$T/want.csv" "$T/gotu.csv"
