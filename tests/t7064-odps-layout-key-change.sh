#!/bin/sh
# Changes of the primary key, and what mcsync refuses, across schema
# versions in the log layouts other than mcsync's (docs/maxcompute.md
# "Schema changes", docs/merge.md "Log layouts"): t7061's scenario (rows
# deleted and the old key changed under the old key, two rows sharing a
# value of the new key until one goes; a table with two key changes in the
# day and the old key column dropped after; a base with two rows of one new
# key, one of which goes before the change) in each of dts, dts-new and
# dataworks: the merge in MaxCompute goes in steps over the layout's log
# and equals the local merge row by row and the source. Rows at the change
# that break the new key stop the merge (exit 1) naming the change. A
# column of the history named like one of the dts layout's is refused at
# the upload naming it (dts-new takes it); mc-merge --emit-sql
# --dialect=sqlite across versions of a layout's log is refused (exit 1),
# the MaxCompute dialect written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3

mdb_start
keychange_setup k3
keychange_days

odps_start srv --project=p1,p2 || exit 1

D=20251121
for L in dts dts-new dataworks; do
	odps_start "srv-$L" --project=p1,p2 || exit 1
	DB=$T/srv-$L/p1.db
	OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
	W=$T/w-$L
	S=$T/s-$L
	put() { mc-tunnel-put $OD --retry-time=0.2 --log-layout=$L "$@"; }
	expect_ok "$L: the stream goes into the local warehouse" \
		mc-tunnel-put --dest="$W" --log-layout=$L "$T/snap1.mcr" "$T/changes1.mcr"
	expect_ok "$L: the snapshot goes into MaxCompute" put --state="$S" "$T/snap1.mcr"
	expect_ok "$L: the changes across the key changes too" put --state="$S" "$T/changes1.mcr"
	for t in k k2 k3; do
		case $t in
		k) c="id, u, v" ;; k2) c="u, w, v" ;; k3) c="id, u, v" ;;
		esac
		expect_ok "$L $t: the local merge of $D" mc-merge --warehouse="$W" --table=d__$t --ds=$D
		expect_ok "$L $t: the merge of $D in MaxCompute, across the key change(s)" \
			mc-merge $OD --state="$S" --table=d__$t --ds=$D -v
		[ $t = k3 ] || expect_grep "$L $t: said: in steps" \
			"the key changes at [0-9:]+ with changes under the old key before it" "$T/err"
		same_part "$W" d__$t "$c" "$L $t" \
			"$L $t: the partition in MaxCompute equals the local one, row by row, positions too"
		same_source "d.$t" "d__$t" "$c" "$L $t: and the source's rows"
	done
	expect_eq "$L k: u=10 survives its twin's delete under the old key (then became 11)" \
		"$(sqlite3 "$DB" "SELECT id, v FROM d__k WHERE ds = '$D' AND u = 11")" "6|dup of u"
	mc-merge $OD --state="$S" --table=d__k2 --ds=$D -v 2>"$T/err2" >/dev/null
	expect_eq "$L k2: two steps said" "$(grep -c 'the key changes at' "$T/err2")" 2
	# rows that break the new key at the change: refused, as locally
	OD2="--dest=odps://p2 --odps-config=$ODPS_CONF"
	expect_ok "$L: a snapshot goes into another project" \
		mc-tunnel-put $OD2 --state="$S.2" --retry-time=0.2 --log-layout=$L "$T/snap1.mcr"
	expect_ok "$L: ... and a day with a row that breaks the new key" \
		mc-tunnel-put $OD2 --state="$S.2" --retry-time=0.2 --log-layout=$L "$T/bad1.mcr"
	expect_code 1 "$L: the merge of that day in MaxCompute is refused" \
		mc-merge $OD2 --state="$S.2" --table=d__k --ds=$D
	expect_grep "$L: ... naming the change of the key and its statement" \
		"table 'd__k': the new key of the change of the key at [0-9:]+ \\('ALTER TABLE d.k DROP PRIMARY KEY, ADD PRIMARY KEY \\(u\\)'\\) is not unique over the rows there: 1 of its values" "$T/err"
	expect_eq "$L: ... and writes no partition" \
		"$(sqlite3 "$T/srv-$L/p2.db" "SELECT count(*) FROM d__k WHERE ds = '$D'")" 0
	odps_stop "$ODPS_PID"
done

# --emit-sql across versions of a layout's log: MaxCompute's dialect only
expect_code 1 "dts: --emit-sql --dialect=sqlite across schema versions is refused" \
	mc-merge --warehouse="$T/w-dts" --table=d__k2 --ds=$D --emit-sql --dialect=sqlite
expect_grep "... saying which dialect it is written for" \
	"table 'd__k2': the merge SQL across schema versions over the dts log layout is written for MaxCompute only" "$T/err"
expect_ok "dts: --emit-sql (MaxCompute) across schema versions" \
	mc-merge --warehouse="$T/w-dts" --table=d__k2 --ds=$D --emit-sql
expect_grep "... the layout's recipe over the versions" "DTS's recipe.*" "$T/out"
expect_grep "... rows converted by their version" "across schema versions [0-9]+ to [0-9]+" "$T/out"

# a column of the history named like one of the layout's: refused (dts)
sql "CREATE TABLE d.c (id INT PRIMARY KEY, v INT); INSERT INTO d.c VALUES (1,1)" || fail "setup" "sql failed"
mc-snapshot $MDB_ARGS --databases=d --tables=c >"$T/snapc.mcr" 2>"$T/err" || fail "setup" "$(cat "$T/err")"
set -- $(mc-cat --to=summary "$T/snapc.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
firstc=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
sql "ALTER TABLE d.c ADD COLUMN record_id INT; INSERT INTO d.c VALUES (2,2,2); FLUSH BINARY LOGS" ||
	fail "setup" "sql failed"
mc-binlog-tail --schema="$T/snapc.mcr" --tables='^d\.c$' --from="$firstc:$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/chc.mcr" 2>"$T/err" || fail "setup" "$(cat "$T/err")"
odps_start srv-c || exit 1
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
expect_ok "dts: the snapshot of d.c" mc-tunnel-put $OD --state="$T/sc" --retry-time=0.2 --log-layout=dts "$T/snapc.mcr"
expect_code 1 "dts: ADD COLUMN record_id is refused at the upload" \
	mc-tunnel-put $OD --state="$T/sc" --retry-time=0.2 --log-layout=dts "$T/chc.mcr"
expect_grep "... naming the column and the way out" \
	"column 'record_id' of d.c \\(in its schema history\\) is a column of the dts log layout too: use the dts-new layout" "$T/err"
expect_ok "dts-new: takes it" mc-tunnel-put $OD --state="$T/sc2" --retry-time=0.2 --log-layout=dts-new \
	--name=d.c=c2 "$T/snapc.mcr" "$T/chc.mcr"
