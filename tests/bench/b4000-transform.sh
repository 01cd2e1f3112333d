#!/bin/sh
# mc-transform beside `mc-cat --to=mcr` on the same N sysbench-like rows,
# interleaved, medians, ratio printed (goal: within 1.5x). The rule set:
# a selection, a rename, two added columns (the scheduling parameter
# ${bizdate} and EVENT_TIME as a DATETIME) and the partition by EVENT_TIME
# (issue 14's typical set; docs/mc-transform.md "Speed").
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
columns:
  - add:
      - {name: biz_date, value: "${bizdate}"}
      - {name: etl_time, type: DATETIME, value: EVENT_TIME}
partitions:
  tables:
    - table: "/sbtest[0-9]+/"
      levels:
        - {key: ds, value: EVENT_TIME}
YAML
B=$(wc -c <"$W/sb.mcr")
echo "input: $N rows, $B bytes of mcr; median of $RUNS runs"
for i in $(seq "$RUNS"); do
	clock mc-cat-mcr mc-cat --to=mcr "$W/sb.mcr"
	clock transform mc-transform --rules="$W/rules.yaml" --param bizdate=20240102 "$W/sb.mcr"
done
echo "(ratios: our time / peer's time; below 1 means faster than the peer)"
report mc-cat-mcr "$N" "$B"
report transform "$N" "$B" mc-cat-mcr
awk -v a="$(median transform)" -v c="$(median mc-cat-mcr)" 'BEGIN {
	printf "goal mc-transform within 1.5x of mc-cat --to=mcr: %.2fx (%s)\n", a / c, a / c <= 1.5 ? "met" : "not met" }'
