#!/bin/sh
# mc-tunnel-put on a live stream that goes idle: a heartbeat at the position
# of the last transaction end (what mc-binlog-tail writes when the server
# has nothing more) commits what is pending at once, without waiting for
# --commit-rows rows or the end of the input; repeated heartbeats there
# cost no further commits.
. "$(dirname "$0")/lib.sh"
cat >"$T/s.jsonl" <<'J'
{"mcr":1,"meta":{}}
{"kind":"schema","db":"d","table":"t","version":1,"pos":[1,400,0],"time":1763683200,"flags":0,"columns":[{"name":"id","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0}],"key":[0]}
{"kind":"row","op":"insert","db":"d","table":"t","version":1,"pos":[1,500,0],"time":1763683200,"before":null,"after":[1]}
{"kind":"mark","mark":"txn_end","pos":[1,500,0],"time":1763683200,"db":"","table":"","label":"0-1-7"}
{"kind":"mark","mark":"heartbeat","pos":[1,500,0],"time":1763683201,"db":"","table":"","label":""}
{"kind":"mark","mark":"heartbeat","pos":[1,500,0],"time":1763683231,"db":"","table":"","label":""}
J
mkfifo "$T/fifo"
mc-tunnel-put --dest="$T/w" --checkpoint-out="$T/ck" <"$T/fifo" 2>"$T/err" &
sink=$!
exec 3>"$T/fifo"
cat "$T/s.jsonl" >&3
i=0
while [ ! -f "$T/ck" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "the heartbeat after the last transaction commits it while the input is still open" \
	"$(grep -E '^(pos|resume) ' "$T/ck" 2>/dev/null | tr '\n' ' ')" "pos 1:500:0 resume 1:500:0 "
seq1=$(sed -n 's/^seq //p' "$T/w/_mcsync/ledger")
exec 3>&-
wait $sink
expect_eq "the sink ends cleanly at the end of the input" "$?" 0
expect_eq "the repeated heartbeat made no further commit" "$(sed -n 's/^seq //p' "$T/w/_mcsync/ledger")" "$seq1"
n=$(mc-cat "$T"/w/d__t_log/ds=*/part-*.mcr.zst | grep -c '"kind":"row"')
expect_eq "the row is in the log once" "$n" 1
