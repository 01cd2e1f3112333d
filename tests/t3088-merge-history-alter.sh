#!/bin/sh
# The table's schema history across binlog histories (RESET MASTER, then
# mc-tunnel-put --new-history): an ALTER of the new history at a position
# lower than the old history's versions is after them, not before.
. "$(dirname "$0")/lib.sh"

D1=1763683200 # 2025-11-21
col() { echo '{"name":"'"$1"'","mysql_type":"'"$2"'","mc_type":"'"$3"'","nullable":'"$4"',"flags":0}'; }
schema() { # file off time cols...
	f=$1 o=$2 t=$3
	shift 3
	c=$(printf '%s,' "$@")
	echo '{"kind":"schema","db":"a","table":"t","version":1,"pos":['"$f"','"$o"',0],"time":'"$t"',"flags":0,"columns":['"${c%,}"'],"key":[0]}'
}
C1="$(col id int INT false) $(col v 'varchar(10)' STRING false)"
head_() { echo '{"mcr":1,"meta":{"writer":"test","source_id":"1","source_epoch":"'"$1"'"}}'; }
ins() { # file offset time id
	echo '{"kind":"row","op":"insert","db":"a","table":"t","version":1,"pos":['"$1"','"$2"',0],"time":'"$3"',"before":null,"after":['"$4"',"v'"$4"'"]}'
	echo '{"kind":"mark","mark":"txn_end","pos":['"$1"','"$(($2 + 5))"',0],"time":'"$3"',"db":"","table":"","label":""}'
}
# the snapshot (row 1), then history one: binlog 5, two rows on day 1
{ echo '{"mcr":1,"meta":{"writer":"test","source_id":"1"}}'; schema 5 4 $((D1 - 86400)) $C1
  echo '{"kind":"row","op":"snapshot","db":"a","table":"t","version":1,"pos":[5,4,0],"time":'$((D1 - 86400))',"before":null,"after":[1,"v1"]}'
} | mcr "$T/snap.mcr"
{ head_ 5:500; schema 5 4 $D1 $C1; ins 5 100 $((D1 + 10)) 2; ins 5 200 $((D1 + 20)) 3; } | mcr "$T/h1.mcr"
# history two (after RESET MASTER): binlog 1, on day 2, an ALTER, no row after it
{ head_ 1:700; schema 1 4 $((D1 + 86400)) $C1
  echo '{"kind":"ddl","db":"a","table":"t","pos":[1,300,0],"time":'$((D1 + 86400 + 10))',"sql":"ALTER TABLE t ADD COLUMN w INT NOT NULL DEFAULT 7","effect":"alter"}'
  schema 1 300 $((D1 + 86400 + 10)) $C1 "$(col w int INT false)"
  echo '{"kind":"mark","mark":"txn_end","pos":[1,305,0],"time":'$((D1 + 86400 + 10))',"db":"","table":"","label":""}'
  echo '{"kind":"mark","mark":"heartbeat","pos":[1,400,0],"time":'$((D1 + 2 * 86400 + 10))',"db":"","table":"","label":""}'
} | mcr "$T/h2.mcr"
W=$T/w
expect_ok "the snapshot and history one" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/h1.mcr"
expect_ok "history two" mc-tunnel-put --new-history --dest="$W" "$T/h2.mcr"
mc-cat --to=jsonl "$W/a__t/_schemahist.mcr" >"$T/hist.jsonl"
part_rows3() { # DS: "id:v:w" of the full partition
	mc-cat --to=jsonl "$W"/a__t/ds=$1/part-*.mcr.zst |
		sed -n 's/.*"after":\[\([0-9]*\),"\([^"]*\)",\([0-9]*\)\].*/\1:\2:\3/p' | sort | tr '\n' ' '
}
expect_ok "the merge of day 1" mc-merge --warehouse="$W" --table=a__t --ds=20251121
expect_eq "day 1: the old columns" "$(mc-cat --to=jsonl "$W"/a__t/ds=20251121/part-*.mcr.zst | grep -c '"after":\[[0-9]*,"v[0-9]*"\]')" 3
expect_code 1 "day 2, the ALTER with no row after it yet: refused" \
	mc-merge --warehouse="$W" --table=a__t --ds=20251122
expect_grep "naming the statement in its history" \
	"'ALTER TABLE t ADD COLUMN w INT NOT NULL DEFAULT 7' at position 1:300:0 of binlog history 2 changed its columns, and no row of the table came after it yet" "$T/err"
# a row of the new columns on day 3
{ head_ 1:700; schema 1 300 $((D1 + 86400 + 10)) $C1 "$(col w int INT false)"
  echo '{"kind":"row","op":"insert","db":"a","table":"t","version":1,"pos":[1,500,0],"time":'$((D1 + 2 * 86400 + 20))',"before":null,"after":[4,"v4",9]}'
  echo '{"kind":"mark","mark":"txn_end","pos":[1,505,0],"time":'$((D1 + 2 * 86400 + 20))',"db":"","table":"","label":""}'
  echo '{"kind":"mark","mark":"heartbeat","pos":[1,600,0],"time":'$((D1 + 3 * 86400 + 10))',"db":"","table":"","label":""}'
} | mcr "$T/h2b.mcr"
expect_ok "history two goes on" mc-tunnel-put --dest="$W" "$T/h2b.mcr"
expect_ok "the merge of day 2" mc-merge --warehouse="$W" --table=a__t --ds=20251122
expect_eq "day 2: the ALTER's column, its default for the older rows" \
	"$(part_rows3 20251122)" "1:v1:7 2:v2:7 3:v3:7 "
expect_ok "the merge of day 3" mc-merge --warehouse="$W" --table=a__t --ds=20251123
expect_eq "day 3: and the new row" "$(part_rows3 20251123)" "1:v1:7 2:v2:7 3:v3:7 4:v4:9 "
expect_ok "the state at a time of history one" mc-merge --warehouse="$W" --table=a__t --at='2025-11-21 00:00:15' --output="$T/at1.mcr"
expect_eq "... before the ALTER: the old columns" \
	"$(mc-cat --to=jsonl "$T/at1.mcr" | sed -n 's/.*"after":\[\([0-9]*\),"\([^"]*\)"\].*/\1:\2/p' | sort | tr '\n' ' ')" "1:v1 2:v2 "
expect_ok "the state at a time of history two, before its ALTER" mc-merge --warehouse="$W" --table=a__t --at='2025-11-22 00:00:05' --output="$T/at2.mcr"
expect_eq "... the old columns, every row" \
	"$(mc-cat --to=jsonl "$T/at2.mcr" | sed -n 's/.*"after":\[\([0-9]*\),"\([^"]*\)"\].*/\1:\2/p' | sort | tr '\n' ' ')" "1:v1 2:v2 3:v3 "
expect_ok "... and after it" mc-merge --warehouse="$W" --table=a__t --at='2025-11-22 00:00:15' --output="$T/at3.mcr"
expect_eq "... the new columns" \
	"$(mc-cat --to=jsonl "$T/at3.mcr" | sed -n 's/.*"after":\[\([0-9]*\),"\([^"]*\)",\([0-9]*\)\].*/\1:\2:\3/p' | sort | tr '\n' ' ')" "1:v1:7 2:v2:7 3:v3:7 "
