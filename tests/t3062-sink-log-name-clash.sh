#!/bin/sh
# A table's warehouse name never equals a name the warehouse derives from
# another table's (docs/mc-tunnel-put.md "What goes where"): source tables
# s.o and s.o_log with default names would put the base table of s.o_log,
# s__o_log, where the log table of s.o is, their files mixed in one table
# (exit 0, a merge failing or wrong after). Refused in either order, in one
# stream and across runs, exit 1, naming both tables and the clashing name,
# nothing of the stream committed; a --name or a names rule of
# mc-transform that renames one of them loads both.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 50 >"$T/sb.mcr" && "$MCGEN" changes 50 30 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
{ ren "$T/sb.mcr" s o >"$T/o.mcr" && ren "$T/ch.mcr" s o >"$T/oc.mcr" &&
	ren "$T/sb.mcr" s o_log >"$T/l.mcr" && one "$T/o.mcr" "$T/oc.mcr" >"$T/o1.mcr" &&
	one "$T/l.mcr" "$T/o.mcr" "$T/oc.mcr" >"$T/lo.mcr" &&
	one "$T/o.mcr" "$T/oc.mcr" "$T/l.mcr" >"$T/ol.mcr"; } || { fail "setup" "streams"; exit 1; }

A="'s\.o_log' would be written as 's__o_log', which is the log table of 's__o', the name of 's\.o' \(ledger key 'name\.s\.o'\): the two tables' rows would mix in one table; give one of them another name: --name=s\.o_log=NAME, or a names rule of mc-transform \(names: replace: \[\{from: s__o_log, to: NAME\}\]\)"
B="'s\.o' would be written as 's__o', whose log table is 's__o_log', the name of 's\.o_log' \(ledger key 'name\.s\.o_log'\): the two tables' rows would mix in one table; give one of them another name: --name=s\.o=NAME, or a names rule of mc-transform \(names: replace: \[\{from: s__o_log, to: NAME\}\]\)"

# across runs, s.o first
expect_ok "s.o alone" mc-tunnel-put --dest="$T/w1" "$T/o1.mcr"
tree "$T/w1" >"$T/before"
expect_code 1 "then s.o_log, whose base table is the log table of s.o" \
	mc-tunnel-put --dest="$T/w1" "$T/l.mcr"
expect_grep "... naming both tables and the clashing name, saying what to do" "$A" "$T/err"
tree "$T/w1" >"$T/after"
expect_same "... the warehouse unchanged" "$T/before" "$T/after"

# across runs, s.o_log first
expect_ok "s.o_log alone" mc-tunnel-put --dest="$T/w2" "$T/l.mcr"
tree "$T/w2" >"$T/before"
expect_code 1 "then s.o, whose log table is the base table of s.o_log" \
	mc-tunnel-put --dest="$T/w2" "$T/o1.mcr"
expect_grep "... naming both" "$B" "$T/err"
tree "$T/w2" >"$T/after"
expect_same "... the warehouse unchanged" "$T/before" "$T/after"

# one stream, either order, committing every 10 rows: nothing committed
expect_code 1 "one stream, s.o_log first" mc-tunnel-put --commit-rows=10 --dest="$T/w3" "$T/lo.mcr"
expect_grep "... naming both (the second's record)" "lo\.mcr': record [0-9]+: $B" "$T/err"
expect_code 1 "... nothing of it committed" test -e "$T/w3/s__o_log"
expect_code 1 "... nor recorded" sh -c "cat '$T/w3/_mcsync/ledger' 2>/dev/null | grep -q '^name\.'"
expect_code 1 "one stream, s.o first" mc-tunnel-put --commit-rows=10 --dest="$T/w4" "$T/ol.mcr"
expect_grep "... naming both" "ol\.mcr': record [0-9]+: $A" "$T/err"
expect_code 1 "... nothing of it committed" test -e "$T/w4/s__o"
expect_code 1 "... nor recorded" sh -c "cat '$T/w4/_mcsync/ledger' 2>/dev/null | grep -q '^name\.'"
expect_code 1 "one stream through a pipe" sh -c "mc-tunnel-put --dest='$T/w5' <'$T/ol.mcr'"
expect_grep "... refused alike" "'\(stdin\)': record [0-9]+: $A" "$T/err"
expect_code 2 "a --name onto another table's log table (exit 2)" \
	mc-tunnel-put --dest="$T/w1" --name=s.o_log=s__o_log "$T/l.mcr"

# the way out: a --name, or a names rule renaming one of them
expect_ok "a --name for s.o_log loads both" \
	mc-tunnel-put --dest="$T/w6" --name=s.o_log=s__o_base "$T/ol.mcr"
expect_ok "... s.o_log as named" test -d "$T/w6/s__o_base"
cat >"$T/clash.yaml" <<'YAML'
version: 1
names:
  template: "${db}_${table}"
YAML
cat >"$T/rules.yaml" <<'YAML'
version: 1
names:
  template: "${db}_${table}"
  replace:
    - {from: s_o_log, to: s_o_hist}
YAML
mc-transform --rules="$T/clash.yaml" "$T/ol.mcr" >"$T/ol.c.mcr" 2>"$T/err" &&
	mc-transform --rules="$T/rules.yaml" "$T/ol.mcr" >"$T/ol.t.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-transform: $(cat "$T/err")"; exit 1; }
expect_code 1 "names rules naming s.o_log as the log table of s.o are refused" \
	mc-tunnel-put --dest="$T/w7" "$T/ol.c.mcr"
expect_grep "... naming the rules' names" "which is the log table of 's_o'" "$T/err"
expect_ok "a names rule renaming s.o_log loads both" mc-tunnel-put --dest="$T/w8" "$T/ol.t.mcr"
expect_ok "... s.o_log as the rule named it" test -d "$T/w8/s_o_hist"
expect_code 1 "... no other table in s.o's log" test -e "$T/w8/s_o_hist_log"
mc-tunnel-put --dest="$T/ref" "$T/o1.mcr" 2>"$T/err" || fail "setup" "ref"
at='2025-11-22 12:00:00'
mc-merge --warehouse="$T/w8" --table=s_o --at="$at" --output=- 2>"$T/err" |
	mc-cat --to=csv --table=s.s_o >"$T/got.csv"
mc-merge --warehouse="$T/ref" --table=s__o --at="$at" --output=- 2>>"$T/err" |
	mc-cat --to=csv --table=s.o >"$T/want.csv"
expect_ok "the merge has rows" test "$(wc -l <"$T/want.csv")" -gt 10
expect_same "the merge of s.o equals that of s.o loaded alone" "$T/got.csv" "$T/want.csv"
mc-cat --to=csv --table=s.s_o_hist "$T"/w8/s_o_hist/ds=*/part-* 2>"$T/err" | sort >"$T/goth.csv"
mc-cat --to=csv --table=s.o_log "$T/l.mcr" | sort >"$T/wanth.csv"
expect_same "the base table of s.o_log holds its snapshot alone" "$T/goth.csv" "$T/wanth.csv"
