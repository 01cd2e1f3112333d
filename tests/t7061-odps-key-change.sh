#!/bin/sh
# A change of the primary key with changes under the old key in the day,
# merged in MaxCompute (docs/merge.md "Schema changes", the change of the
# primary key; docs/maxcompute.md "Schema changes"): t3044's scenario (rows
# inserted, updated, the old key changed, deleted under the old key, two
# rows sharing a value of the new key until one goes; a second table with
# two key changes and the old key column dropped after) uploaded into the
# local MaxCompute server: the merge there goes in steps, as the local
# mc-merge does, and its partition equals the local merge row by row
# (positions too) and the source. Rows at the change that break the new
# key (loaded from elsewhere) stop the merge there (exit 1) naming the key
# change, as locally; base rows sharing a new key while one of them goes
# before the change are not refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
keychange_setup k3
keychange_days

odps_start srv --project=p1,p2 || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
D=20251121
put() { mc-tunnel-put $OD --retry-time=0.2 "$@"; }

expect_ok "the snapshot goes into the local warehouse" mc-tunnel-put --dest="$T/w" "$T/snap1.mcr"
expect_ok "the changes too" mc-tunnel-put --dest="$T/w" "$T/changes1.mcr"
expect_ok "the snapshot goes into MaxCompute" put --state="$T/s" "$T/snap1.mcr"
expect_ok "the changes across the key changes too" put --state="$T/s" "$T/changes1.mcr"

for t in k k2 k3; do
	case $t in
	k) c="id, u, v" ;; k2) c="u, w, v" ;; k3) c="id, u, v" ;;
	esac
	expect_ok "$t: the local merge of $D" mc-merge --warehouse="$T/w" --table=d__$t --ds=$D -v
	expect_ok "$t: the merge of $D in MaxCompute, across the key change(s) with changes under the old key" \
		mc-merge $OD --state="$T/s" --table=d__$t --ds=$D -v
	expect_grep "$t: said: in steps" "the key changes at [0-9:]+ with changes under the old key before it" "$T/err"
	same_part "$T/w" d__$t "$c" "$t" "$t: the partition in MaxCompute equals the local one, row by row, positions too"
	same_source "d.$t" "d__$t" "$c" "$t: and the source's rows"
done
expect_eq "k: u=10 survives its twin's delete under the old key (then became 11)" \
	"$(sqlite3 "$DB" "SELECT id, v FROM d__k WHERE ds = '$D' AND u = 11")" "6|dup of u"
mc-merge $OD --state="$T/s" --table=d__k2 --ds=$D -v 2>"$T/err2" >/dev/null
expect_eq "k2: two steps said" "$(grep -c 'the key changes at' "$T/err2")" 2

# rows that break the new key at the change (the server's ALTER would have
# refused them): refused in MaxCompute too, naming the change, as locally
OD2="--dest=odps://p2 --odps-config=$ODPS_CONF"
expect_ok "a snapshot goes into another project" mc-tunnel-put $OD2 --state="$T/s2" --retry-time=0.2 "$T/snap1.mcr"
expect_ok "... and a day with a row that breaks the new key" \
	mc-tunnel-put $OD2 --state="$T/s2" --retry-time=0.2 "$T/bad1.mcr"
expect_code 1 "the merge of that day in MaxCompute is refused" \
	mc-merge $OD2 --state="$T/s2" --table=d__k --ds=$D
expect_grep "... naming the change of the key and its statement" \
	"table 'd__k': the new key of the change of the key at [0-9:]+ \\('ALTER TABLE d.k DROP PRIMARY KEY, ADD PRIMARY KEY \\(u\\)'\\) is not unique over the rows there: 1 of its values" "$T/err"
expect_eq "... and writes no partition" \
	"$(sqlite3 "$T/srv/p2.db" "SELECT count(*) FROM d__k WHERE ds = '$D'")" 0
