#!/bin/sh
# mc-merge --lifecycle dropped a partition by removing its marker, then
# its files one by one: a run killed (SIGKILL) in between left the
# partition's directory with part of its files and no _SUCCESS. A log
# partition so left stayed for good (the next lifecycles list only
# complete partitions), its files readable by hand as if a day's log; a
# full one made a rerun of the next day fail on "no _SUCCESS marker: the
# partition is incomplete". Now a partition is renamed aside in one step
# (`.tmp-drop.PID.N` in its table's directory), then removed; what a kill
# leaves aside is removed by the table's next run. The kills are put in
# the middle of a partition's files with strace's syscall fault
# injection.
. "$(dirname "$0")/lib.sh"
need strace

D1=1763683200 D2=1763769600 D3=1763856000 D4=1763942400 D5=1764028800
head_() { echo '{"mcr":1,"meta":{"writer":"test","source_id":"11","source_epoch":"1:'$D1'"}}'; }
schema() { echo '{"kind":"schema","db":"a","table":"t","version":1,"pos":[1,4,0],"time":'$D1',"flags":0,"columns":[{"name":"id","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"v","mysql_type":"varchar(10)","mc_type":"STRING","nullable":false,"flags":0}],"key":[0]}'; }
ins() { # file offset time id
	echo '{"kind":"row","op":"insert","db":"a","table":"t","version":1,"pos":['"$1"','"$2"',0],"time":'"$3"',"before":null,"after":['"$4"',"v'"$4"'"]}'
	echo '{"kind":"mark","mark":"txn_end","pos":['"$1"','"$(($2 + 5))"',0],"time":'"$3"',"db":"","table":"","label":""}'
}
state() { part_rows "$1/a__t" "$2"; } # DIR ds: the rows, "id:v", sorted
# the snapshot (day 21); day 22's changes in three commits (three files
# in its log partition), one change a day from day 23 to day 25
{ head_; schema; echo '{"kind":"row","op":"snapshot","db":"a","table":"t","version":1,"pos":[1,4,0],"time":'$D1',"before":null,"after":[1,"v1"]}'; } |
	mcr "$T/snap.mcr"
{ head_; schema; ins 1 100 $((D2 + 10)) 2; } | mcr "$T/c1.mcr"
{ head_; schema; ins 1 200 $((D2 + 20)) 3; } | mcr "$T/c2.mcr"
{ head_; schema; ins 1 300 $((D2 + 30)) 4; } | mcr "$T/c3.mcr"
{ head_; schema; ins 1 400 $((D3 + 10)) 5; ins 1 500 $((D4 + 10)) 6; ins 1 600 $((D5 + 10)) 7; } |
	mcr "$T/c4.mcr"
W=$T/w
for f in snap c1 c2 c3 c4; do
	expect_ok "load $f" mc-tunnel-put --dest="$W" "$T/$f.mcr"
done
expect_ok "day 22" mc-merge --warehouse="$W" --table=a__t --ds=20251122 --lifecycle=0
expect_eq "day 22's log partition holds three files" \
	"$(ls "$W/a__t_log/ds=20251122" | grep -c '^part-')" 3
cp -R "$W" "$T/w0"
# which unlink removes FILE (a pattern) in day 23's merge with --lifecycle=1
nth_unlink() {
	rm -rf "$T/try" && cp -R "$T/w0" "$T/try" &&
		strace -f -qq -o "$T/trace" -e trace=unlink,unlinkat \
			mc-merge --warehouse="$T/try" --table=a__t --ds=20251123 --lifecycle=1 &&
		grep -n "unlink" "$T/trace" | grep "$1" | head -1 | cut -d: -f1
}
kill_at() { # N: day 23's merge with --lifecycle=1, killed at its N-th unlink
	strace -f -qq -o /dev/null -e trace=unlink,unlinkat -e inject=unlink,unlinkat:signal=SIGKILL:when="$1" \
		mc-merge --warehouse="$W" --table=a__t --ds=20251123 --lifecycle=1
}
incomplete() { # DIR: its partitions without _SUCCESS
	for p in "$1"/ds=*; do [ -d "$p" ] && [ ! -f "$p/_SUCCESS" ] && echo "${p##*/}"; done
}

# killed after the first of the log partition's three files was removed
N=$(nth_unlink 'a__t_log/.*part-000003.mcr.zst')
[ -n "$N" ] || { fail "the unlink of day 22's second log file" "not found: $(cat "$T/trace")"; exit 1; }
expect_code 137 "day 23 with --lifecycle=1, killed while dropping day 22's log" kill_at "$N"
expect_eq "... leaves no log partition without its _SUCCESS" "$(incomplete "$W/a__t_log")" ""
if [ -d "$W/a__t_log/ds=20251122" ]; then
	expect_eq "... day 22's log, still there, with its three files" \
		"$(ls "$W/a__t_log/ds=20251122" | grep -c '^part-')" 3
fi
expect_ok "--at on day 23 after the kill" \
	mc-merge --warehouse="$W" --table=a__t --at='2025-11-23 12:00:00' --output="$T/at.mcr"
expect_eq "... its rows" "$(mc-cat --to=jsonl "$T/at.mcr" | grep -c '"kind":"row"')" 5
expect_ok "the next day, with --lifecycle=1" mc-merge --warehouse="$W" --table=a__t --ds=20251124 --lifecycle=1
expect_eq "... every change up to it" "$(state "$W" 20251124)" "1:v1 2:v2 3:v3 4:v4 5:v5 6:v6 "
expect_eq "... and nothing of the drop is left in the log table" \
	"$(ls -A "$W/a__t_log" | grep -v '^_' | tr '\n' ' ')" "ds=20251125 "
expect_eq "... nor in the table" "$(ls -A "$W/a__t" | grep -v '^_' | tr '\n' ' ')" "ds=20251124 "

# killed while dropping the full partition of day 22
rm -rf "$W" && cp -R "$T/w0" "$W"
N=$(nth_unlink 'a__t/.*ds=20251122.*part-000000.mcr.zst\|a__t/\.tmp-drop\.[0-9]*\.1/part-000000.mcr.zst')
[ -n "$N" ] || { fail "the unlink of day 22's data file" "not found: $(cat "$T/trace")"; exit 1; }
expect_code 137 "day 23 with --lifecycle=1, killed while dropping the partition of day 22" kill_at "$N"
expect_eq "... leaves no partition without its _SUCCESS" "$(incomplete "$W/a__t")" ""
expect_code 1 "a rerun of day 23" mc-merge --warehouse="$W" --table=a__t --ds=20251123 --lifecycle=1
expect_grep "... is refused as merged already, its base dropped" \
	"'ds=20251123' is merged already and no full partition before it is left" "$T/err"
expect_eq "... and removes what the kill left aside" \
	"$(ls -A "$W/a__t" "$W/a__t_log" | grep '^\.tmp' | tr '\n' ' ')" ""
expect_ok "the next day" mc-merge --warehouse="$W" --table=a__t --ds=20251124 --lifecycle=1
expect_eq "... every change up to it" "$(state "$W" 20251124)" "1:v1 2:v2 3:v3 4:v4 5:v5 6:v6 "
