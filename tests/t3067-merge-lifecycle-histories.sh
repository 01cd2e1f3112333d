#!/bin/sh
# mc-merge --lifecycle across a RESET MASTER (a new binlog history, whose
# positions start low again: docs/merge.md "Sources") compared positions
# of the two histories as they are written: with the kept partition's
# `from` in the older history (file 5), every log partition of the newer
# one (file 1) looked below it and was dropped, though the next days need
# it; their merges then stopped (exit 1, the partition missing) and the
# log was gone. (Only the day of the ledger's first source's newest change
# held it back: here another server, loaded first, is days ahead.)
# Positions now compare as the merge orders them, the older history
# first, and the day that holds the drop back is that of the table's own
# source.
. "$(dirname "$0")/lib.sh"

D1=1763683200 D2=1763769600 D3=1763856000 D4=1763942400 D5=1764028800 D6=1764115200
head_() { echo '{"mcr":1,"meta":{"writer":"test","source_id":"'"${2:-11}"'"'"${1:+,\"source_epoch\":\"$1\"}"'}}'; }
schema() { echo '{"kind":"schema","db":"'"${1:-a}"'","table":"'"${2:-t}"'","version":1,"pos":[1,4,0],"time":'$D1',"flags":0,"columns":[{"name":"id","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"v","mysql_type":"varchar(10)","mc_type":"STRING","nullable":false,"flags":0}],"key":[0]}'; }
ins() { # file offset time id [db table]
	echo '{"kind":"row","op":"insert","db":"'"${5:-a}"'","table":"'"${6:-t}"'","version":1,"pos":['"$1"','"$2"',0],"time":'"$3"',"before":null,"after":['"$4"',"v'"$4"'"]}'
	echo '{"kind":"mark","mark":"txn_end","pos":['"$1"','"$(($2 + 5))"',0],"time":'"$3"',"db":"","table":"","label":""}'
}
state() { part_rows "$1/a__t" "$2"; } # DIR ds: the rows, "id:v", sorted
# the snapshot (20251121); the old history in binlog file 5: day 22, and a
# change just after midnight that ends it; RESET MASTER at 00:50 on day
# 23; the new history in file 1 from 01:00 on day 23 to day 26
{ head_; schema; echo '{"kind":"row","op":"snapshot","db":"a","table":"t","version":1,"pos":[1,4,0],"time":'$D1',"before":null,"after":[1,"v1"]}'; } |
	mcr "$T/snap.mcr"
{ head_ 1:$D1; schema; ins 5 100 $((D2 + 10)) 2; ins 5 200 $((D3 + 600)) 3; } | mcr "$T/old.mcr"
{ head_ 1:$((D3 + 3000)); schema; ins 1 100 $((D3 + 3600)) 4; ins 1 200 $((D4 + 10)) 5
  ins 1 300 $((D5 + 10)) 6; ins 1 400 $((D6 + 10)) 7; } | mcr "$T/new.mcr"
# server 22, the ledger's first source: its table b.u changes up to day 26
{ head_ '' 22; schema b u; echo '{"kind":"row","op":"snapshot","db":"b","table":"u","version":1,"pos":[1,4,0],"time":'$D1',"before":null,"after":[1,"v1"]}'; } |
	mcr "$T/snap22.mcr"
{ head_ 1:$D1 22; schema b u; ins 1 100 $((D2 + 20)) 2 b u; ins 1 200 $((D6 + 20)) 3 b u; } | mcr "$T/log22.mcr"
W=$T/w
expect_ok "server 22" mc-tunnel-put --dest="$W" "$T/snap22.mcr" "$T/log22.mcr"
expect_ok "the snapshot and the old history" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/old.mcr"
expect_ok "the new history" mc-tunnel-put --new-history --dest="$W" "$T/new.mcr"
cp -R "$W" "$T/keep"
ls "$W/a__t_log" >"$T/logs0"
# cron was down: day 22 merged on day 26, keeping one day
expect_ok "day 22 with --lifecycle=1" mc-merge --warehouse="$W" --table=a__t --ds=20251122 --lifecycle=1
expect_grep "its partition starts in the old history" "^from 5:200:0$" "$W/a__t/ds=20251122/_SUCCESS"
for d in 20251123 20251124 20251125; do
	[ -d "$W/a__t_log/ds=$d" ] && ok "the log of day $d, of the new history, is kept" ||
		fail "the log of day $d, of the new history, is kept" "gone: $(ls "$W/a__t_log" | tr '\n' ' ')"
done
[ ! -d "$W/a__t_log/ds=20251122" ] && ok "the log of day 22, below the partition kept, is dropped" ||
	fail "the log of day 22 is dropped" "$(ls "$W/a__t_log" | tr '\n' ' ')"
for d in 20251123 20251124 20251125; do
	expect_ok "day $d merges after it" mc-merge --warehouse="$W" --table=a__t --ds=$d --lifecycle=0
	mc-merge --warehouse="$T/keep" --table=a__t --ds=$d --lifecycle=0 2>"$T/err2" ||
		fail "day $d without --lifecycle" "$(cat "$T/err2")"
	expect_eq "... as without --lifecycle" "$(state "$W" $d)" "$(state "$T/keep" $d)"
done
expect_eq "day 25 holds every change up to it" "$(state "$W" 20251125)" "1:v1 2:v2 3:v3 4:v4 5:v5 6:v6 "
