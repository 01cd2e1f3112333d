#!/bin/sh
# tests/bench/report.sh: the report of make bench, a chart per benchmark
# (gnuplot SVG), ours and the peers told apart, from the lines the
# benchmarks append (tests/bench/lib.sh bench_data).
. "$(dirname "$0")/lib.sh"

printf 'b9-x\tours-a\t0.310\t100\t200\tpeer-z peer-c\nb9-x\tpeer-z\t0.857\t0\t0\t\nb9-x\tpeer-c\t0.053\t0\t0\t\nb8-y\tonly\t1.5\t0\t0\t\n' >"$T/data"
expect_ok "report.sh" sh "$TOP/tests/bench/report.sh" "$T/data" "$T/r"
expect_ok "a chart per benchmark" test -s "$T/r/b9-x.svg" -a -s "$T/r/b8-y.svg"
expect_grep "the chart is an SVG" "<svg" "$T/r/b9-x.svg"
expect_grep "with the timed names" "ours-a" "$T/r/b9-x.svg"
expect_grep "the report links it" '^!\[b9-x\]\(b9-x.svg\)$' "$T/r/report.md"
expect_grep "shortest first, peers marked" '^\| peer-c \| 0.053 \| peer \|$' "$T/r/report.md"
expect_grep "ours unmarked" '^\| ours-a \| 0.310 \|  \|$' "$T/r/report.md"
expect_grep "in that order" "peer-c" "$T/r/report.md"
awk '/^\| (peer-c|ours-a|peer-z) /{print $2}' "$T/r/report.md" | tr '\n' ' ' >"$T/order"
expect_eq "order by median" "$(cat "$T/order")" "peer-c ours-a peer-z "
