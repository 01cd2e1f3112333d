#!/bin/sh
# mc-tunnel-put + mc-merge on random histories (tests/tools/mchist.c):
# the merged partitions of two days equal the model's state at each day's
# cut, and sqlite3 running the SQL of `mc-merge --emit-sql --dialect=sqlite`
# on the same data gives the same rows. MERGE_TABLES histories (default
# 150, sized for CI; `make soak` runs 600), each a table of its own in one
# warehouse.
# fsync is the cost here: use memory for the temporary warehouse when we may
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

NT=${MERGE_TABLES:-150}
SEED=${MERGE_SEED:-$(date +%s)}
H=$BIN/tools/mchist
mkdir -p "$T/h" "$T/got.d"
"$H" gen "$SEED" "$NT" 30 "$T/h" || { fail "mchist gen" "failed"; exit 1; }
echo "# seed $SEED, $NT histories"
set -- $(cat "$T/h/days")
D1=$1 D2=$2 D3=$3

expect_ok "mc-tunnel-put loads snapshot and log" \
	mc-tunnel-put --dest="$T/w" --commit-rows=50 "$T/h/snap.mcr" "$T/h/log.mcr" || exit 1

# merge every table, day 2 from the snapshot, day 3 from day 2
: >"$T/want.list"; : >"$T/merge.sql"; : >"$T/sel.sql"; : >"$T/load.sql"
bad=0
while read -r t k; do
	[ "$k" = - ] && k=
	mc-merge --warehouse="$T/w" --table="$t" --ds="$D1" $k 2>>"$T/err" || bad=$((bad + 1))
	[ $bad -gt 10 ] && break
	"$H" create "$t" "$T/w/$t/_schema.mcr" >"$T/create"
	cat "$T/create" >>"$T/load.sql"
	"$H" load "$t" "ds=$D1" base $(ls "$T/w/$t/ds=$D1"/part-*.mcr.zst 2>/dev/null) >>"$T/load.sql"
	"$H" load "$t" "log" log $(ls "$T/w/${t}_log"/ds=*/part-*.mcr.zst 2>/dev/null) >>"$T/load.sql"
	cols=$(sed -n '/^CREATE TABLE "'"$t"'" (/{ s/^[^(]*(\(.*\), _pos_file.*/\1/; s/ [A-Z]*,/,/g; s/ [A-Z]*$//; p; }' "$T/create")
	for d in "$D2" "$D3"; do
		mc-merge --warehouse="$T/w" --table="$t" --ds="$d" $k 2>>"$T/err" || bad=$((bad + 1))
		mc-merge --warehouse="$T/w" --table="$t" --ds="$d" $k --emit-sql --dialect=sqlite \
			>>"$T/merge.sql" 2>>"$T/err" || bad=$((bad + 1))
		# one file per table and day, prefixed with its name below in one awk
		mc-cat --to=csv --with-op --table="h.${t#h__}" "$T/w/$t/ds=$d/part-000000.mcr.zst" \
			>"$T/got.d/$t.$d.csv" 2>>"$T/err"
		echo "$T/h/expect/$t.$d.csv" >>"$T/want.list"
		echo "SELECT '$t.$d', 'snapshot', _pos_file || ':' || _pos_off || ':' || _pos_row, $cols FROM \"$t\" WHERE ds = '$d';" >>"$T/sel.sql"
	done
done <"$T/h/tables"
expect_eq "every mc-merge run exits 0" "$bad" 0
# FILE's lines as "TABLE.DAY,LINE" (the name of FILE less .csv); SKIP: its
# header lines to leave out
prefix() {
	_skip=$1
	shift
	awk -v skip="$_skip" 'FNR == 1 { n = FILENAME; sub(/.*\//, "", n); sub(/\.csv$/, "", n) }
		FNR > skip { print n "," $0 }' "$@"
}
prefix 1 "$T"/got.d/*.csv >"$T/got"
prefix 0 $(cat "$T/want.list") >"$T/want"
sort "$T/got" >"$T/got.s"
sort "$T/want" >"$T/want.s"
expect_same "merged partitions equal the model ($NT histories, 2 days each)" "$T/want.s" "$T/got.s"

cat "$T/load.sql" "$T/merge.sql" >"$T/all.sql"
if sqlite3 "$T/db.sqlite" <"$T/all.sql" 2>"$T/err" &&
	sqlite3 -csv "$T/db.sqlite" <"$T/sel.sql" >"$T/sq" 2>>"$T/err"; then
	ok "sqlite3 runs the emitted SQL"
else
	fail "sqlite3 runs the emitted SQL" "failed"
fi
sort "$T/sq" >"$T/sq.s"
expect_same "sqlite3 running the emitted SQL equals the model" "$T/want.s" "$T/sq.s"
