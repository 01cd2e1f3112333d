#!/bin/sh
# mc-merge --emit-sql --dialect=sqlite across a change of the primary key
# with changes under the old key in range (docs/merge.md "The SQL merge
# across schema versions"): the statement merges in steps as mc-merge does
# (a subquery per key change, by the old key's columns, whose rows are the
# base of the next). The scenario of tests/t3044-merge-key-change.sh over
# two days: the warehouse's rows loaded into sqlite3 (mchist loadh), the
# statement run there gives the local merge's rows and positions, and the
# source's rows; MaxCompute's statement has the steps in its own names.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
need sqlite3

mdb_start
keychange_setup
# days: the snapshot stamped 2025-11-20, the changes 2025-11-21, a heartbeat
# at the last position stamped 2025-11-22 (the end of day 21)
W=$T/w
load_two_days "$W"
D=20251121
H=$BIN/tools/mchist

local_rows() { # TABLE FILE: "pos,cols" lines, sorted
	mc-cat --to=csv --with-op --table="d.$1" "$2" | tail -n +2 | cut -d, -f2- | tr -d '"' | sort
}
sq_rows() { # DB QUERY: the last three columns are the position
	sqlite3 -csv "$1" "$2" | awk -F, '{ printf "%s:%s:%s", $(NF-2), $(NF-1), $NF
		for (i = 1; i <= NF - 3; i++) printf ",%s", $i; print "" }' | tr -d '"' | sort
}
load_db() { # TABLE DB
	{ "$H" createh "d__$1" "$W/d__$1/_schemahist.mcr" &&
		"$H" loadh "d__$1" "$W/d__$1/_schemahist.mcr" ds=20251120 base "$W/d__$1/ds=20251120"/part-*.mcr.zst &&
		"$H" loadh "d__$1" "$W/d__$1/_schemahist.mcr" log log "$W/d__$1_log"/ds=*/part-*.mcr.zst; } >"$T/load.sql" 2>"$T/err" &&
		rm -f "$2" && sqlite3 "$2" <"$T/load.sql" 2>>"$T/err"
}
tcols() { mc-cat --to=csv --table="d.$1" "$2" | head -1 | sed 's/"//g; s/\([^,][^,]*\)/"\1"/g'; }

for t in k k2; do
	load_db $t "$T/$t.db" || { fail "$t: the tables load into sqlite3" "$(cat "$T/err")"; continue; }
	expect_ok "$t: mc-merge --ds=$D" mc-merge --warehouse="$W" --table=d__$t --ds=$D
	f=$(ls "$W/d__$t/ds=$D"/part-*.mcr.zst)
	local_rows $t $f >"$T/got"
	expect_ok "$t: --emit-sql --dialect=sqlite --ds=$D across the key change(s)" \
		mc-merge --warehouse="$W" --table=d__$t --ds=$D --emit-sql --dialect=sqlite
	cp "$T/out" "$T/$t.sql"
	expect_grep "$t: a step by the old key" 'ROW_NUMBER\(\) OVER \(PARTITION BY _k0 ORDER BY' "$T/$t.sql"
	sqlite3 "$T/$t.db" <"$T/$t.sql" 2>"$T/err" || fail "$t: sqlite3 runs it" "$(cat "$T/err")"
	sq_rows "$T/$t.db" "SELECT $(tcols $t $f), _pos_file, _pos_off, _pos_row FROM \"d__$t\" WHERE ds = '$D'" >"$T/sq"
	expect_same "$t: the emitted SQL gives the local merge's rows and positions" "$T/got" "$T/sq"
	expect_eq "$t: ... which are the source's" \
		"$(cut -d, -f2- "$T/sq" | sort)" "$(sql "SELECT * FROM d.$t" | tr '\t' , | sort)"
done
expect_eq "k2: two steps, one in the other" "$(grep -c 'PARTITION BY _k0 ORDER BY' "$T/k2.sql")" 2
expect_ok "k2: --emit-sql for MaxCompute" mc-merge --warehouse="$W" --table=d__k2 --ds=$D --emit-sql
expect_grep "k2: MaxCompute: the step's names are its own" 'PARTITION BY mc_k0 ORDER BY mc_pos_file DESC' "$T/out"
if grep -q '[^a-z]_k0\|[^a-z]_rank\|[^a-z]_pos_file' "$T/out"; then
	fail "k2: MaxCompute: no name starts with '_'" "$(grep -o '.\{20\}[^a-z]_[a-z0-9_]*' "$T/out" | head -3)"
else
	ok "k2: MaxCompute: no name starts with '_'"
fi
