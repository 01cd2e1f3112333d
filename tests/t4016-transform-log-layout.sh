#!/bin/sh
# The log layout chosen in the rules file (docs/rules.md "log_layout"):
# mc-transform puts the rules' `log_layout` into the header of every stream
# it writes (`log_layout: NAME`), and mc-tunnel-put honours it as it does
# --log-layout: a new warehouse records it (ledger key log_layout), the
# merge SQL is the layout's; a --log-layout that says another layout, or a
# warehouse already in another layout, is exit 2 naming both. The key is
# one layout for the whole sync (the warehouse keeps one); its errors name
# the file, line and column.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 200 >"$T/sb.mcr" && "$MCGEN" changes 200 150 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
cat >"$T/dts.yaml" <<'YAML'
version: 1
names: {template: "${table}"}
log_layout: dts
YAML
sed 's/^log_layout: dts$/log_layout: dataworks/' "$T/dts.yaml" >"$T/dw.yaml"
grep -v '^log_layout' "$T/dts.yaml" >"$T/none.yaml"
for f in sb ch; do
	mc-transform --rules="$T/dts.yaml" "$T/$f.mcr" >"$T/$f.dts.mcr" 2>"$T/err" &&
	mc-transform --rules="$T/dw.yaml" "$T/$f.mcr" >"$T/$f.dw.mcr" 2>>"$T/err" &&
	mc-transform --rules="$T/none.yaml" "$T/$f.mcr" >"$T/$f.none.mcr" 2>>"$T/err" ||
		{ fail "setup" "mc-transform: $(cat "$T/err")"; exit 1; }
done
expect_eq "the header carries the rules' layout" \
	"$(mc-cat "$T/ch.dts.mcr" | jq -r 'select(.mcr) | .meta.log_layout')" dts
expect_eq "... without the key, no entry" \
	"$(mc-cat "$T/ch.none.mcr" | jq -r 'select(.mcr) | .meta.log_layout')" null
# a stream whose header has log_layout (not mc-transform's output: that is
# refused as input, t7077)
mc-cat "$T/ch.dts.mcr" | jq -c 'if .mcr then del(.meta.rules_fp, .meta.rules_file, .meta.dest_names) else . end' |
	mc-cat --to=mcr >"$T/ch.lay.mcr"
mc-transform --rules="$T/none.yaml" "$T/ch.lay.mcr" >"$T/ch.again.mcr" 2>"$T/err"
expect_eq "... an input header's entry passes a rules file without the key" \
	"$(mc-cat "$T/ch.again.mcr" | jq -r 'select(.mcr) | .meta.log_layout')" dts
mc-transform --rules="$T/dw.yaml" "$T/ch.lay.mcr" >"$T/ch.again.mcr" 2>"$T/err"
expect_eq "... and is replaced by the rules' own" \
	"$(mc-cat "$T/ch.again.mcr" | jq -r 'select(.mcr) | [.meta | to_entries[] | select(.key == "log_layout") | .value] | join(",")')" dataworks

# the sink honours it
W=$T/w
expect_ok "a new warehouse takes the layout of the rules" mc-tunnel-put --dest="$W" "$T/sb.dts.mcr"
expect_grep "... the ledger records it" '^log_layout dts$' "$W/_mcsync/ledger"
expect_ok "the changes follow" mc-tunnel-put --dest="$W" "$T/ch.dts.mcr"
d=$(ls "$W/sbtest1_log" | sed -n 's/^ds=//p' | sort | sed -n 2p)
expect_ok "the merge SQL is DTS's recipe over record_id" \
	mc-merge --warehouse="$W" --table=sbtest1 --ds="$d" --emit-sql --dialect=sqlite
expect_grep "... record_id, after_flag" 'ORDER BY record_id DESC, after_flag DESC' "$T/out"
expect_ok "a stream without the entry goes into it too (the ledger's layout)" \
	mc-tunnel-put --dest="$W" "$T/ch.none.mcr"
expect_ok "--log-layout saying the same is fine" mc-tunnel-put --dest="$W" --log-layout=dts "$T/ch.dts.mcr"
expect_code 2 "a --log-layout that says another layout than the header: exit 2" \
	mc-tunnel-put --dest="$T/w2" --log-layout=mcsync "$T/sb.dts.mcr"
expect_grep "... naming both" "--log-layout=mcsync, and the stream's header says log_layout: dts \(record 1: the log_layout of mc-transform's rules file\)" "$T/err"
expect_code 1 "... and nothing is committed" test -e "$T/w2/_mcsync/ledger"
expect_code 2 "the rules' layout on a warehouse of another: exit 2" \
	mc-tunnel-put --dest="$W" "$T/ch.dw.mcr"
expect_grep "... naming both" "the stream's header says log_layout: dataworks \(record 1: .*\), but the warehouse's log tables are in the dts layout \(ledger key log_layout\)" "$T/err"
expect_ok "a warehouse without a layout (mcsync)" mc-tunnel-put --dest="$T/w3" "$T/sb.none.mcr"
expect_code 2 "... takes no rules' layout later" mc-tunnel-put --dest="$T/w3" "$T/ch.dts.mcr"
expect_grep "... naming mcsync" "in the mcsync layout \(ledger key log_layout absent: mcsync\)" "$T/err"
expect_ok "the dataworks layout on a new warehouse" mc-tunnel-put --dest="$T/w4" "$T/sb.dw.mcr" "$T/ch.dw.mcr"
expect_grep "... recorded" '^log_layout dataworks$' "$T/w4/_mcsync/ledger"

# the rules-file errors, at their line:column, exit 2
printf 'log_layout: dtx\n' >"$T/e1.yaml"
expect_code 2 "an unknown layout" mc-transform --rules="$T/e1.yaml" --check
expect_grep "... named with its place" "e1.yaml:1:13: log_layout: 'dtx' \(want mcsync, dts, dts-new, dataworks or dataworks-json\)" "$T/err"
printf 'log_layout:\n  - {table: t1, layout: dts}\n' >"$T/e2.yaml"
expect_code 2 "a per-table list" mc-transform --rules="$T/e2.yaml" --check
expect_grep "... is not the key's shape: one layout for the sync" "e2.yaml:2:[0-9]+: log_layout: one layout for the whole sync" "$T/err"
printf 'log_layout: dts\nlog_layout: dts\n' >"$T/e3.yaml"
expect_code 2 "twice" mc-transform --rules="$T/e3.yaml" --check
printf '{"version": 1, "log_layout": "dts-new"}\n' >"$T/j.json"
expect_ok "JSON too" mc-transform --rules="$T/j.json" --check
printf 'log_layout: dts\nfull_load:\n  - {table: sbtest1, where: "id > 0"}\n' >"$T/snap.yaml"
expect_ok "mc-snapshot reads the same file (the key is checked, not used)" \
	mc-snapshot --rules="$T/snap.yaml" --help

# into MaxCompute the header's layout is honoured too (the ledger records
# it, the log table has its columns); dataworks-json too (its data_columns)
odps_start srvj || exit 1
sed 's/^log_layout: dts$/log_layout: dataworks-json/' "$T/dts.yaml" >"$T/dwj.yaml"
mc-transform --rules="$T/dwj.yaml" "$T/sb.mcr" >"$T/sb.dwj.mcr" 2>"$T/err" || fail "setup" "$(cat "$T/err")"
expect_ok "a header's dataworks-json layout into MaxCompute" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/stj" --retry-time=0.2 "$T/sb.dwj.mcr"
expect_grep "... the ledger records it" "^log_layout dataworks-json\$" "$T/stj/_mcsync/ledger"
odps_start srv || exit 1
expect_ok "... a header's mcsync layout goes in" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st" --retry-time=0.2 "$T/sb.none.mcr"
# (another project: the tables of one name are of one layout)
odps_start srv2 || exit 1
expect_ok "a header's dts layout into MaxCompute" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/sd" --retry-time=0.2 "$T/sb.dts.mcr"
expect_grep "... the ledger records it" "^log_layout dts\$" "$T/sd/_mcsync/ledger"
expect_eq "... the log table has its columns" \
	"$(sqlite3 "$T/srv2/p1.db" "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('sbtest1_log') LIMIT 5)")" \
	record_id,operation_flag,utc_timestamp,before_flag,after_flag
