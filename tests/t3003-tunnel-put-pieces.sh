#!/bin/sh
# When mc-tunnel-put commits. On a live stream that goes idle: a heartbeat at the position
# of the last transaction end (what mc-binlog-tail writes when the server
# has nothing more) commits what is pending at once, without waiting for
# --commit-rows rows or the end of the input; repeated heartbeats there
# cost no further commits. And a snapshot stream without chunk marks is
# committed in pieces (below).
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
mc-tunnel-put --partial-ok --dest="$T/w" --checkpoint-out="$T/ck" <"$T/fifo" 2>"$T/err" &
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

# A snapshot stream without chunk marks (mcgen's, other writers'): committed
# in pieces as it comes (memory stays bounded), and fed again after a cut
# with another --commit-rows, every row lands once.
MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 20000 >"$T/sb.mcr"
mc-cat "$T/sb.mcr" | head -n 7000 | mc-cat --from=jsonl --to=mcr |
	mc-tunnel-put --partial-ok --dest="$T/p" --commit-rows=500 2>"$T/err"
expect_eq "a cut chunk-less snapshot: exit 0" "$?" 0
n1=$(sed -n 's/^snapshot_rows //p' "$T/p/_mcsync/ledger")
[ "${n1:-0}" -gt 0 ] && [ "$n1" -lt 20000 ] && ok "part of it is committed ($n1 rows)" ||
	fail "part of it is committed" "snapshot_rows '$n1'"
expect_ok "then the whole stream with another --commit-rows" \
	mc-tunnel-put --dest="$T/p" --commit-rows=700 "$T/sb.mcr"
expect_grep "every row once" '^rows 20000$' "$T/p/sbtest__sbtest1/"ds=*/_SUCCESS
n=$(ls "$T/p/sbtest__sbtest1/"ds=*/part-*.mcr.zst | wc -l)
[ "$n" -ge 5 ] && ok "the base was written in pieces ($n files)" ||
	fail "the base was written in pieces" "$n files"
