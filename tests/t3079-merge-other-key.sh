#!/bin/sh
# A keyless table merged again with another --key. The partition a merge
# writes is in its key's order (manifest: sorted=yes); one merged with
# --key=a,b was taken as in order for a later merge with --key=b too, so
# that merge stopped with "the base partition is not in key order (or has
# a key twice)", exit 1, where the base was fine and the --key was the
# matter (--at with --output; with --ds it sorted it). Now the manifest
# says the key's columns (sorted_key=a,b) and a base counts as in order
# only for the same key: another --key checks it as it is read, and sorts
# it, or says its key is not unique; a partition of an older mc-merge
# that does not say is not taken as in the order of a --key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.k (a INT, b INT);
INSERT INTO d.k VALUES (1,1),(1,2),(2,1),(3,0)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.k VALUES (4,4)" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
load_two_days "$T/w"
AT=$(mc-cat --to=summary "$T/changes1.mcr" | sed -n 's/^positions: .* \.\. //p')
rows() { mc-cat --to=csv --table=d.k "$1" | grep -v '^a,' | sort | tr '\n' ' '; }

expect_ok "merged with --key=a,b" mc-merge --warehouse="$T/w" --table=d__k --ds=20251121 --key=a,b
M=$T/w/d__k/ds=20251121/_SUCCESS
expect_grep "... its manifest says the key's columns" '^sorted_key[ =:]*a,b' "$M"
expect_code 1 "--at --output with --key=b: refused" \
	mc-merge --warehouse="$T/w" --table=d__k --at="$AT" --output="$T/o.mcr" --key=b
expect_grep "... for the key, not unique (it said: not in key order)" \
	"table 'd__k': the key \(b\) is not unique: \(1\) is in .* of the base partition 'ds=20251121'" "$T/err"
expect_ok "--key=b,a into standard output" \
	sh -c 'mc-merge --warehouse="$1" --table=d__k --at="$2" --output=- --key=b,a >"$3"' \
	sh "$T/w" "$AT" "$T/ba.mcr"
expect_eq "... the source's rows" "$(rows "$T/ba.mcr")" "1,1 1,2 2,1 3,0 4,4 "
expect_ok "--key=b,a into a file" mc-merge --warehouse="$T/w" --table=d__k --at="$AT" \
	--output="$T/ba2.mcr" --key=b,a
expect_eq "... the same rows" "$(rows "$T/ba2.mcr")" "1,1 1,2 2,1 3,0 4,4 "
# a manifest of an older mc-merge: sorted, no sorted_key
grep -v '^sorted_key' "$M" >"$T/m" && cat "$T/m" >"$M"
expect_code 1 "an older partition, --key=a: refused" \
	mc-merge --warehouse="$T/w" --table=d__k --at="$AT" --output="$T/o.mcr" --key=a
expect_grep "... for the key, not unique" "table 'd__k': the key \(a\) is not unique: \(1\) is in " "$T/err"
expect_ok "... --key=b,a" mc-merge --warehouse="$T/w" --table=d__k --at="$AT" --output=- --key=b,a
