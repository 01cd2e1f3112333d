#!/bin/sh
# mc-merge --lifecycle dropped the log below the lowest `from` of the
# table's kept full partitions, ignoring its re-snapshot generations
# (mc-tunnel-put --resnapshot, docs/merge.md "Re-snapshots"): a merge on a
# kept partition of an older generation takes a newer complete generation
# as its base and reads the log from the generation's `from` (its lowest
# watermark), which can lie far below. So (1) a generation still being
# loaded, its first chunk read days before its last, lost the log between
# them while the days were merged: once complete, its first merge stopped
# (exit 1, a log partition missing), and so did every later day's, the
# table stuck; (2) with a complete generation loaded after a day was
# merged, the rerun of that kept day and an --at after it stopped the
# same way. The generations newer than the oldest kept partition's now
# hold the log from their `from` on, and one being loaded the whole log.
. "$(dirname "$0")/lib.sh"

D1=1763683200 D2=1763769600 D3=1763856000 D4=1763942400 D5=1764028800 D6=1764115200
D7=1764201600
head_() { echo '{"mcr":1,"meta":{"writer":"test","source_id":"11","source_epoch":"1:'$D1'"'"${1:+,\"program\":\"$1\"}"'}}'; }
schema() { echo '{"kind":"schema","db":"a","table":"t","version":1,"pos":[1,4,0],"time":'$D1',"flags":0,"columns":[{"name":"id","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"v","mysql_type":"varchar(10)","mc_type":"STRING","nullable":false,"flags":0}],"key":[0]}'; }
ins() { # file offset time id
	echo '{"kind":"row","op":"insert","db":"a","table":"t","version":1,"pos":['"$1"','"$2"',0],"time":'"$3"',"before":null,"after":['"$4"',"v'"$4"'"]}'
	echo '{"kind":"mark","mark":"txn_end","pos":['"$1"','"$(($2 + 5))"',0],"time":'"$3"',"db":"","table":"","label":""}'
}
snaprow() { # file offset time id
	echo '{"kind":"row","op":"snapshot","db":"a","table":"t","version":1,"pos":['"$1"','"$2"',0],"time":'"$3"',"before":null,"after":['"$4"',"v'"$4"'"]}'
}
chunk() { # file offset time label
	echo '{"kind":"mark","mark":"chunk_end","pos":['"$1"','"$2"',0],"time":'"$3"',"db":"a","table":"t","label":"'"$4"'"}'
}
state() { part_rows "$1/a__t" "$2"; } # DIR ds: the rows, "id:v", sorted
# the snapshot (day 21), a change a day from day 22 to day 27
{ head_; schema; snaprow 1 4 $D1 1; } | mcr "$T/snap.mcr"
{ head_; schema; ins 1 100 $((D2 + 10)) 2; ins 1 200 $((D3 + 10)) 3; ins 1 300 $((D4 + 10)) 4
  ins 1 400 $((D5 + 10)) 5; ins 1 500 $((D6 + 10)) 6; ins 1 600 $((D7 + 10)) 7; } | mcr "$T/ch.mcr"

# (1) a re-snapshot in two chunks: (-inf, 1] read at 1:50 (day 21),
# (1, +inf] at 1:450 (day 25)
{ head_ mc-snapshot; schema; snaprow 1 50 $((D1 + 50)) 1; chunk 1 50 $((D1 + 50)) '(-inf, 1]'; } |
	mcr "$T/g1.mcr"
{ head_ mc-snapshot; schema; for i in 2 3 4 5; do snaprow 1 450 $((D5 + 50)) $i; done
  chunk 1 450 $((D5 + 50)) '(1, +inf]'; } | mcr "$T/g2.mcr"
W=$T/w K=$T/keep
expect_ok "load" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/ch.mcr"
expect_ok "the re-snapshot's first chunk" mc-tunnel-put --dest="$W" --resnapshot "$T/g1.mcr"
cp -R "$W" "$K"
for d in 20251122 20251123 20251124; do
	expect_ok "day $d with --lifecycle=1" mc-merge --warehouse="$W" --table=a__t --ds=$d --lifecycle=1
done
expect_ok "day 20251125 with --lifecycle=1" \
	mc-merge -v --warehouse="$W" --table=a__t --ds=20251125 --lifecycle=1
[ -d "$W/a__t_log/ds=20251122" ] && ok "the log from the generation's first chunk on is kept" ||
	fail "the log from the generation's first chunk on is kept" "gone: $(ls "$W/a__t_log" | tr '\n' ' ')"
expect_grep "... which -v says" "the log is kept whole: the re-snapshot '_resnap/a__t/gen=000001' is being loaded" "$T/err"
expect_ok "its last chunk" mc-tunnel-put --dest="$W" --resnapshot "$T/g2.mcr"
expect_ok "... (and in a warehouse merged without --lifecycle)" mc-tunnel-put --dest="$K" --resnapshot "$T/g2.mcr"
expect_ok "day 26, the generation's first, merges" mc-merge --warehouse="$W" --table=a__t --ds=20251126 --lifecycle=1
for d in 20251122 20251123 20251124 20251125 20251126; do
	mc-merge --warehouse="$K" --table=a__t --ds=$d --lifecycle=0 2>"$T/err2" ||
		fail "day $d without --lifecycle" "$(cat "$T/err2")"
done
expect_grep "... from the generation" '^gen 1$' "$W/a__t/ds=20251126/_SUCCESS"
expect_eq "... as without --lifecycle" "$(state "$W" 20251126)" "$(state "$K" 20251126)"
expect_eq "... every change in it" "$(state "$W" 20251126)" "1:v1 2:v2 3:v3 4:v4 5:v5 6:v6 "
[ ! -d "$W/a__t_log/ds=20251122" ] && ok "the log below it is dropped once no kept partition needs it" ||
	fail "the log below it is dropped" "$(ls "$W/a__t_log" | tr '\n' ' ')"

# (2) a complete generation read at 1:50, loaded after day 22 was merged:
# day 23 comes from it, day 22 (kept) not
{ head_ mc-snapshot; schema; snaprow 1 50 $((D1 + 50)) 1; chunk 1 50 $((D1 + 50)) '(-inf, +inf]'; } |
	mcr "$T/g.mcr"
W=$T/w2 K=$T/keep2
expect_ok "load" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/ch.mcr"
expect_ok "day 22" mc-merge --warehouse="$W" --table=a__t --ds=20251122 --lifecycle=2
expect_ok "the re-snapshot" mc-tunnel-put --dest="$W" --resnapshot "$T/g.mcr"
cp -R "$W" "$K"
expect_ok "day 23 with --lifecycle=2" mc-merge --warehouse="$W" --table=a__t --ds=20251123 --lifecycle=2
expect_grep "... from the generation" '^gen 1$' "$W/a__t/ds=20251123/_SUCCESS"
expect_ok "a rerun of day 23 (on the kept day 22)" mc-merge --warehouse="$W" --table=a__t --ds=20251123 --lifecycle=2
expect_ok "... and day 23 without --lifecycle" mc-merge --warehouse="$K" --table=a__t --ds=20251123 --lifecycle=0
expect_eq "... the same rows" "$(state "$W" 20251123)" "$(state "$K" 20251123)"
expect_ok "--at on day 23, after the kept day 22" \
	mc-merge --warehouse="$W" --table=a__t --at='2025-11-23 12:00:00' --output="$T/at.mcr"
expect_eq "... its rows" "$(mc-cat --to=jsonl "$T/at.mcr" | grep -c '"kind":"row"')" 3

# (3) a generation read at 1:50 but loaded only after the lifecycle dropped
# the log from there (no lifecycle can hold back a log for a generation
# not there yet): its merges stop, saying why and what to do; a newer
# re-snapshot, read at 1:450 (day 25), then gives the days after it
W=$T/w3
expect_ok "load" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/ch.mcr"
for d in 20251122 20251123; do
	expect_ok "day $d with --lifecycle=1" mc-merge --warehouse="$W" --table=a__t --ds=$d --lifecycle=1
done
expect_ok "the re-snapshot read at 1:50, loaded now" mc-tunnel-put --dest="$W" --resnapshot "$T/g.mcr"
expect_code 1 "day 24: exit 1" mc-merge --warehouse="$W" --table=a__t --ds=20251124 --lifecycle=1
expect_grep "... naming the generation and what to do" \
	"a__t_log/ds=20251122': missing.*the base is the re-snapshot '_resnap/a__t/gen=000001', whose log is read from its lowest watermark 1:50:0 on: a --lifecycle before it was loaded may have dropped that log; load a newer re-snapshot" "$T/err"
{ head_ mc-snapshot; schema; for i in 1 2 3 4 5; do snaprow 1 450 $((D5 + 50)) $i; done
  chunk 1 450 $((D5 + 50)) '(-inf, +inf]'; } | mcr "$T/g3.mcr"
expect_ok "a newer re-snapshot (read at 1:450)" mc-tunnel-put --dest="$W" --resnapshot "$T/g3.mcr"
for d in 20251125 20251126; do
	expect_ok "day $d" mc-merge --warehouse="$W" --table=a__t --ds=$d --lifecycle=1
done
expect_eq "... every change up to day 26" "$(state "$W" 20251126)" "1:v1 2:v2 3:v3 4:v4 5:v5 6:v6 "
