#!/bin/sh
# mc-tunnel-put --mode=upsert rerun with another --partition (or none where the
# first run gave one, or one where it gave none): the PK table's keys are in
# the first run's partition, and a delete or update of a key sent to another
# partition left the old row where it was and added a second (exit 0). The
# ledger records the partition of each PK table (upart.NAME); another one is
# exit 2, nothing committed (docs/maxcompute.md "--mode=upsert").
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t7051-odps-upsert.lib"

H='{"mcr":1,"meta":{}}'
S='{"kind":"schema","db":"d","table":"t","version":1,"pos":[1,4,0],"time":1795222800,"flags":0,"columns":[{"name":"a","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"v","mysql_type":"varchar(8)","mc_type":"STRING","nullable":true,"flags":0}],"key":[0]}'
row() { printf '{"kind":"row","op":"%s","db":"d","table":"t","version":1,"pos":[1,%s,0],"time":1795223000,"before":%s,"after":%s}\n{"kind":"mark","mark":"txn_end","pos":[1,%s,1],"time":1795223000,"db":"","table":"","label":""}\n' "$1" "$2" "$3" "$4" "$2"; }
{ echo "$H"; echo "$S"; row insert 100 null '[1,"a"]'; row insert 200 null '[2,"b"]'; } >"$T/1.jsonl"
{ cat "$T/1.jsonl"; row delete 300 '[1,"a"]' null; row update 400 '[2,"b"]' '[2,"c"]'; } >"$T/2.jsonl"
pp() { # STATE ARGS... FILE (no trailer: through a pipe, --partial-ok)
	eval "_f=\${$#}"
	_a=
	while [ $# -gt 1 ]; do _a="$_a $1"; shift; done
	cat "$_f" | put $_a --partial-ok -
}
rows() { $CLI sql "SELECT a, v FROM $1" 2>&1 | tail -n +2 | sort | tr '\n' ' '; }

expect_ok "the first run into partition ds=a" pp s1 --name=d.t=y --partition=ds=a "$T/1.jsonl"
expect_code 2 "the rerun with --partition=ds=b exits 2" pp s1 --name=d.t=y --partition=ds=b "$T/2.jsonl"
expect_grep "... naming the partition the keys are in" \
	"record 3: --partition=ds=b: the PK table 'y' holds the keys of 'd.t' in partition 'ds=a' .ledger key 'upart.y'." "$T/err"
expect_eq "... nothing of it written" "$(rows y)" "1,a 2,b "
expect_code 2 "the rerun without --partition exits 2" pp s1 --name=d.t=y "$T/2.jsonl"
expect_grep "... saying so" "no --partition: the PK table 'y' holds the keys of 'd.t' in partition 'ds=a'" "$T/err"
expect_ok "the rerun with the same --partition" pp s1 --name=d.t=y --partition=ds=a "$T/2.jsonl"
expect_eq "... applies the delete and the update where the keys are" "$(rows y)" "2,c "

expect_ok "a first run without --partition" pp s2 --name=d.t=z "$T/1.jsonl"
expect_code 2 "its rerun with --partition exits 2" pp s2 --name=d.t=z --partition=ds=b "$T/2.jsonl"
expect_grep "... naming none" "the PK table 'z' holds the keys of 'd.t' in no partition .ledger key 'upart.z'.*give no --partition" "$T/err"
expect_eq "... nothing written" "$(rows z)" "1,a 2,b "
