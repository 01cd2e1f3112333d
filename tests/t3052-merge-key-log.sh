#!/bin/sh
# A key declared with mc-merge --key (the table has none) is checked over
# the log too, not only in the base: a change that makes a second row live
# with one key value stops the merge (exit 1, nothing written) naming the
# table, the key, the value and the positions, instead of keeping one row
# per key with exit 0 (docs/mc-merge.md "--key"). What is not a second row
# merges: a DELETE then an INSERT of one key (in one transaction too), an
# INSERT below the watermark of the snapshot row it is already in, an
# UPDATE that moves a row to a free key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t3052-merge-key.lib"

# --- the trial: rows (1,1) (2,5) (7,7) snapshot, (1,3) (7,8) inserted ---
{ snap 10 1,1; snap 10 2,5; snap 10 7,7; } >"$T/tr.snap"
{ chg insert 100 2 - 1,3; txn 110 2
  chg insert 200 2 - 7,8; txn 210 2; } >"$T/tr.log"
load tr
ledger tr >"$T/tr.ledger0"
expect_code 1 "an INSERT of a key the snapshot holds live exits 1" \
	mc-merge --warehouse="$T/tr" --table=shop__t --ds=20251122 --key=a
expect_grep "... naming the table, the key, the value, both positions and what to do" \
	"^mc-merge: table 'shop__t': the key \(a\) is not unique: the change at position 2:100:0 makes a second row with \(1\) beside the row at 2:10:0 of the base partition 'ds=20251121' \(the merge would keep one\); give --key columns that are unique together$" "$T/err"
[ "$(grep -c '^mc-merge: table' "$T/err")" = 1 ] && ok "... in one line" || fail "one line" "$(cat "$T/err")"
[ ! -e "$T/tr/shop__t/ds=20251122" ] && ok "... and writes no partition" || fail "no partition" "ds=20251122 exists"
ledger tr >"$T/tr.ledger1"
expect_same "... nor changes the ledger" "$T/tr.ledger0" "$T/tr.ledger1"
[ -z "$(find "$T/tr" -name '.tmp-*')" ] && ok "... and leaves no temporaries" || fail "temporaries" "$(find "$T/tr" -name '.tmp-*')"
expect_code 1 "... also with --output=- (the base sorted, the check before any output)" \
	sh -c 'mc-merge --warehouse="$1" --table=shop__t --at=2:300:0 --key=a --output=- >"$2"' - "$T/tr" "$T/o.mcr"
expect_grep "... the same message" "the change at position 2:100:0 makes a second row with \(1\)" "$T/err"
[ ! -s "$T/o.mcr" ] && ok "... and writes nothing to standard output" || fail "no output" "$(wc -c <"$T/o.mcr") bytes"
expect_code 1 "... also with --memory=1M and --output=FILE" \
	mc-merge --warehouse="$T/tr" --table=shop__t --at=2:300:0 --key=a --memory=1M --output="$T/o2.mcr"
[ ! -e "$T/o2.mcr" ] && ok "... and leaves no --output file" || fail "no --output file" "o2.mcr exists"
expect_code 1 "... also --emit-sql (the check made on the warehouse's files)" \
	mc-merge --warehouse="$T/tr" --table=shop__t --ds=20251122 --key=a --emit-sql
expect_grep "... the same message" "the change at position 2:100:0 makes a second row with \(1\)" "$T/err"
expect_ok "--emit-sql --key=a,b (unique) emits" \
	mc-merge --warehouse="$T/tr" --table=shop__t --ds=20251122 --key=a,b --emit-sql
expect_ok "--key=a,b (unique) merges" mc-merge --warehouse="$T/tr" --table=shop__t --ds=20251122 --key=a,b
rows "$(part tr 20251122)" >"$T/tr.csv"
printf '1,1\n1,3\n2,5\n7,7\n7,8\n' >"$T/tr.want"
expect_same "... keeping all 5 rows" "$T/tr.want" "$T/tr.csv"

# --- DELETE then INSERT of one key (also in one transaction), an UPDATE
# within a key; day 3: an INSERT of a key the merged partition holds ---
{ snap 10 1,1; snap 10 2,5; snap 10 3,3; } >"$T/di.snap"
{ chg delete 100 2 2,5 -; txn 110 2; chg insert 200 2 - 2,6; txn 210 2
  chg delete 300 2 3,3 -; chg insert 301 2 - 3,4; chg update 302 2 3,4 3,9; txn 310 2
  chg update 400 2 1,1 1,2; txn 410 2
  chg insert 500 3 - 3,7; txn 510 3; } >"$T/di.log"
load di
expect_ok "DELETE then INSERT of one key, and an UPDATE within a key, merge" \
	mc-merge --warehouse="$T/di" --table=shop__t --ds=20251122 --key=a
expect_ok "... also --emit-sql" \
	mc-merge --warehouse="$T/di" --table=shop__t --ds=20251122 --key=a --emit-sql --dialect=sqlite
rows "$(part di 20251122)" >"$T/di.csv"
printf '1,2\n2,6\n3,9\n' >"$T/di.want"
expect_same "... to the source's rows" "$T/di.want" "$T/di.csv"
expect_code 1 "the next day: an INSERT of a key the merged partition holds exits 1" \
	mc-merge --warehouse="$T/di" --table=shop__t --ds=20251123 --key=a
expect_grep "... naming the merged partition's row" \
	"the change at position 2:500:0 makes a second row with \(3\) beside the row at 2:302:0 of the base partition 'ds=20251122'" "$T/err"
[ ! -e "$T/di/shop__t/ds=20251123" ] && ok "... and writes no partition" || fail "no partition" "ds=20251123 exists"

# --- snapshot overlap: chunks read at 2:100 and 2:500, the log from 2:100;
# the INSERT of (5,5) at 2:300 is in the row read at 2:500 already ---
{ snap 100 1,1; snap 500 5,5; snap 500 6,6; } >"$T/ov.snap"
{ chg insert 300 2 - 5,5; txn 310 2; chg insert 600 2 - 8,8; txn 610 2; } >"$T/ov.log"
load ov
expect_ok "an INSERT below the watermark of the snapshot row holding it merges" \
	mc-merge --warehouse="$T/ov" --table=shop__t --ds=20251122 --key=a
rows "$(part ov 20251122)" >"$T/ov.csv"
printf '1,1\n5,5\n6,6\n8,8\n' >"$T/ov.want"
expect_same "... with one row (5,5)" "$T/ov.want" "$T/ov.csv"
expect_ok "... also sorted (--output=-)" \
	sh -c 'mc-merge --warehouse="$1" --table=shop__t --at=2:700:0 --key=a --output=- >"$2"' - "$T/ov" "$T/ov.mcr"
rows "$T/ov.mcr" >"$T/ov2.csv"
expect_same "... the same rows" "$T/ov.want" "$T/ov2.csv"
{ snap 100 1,1; snap 500 5,5; } >"$T/ov3.snap"
{ chg insert 600 2 - 5,9; txn 610 2; } >"$T/ov3.log"
load ov3
expect_code 1 "an INSERT above that watermark exits 1" \
	mc-merge --warehouse="$T/ov3" --table=shop__t --ds=20251122 --key=a
expect_grep "... naming both" "the change at position 2:600:0 makes a second row with \(5\) beside the row at 2:500:0" "$T/err"

# --- an UPDATE that changes the key: onto a free key merges, onto a live
# one exits 1; two INSERTs of one new key exit 1 ---
{ snap 10 1,1; snap 10 2,5; } >"$T/up.snap"
{ chg update 100 2 2,5 3,5; txn 110 2; chg insert 200 2 - 2,7; txn 210 2
  chg update 300 2 3,5 4,5; chg insert 301 2 - 3,1; txn 310 2; } >"$T/up.log"
load up
expect_ok "UPDATEs moving rows to free keys, their old keys inserted again, merge" \
	mc-merge --warehouse="$T/up" --table=shop__t --ds=20251122 --key=a
rows "$(part up 20251122)" >"$T/up.csv"
printf '1,1\n2,7\n3,1\n4,5\n' >"$T/up.want"
expect_same "... to the source's rows" "$T/up.want" "$T/up.csv"
{ snap 10 1,1; snap 10 2,5; } >"$T/uq.snap"
{ chg update 100 2 1,1 2,1; txn 110 2; } >"$T/uq.log"
load uq
expect_code 1 "an UPDATE moving a row onto a live key exits 1" \
	mc-merge --warehouse="$T/uq" --table=shop__t --ds=20251122 --key=a
expect_grep "... naming the UPDATE and the snapshot row" \
	"the change at position 2:100:0 makes a second row with \(2\) beside the row at 2:10:0" "$T/err"
{ snap 10 1,1; } >"$T/ii.snap"
{ chg insert 100 2 - 9,1; txn 110 2; chg insert 200 2 - 9,2; txn 210 2; } >"$T/ii.log"
load ii
expect_code 1 "two INSERTs of one key the base does not hold exit 1" \
	mc-merge --warehouse="$T/ii" --table=shop__t --ds=20251122 --key=a
expect_grep "... naming both changes" \
	"the change at position 2:200:0 makes a second row with \(9\) beside the one of the change at 2:100:0" "$T/err"

# --- a TRUNCATE empties the table: the rows inserted after it are not
# second rows of the base's ---
{ snap 10 1,1; snap 10 2,5; } >"$T/tt.snap"
{ chg insert 50 2 - 3,3; txn 60 2
  echo '{"kind":"ddl","db":"shop","table":"t","pos":[2,100,0],"time":'"$D2"',"sql":"TRUNCATE TABLE t","effect":"truncate"}'
  chg insert 200 2 - 1,9; txn 210 2; chg insert 300 2 - 3,4; txn 310 2; } >"$T/tt.log"
load tt
expect_ok "INSERTs of the base's keys after a TRUNCATE merge" \
	mc-merge --warehouse="$T/tt" --table=shop__t --ds=20251122 --key=a
rows "$(part tt 20251122)" >"$T/tt.csv"
printf '1,9\n3,4\n' >"$T/tt.want"
expect_same "... to the rows after it" "$T/tt.want" "$T/tt.csv"

# --- many keys, spilled: 30000 rows, 30000 INSERTs, one of a key inserted
# before (the check's runs merged in passes) ---
awk 'BEGIN { for (i = 1; i <= 30000; i++) printf "{\"kind\":\"row\",\"op\":\"snapshot\",\"db\":\"shop\",\"table\":\"t\",\"version\":1,\"pos\":[2,10,0],\"time\":1763683200,\"before\":null,\"after\":[%d,%d]}\n", i * 2, i }' >"$T/big.snap"
awk -v t=$D2 'BEGIN { for (i = 1; i <= 30000; i++) printf "{\"kind\":\"row\",\"op\":\"insert\",\"db\":\"shop\",\"table\":\"t\",\"version\":1,\"pos\":[2,%d,0],\"time\":%d,\"before\":null,\"after\":[%d,%d]}\n", 100 + i, t, (i == 29999 ? 3 : i * 2 + 1), i }' >"$T/big.log"
txn 40000 2 >>"$T/big.log"
load big
expect_code 1 "30000 rows and changes, --memory=1M: the INSERT of a key inserted before exits 1" \
	mc-merge --warehouse="$T/big" --table=shop__t --ds=20251122 --key=a --memory=1M -v
expect_grep "... naming both changes" \
	"the change at position 2:30099:0 makes a second row with \(3\) beside the one of the change at 2:101:0" "$T/err"
[ ! -e "$T/big/shop__t/ds=20251122" ] && ok "... and writes no partition" || fail "no partition" "exists"
expect_ok "... with --key=a,b (unique) merges" \
	mc-merge --warehouse="$T/big" --table=shop__t --ds=20251122 --key=a,b --memory=1M
[ "$(rows "$(part big 20251122)" | wc -l)" = 60000 ] && ok "... all 60000 rows" || fail "60000 rows" "$(rows "$(part big 20251122)" | wc -l)"
