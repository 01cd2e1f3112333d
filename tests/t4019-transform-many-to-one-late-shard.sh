#!/bin/sh
# Many tables into one: a shard whose snapshot comes in a later stream than
# the others' (docs/mc-tunnel-put.md "Many tables into one"). Before, the
# sink added its rows to the destination's complete base partition, exit 0,
# while the day merged from that base before held none of them: the next
# merge started from that day and the shard's rows were lost, every exit 0.
# Now it is refused, exit 1, nothing of it kept; the shards' snapshots in
# one stream still merge into their union.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
shard() { # IN OUT TABLE: mcgen's sbtest.sbtest1 renamed TABLE
	mc-cat "$1" | sed "s/\"table\":\"sbtest1\"/\"table\":\"$3\"/" | mc-cat --to=mcr >"$2"
}
"$MCGEN" sysbench 200 >"$T/sb0.mcr" && "$MCGEN" sysbench 200 7 >"$T/sb1.mcr" &&
	"$MCGEN" changes 200 700 >"$T/ch.mcr" || { fail "setup" "mcgen failed"; exit 1; }
shard "$T/sb0.mcr" "$T/a.mcr" s_0 && shard "$T/sb1.mcr" "$T/b.mcr" s_1 &&
	shard "$T/ch.mcr" "$T/ach.mcr" s_0 || { fail "setup" "mc-cat failed"; exit 1; }
cat >"$T/m.yaml" <<'YAML'
version: 1
select:
  include:
    - db: sbtest
merge:
  - into: allt
    tables:
      - {db: sbtest, table: "/s_[0-9]+/"}
    shard_column: src_table
YAML
for f in a b ach; do
	mc-transform --rules="$T/m.yaml" "$T/$f.mcr" >"$T/$f.t.mcr" 2>"$T/err" ||
		{ fail "setup" "mc-transform $f"; exit 1; }
done
# both shards in one stream (as one mc-snapshot run gives them)
{
	mc-cat "$T/a.mcr" | sed '$d'
	mc-cat "$T/b.mcr" | sed '1d;$d'
	echo '{"kind":"trailer","count":402}'
} | mc-cat --to=mcr >"$T/ab.mcr" &&
	mc-transform --rules="$T/m.yaml" "$T/ab.mcr" >"$T/ab.t.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-transform ab"; exit 1; }
rows() { mc-cat "$1" | grep -c '"kind":"row"'; }

W=$T/w
expect_ok "shard s_0's snapshot and changes" mc-tunnel-put --dest="$W" "$T/a.t.mcr" "$T/ach.t.mcr"
expect_ok "a day merged from the base" mc-merge --warehouse="$W" --table=allt --ds=20251122
tree "$W" >"$T/t0"
expect_code 1 "shard s_1's snapshot in a later stream is refused" mc-tunnel-put --dest="$W" "$T/b.t.mcr"
expect_grep "... naming the shard and the destination" \
	"snapshot rows of 'sbtest.s_1', which goes into 'allt' with other tables, whose base an earlier stream completed" "$T/err"
tree "$W" >"$T/t1"
expect_same "and nothing of it is kept" "$T/t0" "$T/t1"
expect_ok "a rerun of the first streams" mc-tunnel-put --dest="$W" "$T/a.t.mcr" "$T/ach.t.mcr"
tree "$W" >"$T/t2"
expect_same "changes nothing" "$T/t0" "$T/t2"
expect_code 1 "shard s_1 again, after the rerun" mc-tunnel-put --dest="$W" "$T/b.t.mcr"

W=$T/w2
expect_ok "both shards' snapshots in one stream" mc-tunnel-put --dest="$W" "$T/ab.t.mcr"
expect_eq "the base holds both" "$(sed -n 's/^rows //p' "$W/allt/ds=20251121/_SUCCESS")" 400
expect_ok "the same stream again" mc-tunnel-put --dest="$W" "$T/ab.t.mcr"
expect_ok "then s_0's changes" mc-tunnel-put --dest="$W" "$T/ach.t.mcr"
expect_ok "merge day 2" mc-merge --warehouse="$W" --table=allt --ds=20251122
mc-merge --warehouse="$W" --table=allt --at="$(sed -n 's/^pos //p' "$W/_mcsync/ledger")" \
	--output="$T/at.mcr" 2>"$T/err" || fail "mc-merge --at" "failed"
# s_1's 200 rows and s_0's after its changes
s0=$(mc-merge --warehouse="$T/w" --table=allt --at="$(sed -n 's/^pos //p' "$T/w/_mcsync/ledger")" \
	--output=- 2>"$T/err" | mc-cat | grep -c '"kind":"row"')
expect_eq "the state holds both shards" "$(rows "$T/at.mcr")" "$((s0 + 200))"
expect_ok "s_1's snapshot alone after that: repeats, dropped" mc-tunnel-put --dest="$W" "$T/b.t.mcr"
expect_grep "... and said so" "200 records already in the warehouse, skipped" "$T/err"
mc-cat --status="$W" >"$T/st" 2>"$T/err" || fail "mc-cat --status" "failed"
if grep -q '=merge' "$T/st"; then
	fail "mc-cat --status" "lists the merge destination's ledger mark as a table"
else
	ok "mc-cat --status lists tables only, not the merge destination's mark"
fi
