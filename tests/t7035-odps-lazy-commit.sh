#!/bin/sh
# The local MaxCompute server's commit copies no row (tests/odps-server/
# committed.py): a Tunnel commit records the session's decoded block files
# as the table's in one sqlite transaction, and the rows reach the sqlite
# table when the table is first read. Checked: right after a commit the
# table holds none of its rows and the blocks are pending; the first SQL
# read sees them all (DECIMAL padded, in commit order) and copies them
# once; a second commit to the partition adds to it; the server killed
# (SIGKILL) between a commit and the first read and started again still
# serves the rows; a session not committed, or expired at its commit,
# leaves nothing visible; an overwrite session and an INSERT OVERWRITE
# after rows not yet read replace them; a block file that cannot be read
# fails the read and changes nothing (the rows come once it is back); DROP
# TABLE forgets pending blocks; ADD COLUMNS after pending rows; an upsert
# commit after pending rows; tests/lib.sh's sqlite3 reads them too; a
# server stopped with SIGTERM copies them before it exits.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3

odps_start srv || exit 1
DB=$T/srv/p1.db
BL=$T/srv/p1.blocks
CLI="python3 $TOP/tests/odps-server/client.py --endpoint=$ODPS_ENDPOINT --credentials=$ODPS_CONF --project=p1"
raw() { command sqlite3 "$DB" "$1"; }     # the database as it is: no materialising
sql() { $CLI sql "$1" 2>"$T/sql.err" | sed 1d; }

# blocks: ROWS is "id,v,d;id,v,d" (empty: NULL) for (id BIGINT, v STRING, d DECIMAL(10,3))
cat >"$T/blk.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import recstream
types = [("BIGINT",), ("STRING",), ("DECIMAL", 10, 3)]
rows = []
for r in sys.argv[3].split(";"):
    a = [x if x != "" else None for x in r.split(",")]
    rows.append([int(a[0]), a[1], a[2]])
open(sys.argv[2], "wb").write(recstream.encode(types, rows))
PY
blk() { python3 "$T/blk.py" "$TOP/tests/odps-server" "$T/$1" "$2"; }
# session TABLE PARTITION-ARGS... -> $SID
session() {
	SID=$($CLI create "$@" 2>>"$T/cli.err") || { fail "create a session on $1" "$(tail -2 "$T/cli.err")"; exit 1; }
}
put() { # TABLE SID BLOCK FILE ARGS...
	$CLI put "$@" enc=deflate 2>>"$T/cli.err" || fail "PUT block $3 of $2" "$(tail -2 "$T/cli.err")"
}
commit() { $CLI commit "$@" >"$T/commit.out" 2>>"$T/cli.err"; }

expect_ok "the tables" sh -c "$CLI sql 'CREATE TABLE lz (id BIGINT, v STRING, d DECIMAL(10,3)) PARTITIONED BY (ds STRING)' &&
	$CLI sql 'CREATE TABLE lu (id BIGINT, v STRING, d DECIMAL(10,3))'"
blk a "1,one,1.5;2,two,;3,,-2"
blk b "4,four,0.25;5,five,7"
blk c "6,six,1;7,seven,2"
blk d "100,over,9.875"

# ---- a commit copies no row; the first read does, once ----
session lz partition=ds=1 create_partition=true
S1=$SID
put lz "$S1" 0 "$T/a" partition=ds=1
put lz "$S1" 1 "$T/b" partition=ds=1
expect_eq "two block files stored" "$(ls "$BL" | grep -c "^$S1\.")" 2
expect_ok "commit 1" commit lz "$S1" partition=ds=1
expect_eq "the session is closed, its UploadedBlockList empty" \
	"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["Status"], len(j["UploadedBlockList"]))' "$T/commit.out")" \
	"closed 0"
expect_eq "after the commit the table holds none of its rows" "$(raw 'SELECT count(*) FROM lz')" 0
expect_eq "its two blocks are the table's, pending, in block order" \
	"$(raw "SELECT group_concat(tbl || ':' || spec || ':' || blockid || ':' || records, ' ') FROM _odps_pending")" \
	"lz:ds=1:0:3 lz:ds=1:1:2"
expect_eq "a DESC does not copy them" "$($CLI sql 'DESC lz' >/dev/null 2>&1; raw 'SELECT count(*) FROM _odps_pending')" 2
sql "SELECT id, v, d, ds FROM lz ORDER BY id" >"$T/got"
printf '%s\n' '1,one,1.500,1' '2,two,\N,1' '3,\N,-2.000,1' '4,four,0.250,1' '5,five,7.000,1' >"$T/want"
expect_same "the first SQL read sees every row of the commit (DECIMAL of 3 digits)" "$T/want" "$T/got"
expect_eq "they are in the table now, in commit order" "$(raw 'SELECT group_concat(id) FROM lz')" "1,2,3,4,5"
expect_eq "nothing pending" "$(raw 'SELECT count(*) FROM _odps_pending')" 0
expect_eq "their block files removed" "$(ls "$BL" | grep -c "^$S1\.")" 0
sql "SELECT count(*) FROM lz" >"$T/got"
expect_eq "a second read copies nothing again" "$(cat "$T/got")" 5

# ---- a second commit to the partition, the server killed before the first read ----
session lz partition=ds=1
S2=$SID
put lz "$S2" 0 "$T/c" partition=ds=1
expect_ok "commit 2 (the same partition)" commit lz "$S2" partition=ds=1
expect_eq "pending: commit 2's block" "$(raw 'SELECT count(*) FROM _odps_pending')" 1
kill -9 "$ODPS_PID"
wait_exit "$ODPS_PID" 50 || { fail "the server dies at SIGKILL" "pid $ODPS_PID"; exit 1; }
odps_srv
expect_eq "after the restart the commit is still pending" "$(raw 'SELECT count(*) FROM _odps_pending')" 1
sql "SELECT group_concat(id) FROM (SELECT id FROM lz WHERE ds = '1' ORDER BY id)" >"$T/got"
expect_eq "the restarted server serves both commits' rows" "$(tr -d '"' <"$T/got")" "1,2,3,4,5,6,7"
expect_eq "commit 2's rows after commit 1's" "$(raw 'SELECT group_concat(id) FROM lz')" "1,2,3,4,5,6,7"
expect_code 1 "commit 2 again (a commit is not repeated)" $CLI commit lz "$S2" partition=ds=1
expect_grep "it is closed (409 StatusConflict)" 'HTTP 409 StatusConflict' "$T/err"
expect_eq "still 7 rows" "$(sql 'SELECT count(*) FROM lz')" 7

# ---- nothing of a session not committed, or expired at its commit ----
session lz partition=ds=1
S3=$SID
put lz "$S3" 0 "$T/d" partition=ds=1
expect_eq "a session with a block PUT, not committed: not visible" "$(sql "SELECT count(*) FROM lz WHERE id = 100")" 0
expect_eq "and not pending" "$(raw 'SELECT count(*) FROM _odps_pending')" 0
curl -s -X POST --data-binary 'commit expire' "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null
expect_code 1 "its commit when the session has expired fails" $CLI commit lz "$S3" partition=ds=1
expect_grep "409 StatusConflict" 'HTTP 409 StatusConflict' "$T/err"
expect_eq "nothing of it is visible" "$(sql "SELECT count(*) FROM lz WHERE id = 100")" 0
expect_eq "nothing of it pending" "$(raw 'SELECT count(*) FROM _odps_pending')" 0

# ---- an overwrite session over rows not read yet ----
session lz partition=ds=1
put lz "$SID" 0 "$T/a" partition=ds=1
expect_ok "commit 3 (pending)" commit lz "$SID" partition=ds=1
F3=$(raw "SELECT file FROM _odps_pending")
session lz partition=ds=1 overwrite=true
put lz "$SID" 0 "$T/d" partition=ds=1
expect_ok "an overwrite session committed over it" commit lz "$SID" partition=ds=1
expect_eq "the partition's rows and commit 3's pending block are gone" \
	"$(raw "SELECT count(*) FROM lz") $(raw 'SELECT count(*) FROM _odps_pending') $([ -e "$BL/$F3" ] && echo kept || echo removed)" \
	"0 1 removed"
expect_eq "the partition holds the overwrite's row only" "$(sql "SELECT id, d FROM lz")" "100,9.875"

# ---- INSERT OVERWRITE after rows not read yet ----
session lz partition=ds=1
put lz "$SID" 0 "$T/b" partition=ds=1
put lz "$SID" 1 "$T/c" partition=ds=1
expect_ok "commit 4 (pending)" commit lz "$SID" partition=ds=1
expect_ok "INSERT OVERWRITE of the partition from itself" \
	$CLI sql "INSERT OVERWRITE TABLE lz PARTITION (ds='1') SELECT id, v, d FROM lz WHERE ds = '1' AND id IN (5, 6, 100)"
expect_eq "it read commit 4's rows and replaced them all" \
	"$(sql "SELECT group_concat(id) FROM (SELECT id FROM lz ORDER BY id)" | tr -d '"')" "5,6,100"
expect_eq "nothing pending" "$(raw 'SELECT count(*) FROM _odps_pending')" 0
expect_ok "INSERT INTO a new partition" \
	$CLI sql "INSERT INTO TABLE lz PARTITION (ds='2') SELECT id, v, d FROM lz WHERE ds = '1'"
expect_eq "3 rows there" "$(sql "SELECT count(*) FROM lz WHERE ds = '2'")" 3

# ---- a read whose block file is missing fails and changes nothing ----
session lu
put lu "$SID" 0 "$T/a"
put lu "$SID" 1 "$T/b"
expect_ok "commit 5 (lu, not partitioned)" commit lu "$SID"
F5=$(raw "SELECT file FROM _odps_pending WHERE blockid = 1")
mv "$BL/$F5" "$T/held"
expect_code 1 "a read of lu with a block file missing fails" $CLI sql "SELECT count(*) FROM lu"
expect_grep "naming the file" "block file .*$F5 of table lu .*cannot be read" "$T/err"
expect_eq "none of commit 5's rows went in (one transaction)" "$(raw 'SELECT count(*) FROM lu')" 0
expect_eq "both blocks still pending" "$(raw 'SELECT count(*) FROM _odps_pending')" 2
mv "$T/held" "$BL/$F5"
expect_eq "the file back, the read gives every row" "$(sql 'SELECT count(*) FROM lu')" 5

# ---- DROP TABLE forgets pending blocks; ADD COLUMNS after pending rows ----
session lu
put lu "$SID" 0 "$T/c"
expect_ok "commit 6 (pending)" commit lu "$SID"
F6=$(raw "SELECT file FROM _odps_pending")
expect_ok "DROP TABLE lu, CREATE it again" sh -c "$CLI sql 'DROP TABLE lu' &&
	$CLI sql 'CREATE TABLE lu (id BIGINT, v STRING, d DECIMAL(10,3))'"
expect_eq "the new lu is empty, nothing pending, the block file removed" \
	"$(sql 'SELECT count(*) FROM lu') $(raw 'SELECT count(*) FROM _odps_pending') $([ -e "$BL/$F6" ] && echo kept || echo removed)" \
	"0 0 removed"
session lu
put lu "$SID" 0 "$T/c"
expect_ok "commit 7 (pending)" commit lu "$SID"
expect_ok "ALTER TABLE lu ADD COLUMNS (x STRING)" $CLI sql "ALTER TABLE lu ADD COLUMNS (x STRING)"
expect_eq "commit 7's rows are there, x NULL" "$(sql 'SELECT id, x FROM lu ORDER BY id' | tr '\n' ' ')" '6,\N 7,\N '

# ---- an upsert commit after pending rows of its table ----
expect_ok "a PK Delta Table" $CLI sql "CREATE TABLE pk (id BIGINT NOT NULL, v STRING, d DECIMAL(10,3), PRIMARY KEY (id))
	TBLPROPERTIES ('transactional'='true')"
session pk
put pk "$SID" 0 "$T/a"
expect_ok "a batch commit into it (pending)" commit pk "$SID"
cat >"$T/ups.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import catalog, committed, upserts
p = catalog.Project(sys.argv[2], "p1")
t = p.table("pk")
class S(upserts.Upsert):
    def __init__(self): pass
s = {"id": "u1", "keys": ["id"], "spec": "", "ops": {0: [(upserts.OP_U, [2, "two'", "3.5"])]}, "committing": 0}
class St: data = sys.argv[3]
x = S(); x.st = St()
x.apply(p, t, s)
PY
expect_ok "an upsert of key 2 applied (upserts.py's commit)" python3 "$T/ups.py" "$TOP/tests/odps-server" "$DB" "$T/srv"
expect_eq "it found the batch rows there first: 3 rows, key 2 replaced" \
	"$(raw "SELECT group_concat(id || ':' || ifnull(v, '-'), ' ') FROM (SELECT * FROM pk ORDER BY id)")" "1:one 2:two' 3:-"

# ---- tests/lib.sh's sqlite3 reads pending rows ----
session lz partition=ds=3 create_partition=true
put lz "$SID" 0 "$T/a" partition=ds=3
expect_ok "commit 8 (pending)" commit lz "$SID" partition=ds=3
expect_eq "pending before" "$(raw 'SELECT count(*) FROM _odps_pending')" 1
expect_eq "sqlite3 of tests/lib.sh sees the rows" "$(sqlite3 "$DB" "SELECT count(*) FROM lz WHERE ds = '3'")" 3
expect_eq "and they were copied once" "$(raw "SELECT count(*) FROM lz WHERE ds = '3'") $(raw 'SELECT count(*) FROM _odps_pending')" "3 0"
expect_eq "a database of no server: sqlite3 as it is" "$(sqlite3 "$T/other.db" 'SELECT 6*7')" 42

# ---- a server stopped (SIGTERM) copies what no read has ----
session lu
put lu "$SID" 0 "$T/d"
expect_ok "commit 9 (pending)" commit lu "$SID"
expect_eq "pending" "$(raw 'SELECT count(*) FROM _odps_pending')" 1
odps_stop "$ODPS_PID"
expect_eq "stopped, the database file holds its row, nothing pending" \
	"$(raw 'SELECT group_concat(id) FROM lu WHERE id = 100') $(raw 'SELECT count(*) FROM _odps_pending')" "100 0"
