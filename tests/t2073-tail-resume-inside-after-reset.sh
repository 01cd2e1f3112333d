#!/bin/sh
# mc-binlog-tail --checkpoint-in whose resume lies inside a binlog (offset
# past 4) after RESET MASTER: the server has a binlog of that name again,
# of the new history. Where an event of it begins at the resume offset,
# the tail read the new history from there as the old one's next changes
# (its first transactions lost, exit 0); now the binlog state there (the
# file's GTID list and its GTIDs before the offset; live BINLOG_GTID_POS)
# is held to the checkpoint's gtid: exit 1, nothing written, the
# checkpoint unmoved. A resume inside an event or past the file's end is
# exit 1 too (FILEs: was exit 2, "--from position ... inside an event").
# A resume inside a binlog of the same history still works. Live, a
# server whose binlogs all lie before the resume's (reset again) is exit 1
# too, not a start from the checkpoint's gtid in the new history.
# docs/mc-binlog-tail.md "Description", t2070/t2071 for a file's start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(255)); INSERT INTO d.t VALUES (1,'')"
mdb_live_ck "$T/ck"
expect_eq "the first run: exit 0" "$?/$put_rc" 0/0
R1=$(sed -n 's/^resume 1:\([0-9]*\):0$/\1/p' "$T/ck")
expect_eq "its resume lies inside binlog 1" "$([ "${R1:-0}" -gt 4 ] && echo inside)" inside
cp "$T/ck" "$T/ck1"

# the good path: a resume inside a binlog of the same history
sql "INSERT INTO d.t VALUES (2,'')"
mkdir "$T/old" "$T/new"
cp "$MDB_BL".000001 "$T/old/"
mc-binlog-tail --checkpoint-in="$T/ck1" "$T/old/mysql-bin.000001" >"$T/old.mcr" 2>"$T/old.err"
expect_eq "FILEs, resume $R1 in the same history: exit 0" "$?" 0
expect_eq "its stream holds row 2" "$(first_ids "$T/old.mcr")" "2 "
mdb_live_ck "$T/ck"
expect_eq "live, resume $R1 in the same history: exit 0" "$?/$put_rc" 0/0
expect_eq "the warehouse holds rows 1 and 2" "$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 2 "
# a stream that starts in binlog 1 and reads on into binlog 2 (its
# binlog_start mark gives the sink binlog 2's creation time too: t2075)
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (3,''); INSERT INTO d.t VALUES (4,'')"
mdb_live_ck "$T/ck"
expect_eq "live, on into binlog 2: exit 0" "$?/$put_rc" 0/0
expect_eq "the warehouse holds rows 1 to 4" "$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 2 3 4 "
R=$(sed -n 's/^resume 2:\([0-9]*\):0$/\1/p' "$T/ck")
expect_eq "the resume lies inside binlog 2" "$([ "${R:-0}" -gt 4 ] && echo inside)" inside

# RESET MASTER; the new history's binlog 2 gets an event boundary at the
# resume: a transaction padded to end there (REPEAT keeps the statement's
# length, the row grows by the count)
mdb_new_history "$R" 2
expect_eq "the new history's binlog 2 has an event boundary at $R" "$(mdb_pos)" "$R"
sql "INSERT INTO d.t VALUES (100,''),(101,'')"
cp "$MDB_BL".000001 "$MDB_BL".000002 "$T/new/"

cp "$T/ck" "$T/ck.old"
mc-binlog-tail --checkpoint-in="$T/ck" "$T/new/mysql-bin.000001" "$T/new/mysql-bin.000002" >"$T/new.mcr" 2>"$T/new.err"
expect_eq "FILEs, resume $R in the new history's binlog 2: exit 1" "$?" 1
expect_grep "... at binlog 2's creation time, the checkpoint's resume_epoch (t2074, t2075)" \
	"^mc-binlog-tail: '.*new/mysql-bin.000002': offset 4: the checkpoint's resume 2:$R:0 lies in binlog number 2 created at .*: $MDB_WHY_HISTORY\$" \
	"$T/new.err"
# the binlog state, for a checkpoint without resume_epoch (an older one)
grep -v '^resume_epoch ' "$T/ck" >"$T/ck.noepoch"
mc-binlog-tail --checkpoint-in="$T/ck.noepoch" "$T/new/mysql-bin.000001" "$T/new/mysql-bin.000002" >"$T/new.mcr" 2>"$T/new.err"
expect_eq "FILEs, the same without resume_epoch: exit 1 (was 0, rows 10 to $((i - 1)) lost)" "$?" 1
expect_grep "the tail names the file, the offset and both GTIDs" \
	"^mc-binlog-tail: '.*new/mysql-bin.000002': offset $R: the checkpoint's resume offset $R lies where the file's binlog state \\(its GTID list, and its GTIDs before the offset\\) ends domain 0 of server_id [0-9]* at 0-[0-9]*-$((i - 10)), but the checkpoint's committed changes end there at 0-[0-9]*-6: $MDB_WHY_HISTORY\$" \
	"$T/new.err"
expect_eq "nothing written" "$(first_ids "$T/new.mcr")" ""

mdb_live_ck "$T/ck"
expect_eq "live, resume $R in the new history's binlog 2: exit 1 (was 0, rows lost, and the sink took the stream)" "$?/$put_rc" 1/1
expect_grep "the tail names the binlog, the offset and both GTIDs" \
	"^mc-binlog-tail: 'mysql-bin.000002': offset $R: the binlog state where the checkpoint resumes \\(BINLOG_GTID_POS\\) ends domain 0 at 0-[0-9]*-$((i - 10)), but the checkpoint's committed changes end there at 0-[0-9]*-6: the binlog is not the one" \
	"$T/tail.err"
expect_grep "... and points to --new-history" "into mc-tunnel-put --new-history\$" "$T/tail.err"
expect_same "the checkpoint has not moved" "$T/ck" "$T/ck.old"
expect_eq "the warehouse still holds rows 1 to 4" "$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 2 3 4 "

# a resume that falls inside an event (the state before it is the
# checkpoint's: the old history's files, a checkpoint made up), or past the
# file's end
sed "s/^resume 1:$R1:0\$/resume 1:$((R1 + 1)):0/" "$T/ck1" >"$T/ck.in"
mc-binlog-tail --checkpoint-in="$T/ck.in" "$T/old/mysql-bin.000001" >"$T/in.mcr" 2>"$T/in.err"
expect_eq "FILEs, resume inside an event: exit 1 (was 2)" "$?" 1
expect_grep "named as such" "offset $R1: the checkpoint's resume offset $((R1 + 1)) lies inside the event at offset $R1 \\(it ends at [0-9]*\\): $MDB_WHY_HISTORY\$" "$T/in.err"
sed "s/^resume 2:$R:0\$/resume 2:$((R + 1)):0/" "$T/ck" >"$T/ck.in2"
timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end --checkpoint-in="$T/ck.in2" >"$T/in2.mcr" 2>"$T/tail.err"
expect_eq "live, resume inside an event: exit 1" "$?" 1
expect_grep "named as such" "^mc-binlog-tail: 'mysql-bin.000002': offset $((R + 1)): the checkpoint's resume offset is not where an event of the server's binlog begins \\(BINLOG_GTID_POS is NULL" "$T/tail.err"
sed "s/^resume 1:$R1:0\$/resume 1:99999:0/" "$T/ck1" >"$T/ck.past"
mc-binlog-tail --checkpoint-in="$T/ck.past" "$T/old/mysql-bin.000001" >"$T/past.mcr" 2>"$T/past.err"
expect_eq "FILEs, resume past the file's end: exit 1" "$?" 1
expect_grep "named as such" "the checkpoint's resume offset 99999 lies past the file's end \\([0-9]*\\): $MDB_WHY_HISTORY\$" "$T/past.err"
expect_eq "the warehouse still holds rows 1 to 4" "$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 2 3 4 "

# RESET MASTER again, and more transactions than the old history had: the
# server has no binlog 2, and from the checkpoint's gtid (0-S-6) it would
# start inside the new history, its first six transactions left out
sql "RESET MASTER"
for i in 200 201 202 203 204 205 206 207; do sql "INSERT INTO d.t VALUES ($i,'')"; done
mdb_live_ck "$T/ck"
expect_eq "live, the server's binlogs all before the resume's: exit 1" "$?/$put_rc" 1/1
expect_grep "the tail says why" \
	"^mc-binlog-tail: '.*/ck': the server's binlogs \\(mysql-bin.000001 to mysql-bin.000001\\) all lie before the checkpoint's resume 2:$R:0 \\(binlog number 2\\), which one binlog history never does: the server's binlog was reset since \\(RESET MASTER\\), or it is another server .*--new-history" \
	"$T/tail.err"
expect_same "the checkpoint has not moved" "$T/ck" "$T/ck.old"
expect_eq "the warehouse still holds rows 1 to 4" "$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 2 3 4 "
