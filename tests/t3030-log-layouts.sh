#!/bin/sh
# The log layouts (docs/warehouse.md "Log layouts", docs/merge.md): a
# warehouse synced with --log-layout=dts, dts-new or dataworks keeps its
# layout in the ledger (a later run cannot switch it), and the merge SQL
# of `mc-merge --emit-sql --dialect=sqlite` over the log table in that
# layout (loaded by tests/tools/mchist loadl, wh/layout.c's rows) gives
# mc-merge's rows, row for row with their positions, on random histories
# (key-changing updates, deletes, re-inserts, composite keys, NULLs). For
# dts, DTS's own recipe as a DTS user writes it (the base at record_id 0)
# gives the same rows too (their columns).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

# LAYOUT_TABLES histories (default 20, sized for CI; `make soak` runs 40)
NT=${LAYOUT_TABLES:-20}
SEED=${MERGE_SEED:-1764892800}
H=$BIN/tools/mchist
mkdir -p "$T/h"
"$H" gen "$SEED" "$NT" 30 "$T/h" || { fail "mchist gen" "failed"; exit 1; }
echo "# seed $SEED, $NT histories"
set -- $(cat "$T/h/days")
D1=$1 D2=$2 D3=$3

# the layout is recorded, and kept
expect_ok "--log-layout=dts on a new warehouse" \
	mc-tunnel-put --dest="$T/w-dts" --log-layout=dts --commit-rows=50 "$T/h/snap.mcr" || exit 1
expect_grep "the ledger records it" '^log_layout dts$' "$T/w-dts/_mcsync/ledger"
expect_code 2 "another layout on that warehouse exits 2" \
	mc-tunnel-put --dest="$T/w-dts" --log-layout=mcsync "$T/h/log.mcr"
expect_grep "naming both layouts" "log-layout=mcsync: the warehouse's log tables are in the dts layout" "$T/err"
expect_ok "a warehouse written without a layout (mcsync)" \
	mc-tunnel-put --dest="$T/w-old" "$T/h/snap.mcr"
expect_code 2 "... takes no other layout later: exit 2" \
	mc-tunnel-put --dest="$T/w-old" --log-layout=dts "$T/h/log.mcr"
expect_grep "... naming mcsync" "in the mcsync layout \(ledger key log_layout absent: mcsync\)" "$T/err"
expect_code 2 "an unknown layout exits 2" mc-tunnel-put --dest="$T/w-x" --log-layout=dts2
expect_ok "a later run without --log-layout keeps it" \
	mc-tunnel-put --dest="$T/w-dts" --commit-rows=50 "$T/h/log.mcr" || exit 1
expect_grep "... still dts" '^log_layout dts$' "$T/w-dts/_mcsync/ledger"
expect_code 2 "--log-layout does not go with --resnapshot" \
	mc-tunnel-put --dest="$T/w-dts" --log-layout=dts --resnapshot "$T/h/snap.mcr"
for L in dts-new dataworks; do
	expect_ok "--log-layout=$L" mc-tunnel-put --dest="$T/w-$L" --log-layout=$L \
		--commit-rows=50 "$T/h/snap.mcr" "$T/h/log.mcr" || exit 1
done

for L in dts dts-new dataworks; do
	W=$T/w-$L
	: >"$T/got" ; : >"$T/merge.sql"; : >"$T/sel.sql"; : >"$T/load.sql"; : >"$T/dts.sql"
	bad=0
	while read -r t k; do
		[ "$k" = - ] && k=
		mc-merge --warehouse="$W" --table="$t" --ds="$D1" $k 2>>"$T/err" || bad=$((bad + 1))
		[ $bad -gt 10 ] && break
		"$H" createl "$t" "$W/$t/_schema.mcr" $L >>"$T/load.sql" 2>>"$T/err" || bad=$((bad + 1))
		"$H" load "$t" "ds=$D1" base $(ls "$W/$t/ds=$D1"/part-*.mcr.zst 2>/dev/null) >>"$T/load.sql"
		"$H" loadl $L "$t" "log" $(ls "$W/${t}_log"/ds=*/part-*.mcr.zst 2>/dev/null) \
			>>"$T/load.sql" 2>>"$T/err" || bad=$((bad + 1))
		cols=$(sed -n 's/^CREATE TABLE "'"$t"'" (\(.*\), _pos_file.*/\1/p' "$T/load.sql" |
			sed 's/"//g; s/ [A-Z]*,/,/g; s/ [A-Z]*$//')
		for d in "$D2" "$D3"; do
			mc-merge --warehouse="$W" --table="$t" --ds="$d" $k 2>>"$T/err" || bad=$((bad + 1))
			mc-merge --warehouse="$W" --table="$t" --ds="$d" $k --emit-sql --dialect=sqlite \
				>>"$T/merge.sql" 2>>"$T/err" || bad=$((bad + 1))
			mc-cat --to=csv --with-op --table="h.${t#h__}" "$W/$t/ds=$d/part-000000.mcr.zst" |
				tail -n +2 | sed "s/^/$t.$d,/" >>"$T/got" 2>>"$T/err"
			echo "SELECT '$t.$d', 'snapshot', _pos_file || ':' || _pos_off || ':' || _pos_row, $cols FROM \"$t\" WHERE ds = '$d';" >>"$T/sel.sql"
		done
		if [ $L = dts ]; then
			# DTS's documented merge, as a DTS user writes it: the full
			# data at record_id 0, the log's rows up to day 2's end
			key=$(grep -A8 "^-- mc-merge: table $t, partition ds=$D2" "$T/merge.sql" |
				sed -n 's/.*PARTITION BY \(.*\)$/\1/p' | head -1)
			hi=$(grep "^-- mc-merge: table $t, partition ds=$D2" "$T/merge.sql" |
				sed -n 's/.*record_id in \[[0-9]*, \([0-9]*\)).*/\1/p')
			cat >>"$T/dts.sql" <<SQL
SELECT '$t.$D2', $cols FROM (
  SELECT ROW_NUMBER() OVER (PARTITION BY $key ORDER BY record_id DESC, after_flag DESC) AS row_number,
    record_id, operation_flag, after_flag, $cols
  FROM (
    SELECT incr.record_id, incr.operation_flag, incr.after_flag, $(echo "$cols" | sed 's/\([a-z0-9_][a-z0-9_]*\)/incr.\1/g')
    FROM "${t}_log" incr WHERE record_id < $hi
    UNION ALL
    SELECT 0 AS record_id, 'I' AS operation_flag, 'Y' AS after_flag, $(echo "$cols" | sed 's/\([a-z0-9_][a-z0-9_]*\)/base.\1/g')
    FROM "$t" base WHERE ds = '$D1'
  ) t
) gt WHERE row_number = 1 AND after_flag = 'Y';
SQL
		fi
	done <"$T/h/tables"
	expect_eq "$L: every mc-merge, mchist and --emit-sql run exits 0" "$bad" 0
	expect_grep "$L: the SQL is DTS's recipe over the layout's columns" \
		"ORDER BY $(case $L in dts) echo record_id DESC, after_flag;; dts-new) echo new_dts_sync_record_id DESC, new_dts_sync_after_flag;; *) echo sequence_id DESC, after_image;; esac) DESC, _rank DESC" "$T/merge.sql"
	sort "$T/got" >"$T/got.s"
	rm -f "$T/db.sqlite"
	cat "$T/load.sql" "$T/merge.sql" >"$T/all.sql"
	if sqlite3 "$T/db.sqlite" <"$T/all.sql" 2>"$T/err" &&
		sqlite3 -csv "$T/db.sqlite" <"$T/sel.sql" >"$T/sq" 2>>"$T/err"; then
		ok "$L: sqlite3 runs the emitted SQL on the $L log table"
	else
		fail "$L: sqlite3 runs the emitted SQL on the $L log table" "failed"
	fi
	sort "$T/sq" >"$T/sq.s"
	expect_eq "$L: mc-merge wrote rows" "$(test -s "$T/got.s" && echo yes)" yes
	expect_same "$L: the SQL's rows equal mc-merge's, positions too ($NT histories, 2 days)" \
		"$T/got.s" "$T/sq.s"
	if [ $L = dts ]; then
		rm -f "$T/db2.sqlite"
		sqlite3 "$T/db2.sqlite" <"$T/load.sql" 2>"$T/err"
		sqlite3 -csv "$T/db2.sqlite" <"$T/dts.sql" >"$T/dq" 2>>"$T/err" ||
			fail "dts: sqlite3 runs DTS's own recipe" "failed"
		sort "$T/dq" >"$T/dq.s"
		grep "\.$D2," "$T/got.s" | cut -d, -f1,4- | sort >"$T/got2.s"
		expect_same "dts: DTS's own recipe (base at record_id 0) gives mc-merge's rows of day 2" \
			"$T/got2.s" "$T/dq.s"
	fi
done
