#!/bin/sh
# mc-transform beside `mc-cat --to=mcr` on the same N sysbench-like rows,
# interleaved, medians, ratio printed (goal: within 1.5x). The rule set is
# what mc-transform implements so far: a selection and a rename
# (docs/mc-transform.md); the two added columns and the partition by
# EVENT_TIME of issue 14's typical set join it when those rules exist.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ROWS:-1000000}
mcgen sysbench "$N" >"$W/sb.mcr"
cat >"$W/rules.yaml" <<'YAML'
version: 1
select:
  include: [ {table: "/sbtest[0-9]+/"} ]
names:
  template: "${db}_${table}"
  replace: [ {from: sbtest, to: prd_sbtest} ]
YAML
B=$(wc -c <"$W/sb.mcr")
echo "input: $N rows, $B bytes of mcr; median of $RUNS runs"
for i in $(seq "$RUNS"); do
	clock mc-cat-mcr mc-cat --to=mcr "$W/sb.mcr"
	clock transform mc-transform --rules="$W/rules.yaml" "$W/sb.mcr"
done
echo "(ratios: our time / peer's time; below 1 means faster than the peer)"
report mc-cat-mcr "$N" "$B"
report transform "$N" "$B" mc-cat-mcr
awk -v a="$(median transform)" -v c="$(median mc-cat-mcr)" 'BEGIN {
	printf "goal mc-transform within 1.5x of mc-cat --to=mcr: %.2fx (%s)\n", a / c, a / c <= 1.5 ? "met" : "not met" }'
