# pipelines/odps-demo-merge.sh: the end of the demo with MCSYNC_DEST=odps-local
# (sourced by pipelines/full-and-incremental.sh, with $at, $WORK, $STATE and
# the local MaxCompute of pipelines/odps-local.sh): the merge in MaxCompute at
# $at, the source's fresh snapshot uploaded beside it, and both compared row
# by row through the server's SQL.

say "merge base + log at $at in MaxCompute (mc-merge --dest=odps://demo --into=TABLE), and compare with the source"
tables=$(sql "SELECT table_name FROM information_schema.tables WHERE table_schema='shop' ORDER BY 1")
# The source now (the load has stopped): a fresh snapshot, uploaded as the
# tables source_T (its own state directory: another sink's ledger).
mc-snapshot $MDB_ARGS --databases=shop --threads=2 >"$WORK/source-now.mcr"
names=
for t in $tables; do
	names="$names --name=shop.$t=source_$t"
done
mc-tunnel-put --dest=odps://demo --odps-config="$ODPS_LOCAL_CONF" --state="$WORK/odps-source-state" \
	$names "$WORK/source-now.mcr" || die "uploading the source's snapshot failed"
printf '%-24s %10s %10s  %s\n' table source maxcompute "identical rows"
bad=0
for t in $tables; do
	mc-merge --dest=odps://demo --odps-config="$ODPS_LOCAL_CONF" --state="$STATE" \
		--table="shop__$t" --at="$at" --into="shop__${t}_at" ||
		die "mc-merge of shop__$t in MaxCompute failed"
	# the source's columns, in order (the tables also hold mcsync's mc_pos_*)
	cols=$(sql "SELECT GROUP_CONCAT(CONCAT('\`', column_name, '\`') ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_schema='shop' AND table_name='$t'")
	odps_local_sql "SELECT $cols FROM shop__${t}_at" >"$WORK/$t.maxcompute.csv" ||
		die "reading shop__${t}_at back failed"
	odps_local_sql "SELECT $cols FROM source_$t" >"$WORK/$t.source.csv" ||
		die "reading source_$t back failed"
	for f in maxcompute source; do
		{ sed 1q "$WORK/$t.$f.csv"; sed 1d "$WORK/$t.$f.csv" | LC_ALL=C sort; } >"$WORK/$t.$f.sorted"
	done
	src=$(($(wc -l <"$WORK/$t.source.sorted") - 1))
	got=$(($(wc -l <"$WORK/$t.maxcompute.sorted") - 1))
	if [ "$src" -gt 0 ] && cmp -s "$WORK/$t.source.sorted" "$WORK/$t.maxcompute.sorted"; then
		same=yes
	else
		same=NO
		bad=1
	fi
	printf '%-24s %10s %10s  %s\n' "shop.$t" "$src" "$got" "$same"
done
odps_local_stop
say "MaxCompute (local): project demo, tables shop__T (base), shop__T_log (log), shop__T_at (merged at $at), source_T (the source); data in $WORK/odps (stopped); upload state: $STATE"
[ $bad -eq 0 ] || die "MaxCompute differs from the source"
