#!/bin/sh
# pipelines/replay.sh of mc-transform's streams (its documented use: rebuild
# a warehouse after a rule fix): the merge step looked for DB__TABLE, while
# the rules named the tables otherwise (the ledger's name.DB.TABLE), so it
# merged nothing, printed "-  none" and exited 0: a rebuilt warehouse with
# no day merged. The names now come from the ledger; with --fresh too.
. "$(dirname "$0")/lib.sh"
"$BIN/tools/mcgen" sysbench 200 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
printf 'version: 1\nnames: {template: "app_${table}"}\n' >"$T/r1.yaml"
printf 'version: 1\nnames: {template: "app_${table}"}\nmask:\n  - {column: c, with: hash, key: k}\n' >"$T/r2.yaml"
for r in r1 r2; do
	mc-transform --rules="$T/$r.yaml" "$T/sb.mcr" >"$T/sb.$r.mcr" &&
		mc-transform --rules="$T/$r.yaml" "$T/ch.mcr" >"$T/ch.$r.mcr" || { fail "mc-transform" "failed"; exit 1; }
done
# the direct pipeline: load, merge the day
mc-tunnel-put --dest="$T/d" "$T/sb.r2.mcr" "$T/ch.r2.mcr" 2>/dev/null &&
	mc-merge --warehouse="$T/d" --table=app_sbtest1 --ds=20251122 || { fail "direct" "failed"; exit 1; }
rows() { for f in "$1"/app_sbtest1/ds=20251122/*.mcr*; do mc-cat --to=csv --table=sbtest.app_sbtest1 "$f" | sed 1d; done | sort; }
rows "$T/d" >"$T/direct.csv"

expect_ok "replay of transformed streams" sh "$TOP/pipelines/replay.sh" --dest="$T/w" "$T/sb.r1.mcr" "$T/ch.r1.mcr"
expect_grep "... merges the day under the rules' name" '^app_sbtest1 +20251121 20251122 +[0-9]+ +20251122$' "$T/out"
expect_eq "... the merged partition is there" "$(ls "$T/w/app_sbtest1" | grep -c '^ds=20251122$')" "1"
expect_ok "a rule fix: --fresh with the new rules" sh "$TOP/pipelines/replay.sh" --fresh --dest="$T/w" \
	"$T/sb.r2.mcr" "$T/ch.r2.mcr"
expect_grep "... merges the day" '^app_sbtest1 +20251121 20251122 +[0-9]+ +20251122$' "$T/out"
rows "$T/w" >"$T/replay.csv"
expect_same "... equal to the direct pipeline's merge" "$T/direct.csv" "$T/replay.csv"
expect_eq "... not empty" "$(wc -l <"$T/replay.csv")" "$(wc -l <"$T/direct.csv")"
expect_ok "a rerun" sh "$TOP/pipelines/replay.sh" --dest="$T/w" "$T/sb.r2.mcr" "$T/ch.r2.mcr"
expect_grep "... merges nothing more" '^app_sbtest1 +20251121 20251122 +[0-9]+ +none$' "$T/out"
