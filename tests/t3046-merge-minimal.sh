#!/bin/sh
# mc-merge and MINIMAL row images: a merged row carries every column's
# value. Partial images that lose their key (to a later full image, or to a
# delete) merge exactly; one that wins its key stops the merge (exit 1,
# naming table, key, position and column) on every output path, and nothing
# with an absent value is written (it was: mc-cat rejected the snapshot row).
. "$(dirname "$0")/lib.sh"

S='{"kind":"schema","db":"shop","table":"m","version":1,"pos":[3,4,0],"time":1763683200,"flags":0,"columns":[{"name":"id","mysql_type":"bigint","mc_type":"BIGINT","nullable":false,"flags":4},{"name":"a","mysql_type":"bigint","mc_type":"BIGINT","nullable":true,"flags":0},{"name":"b","mysql_type":"varchar(10)","mc_type":"STRING","nullable":true,"flags":0}],"key":[0]}'
A='{"absent":true}'
row() { # op pos_off time before after
	printf '{"kind":"row","op":"%s","db":"shop","table":"m","version":1,"pos":[3,%s,0],"time":%s,"before":%s,"after":%s}\n' "$@"
}
{
	echo '{"mcr":1,"meta":{"writer":"t3046"}}'
	echo "$S"
	row snapshot 4 1763683200 null '[1,10,"x1"]'
	row snapshot 4 1763683200 null '[2,20,"x2"]'
	row snapshot 4 1763683200 null '[3,30,"x3"]'
	echo '{"kind":"mark","mark":"snapshot_end","pos":[3,4,0],"time":1763683200,"db":"shop","table":"m","label":""}'
	echo '{"kind":"trailer","count":5,"crc32c":0}'
} >"$T/s.jsonl"
# day 2 (2025-11-22): key 1 updated with a MINIMAL image (a absent), then
# with a full one; key 3 deleted with a MINIMAL before image; key 4 inserted
log() { # the rows of day 2, then a heartbeat of day 3
	echo '{"mcr":1,"meta":{"writer":"t3046"}}'
	echo "$S"
	row update 100 1763780000 "[1,$A,$A]" "[1,$A,\"y1\"]"
	row update 200 1763780001 "[1,$A,$A]" '[1,11,"z1"]'
	row delete 300 1763780002 "[3,$A,$A]" null
	row insert 400 1763780003 null '[4,40,"x4"]'
	echo "$1"
	echo '{"kind":"mark","mark":"heartbeat","pos":[3,600,0],"time":1763866000,"db":"","table":"","label":""}'
	echo '{"kind":"trailer","count":7,"crc32c":0}'
}
log '{"kind":"mark","mark":"txn_end","pos":[3,500,0],"time":1763780004,"db":"","table":"","label":""}' >"$T/l.jsonl"
# the same, but the day ends with a MINIMAL update of key 2 (b absent)
log "$(row update 500 1763780004 "[2,$A,$A]" "[2,21,$A]")" >"$T/l2.jsonl"
for f in s l l2; do
	mc-cat --to=mcr "$T/$f.jsonl" >"$T/$f.mcr" || { fail "mc-cat $f" "failed"; exit 1; }
done
W=$T/w W2=$T/w2
expect_ok "load the snapshot and the log" mc-tunnel-put --dest="$W" "$T/s.mcr" "$T/l.mcr"
expect_ok "and the log whose last change is MINIMAL" mc-tunnel-put --dest="$W2" "$T/s.mcr" "$T/l2.mcr"
csv() { mc-cat --to=csv --table=shop.m "$@"; }

# --- partial images that lose their key merge exactly ---
printf 'id,a,b\n1,11,z1\n2,20,x2\n4,40,x4\n' >"$T/want"
expect_ok "merge day 2" mc-merge --warehouse="$W" --table=shop__m --ds=20251122
expect_ok "the partition reads back (mc-cat)" csv "$W"/shop__m/ds=20251122/part-*
expect_same "and is the source's state, row by row" "$T/want" "$T/out"
expect_ok "--at after the full image --output" mc-merge --warehouse="$W" --table=shop__m --at=3:250:0 --output="$T/at.mcr"
expect_ok "reads back" csv "$T/at.mcr"
printf 'id,a,b\n1,11,z1\n2,20,x2\n3,30,x3\n' >"$T/want2"
expect_same "the state at 3:250:0" "$T/want2" "$T/out"

# --- a partial image that wins its key: refused everywhere ---
msg="table 'shop__m': key \\(1\\): the change at position 3:100:0 wins the key with column 'a' absent from its row image \\(binlog_row_image=MINIMAL or NOBLOB\\)"
expect_code 1 "--at where a MINIMAL update wins --output exits 1" \
	mc-merge --warehouse="$W" --table=shop__m --at=3:150:0 --output="$T/bad.mcr"
expect_grep "naming table, key, position and column" "$msg" "$T/err"
[ ! -e "$T/bad.mcr" ] && ok "and writes no file" || fail "and writes no file" "$T/bad.mcr is there"
expect_code 1 "--at ... --output=- exits 1" mc-merge --warehouse="$W" --table=shop__m --at=3:150:0 --output=-
expect_grep "... with the message" "$msg" "$T/err"
expect_code 0 "... and what it wrote holds no absent value" sh -c "! grep -q absent \"\$1\"" - "$T/out"
tree "$W2" >"$T/t0"
expect_code 1 "a day whose last change of a key is MINIMAL exits 1" \
	mc-merge --warehouse="$W2" --table=shop__m --ds=20251122
expect_grep "naming key 2, position 3:500:0 and column b" \
	"table 'shop__m': key \\(2\\): the change at position 3:500:0 wins the key with column 'b' absent" "$T/err"
tree "$W2" >"$T/t1"
expect_same "and writes no partition" "$T/t0" "$T/t1"

# --- the report: mcgen's corpus (key 42 updated by a MINIMAL image) ---
"$BIN/tools/mcgen" corpus >"$T/c.mcr" || { fail "mcgen corpus" "failed"; exit 1; }
expect_ok "load the corpus" mc-tunnel-put --dest="$T/c" "$T/c.mcr"
expect_code 1 "its state --at --output exits 1" \
	mc-merge --warehouse="$T/c" --table=shop__every_type --at='2025-11-23 00:00:00' --output="$T/c.out"
expect_grep "naming key 42 at 3:1200:2, column i" \
	"table 'shop__every_type': key \\(42\\): the change at position 3:1200:2 wins the key with column 'i' absent" "$T/err"
[ ! -e "$T/c.out" ] && ok "and writes no file" || fail "and writes no file" "$T/c.out is there"
