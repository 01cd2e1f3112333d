#!/bin/sh
# mc-merge per source (docs/merge.md "Sources"): two servers into one
# warehouse, each table merged with its own source's day cuts; a RESET
# MASTER mid-run (a new binlog history whose positions restart) merged in
# order, the older history first; one table fed by two servers refused.
. "$(dirname "$0")/lib.sh"

D1=1763683200 D2=1763769600 D3=1763856000 D4=1763942400 D5=1764028800
schema() { # db table
	echo '{"kind":"schema","db":"'"$1"'","table":"'"$2"'","version":1,"pos":[1,4,0],"time":'$D1',"flags":0,"columns":[{"name":"id","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"v","mysql_type":"varchar(10)","mc_type":"STRING","nullable":false,"flags":0}],"key":[0]}'
}
head_() { echo '{"mcr":1,"meta":{"writer":"test","source_id":"'"$1"'"'"${2:+,\"source_epoch\":\"$2\"}"'}}'; }
snap() { # db table id
	echo '{"kind":"row","op":"snapshot","db":"'"$1"'","table":"'"$2"'","version":1,"pos":[1,4,0],"time":'$D1',"before":null,"after":['"$3"',"v'"$3"'"]}'
}
chg() { # db table op offset time before-id after-id [value]
	b=null a=null
	[ "$6" = - ] || b='['"$6"',"v'"$6"'"]'
	[ "$7" = - ] || a='['"$7"',"'"${8:-v$7}"'"]'
	echo '{"kind":"row","op":"'"$3"'","db":"'"$1"'","table":"'"$2"'","version":1,"pos":[1,'"$4"',0],"time":'"$5"',"before":'"$b"',"after":'"$a"'}'
	echo '{"kind":"mark","mark":"txn_end","pos":[1,'"$(($4 + 5))"',0],"time":'"$5"',"db":"","table":"","label":""}'
}
# the rows of a merged day: "id:v" lines, sorted
state() { part_rows "$W/$1" "$2"; } # table ds

# server 11: a.t; server 22: b.u, whose day 20251122 ends at another position
{ head_ 11; schema a t; snap a t 1; schema a t; } | mcr "$T/a-snap.mcr"
{ head_ 11 1:$D1; schema a t; chg a t insert 100 $((D2 + 10)) - 2
  chg a t insert 200 $((D3 + 10)) - 3; chg a t insert 300 $((D4 + 10)) - 4; } | mcr "$T/a-log.mcr"
{ head_ 22; schema b u; snap b u 1; } | mcr "$T/b-snap.mcr"
{ head_ 22 1:$D1; schema b u; chg b u insert 210 $((D2 + 20)) - 2
  chg b u insert 300 $((D3 + 20)) - 3; } | mcr "$T/b-log.mcr"
W=$T/w
expect_ok "two servers into one warehouse" \
	mc-tunnel-put --dest="$W" "$T/a-snap.mcr" "$T/a-log.mcr" "$T/b-snap.mcr" "$T/b-log.mcr"
expect_grep "each table's source is recorded" "^tsrc\.b__u 1$" "$W/_mcsync/ledger"
for d in 20251122 20251123; do
	expect_ok "a__t, day $d" mc-merge --warehouse="$W" --table=a__t --ds=$d
done
expect_eq "a__t on 20251123 has its server's rows" "1:v1 2:v2 3:v3 " "$(state a__t 20251123)"
expect_ok "b__u, day 20251122, with its own day cut" mc-merge --warehouse="$W" --table=b__u --ds=20251122
expect_eq "b__u on 20251122 has its server's rows of the day" "1:v1 2:v2 " "$(state b__u 20251122)"
expect_code 1 "b__u's 20251123 is not over on its server (the other's is)" \
	mc-merge --warehouse="$W" --table=b__u --ds=20251123
expect_grep "and says so" "the log has not reached the end of 20251123" "$T/err"

# --- one table from two servers: refused at the sink ---
{ head_ 22 1:$D1; schema a t; chg a t insert 400 $((D3 + 30)) - 9; } | mcr "$T/a-from-22.mcr"
expect_code 1 "a table fed by a second server is refused" mc-tunnel-put --dest="$W" "$T/a-from-22.mcr"
expect_grep "naming the table and both servers" \
	"'a\.t' of server_id 22 would be written as 'a__t', which holds 'a\.t' of server_id 11 \(ledger key 'srctab\.a__t'\)" "$T/err"

# --- RESET MASTER on server 11: a new history, positions restart ---
{ head_ 11 1:$((D4 + 3000)); schema a t; chg a t update 150 $((D4 + 3600)) 1 1 v1x
  chg a t delete 160 $((D4 + 3700)) 2 -; chg a t insert 170 $((D5 + 10)) - 5; } | mcr "$T/a-reset.mcr"
expect_ok "the new history of server 11" mc-tunnel-put --new-history --dest="$W" "$T/a-reset.mcr"
expect_grep "is a source of its own" "^src\.2\.source_epoch 1:$((D4 + 3000))$" "$W/_mcsync/ledger"
expect_ok "a__t, day 20251124: the old history's changes, then the new one's" \
	mc-merge --warehouse="$W" --table=a__t --ds=20251124
expect_eq "a__t on 20251124 equals the server's table" "1:v1x 3:v3 4:v4 " "$(state a__t 20251124)"
expect_grep "its marker names the history of its end" "^from_src 2$" "$W/a__t/ds=20251124/_SUCCESS"
{ head_ 11 1:$((D4 + 3000)); schema a t; chg a t insert 180 $((D5 + 20)) - 6
  chg a t insert 190 $((D5 + 86400)) - 7; } | mcr "$T/a-reset2.mcr"
expect_ok "more of the new history" mc-tunnel-put --dest="$W" "$T/a-reset2.mcr"
expect_ok "a__t, day 20251125, from a base of the new history" \
	mc-merge --warehouse="$W" --table=a__t --ds=20251125
expect_eq "a__t on 20251125" "1:v1x 3:v3 4:v4 5:v5 6:v6 " "$(state a__t 20251125)"
expect_code 1 "--at=POSITION cannot say which history" \
	mc-merge --warehouse="$W" --table=a__t --at=1:150:0 --output="$T/o.mcr"
expect_grep "and says so" "2 binlog histories" "$T/err"
expect_ok "--at=TIME orders the histories" \
	mc-merge --warehouse="$W" --table=a__t --at='2025-11-24 01:01:00' --output="$T/o.mcr"
expect_eq "the state then: the update in, the delete not yet" "1:v1x 2:v2 3:v3 4:v4 " \
	"$(mc-cat --to=jsonl "$T/o.mcr" | sed -n 's/.*"after":\[\([0-9]*\),"\([^"]*\)"\].*/\1:\2/p' | sort | tr '\n' ' ')"
expect_code 1 "--emit-sql of a table with two histories" \
	mc-merge --warehouse="$W" --table=a__t --ds=20251125 --emit-sql
