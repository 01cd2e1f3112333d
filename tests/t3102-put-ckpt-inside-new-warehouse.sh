#!/bin/sh
# --checkpoint-out inside the warehouse on the run that makes it (the
# directory not there yet): exit 2 as on later runs (t3092), nothing
# written. (The checkpoint replaced the ledger it had just written, exit 0:
# found by a tester.)
. "$(dirname "$0")/lib.sh"
col() { echo '{"name":"'"$1"'","mysql_type":"'"$2"'","mc_type":"'"$3"'","nullable":'"$4"',"flags":0}'; }
{ echo '{"mcr":1,"meta":{"writer":"test","source_id":"1"}}'
  echo '{"kind":"schema","db":"a","table":"t","version":1,"pos":[5,4,0],"time":1763668800,"flags":0,"columns":['"$(col id int INT false)"'],"key":[0]}'
  echo '{"kind":"row","op":"snapshot","db":"a","table":"t","version":1,"pos":[5,4,0],"time":1763668800,"before":null,"after":[1]}'
} | mcr "$T/snap.mcr"
W=$T/w
expect_code 2 "the first run, --checkpoint-out the warehouse's ledger: refused as on later runs" \
	mc-tunnel-put --dest="$W" --checkpoint-out="$W/_mcsync/ledger" "$T/snap.mcr"
expect_ok "a later run reads the warehouse" mc-tunnel-put --dest="$W" "$T/snap.mcr"
W2=$T/w2
expect_code 2 "the first run, --checkpoint-out a data file of the run" \
	mc-tunnel-put --dest="$W2" --checkpoint-out="$W2/a__t/ds=20251120/part-000001.mcr.zst" "$T/snap.mcr"
expect_eq "... nothing written" "$(find "$W2" -name 'part-*' 2>/dev/null | wc -l)" 0
expect_ok "without it, the run" mc-tunnel-put --dest="$W2" "$T/snap.mcr"
expect_ok "... the partition reads" mc-cat --to=jsonl "$W2"/a__t/ds=20251120/part-000001.mcr.zst
