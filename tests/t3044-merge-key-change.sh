#!/bin/sh
# A change of the primary key with changes under the old key in the same
# merge range (docs/merge.md "Schema changes", the change of the primary
# key): merged in steps (the range up to the change by the old key, the
# rows there re-keyed by the new key, then the rest). A throwaway MariaDB:
# rows inserted, updated (the old key changed too) and deleted under the old
# key, where two rows share a value of the new key until one goes; ALTER ...
# DROP PRIMARY KEY, ADD PRIMARY KEY (u); more changes (the new key changed
# too); a second table with two key changes and the old key column dropped
# after. The merge equals the source, row by row. Rows the warehouse holds
# that are not unique under the new key at the change (the source's ALTER
# would have refused them) stop the merge naming the key and the statement.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
keychange_setup
expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/w" "$T/snap.mcr"
expect_ok "the changes load" mc-tunnel-put --dest="$T/w" "$T/changes.mcr"
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')

rows() { # FILE: the rows as tab-separated text, columns by name, sorted
	mc-cat --to=jsonl "$1" | python3 -c '
import sys, json
cols = None
rows = []
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "schema":
        cols = [c["name"] for c in r["columns"]]
    elif r.get("kind") == "row":
        rows.append(["NULL" if v is None else str(v) for v in r["after"]])
print("\t".join(cols))
for r in sorted(rows):
    print("\t".join(r))
'
}
truth() { # TABLE
	sql "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='d' AND TABLE_NAME='$1'" | tr , '\t'
	sql "SELECT * FROM d.$1" | sort
}
for t in k k2; do
	expect_ok "$t: mc-merge across the key change(s), changes under the old key in range" \
		mc-merge --warehouse="$T/w" --table=d__$t --at="$at" --output="$T/$t.mcr" -v
	expect_grep "$t: said: in steps" "the key changes at [0-9:]+ with changes under the old key before it" "$T/err"
	expect_eq "$t: the merge equals the source" "$(rows "$T/$t.mcr")" "$(truth $t)"
done
expect_eq "k: u=10 survives its twin's delete under the old key (then became 11)" \
	"$(rows "$T/k.mcr" | awk -F'\t' '$2 == 11 { print $1, $3 }')" "6 dup of u"
expect_grep "k2: the merged schema's key is w" '"table":"k2",.*"key":\[1\]' "$(mc-cat --to=jsonl "$T/k2.mcr" >"$T/k2.jsonl"; echo "$T/k2.jsonl")"
expect_eq "k2: two steps said" "$(grep -c 'the key changes at' "$T/err")" 2

# a merge up to the second key change of k2 (the state there, by the key u)
mid=$(mc-cat --to=jsonl "$T/changes.mcr" | grep '"kind":"ddl"' | grep 'd.k2 DROP PRIMARY KEY, ADD PRIMARY KEY (w)' |
	sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/')
expect_ok "k2: mc-merge --at before its second key change" \
	mc-merge --warehouse="$T/w" --table=d__k2 --at="$mid" --output="$T/k2mid.mcr"
expect_eq "k2: the rows there, by the key u" "$(rows "$T/k2mid.mcr")" "$(printf 'id\tu\tw\tv\n2\t21\t200\t2\n3\t30\t301\t3\n4\t40\t400\t4')"

# the warehouse's rows say the new key is not unique at the change (the
# server would have refused the ALTER): refused, naming it
mc-cat --to=jsonl "$T/changes.mcr" | keychange_bad | mc-cat --to=mcr >"$T/bad.mcr" || fail "setup" "bad stream"
expect_ok "a warehouse with the bad row loads" mc-tunnel-put --dest="$T/w2" "$T/snap.mcr"
expect_ok "... its changes too" mc-tunnel-put --dest="$T/w2" "$T/bad.mcr"
expect_code 1 "two rows with one new key at the change: refused" \
	mc-merge --warehouse="$T/w2" --table=d__k --at="$at" --output="$T/x.mcr"
expect_grep "naming the new key and the statement" "table 'd__k': the new key \(u\) of the change of the key at [0-9:]+ \('ALTER TABLE d.k DROP PRIMARY KEY, ADD PRIMARY KEY \(u\)'\) is not unique over the rows there" "$T/err"
[ -e "$T/x.mcr" ] && fail "no output left behind" "$T/x.mcr" || ok "no output left behind"
