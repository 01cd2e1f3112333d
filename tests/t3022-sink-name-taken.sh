#!/bin/sh
# Two source tables never share a warehouse name (docs/warehouse.md "Tables
# and names"): their rows would be one table, whose merge mixes both. A
# --name or a default name that another table holds is refused, naming both.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 50 >"$T/a.mcr" || { fail "mcgen" "failed"; exit 1; }
other() { # DB TABLE: a.mcr's table renamed
	mc-cat "$T/a.mcr" | sed "s/\"db\":\"sbtest\",\"table\":\"sbtest1\"/\"db\":\"$1\",\"table\":\"$2\"/" |
		mc-cat --to=mcr
}
other other sbtest1 >"$T/b.mcr" && other other2 sbtest1 >"$T/e.mcr" && other sb_ _t >"$T/c.mcr" && other sb __t >"$T/d.mcr" ||
	{ fail "setup" "mc-cat"; exit 1; }

expect_code 2 "two tables given one --name in one run" \
	mc-tunnel-put --dest="$T/w" --name=sbtest.sbtest1=x --name=other.sbtest1=x "$T/a.mcr" "$T/b.mcr"
expect_grep "... naming the table, the name and the holder" \
	"'other\.sbtest1' would be written as 'x', which this warehouse holds another table under \(ledger key 'name\.sbtest\.sbtest1'\): give it another name with --name=other\.sbtest1=NAME" "$T/err"
expect_code 1 "... and nothing of the second is recorded" grep -q '^name\.other\.' "$T/w/_mcsync/ledger"
expect_ok "the second under its own name" mc-tunnel-put --dest="$T/w" --name=other.sbtest1=y "$T/b.mcr"
expect_grep "the first table kept its name" '^name\.sbtest\.sbtest1 x$' "$T/w/_mcsync/ledger"
expect_code 2 "a later run giving a held name to a third table" \
	mc-tunnel-put --dest="$T/w" --name=other2.sbtest1=x "$T/e.mcr"
expect_code 1 "... which is not recorded" grep -q '^name\.other2\.' "$T/w/_mcsync/ledger"
mc-tunnel-put --dest="$T/w3" "$T/c.mcr" 2>"$T/err" || fail "setup" "w3"
expect_code 1 "two default names that meet (sb_._t and sb.__t are both sb____t)" \
	mc-tunnel-put --dest="$T/w3" "$T/d.mcr"
expect_grep "... saying what to do" "'sb\.__t' would be written as 'sb____t'.*--name=sb\.__t=NAME" "$T/err"
expect_ok "... which a --name settles" mc-tunnel-put --dest="$T/w3" --name=sb.__t=sb_t2 "$T/d.mcr"
