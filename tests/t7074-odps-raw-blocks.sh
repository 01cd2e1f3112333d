#!/bin/sh
# The local MaxCompute server with its C decoder stores a PUT block as
# received (tests/odps-server/committed.py: a header line, then the body
# still compressed) once bd_check has checked every CRC and every record
# against the table's schema at the PUT, and decodes its rows at the table's
# first read: a load by mc-tunnel-put (--threads=4 --compress=zstd, small
# blocks) leaves block files holding the zstd frames the client sent, and
# the first SQL read gives the rows of the local warehouse; a block with a
# bad record CRC, or a value its column cannot hold, is still refused at the
# PUT (400, the decoder's code and message), nothing stored; the same rows
# read back from the files by tests/lib.sh's sqlite3 (committed.py alone,
# without the server).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3
[ -f "$BIN/tools/odps-blockdec.so" ] || { fail "the C block decoder" "not built (make)"; exit 1; }

odps_start srv || exit 1
BL=$T/srv/p1.blocks
CLI="python3 $TOP/tests/odps-server/client.py --endpoint=$ODPS_ENDPOINT --credentials=$ODPS_CONF --project=p1"
sql() { $CLI sql "$1" 2>"$T/sql.err" | sed 1d; }

"$BIN/tools/mcgen" sysbench 3000 >"$T/snap.mcr" || { fail "mcgen" "failed"; exit 1; }
expect_ok "the local warehouse" mc-tunnel-put --dest="$T/wh" "$T/snap.mcr"
mc-cat --to=csv --table=sbtest.sbtest1 "$T"/wh/sbtest__sbtest1/*/part-*.mcr.zst | sed 1d |
	cut -d, -f1,2 | sort -n >"$T/want"
expect_ok "a load on 4 connections, zstd, blocks of 64 KiB" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st" \
	--name=sbtest.sbtest1=t1 --threads=4 --compress=zstd --block-size=64K "$T/snap.mcr"

# each block file of the rows: the header line, then the body as sent (zstd frames)
cat >"$T/files.py" <<'PY'
import json, os, sys
d = sys.argv[1]
n = frames = 0
for f in sorted(os.listdir(d)):
    b = open(os.path.join(d, f), "rb").read()
    if not b.startswith(b"MCSYNC-TUNNEL-BLOCK 1\n"):
        print("not a raw block file:", f, b[:16])
        continue
    nl = b.index(b"\n", 22)
    h = json.loads(b[22:nl])
    if not h["schema"].startswith("id "):
        continue    # the state mirror's row (mcsync's own table)
    n += 1
    frames += h["enc"] == "zstd" and b[nl + 1:nl + 5] == b"\x28\xb5\x2f\xfd"
print(n, frames)
PY
python3 "$T/files.py" "$BL" >"$T/files"
expect_grep "several blocks, each stored as its zstd body" '^([2-9]|[1-9][0-9]+) \1$' "$T/files"
expect_eq "no row in the table before its first read" \
	"$(command sqlite3 "$T/srv/p1.db" 'SELECT count(*) FROM t1')" 0
sql "SELECT id, k FROM t1" | sort -n >"$T/got"
expect_same "the first read decodes the stored blocks: the local warehouse's rows" "$T/want" "$T/got"
expect_eq "their files are gone once read" "$(python3 "$T/files.py" "$BL")" "0 0"

# a second load, read by committed.py alone (tests/lib.sh's sqlite3)
expect_ok "a second load" mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" \
	--state="$T/st2" --name=sbtest.sbtest1=t2 --threads=4 --compress=zstd --block-size=64K "$T/snap.mcr"
sqlite3 "$T/srv/p1.db" 'SELECT id, k FROM t2' | tr '|' , | sort -n >"$T/got2"
expect_same "committed.py decodes them without the server" "$T/want" "$T/got2"

# --compress=none: the blocks go up with no Content-Encoding, stored as sent
expect_ok "a load with --compress=none" mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" \
	--state="$T/st3" --name=sbtest.sbtest1=t3 --threads=4 --compress=none --block-size=64K "$T/snap.mcr"
cat >"$T/plain.py" <<'PY'
import json, os, sys
d = sys.argv[1]
n = 0
for f in sorted(os.listdir(d)):
    b = open(os.path.join(d, f), "rb").read()
    nl = b.index(b"\n", 22)
    h = json.loads(b[22:nl])
    # a record stream begins with its first field's tag (field 1, varint: 0x08)
    n += h["schema"].startswith("id ") and h["enc"] is None and b[nl + 1:nl + 2] == b"\x08"
print(n)
PY
expect_eq "... several blocks, each a plain record stream" \
	"$([ "$(python3 "$T/plain.py" "$BL")" -ge 2 ] && echo yes || python3 "$T/plain.py" "$BL")" yes
sql "SELECT id, k FROM t3" | sort -n >"$T/got3"
expect_same "... the rows read back are the local warehouse's" "$T/want" "$T/got3"

# still refused at the PUT: a bad record CRC, a value out of its column's range
cat >"$T/bad.py" <<'PY'
import sys, zlib
sys.path.insert(0, sys.argv[1])
import recstream
good = recstream.encode([("BIGINT",), ("STRING",)], [[1, "a"], [2, "b"]])
i = good.index(b"\x80\xc0\xff\x7f") + 4    # the first record's CRC
crc = bytearray(good)
crc[i] ^= 1
open(sys.argv[2] + "/crc", "wb").write(bytes(crc))
open(sys.argv[2] + "/range", "wb").write(recstream.encode([("BIGINT",), ("STRING",)], [[1 << 40, "a"]]))
PY
python3 "$T/bad.py" "$TOP/tests/odps-server" "$T"
expect_ok "a table" $CLI sql 'CREATE TABLE b (id INT, v STRING)'
SID=$($CLI create b 2>"$T/cli.err")
for enc in deflate zstd; do
	expect_code 1 "$enc: a record CRC that does not match: refused at the PUT" \
		$CLI put b "$SID" 0 "$T/crc" enc=$enc
	expect_grep "$enc: ... 400 CorruptedDataStream, the decoder's message" \
		'"CorruptedDataStream", "Message": "block 0: record 1, byte offset [0-9]+: record checksum' "$T/err"
	expect_code 1 "$enc: a BIGINT value in an INT column: refused at the PUT" \
		$CLI put b "$SID" 0 "$T/range" enc=$enc
	expect_grep "$enc: ... 400 MalformedDataStream" '"MalformedDataStream", "Message": "block 0: record 1, .*out of range for INT' "$T/err"
done
expect_eq "nothing stored of them" "$(ls "$BL" | grep -c "^$SID\.")" 0
