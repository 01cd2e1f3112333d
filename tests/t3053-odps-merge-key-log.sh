#!/bin/sh
# The merge in MaxCompute (mc-merge --dest=odps://) of a table whose key is
# declared with --key: a query run before the INSERT OVERWRITE checks the
# key over the log as the local merge does (t3052): a change that makes a
# second row live with one key value exits 1 naming the table, the key,
# the value and the positions, and the day's partition is not written;
# DELETE + INSERT of one key, an INSERT below the snapshot row's watermark
# and a key-changing UPDATE onto a free key merge, equal to the local merge.
# Another log layout than mcsync: --key is refused (exit 2).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t3052-merge-key.lib"
need sqlite3

odps_start srv || exit 1
DB=$T/srv/p1.db
# put NAME [ARGS]: the streams of NAME into MaxCompute, as table NAME
put() {
	_n=$1
	shift
	streams "$_n"
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s.$_n" \
		--name=shop.t="$_n" --retry-time=0.2 "$@" "$T/$_n.s.mcr" "$T/$_n.l.mcr" 2>"$T/err" ||
		{ fail "mc-tunnel-put $_n" "$(cat "$T/err")"; exit 1; }
}
merge() { # NAME DAY|POINT ARGS...
	_n=$1 _d=--ds=$2
	case $2 in *:*) _d=--at=$2 ;; esac
	shift 2
	mc-merge --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s.$_n" --table="$_n" \
		"$_d" --retry-time=0.2 "$@"
}
got() { sqlite3 -csv "$DB" "SELECT a, b FROM $1 WHERE ds='$2'" | tr -d '"' | sort; }

# --- the trial: an INSERT of a key the snapshot holds ---
{ snap 10 1,1; snap 10 2,5; snap 10 7,7; } >"$T/tr.snap"
{ chg insert 100 2 - 1,3; txn 110 2; chg insert 200 2 - 7,8; txn 210 2; } >"$T/tr.log"
put tr
expect_code 1 "an INSERT of a key the snapshot holds live exits 1" merge tr 20251122 --key=a
expect_grep "... naming the table, the key, the value, both positions and what to do" \
	"^mc-merge: table 'tr': the key \(a\) is not unique: the change at position 2:100:0 makes a second row with \(1\) beside the row at 2:10:0 of the base partition 'ds=20251121' \(the merge would keep one\); give --key columns that are unique together$" "$T/err"
expect_eq "... and writes no partition" "$(sqlite3 "$DB" "SELECT count(*) FROM tr WHERE ds='20251122'")" 0
[ ! -e "$T/s.tr/merge.tr" ] || ! grep -q '^ds\.20251122' "$T/s.tr/merge.tr" &&
	ok "... nor records the day" || fail "no record" "$(cat "$T/s.tr/merge.tr")"
expect_ok "--key=a,b (unique) merges" merge tr 20251122 --key=a,b
got tr 20251122 >"$T/tr.got"
printf '1,1\n1,3\n2,5\n7,7\n7,8\n' >"$T/tr.want"
expect_same "... keeping all 5 rows" "$T/tr.want" "$T/tr.got"

# --- what is not a second row; day 3 over the merged partition ---
{ snap 10 1,1; snap 10 2,5; snap 10 3,3; } >"$T/di.snap"
{ chg delete 100 2 2,5 -; txn 110 2; chg insert 200 2 - 2,6; txn 210 2
  chg delete 300 2 3,3 -; chg insert 301 2 - 3,4; chg update 302 2 3,4 3,9; txn 310 2
  chg update 400 2 1,1 1,2; chg update 401 2 1,2 4,2; chg insert 402 2 - 1,7; txn 410 2
  chg insert 500 3 - 3,7; txn 510 3; } >"$T/di.log"
put di
expect_ok "DELETE + INSERT of one key, UPDATEs within a key and onto a free key merge" \
	merge di 20251122 --key=a
got di 20251122 >"$T/di.got"
printf '1,7\n2,6\n3,9\n4,2\n' >"$T/di.want"
expect_same "... to the source's rows" "$T/di.want" "$T/di.got"
expect_code 1 "the next day: an INSERT of a key the merged partition holds exits 1" \
	merge di 20251123 --key=a
expect_grep "... naming the merged partition's row" \
	"the change at position 2:500:0 makes a second row with \(3\) beside the row at 2:302:0 of the base partition 'ds=20251122'" "$T/err"
expect_eq "... and writes no partition" "$(sqlite3 "$DB" "SELECT count(*) FROM di WHERE ds='20251123'")" 0

# --- snapshot overlap: the INSERT of (5,5) at 2:300 is in the row read at 2:500 ---
{ snap 100 1,1; snap 500 5,5; snap 500 6,6; } >"$T/ov.snap"
{ chg insert 300 2 - 5,5; txn 310 2; chg insert 600 2 - 8,8; txn 610 2
  chg insert 700 2 - 8,9; txn 710 2; } >"$T/ov.log"
put ov
expect_ok "an INSERT below the watermark of the snapshot row holding it merges" \
	merge ov 2:650:0 --key=a --into=ov_at
sqlite3 -csv "$DB" "SELECT a, b FROM ov_at" | tr -d '"' | sort >"$T/ov.got"
printf '1,1\n5,5\n6,6\n8,8\n' >"$T/ov.want"
expect_same "... with one row (5,5) (--at --into)" "$T/ov.want" "$T/ov.got"
expect_code 1 "two INSERTs of one key the base does not hold exit 1" merge ov 20251122 --key=a
expect_grep "... naming both changes" \
	"the change at position 2:700:0 makes a second row with \(8\) beside the one of the change at 2:600:0" "$T/err"

# --- another log layout: refused ---
{ snap 10 1,1; } >"$T/ly.snap"
{ chg insert 100 2 - 2,2; txn 110 2; } >"$T/ly.log"
put ly --log-layout=dts
expect_code 2 "--key with the dts log layout exits 2" merge ly 20251122 --key=a
expect_grep "... saying why" "^mc-merge: --key: table 'ly' has no primary or unique key at the source, and the merge in MaxCompute checks .* in the mcsync log layout only \(this log is 'dts'\)" "$T/err"
