#!/bin/sh
# A MaxCompute --state directory and a local warehouse share the ledger's
# format and place (DIR/_mcsync/ledger). A state directory given as a local
# --dest=DIR took the changes into local files under it and moved its
# ledger past them: the next run into MaxCompute dropped them as committed
# ("N records already in the warehouse, skipped"), exit 0 both times, the rows
# never in MaxCompute. A local warehouse given as --state likewise: its
# ledger made the upload skip what only the local files held. Both are now
# exit 2 before anything is written (docs/mc-tunnel-put.md "--state").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3
"$BIN/tools/mcgen" changes 300 600 >"$T/ch.mcr" || { fail "mcgen" "failed"; exit 1; }
# two files of the one stream, cut at a transaction's end (trailers without checksum)
mc-cat "$T/ch.mcr" | python3 -c '
import json, sys
ls = sys.stdin.read().splitlines()
hdr, schema, body = ls[0], ls[1], ls[2:-1]
ends = [i for i, l in enumerate(body) if "\"txn_end\"" in l]
cut = ends[len(ends) // 2] + 1
for n, part in (("1", body[:cut]), ("2", body[cut:])):
    recs = [schema] + part
    open(sys.argv[1] + n + ".jsonl", "w").write("\n".join([hdr] + recs + [json.dumps({"kind": "trailer", "count": len(recs)})]) + "\n")
' "$T/h" && mc-cat --to=mcr "$T/h1.jsonl" >"$T/h1.mcr" && mc-cat --to=mcr "$T/h2.jsonl" >"$T/h2.mcr" ||
	{ fail "split" "failed"; exit 1; }
all=$(mc-cat "$T/ch.mcr" | grep -c '"kind":"row"')
images=$(mc-cat "$T/ch.mcr" | python3 -c '
import json, sys
print(sum(2 if r.get("op") == "update" else 1 for r in map(json.loads, sys.stdin) if r.get("kind") == "row"))')

odps_srv
put() { # STATE ARGS...
	_s=$1
	shift
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" --retry-time=0.2 "$@"
}
count() { $CLI sql "SELECT COUNT(*) FROM $1" 2>&1 | sed 1d; }

# a batch state directory as a local warehouse
expect_ok "the first half into MaxCompute" put s --name=sbtest.sbtest1=a "$T/h1.mcr"
cp "$T/s/_mcsync/ledger" "$T/ledger.before"
expect_code 2 "its --state directory given as a local --dest: refused" mc-tunnel-put --dest="$T/s" "$T/h2.mcr"
expect_grep "... naming it" "--dest=$T/s is the --state directory of a MaxCompute destination .'$T/s/_mcsync/odps' is there., not a warehouse" "$T/err"
expect_same "... its ledger untouched" "$T/ledger.before" "$T/s/_mcsync/ledger"
expect_ok "the whole stream into MaxCompute" put s --name=sbtest.sbtest1=a "$T/h1.mcr" "$T/h2.mcr"
expect_eq "... every change once" "$(count a_log)" "$images"

# an upsert state directory likewise
expect_ok "--mode=upsert: the first half" put u --mode=upsert --name=sbtest.sbtest1=b "$T/h1.mcr"
expect_code 2 "... its --state given as a local --dest: refused" mc-tunnel-put --dest="$T/u" "$T/h2.mcr"
expect_grep "... naming the mark" "'$T/u/_mcsync/upsert' is there" "$T/err"

# a local warehouse as --state
expect_ok "the first half into a local warehouse" mc-tunnel-put --dest="$T/w" "$T/h1.mcr"
expect_code 2 "... given as --state of MaxCompute: refused" put w --name=sbtest.sbtest1=c "$T/h1.mcr" "$T/h2.mcr"
expect_grep "... naming it" "--state=$T/w has a ledger but no state file" "$T/err"
expect_eq "... nothing made in MaxCompute" "$($CLI sql "SELECT COUNT(*) FROM c_log" 2>&1 | grep -c 'no such table: c_log')" "1"
expect_code 2 "... and with --mode=upsert" put w --mode=upsert --name=sbtest.sbtest1=c "$T/h2.mcr"
expect_ok "... the warehouse itself carries on" mc-tunnel-put --dest="$T/w" "$T/h1.mcr" "$T/h2.mcr"
expect_eq "... with every change" "$(mc-cat "$T"/w/sbtest__sbtest1_log/*/*.mcr* | grep -c '"kind":"row"')" "$all"
