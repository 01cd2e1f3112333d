#!/bin/sh
# tests/bench/report.sh DATA OUTDIR: the report of make bench, OUTDIR/report.md,
# with one chart per benchmark (OUTDIR/NAME.svg, gnuplot): every timed
# command's median beside the others of the same benchmark, ours in blue
# and the peers' (the names ours are compared with) in grey, shortest
# first. DATA: the lines of tests/bench/lib.sh bench_data (benchmark,
# name, median seconds, rows, bytes, peers; tab-separated).
set -u
DATA=$1 OUT=$2
mkdir -p "$OUT"
command -v gnuplot >/dev/null || { echo "bench report: no gnuplot (make deps installs it)" >&2; exit 1; }
{
	echo "# make bench report"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r). Medians of interleaved runs;"
	echo "the benchmark's own output (above in make bench's log) states each peer's settings."
	echo
} >"$OUT/report.md"
for b in $(cut -f1 "$DATA" | awk '!seen[$0]++'); do
	awk -F'\t' -v b="$b" '$1 == b { n[++k] = $2; t[k] = $3; m = split($6, p, " ");
		for (i = 1; i <= m; i++) peer[p[i]] = 1 }
		END { for (i = 1; i <= k; i++) print n[i] "\t" t[i] "\t" (n[i] in peer ? 1 : 0) }' "$DATA" |
		sort -t"$(printf '\t')" -k2,2g >"$OUT/$b.dat"
	n=$(wc -l <"$OUT/$b.dat")
	h=$((120 + 28 * n))
	gnuplot <<GP 2>"$OUT/$b.err" || { echo "bench report: gnuplot failed on $b: $(head -1 "$OUT/$b.err")" >&2; continue; }
set terminal svg size 760,$h font "sans,11"
set output "$OUT/$b.svg"
set title "$b: median seconds (shorter is faster)"
set style fill solid 0.6
set yrange [-0.6:$n - 0.4]
set ytics nomirror
set xtics nomirror
set grid xtics
set xrange [0:*]
set offsets 0, graph 0.3, 0, 0
set datafile separator "\t"
unset key
plot "$OUT/$b.dat" using (\$2*0.5):0:(\$2*0.5):(0.35):(\$3 > 0 ? 11184810 : 4487082):yticlabels(1) \
	with boxxyerror lc rgb variable, \
     "" using 2:0:(sprintf(" %.3f s%s", \$2, \$3 > 0 ? " (peer)" : "")) with labels left
GP
	rm -f "$OUT/$b.err"
	{
		echo "## $b"
		echo
		echo "![$b]($b.svg)"
		echo
		echo "| command | median s | |"
		echo "| --- | ---: | --- |"
		awk -F'\t' '{ printf "| %s | %.3f | %s |\n", $1, $2, $3 ? "peer" : "" }' "$OUT/$b.dat"
		echo
	} >>"$OUT/report.md"
done
echo "bench report: $OUT/report.md"
