#!/bin/sh
# The rules a source's streams come through cannot change under a warehouse
# (docs/mc-tunnel-put.md "Rules", docs/mc-transform.md "The rules
# fingerprint"): mc-transform writes a fingerprint of what decides the
# tables' names, columns and partitions into its header (rules_fp,
# rules_file); mc-tunnel-put records it per source in its ledger (rules.ID)
# and refuses, exit 1 with nothing committed, a stream of the source with
# another one, without one where one was recorded, or with one where none
# was. Before, such changes went into other tables (x_t_log, or
# db__t_log), and the merge of the snapshot's table returned it stale, exit
# 0. The same rules (a rerun, a stream passed through mc-cat, a rules file
# that differs only in comments, dml, ddl or select) are accepted, and so
# is a replay of the saved streams with the new rules into a new warehouse.
# Local warehouse and MaxCompute (the local strict server).
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 120 >"$T/sb.mcr" && "$MCGEN" changes 120 80 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
cat >"$T/a.yaml" <<'YAML'
version: 1
names: {template: "${db}_${table}"}
YAML
cat >"$T/x.yaml" <<'YAML'
version: 1
names: {template: "x_${table}"}
YAML
# the same shape: the default template, comments, dml, ddl, select
cat >"$T/a2.yaml" <<'YAML'
# a comment
version: 1
select: {exclude: [{db: other}]}
dml: [{table: nosuch, drop: [delete]}]
ddl: {truncate: alert}
YAML
# another shape: an added column
cat >"$T/c.yaml" <<'YAML'
version: 1
columns: [{add: [{name: src, value: "SRC_TABLE", type: STRING}]}]
YAML
for r in a x a2 c; do
	for f in sb ch; do
		mc-transform --rules="$T/$r.yaml" "$T/$f.mcr" >"$T/$f.$r.mcr" 2>"$T/err" ||
			{ fail "setup" "mc-transform $r: $(cat "$T/err")"; exit 1; }
	done
done
fp() { mc-cat "$1" | jq -r 'select(.mcr) | .meta.rules_fp'; }
expect_grep "the header carries the fingerprint" '^r1:[0-9a-f]{32}$' "$(fp "$T/ch.a.mcr" >"$T/fp"; echo "$T/fp")"
expect_eq "... and the rules file" "$(mc-cat "$T/ch.a.mcr" | jq -r 'select(.mcr) | .meta.rules_file')" "$T/a.yaml"
expect_eq "comments, dml, ddl, select and the default template spelled out: the same" \
	"$(fp "$T/ch.a2.mcr")" "$(fp "$T/ch.a.mcr")"
expect_ok "another template: another" test "$(fp "$T/ch.x.mcr")" != "$(fp "$T/ch.a.mcr")"
expect_ok "an added column: another" test "$(fp "$T/ch.c.mcr")" != "$(fp "$T/ch.a.mcr")"

# the local warehouse
W=$T/w
expect_ok "the snapshot through a.yaml" mc-tunnel-put --dest="$W" "$T/sb.a.mcr"
expect_grep "... the ledger records the rules" "^rules\.- $(fp "$T/sb.a.mcr") $T/a.yaml\$" "$W/_mcsync/ledger"
before=$(tree "$W")
expect_code 1 "the changes through other rules: refused" mc-tunnel-put --dest="$W" "$T/ch.x.mcr"
expect_grep "... one line naming the source, both fingerprints and files, what to do" \
	"^mc-tunnel-put: '.*ch.x.mcr': record 1: source server_id \(unnamed\): this stream came through rules $(fp "$T/ch.x.mcr") \('.*x.yaml'\), the warehouse's tables of it through rules $(fp "$T/ch.a.mcr") \('.*a.yaml'\) \(ledger key rules.-\): .*use the same rules, or load it into a new warehouse, replaying .*pipelines/replay.sh" "$T/err"
expect_eq "... nothing committed" "$(tree "$W")" "$before"
expect_code 1 "the changes without mc-transform: refused" mc-tunnel-put --dest="$W" "$T/ch.mcr"
expect_grep "... as not through mc-transform" "this stream came through no mc-transform, the warehouse's tables of it through rules r1:" "$T/err"
expect_eq "... nothing committed" "$(tree "$W")" "$before"
expect_code 1 "an added column: refused" mc-tunnel-put --dest="$W" "$T/ch.c.mcr"
expect_eq "... nothing committed" "$(tree "$W")" "$before"
expect_ok "the same rules: accepted" mc-tunnel-put --dest="$W" "$T/ch.a.mcr"
expect_ok "... into the snapshot's table's log" test -d "$W/sbtest_sbtest1_log"
expect_ok "a rerun: accepted (repeats dropped)" mc-tunnel-put --dest="$W" "$T/ch.a.mcr"
expect_ok "rules of the same shape: accepted" mc-tunnel-put --dest="$W" "$T/ch.a2.mcr"
expect_ok "through mc-cat (mcr, and JSON lines and back): accepted" \
	sh -c "mc-cat --to=mcr '$T/ch.a.mcr' | mc-tunnel-put --dest='$W' &&
	       mc-cat '$T/ch.a.mcr' | mc-cat --from=jsonl --to=mcr | mc-tunnel-put --dest='$W'"
expect_eq "no other table was made" "$(ls "$W" | tr '\n' ' ')" "_mcsync sbtest_sbtest1 sbtest_sbtest1_log "
mc-tunnel-put --dest="$T/ref" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err" || fail "setup" "ref: $(cat "$T/err")"
at='2025-11-22 23:59:59'
mc-merge --warehouse="$W" --table=sbtest_sbtest1 --at="$at" --output=- 2>"$T/err" |
	mc-cat --to=csv --table=sbtest.sbtest_sbtest1 >"$T/got.csv"
mc-merge --warehouse="$T/ref" --table=sbtest__sbtest1 --at="$at" --output=- 2>>"$T/err" |
	mc-cat --to=csv --table=sbtest.sbtest1 >"$T/want.csv"
expect_ok "... the merge has rows" test "$(wc -l <"$T/want.csv")" -gt 50
expect_same "... and equals the untransformed one" "$T/got.csv" "$T/want.csv"

# one recorded where none was: refused the other way round too
expect_ok "a snapshot without mc-transform" mc-tunnel-put --dest="$T/w2" "$T/sb.mcr"
expect_grep "... records none" '^rules\.- none$' "$T/w2/_mcsync/ledger"
before=$(tree "$T/w2")
expect_code 1 "its changes through mc-transform: refused" mc-tunnel-put --dest="$T/w2" "$T/ch.a.mcr"
expect_grep "... naming both" "this stream came through rules r1:[0-9a-f]{32} \('.*a.yaml'\), the warehouse's tables of it through no mc-transform" "$T/err"
expect_eq "... nothing committed" "$(tree "$T/w2")" "$before"
expect_ok "its changes without: accepted" mc-tunnel-put --dest="$T/w2" "$T/ch.mcr"
# a ledger of an older sink records no rules: the next stream sets them
sed -i '/^rules\./d' "$T/w2/_mcsync/ledger"
expect_ok "a ledger without the key takes the next stream" mc-tunnel-put --dest="$T/w2" "$T/ch.mcr"
expect_grep "... and records it" '^rules\.- none$' "$T/w2/_mcsync/ledger"

# the way out: replay the saved streams with the new rules into a new
# warehouse (pipelines/replay.sh --fresh swaps it in)
expect_ok "replay with the new rules into a fresh warehouse" \
	"$TOP/pipelines/replay.sh" --dest="$W" --fresh --no-merge "$T/sb.x.mcr" "$T/ch.x.mcr"
expect_grep "... which records the new rules" "^rules\.- $(fp "$T/ch.x.mcr") $T/x.yaml\$" "$W/_mcsync/ledger"
expect_eq "... and holds the new tables only" "$(ls "$W" | tr '\n' ' ')" "_mcsync x_sbtest1 x_sbtest1_log "
expect_code 1 "... where the old rules are refused now" mc-tunnel-put --dest="$W" "$T/ch.a.mcr"

# MaxCompute: the ledger in --state, the same guard
odps_start srv || exit 1
DB=$T/srv/p1.db
put() { mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st" --retry-time=0.2 "$@"; }
expect_ok "odps: the snapshot through a.yaml" put "$T/sb.a.mcr"
expect_grep "... the ledger records the rules" "^rules\.- $(fp "$T/sb.a.mcr") " "$T/st/_mcsync/ledger"
tabs() { sqlite3 "$DB" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%sbtest%' ORDER BY name)"; }
t0=$(tabs)
cp "$T/st/_mcsync/ledger" "$T/led0"
expect_code 1 "odps: the changes through other rules: refused" put "$T/ch.x.mcr"
expect_grep "... naming both" "this stream came through rules $(fp "$T/ch.x.mcr") .*through rules $(fp "$T/ch.a.mcr")" "$T/err"
expect_code 1 "odps: the changes without mc-transform: refused" put "$T/ch.mcr"
expect_eq "... no table made" "$(tabs)" "$t0"
expect_same "... the ledger unchanged" "$T/st/_mcsync/ledger" "$T/led0"
expect_ok "odps: the same rules: accepted" put "$T/ch.a.mcr"
expect_ok "... into the snapshot's table's log" test "$(sqlite3 "$DB" "SELECT count(*) FROM sbtest_sbtest1_log")" -gt 0
expect_ok "odps: replay with the new rules into a new state (project)" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st2" --retry-time=0.2 "$T/sb.x.mcr" "$T/ch.x.mcr"
