#!/bin/sh
# t2074's gap: a checkpoint whose resume lies in a binlog that a running
# tail rotated into (no stream started in it) had no resume_epoch, so a
# resume there was not held to that binlog's identity: after RESET MASTER
# and a new history whose binlog of that number has passed the resume's
# offset (its GTIDs too), the tail read the new history from the resume
# offset as the old one's next changes, exit 0, its first transactions
# lost; FILEs and live. Now mc-binlog-tail writes a binlog_start mark at
# each binlog it reads into after its first ([F,4,0], label F:T, T the
# binlog's creation time), mc-tunnel-put keeps the identity
# (ledger key source_rotated) and writes resume_epoch for it: exit 1. A
# stream without the marks (older tails) is read as before, without the
# line. docs/mc-binlog-tail.md "Description", docs/record-format.md
# "4 mark".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3
mdb_start

# the old history: row 1 in binlog 1, rows 2 and 3 in binlog 2; one stream
# from binlog 1 into binlog 2, live and FILEs, each into its warehouse
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(255)); INSERT INTO d.t VALUES (1,'')"
sql "FLUSH BINARY LOGS"
sql "INSERT INTO d.t VALUES (2,''); INSERT INTO d.t VALUES (3,'')"
mdb_live_ck "$T/ck"
expect_eq "live, one stream from binlog 1 into binlog 2: exit 0" "$?/$put_rc" 0/0
mkdir "$T/old" "$T/new"
cp "$MDB_BL".000001 "$MDB_BL".000002 "$T/old/"
mc-binlog-tail "$T/old/mysql-bin.000001" "$T/old/mysql-bin.000002" >"$T/f.mcr" 2>"$T/f.err" &&
	mc-tunnel-put --dest="$T/whf" --checkpoint-out="$T/ckf" <"$T/f.mcr" 2>"$T/putf.err"
expect_eq "FILEs, the same: exit 0" "$?" 0
R=$(sed -n 's/^resume 2:\([0-9]*\):0$/\1/p' "$T/ck")
expect_eq "the resume lies inside binlog 2" "$([ "${R:-0}" -gt 4 ] && echo inside)" inside
expect_eq "FILEs' checkpoint resumes there too" "$(grep '^resume ' "$T/ckf")" "resume 2:$R:0"
T2=$(binlog_created "$MDB_BL".000002)
expect_grep "the checkpoint holds binlog 2's creation time" "^resume_epoch 2:$T2\$" "$T/ck"
expect_grep "FILEs' too" "^resume_epoch 2:$T2\$" "$T/ckf"
odps_srv
mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/so" --retry-time=0.2 \
	--retry-delay=0.05 --checkpoint-out="$T/cko" "$T/f.mcr" 2>"$T/puto.err"
expect_eq "FILEs into MaxCompute: exit 0" "$?" 0
expect_eq "its checkpoint holds binlog 2's creation time too" \
	"$(grep '^resume' "$T/cko" | tr '\n' ' ')" "resume 2:$R:0 resume_epoch 2:$T2 "
mc-cat --to=jsonl "$T/f.mcr" >"$T/f.jsonl"
expect_grep "the stream marks binlog 2's start" \
	"^\\{\"kind\":\"mark\",\"mark\":\"binlog_start\",\"pos\":\\[2,4,0\\],\"time\":$T2,\"db\":\"\",\"table\":\"\",\"label\":\"2:$T2\"\\}\$" \
	"$T/f.jsonl"
expect_eq "... and only binlog 2's (binlog 1's is the header's source_epoch)" \
	"$(grep -c binlog_start "$T/f.jsonl")" 1
printf 'version: 1\nnames:\n  template: "${db}_${table}"\n' >"$T/rules.yaml"
mc-transform --rules="$T/rules.yaml" "$T/f.mcr" | mc-cat --to=jsonl | grep binlog_start >"$T/tr.jsonl"
expect_eq "mc-transform passes it through" "$(cat "$T/tr.jsonl")" "$(grep binlog_start "$T/f.jsonl")"
cp "$T/ck" "$T/ck.old"
cp "$T/ckf" "$T/ckf.old"

# the same history: a resume inside binlog 2 still works
sql "INSERT INTO d.t VALUES (4,'')"
mdb_live_ck "$T/ck"
expect_eq "live, resumed in binlog 2 of the same history: exit 0" "$?/$put_rc" 0/0
expect_eq "the warehouse holds rows 1 to 4" "$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 2 3 4 "
mc-binlog-tail --checkpoint-in="$T/ckf" "$MDB_BL".000001 "$MDB_BL".000002 >"$T/f4.mcr" 2>"$T/f4.err"
expect_eq "FILEs, the same: exit 0, row 4" "$?/$(first_ids "$T/f4.mcr")" "0/4 "

# a stream without the marks (an older tail): the checkpoint has no
# resume_epoch, as before
mc-cat --to=jsonl "$T/f.mcr" | jsonl_drop 'r.get("mark") == "binlog_start"' |
	mc-cat --from=jsonl --to=mcr >"$T/older.mcr"
mc-tunnel-put --dest="$T/who" --checkpoint-out="$T/ckold" <"$T/older.mcr" 2>"$T/putold.err"
expect_eq "a stream without binlog_start marks: exit 0" "$?" 0
expect_eq "... its checkpoint resumes in binlog 2, without resume_epoch" \
	"$(grep -c '^resume 2:' "$T/ckold")/$(grep -c '^resume_epoch' "$T/ckold")" 1/0

# the identity is the mark's label, F:T: a stream restamped (its records'
# times changed) keeps it; a label that is not F:T of the mark's binlog is
# refused
restamp "$T/f.mcr" 1763683200 >"$T/re.mcr" &&
	mc-tunnel-put --dest="$T/whr" --checkpoint-out="$T/ckr" "$T/re.mcr" 2>"$T/putr.err"
expect_eq "a restamped stream: exit 0" "$?" 0
expect_grep "... its checkpoint holds binlog 2's creation time" "^resume_epoch 2:$T2\$" "$T/ckr"
mc-cat --to=jsonl "$T/f.mcr" | sed 's/"label":"2:[0-9]*"}/"label":"3:1"}/' |
	mc-cat --from=jsonl --to=mcr >"$T/bad.mcr"
mc-tunnel-put --dest="$T/whb" "$T/bad.mcr" 2>"$T/putb.err"
expect_eq "a binlog_start mark whose label is another binlog's: exit 1" "$?" 1
expect_grep "... named" "record [0-9]*: binlog_start mark with label '3:1' \\(want F:T, F its position's binlog 2\\)\$" "$T/putb.err"

# RESET MASTER; the new history's GTIDs pass the checkpoint's at once
# (gtid_seq_no), and its binlog 2 gets an event boundary at the resume: a
# transaction padded to end there (REPEAT keeps the statement's length, the
# row grows by the count)
mdb_new_history "$R" 2 "SET gtid_seq_no = 1000"
expect_eq "the new history's binlog 2 has an event boundary at $R" "$(mdb_pos)" "$R"
sql "INSERT INTO d.t VALUES (100,''),(101,'')"
cp "$MDB_BL".000001 "$MDB_BL".000002 "$T/new/"
N2=$(binlog_created "$MDB_BL".000002)
expect_eq "the new binlog 2 was created at another time" "$([ "$N2" != "$T2" ] && echo other)" other

mc-binlog-tail --checkpoint-in="$T/ckf.old" "$T/new/mysql-bin.000001" "$T/new/mysql-bin.000002" \
	>"$T/new.mcr" 2>"$T/new.err"
expect_eq "FILEs, resume $R in the new history's binlog 2: exit 1 (was 0, rows 11 to $((i - 1)) lost)" "$?" 1
expect_grep "the tail names the file and both creation times" \
	"^mc-binlog-tail: '.*new/mysql-bin.000002': offset 4: the checkpoint's resume 2:$R:0 lies in binlog number 2 created at [0-9: -]* UTC \\($T2\\) by server_id $MDB_SERVER_ID \\(its resume_epoch 2:$T2\\), but this file was created at [0-9: -]* UTC \\($N2\\) by server_id $MDB_SERVER_ID \\(its Format_description\\): $MDB_WHY_HISTORY\$" \
	"$T/new.err"
expect_eq "nothing written" "$(first_ids "$T/new.mcr")" ""
timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
	--stop-at-end --checkpoint-in="$T/ck.old" >"$T/l.mcr" 2>"$T/l.err"
expect_eq "live, the same: exit 1 (was 0)" "$?" 1
expect_grep "the tail names the binlog and both creation times" \
	"^mc-binlog-tail: 'mysql-bin.000002': offset 4: the checkpoint's resume 2:$R:0 lies in binlog number 2 created at .*\\($T2\\).* but this file was created at .*\\($N2\\).*--new-history\$" \
	"$T/l.err"
expect_eq "nothing written" "$(first_ids "$T/l.mcr")" ""
expect_eq "the warehouse still holds rows 1 to 4" "$(first_ids "$T"/wh/d__t_log/ds=*/part-*.mcr.zst)" "1 2 3 4 "

# the sink holds a stream to the binlogs it knows (the identities it kept
# of them): one that starts in the new history's binlog 2 is refused at its
# header; one that reads the new binlog 1's end into its binlog 2, its
# header made up to claim the old history's binlog 1, at the binlog_start
# mark
mc-binlog-tail "$T/new/mysql-bin.000002" >"$T/n2.mcr" 2>"$T/n2.err"
mc-tunnel-put --dest="$T/whf" <"$T/n2.mcr" 2>"$T/putn2.err"
expect_eq "a stream that starts in binlog 2 of another creation time than the warehouse's: exit 1" "$?" 1
expect_grep "the sink says so at the header" \
	"record 1: this stream of server_id $MDB_SERVER_ID starts in binlog file 2 created at $N2 \\(source_epoch 2:$N2\\), which is not of the history this warehouse holds of server_id $MDB_SERVER_ID \\(ledger keys \\(no prefix\\), source_files [0-9:]*, source_rotated 2:$T2\\): after RESET MASTER, put it with --new-history" \
	"$T/putn2.err"
E1=$(sed -n 's/^source_epoch //p' "$T/whf/_mcsync/ledger")
mc-binlog-tail --from="$T/new/mysql-bin.000001:$(stat -c %s "$T/new/mysql-bin.000001")" \
	"$T/new/mysql-bin.000001" "$T/new/mysql-bin.000002" | mc-cat --to=jsonl |
	sed "1s/\"source_epoch\":\"1:[0-9]*\"/\"source_epoch\":\"$E1\"/" | mc-cat --from=jsonl --to=mcr >"$T/mix.mcr"
mc-tunnel-put --dest="$T/whf" <"$T/mix.mcr" 2>"$T/putm.err"
expect_eq "a stream into a binlog 2 of another creation time than the warehouse's: exit 1" "$?" 1
expect_grep "the sink names the binlog and both creation times" \
	"record [0-9]*: binlog 2 of this stream was created at $N2 \\(its binlog_start mark\\), but the warehouse's history of server_id $MDB_SERVER_ID has binlog 2 created at $T2 .*--new-history" \
	"$T/putm.err"
expect_eq "the warehouse still holds rows 1 to 3" "$(first_ids "$T"/whf/d__t_log/ds=*/part-*.mcr.zst)" "1 2 3 "
