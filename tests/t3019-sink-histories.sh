#!/bin/sh
# mc-tunnel-put: which binlog history a stream is of (docs/mc-tunnel-put.md
# "Sources") is decided by the files each history has seen, never by
# creation times: a rerun of files created out of order (a long
# statement's commit, a lagging replica, SET TIMESTAMP) adds nothing; two
# servers with the same server_id neither double rows nor lose any in
# silence; a new history needs --new-history.
. "$(dirname "$0")/lib.sh"

D1=1763683200
schema() {
	echo '{"kind":"schema","db":"a","table":"t","version":1,"pos":['"$1"',4,0],"time":'$D1',"flags":0,"columns":[{"name":"id","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"v","mysql_type":"varchar(10)","mc_type":"STRING","nullable":false,"flags":0}],"key":[0]}'
}
head_() { echo '{"mcr":1,"meta":{"writer":"test","source_id":"'"$1"'","source_epoch":"'"$2"'"}}'; }
ins() { # file offset time id
	echo '{"kind":"row","op":"insert","db":"a","table":"t","version":1,"pos":['"$1"','"$2"',0],"time":'"$3"',"before":null,"after":['"$4"',"v'"$4"'"]}'
	echo '{"kind":"mark","mark":"txn_end","pos":['"$1"','"$(($2 + 5))"',0],"time":'"$3"',"db":"","table":"","label":""}'
}
rows() { # DIR: the log rows of a.t
	n=0
	for f in "$1"/a__t_log/*/part-*; do
		[ -f "$f" ] && n=$((n + $(mc-cat --to=jsonl "$f" | grep -c '"kind":"row"')))
	done
	echo $n
}
ids() { # DIR: the ids of the log rows, sorted
	for f in "$1"/a__t_log/*/part-*; do [ -f "$f" ] && mc-cat --to=jsonl "$f"; done |
		sed -n 's/.*"after":\[\([0-9]*\),.*/\1/p' | sort -n | tr '\n' ' '
}

# --- creation times out of file order: 000003 created before 000002 ---
{ head_ 1 2:1000; schema 2; ins 2 100 $((D1 + 10)) 1; } | mcr "$T/f2.mcr"
{ head_ 1 3:900; schema 3; ins 3 100 $((D1 + 20)) 2; } | mcr "$T/f3.mcr"
W=$T/w1
expect_ok "two files, the later one created earlier" mc-tunnel-put --dest="$W" "$T/f2.mcr" "$T/f3.mcr"
expect_eq "load both rows" 2 "$(rows "$W")"
expect_ok "a rerun" mc-tunnel-put --dest="$W" "$T/f2.mcr" "$T/f3.mcr"
expect_eq "adds nothing" 2 "$(rows "$W")"
expect_grep "one history, both files" "^source_files 2:1000,3:900$" "$W/_mcsync/ledger"
expect_ok "a rerun of the second file alone" mc-tunnel-put --dest="$W" "$T/f3.mcr"
expect_eq "adds nothing either" 2 "$(rows "$W")"
if grep -q "^src\.1\." "$W/_mcsync/ledger"; then
	fail "no second history in the ledger" "$(cat "$W/_mcsync/ledger")"
else
	ok "no second history in the ledger"
fi

# --- two servers with the same server_id ---
{ head_ 1 1:500; schema 1; ins 1 100 $((D1 + 10)) 1; ins 1 200 $((D1 + 20)) 2; } | mcr "$T/mine.mcr"
{ head_ 1 1:700; schema 1; ins 1 100 $((D1 + 30)) 3; } | mcr "$T/other.mcr"
W=$T/w2
expect_ok "one server's stream" mc-tunnel-put --dest="$W" "$T/mine.mcr"
expect_code 1 "the other's, same server_id, not of that history, is refused" \
	mc-tunnel-put --dest="$W" "$T/other.mcr"
expect_grep "naming both histories and what to do" \
	"source_epoch 1:700.*history this warehouse holds of server_id 1 .*source_files 1:500.*--new-history" "$T/err"
expect_ok "the first again" mc-tunnel-put --dest="$W" "$T/mine.mcr"
expect_code 1 "the other again" mc-tunnel-put --dest="$W" "$T/other.mcr"
expect_eq "no row doubled, none of the other's taken" "1 2 " "$(ids "$W")"

# --- with --new-history (as after RESET MASTER): alternating feeds ---
W=$T/w3
expect_ok "history one" mc-tunnel-put --dest="$W" "$T/mine.mcr"
expect_ok "history two, with --new-history" mc-tunnel-put --new-history --dest="$W" "$T/other.mcr"
expect_grep "says so" "^mc-tunnel-put: server_id 1: a new binlog history \(source_epoch 1:700\), kept under ledger keys src\.1\.$" "$T/err"
expect_ok "history one again: repeats of the closed history" mc-tunnel-put --dest="$W" "$T/mine.mcr"
expect_ok "history two again" mc-tunnel-put --dest="$W" "$T/other.mcr"
expect_eq "each row once" "1 2 3 " "$(ids "$W")"
expect_eq "two histories in the ledger, no more" "" "$(grep '^src\.2\.' "$W/_mcsync/ledger")"
{ head_ 1 1:500; schema 1; ins 1 100 $((D1 + 10)) 1; ins 1 200 $((D1 + 20)) 2
  ins 1 300 $((D1 + 40)) 4; } | mcr "$T/mine-more.mcr"
expect_code 1 "new changes of the closed history are refused" mc-tunnel-put --dest="$W" "$T/mine-more.mcr"
expect_grep "and says why" "position 1:300:0 is past the end \(1:205:0\) of a binlog history of server_id 1 \(source_epoch 1:500\)" "$T/err"
expect_eq "nothing of it taken" "1 2 3 " "$(ids "$W")"

