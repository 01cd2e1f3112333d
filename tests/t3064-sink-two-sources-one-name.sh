#!/bin/sh
# A warehouse table holds one source table. mc-transform's names rules
# may give two source tables one name (replace: '_' -> '' makes a.x_y and
# a.x__y 'axy'); in one run mc-transform refuses that (t6026), but a table
# created later, fed in a later run, or a second server's table was taken
# for the first: the sink keys a table by its db and table field, so its
# changes went into the first's log (its snapshot dropped as committed,
# or refused as a "new snapshot"), exit 0. mc-transform's schema records
# name the source table (src_table), the sink records the one each
# warehouse table holds (ledger key srctab.NAME) and refuses another,
# exit 1, naming both, before anything of the stream is kept: locally
# and into MaxCompute, a later table of the same server and a second
# server. Taken: the same table re-fed and its changes, the same stream
# again, names that stay apart, a second server through its own rules.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3
mdb_start
sql "CREATE DATABASE a; CREATE TABLE a.x_y (id INT PRIMARY KEY, v INT);
INSERT INTO a.x_y VALUES (1,1),(2,2);" || { fail "setup" "sql"; exit 1; }
rules() { # FILE FROM TO: select a.x_y and a.x__y, the names' FROM replaced by TO
	printf 'select:\n  include:\n    - {db: a, table: "/x_+y/"}\nnames:\n  replace:\n    - {from: "%s", to: "%s"}\n' "$2" "$3" >"$1"
}
rules "$T/r.yaml" _ ""
tf() { # IN OUT [RULES]
	mc-transform --rules="${3:-$T/r.yaml}" "$1" >"$2" 2>"$T/err" ||
		{ fail "setup" "mc-transform: $(cat "$T/err")"; exit 1; }
}
mc-snapshot $MDB_ARGS --databases=a >"$T/s1.mcr" 2>"$T/err" || { fail "setup" "snapshot 1"; exit 1; }
tf "$T/s1.mcr" "$T/s1t.mcr"
expect_grep "mc-transform's schema record names the source table" '"table":"axy".*"src_table":"x_y"' \
	"$(mc-cat "$T/s1t.mcr" >"$T/s1t.jsonl"; echo "$T/s1t.jsonl")"
mc-cat --to=mcr "$T/s1t.jsonl" >"$T/s1t.back.mcr" 2>"$T/err"
expect_same "... kept from mcr to JSON lines and back, byte for byte" "$T/s1t.mcr" "$T/s1t.back.mcr"

# later: a.x__y is created, its rows written; a.x_y changes too
sql "INSERT INTO a.x_y VALUES (5,5); CREATE TABLE a.x__y (id INT PRIMARY KEY, v INT);
INSERT INTO a.x__y VALUES (2,20),(3,30);" || { fail "setup" "sql"; exit 1; }
mc-snapshot $MDB_ARGS --databases=a --tables='^a[.]x__y$' >"$T/s2.mcr" 2>"$T/err" ||
	{ fail "setup" "snapshot 2: $(cat "$T/err")"; exit 1; }
tf "$T/s2.mcr" "$T/s2t.mcr"
sql "INSERT INTO a.x__y VALUES (4,40);" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/s1.mcr" "$T/c.mcr"
only "$T/c.mcr" x_y >"$T/c1.mcr" && only "$T/c.mcr" x__y >"$T/c2.mcr" || { fail "setup" "only"; exit 1; }
tf "$T/c1.mcr" "$T/c1t.mcr"
tf "$T/c2.mcr" "$T/c2t.mcr"

A="'a\.axy' would be written as 'axy', which holds 'a\.x_y' of server_id [0-9]+ \(ledger key 'srctab\.axy'\): the two source tables' rows would mix in one table"
# the local warehouse
expect_ok "run 1: a.x_y as axy, its changes" mc-tunnel-put --dest="$T/w" "$T/s1t.mcr" "$T/c1t.mcr"
tree "$T/w" >"$T/before"
expect_code 1 "run 2: the changes of a.x__y (names rules: axy too)" mc-tunnel-put --dest="$T/w" "$T/c2t.mcr"
# its changes begin with its CREATE TABLE, refused there (t3077)
C="record [0-9]+: position [0-9:]+: 'CREATE TABLE a\.x__y [^']*' \(effect create\) of 'a\.x__y' of server_id [0-9]+ would be kept as a marker of 'axy', which holds 'a\.x_y' of server_id [0-9]+ \(ledger key 'srctab\.axy'\)"
expect_grep "... at its CREATE TABLE, naming both tables and the name" "c2t\.mcr': $C: the merge would take it for that table's .*names rule of mc-transform" "$T/err"
expect_code 1 "run 2: the snapshot of a.x__y" mc-tunnel-put --dest="$T/w" "$T/s2t.mcr"
expect_grep "... refused alike" "s2t\.mcr': record [0-9]+: 'a\.x__y' of server_id" "$T/err"
tree "$T/w" >"$T/after"
expect_same "... the warehouse unchanged" "$T/before" "$T/after"
expect_ok "the same streams again: taken (repeats)" mc-tunnel-put --dest="$T/w" "$T/s1t.mcr" "$T/c1t.mcr"
tree "$T/w" | grep -v _mcsync >"$T/after"
grep -v _mcsync "$T/before" >"$T/before.data"
expect_same "... no data file new" "$T/before.data" "$T/after"
expect_code 1 "... no srctab in the warehouse's files" sh -c \
	"find '$T/w' -name 'part-*' | xargs -n1 mc-cat | grep -q src_table"

cp -R "$T/w" "$T/wp"
expect_code 1 "... through a pipe" sh -c "mc-tunnel-put --dest='$T/wp' <'$T/c2t.mcr'"
expect_grep "... refused alike" "'\(stdin\)': $C" "$T/err"
expect_code 1 "... no row of a.x__y in axy's log" sh -c \
	"find '$T/wp/axy_log' -name 'part-*' | xargs -n1 mc-cat | grep -q '\"after\":\[[234],[234]0\]'"

# names that keep them apart: both loaded, each whole
rules "$T/apart.yaml" _ 0
tf "$T/s1.mcr" "$T/s1a.mcr" "$T/apart.yaml"
tf "$T/s2.mcr" "$T/s2a.mcr" "$T/apart.yaml"
tf "$T/c2.mcr" "$T/c2a.mcr" "$T/apart.yaml"
expect_ok "names that stay apart, across runs" mc-tunnel-put --dest="$T/w2" "$T/s1a.mcr"
expect_ok "... the second table later" mc-tunnel-put --dest="$T/w2" "$T/s2a.mcr" "$T/c2a.mcr"
expect_eq "... two tables" "$(ls "$T/w2" | grep -v _mcsync | tr '\n' ' ')" "a0x00y a0x00y_log a0x0y "

# a second server (its own server_id), its a.x__y through the same rules
for f in s2t c2t; do
	mc-cat "$T/$f.mcr" | sed '1s/"source_id":"[0-9]*"/"source_id":"424242"/' |
		mc-cat --to=mcr >"$T/$f.srv2.mcr"
done
tree "$T/w" >"$T/before"
expect_code 1 "a second server's table under the same name" mc-tunnel-put --dest="$T/w" "$T/s2t.srv2.mcr"
expect_grep "... naming both servers" "'a\.x__y' of server_id 424242 would be written as 'axy', which holds 'a\.x_y' of server_id [0-9]+" "$T/err"
tree "$T/w" >"$T/after"
expect_same "... the warehouse unchanged" "$T/before" "$T/after"
mc-cat "$T/s1.mcr" | sed '1s/"source_id":"[0-9]*"/"source_id":"424242"/' | mc-cat --to=mcr >"$T/s1.srv2.mcr"
expect_code 1 "a second server's a.x_y, not transformed, where the first's is" \
	mc-tunnel-put --dest="$T/w3" "$T/s1.mcr" "$T/s1.srv2.mcr"
expect_grep "... refused" "'a\.x_y' of server_id 424242 would be written as 'a__x_y', which holds 'a\.x_y' of server_id [0-9]+" "$T/err"
mc-cat "$T/s2.mcr" | sed '1s/"source_id":"[0-9]*"/"source_id":"424242"/' | mc-cat --to=mcr >"$T/s2.srv2.mcr"
tf "$T/s2.srv2.mcr" "$T/s2b.srv2.mcr" "$T/apart.yaml"
expect_ok "... through its own rules, apart: taken" mc-tunnel-put --dest="$T/w" "$T/s2b.srv2.mcr"

# MaxCompute (the local server): the same refusal, nothing made
odps_srv
put() { mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st" --retry-time=0.2 "$@"; }
tables() { sqlite3 "$T/srv/p1.db" "SELECT name FROM _odps_tables ORDER BY name" | tr '\n' ' '; }
rows() { $CLI sql "SELECT COUNT(*) FROM $1" 2>&1 | sed 1d; }
expect_ok "MaxCompute: run 1, a.x_y as axy and its changes" put "$T/s1t.mcr" "$T/c1t.mcr"
before=$(tables) logrows=$(rows axy_log)
expect_code 1 "MaxCompute: run 2, the changes of a.x__y" put "$T/c2t.mcr"
expect_grep "... naming both" "c2t\.mcr': $C" "$T/err"
expect_code 1 "MaxCompute: the snapshot of a.x__y" put "$T/s2t.mcr"
expect_code 1 "MaxCompute: a second server's a.x__y" put "$T/s2t.srv2.mcr"
expect_grep "... naming both servers" "'a\.x__y' of server_id 424242 would be written as 'axy'" "$T/err"
expect_eq "... no table made" "$(tables)" "$before"
expect_eq "... nothing written into axy's log" "$(rows axy_log)" "$logrows"
expect_ok "MaxCompute: the same streams again: taken" put "$T/s1t.mcr" "$T/c1t.mcr"
expect_eq "... nothing doubled" "$(rows axy_log)" "$logrows"
