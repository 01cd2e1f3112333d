#!/bin/sh
# mc-binlog-tail packs the rows of a table whose every column has a plan
# (integers, pass-through text and bytes, latin1 text that is ASCII,
# DECIMAL and temporals) in one pass (bl_pack_row_fast), and gives a row
# back to the long way where the plan does not hold (latin1 text that is
# not ASCII, NULLs are packed in place). On a binlog written here with rows
# that take each branch (every integer width and sign, text of 0 to 299
# bytes across the msgpack header sizes, NULLs, non-ASCII latin1, UPDATE
# and DELETE images, a table with an ENUM beside), the packed bytes are
# those of bl_row_next and rec_encode_decoded (the fuzz target's replay
# holds every row to it), the records hold the server's values, and a
# rows event with a wrong CRC32 ends the run (exit 1, its offset named)
# with no record of its transaction written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE d.t (id INT PRIMARY KEY, u BIGINT UNSIGNED, s SMALLINT, m MEDIUMINT,
  ti TINYINT, c CHAR(20) CHARACTER SET latin1, v VARCHAR(300) CHARACTER SET latin1,
  w VARCHAR(40) CHARACTER SET utf8mb4, b VARBINARY(300), dc DECIMAL(12,3),
  dt DATETIME(6), ts TIMESTAMP(3) NULL, dd DATE, tx TEXT CHARACTER SET latin1);
CREATE TABLE d.e (id INT PRIMARY KEY, k ENUM('a','b'), c CHAR(5));
SET time_zone = '+00:00';
INSERT INTO d.t SELECT seq,
  IF(seq % 7 = 0, 18446744073709551615, seq * 1000003),
  (seq * 37) % 65536 - 32768, -((seq * 101) % 8388608), seq % 256 - 128,
  IF(seq % 5 = 0, NULL, IF(seq % 11 = 0, CONCAT(_latin1 x'e9', seq), CONCAT('c', seq))),
  REPEAT(CHAR(65 + seq % 26), seq % 300), CONCAT(_utf8mb4 x'c3bc', seq),
  UNHEX(REPEAT('FF00', seq % 150)), (seq - 1500) * 1.125,
  TIMESTAMPADD(MICROSECOND, seq * 123457, '2024-02-29 23:59:58'),
  IF(seq % 3 = 0, NULL, FROM_UNIXTIME(1700000000 + seq + 0.125)),
  '1000-01-01' + INTERVAL seq DAY, IF(seq % 13 = 0, NULL, REPEAT('t', seq % 40))
  FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_3000) q;
INSERT INTO d.e SELECT seq, IF(seq % 2, 'a', 'b'), 'x' FROM seq_1_to_50;
UPDATE d.t SET v = CONCAT(v, 'x'), c = _latin1 x'e9' WHERE id % 4 = 0;
DELETE FROM d.t WHERE id % 9 = 0;
FLUSH BINARY LOGS" || fail "setup" "SQL failed"
F=$MDB_DIR/binlog/mysql-bin.000001
cp "$F" "$T/mysql-bin.000001"
F=$T/mysql-bin.000001

# the packed bytes: those of the long way, row by row
tail -c +5 "$F" >"$T/events"
expect_ok "the fuzz target's replay: packed rows are bl_row_next's bytes" \
	"$BIN/fuzz/fuzz_binlog-replay" "$T/events"

# the records: counts by op, and values the server wrote
mc-binlog-tail "$F" >"$T/all.mcr" 2>"$T/all.err"
expect_eq "the run ends well" "$?" 0
mc-cat "$T/all.mcr" >"$T/all.jsonl" 2>"$T/cat.err"
expect_eq "... and its stream reads back" "$?" 0
n() { grep -c "\"kind\":\"row\",\"op\":\"$1\",\"db\":\"d\",\"table\":\"$2\"" "$T/all.jsonl"; }
expect_eq "3000 inserts of d.t" "$(n insert t)" 3000
expect_eq "750 updates of d.t" "$(n update t)" 750
expect_eq "333 deletes of d.t" "$(n delete t)" 333
expect_eq "50 inserts of d.e (ENUM: the long way)" "$(n insert e)" 50
sql "SET time_zone = '+00:00'; SELECT id, u, s, m, ti, c, LENGTH(v), w, LENGTH(b), dc, dt, ts, dd
  FROM d.t WHERE id IN (1, 22, 33, 299, 2998)" >"$T/server.tsv"
python3 - "$T/all.jsonl" "$T/server.tsv" >"$T/cmp" 2>&1 <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1], encoding='utf-8'):
    r = json.loads(line)
    if r.get('kind') == 'row' and r.get('table') == 't' and r['op'] == 'insert':
        rows[r['after'][0]] = r['after']
want_ok = 0
for line in open(sys.argv[2], encoding='utf-8'):
    f = line.rstrip('\n').split('\t')
    a = rows[int(f[0])]
    got = [str(a[0]), str(a[1]), str(a[2]), str(a[3]), str(a[4]),
           'NULL' if a[5] is None else a[5], str(len(a[6])), a[7]]
    if got != f[:8]:
        print('id', f[0], 'differs:', got, f[:8])
        continue
    want_ok += 1
print('ok', want_ok)
PY
expect_grep "the inserted values (ints, latin1 ASCII and not, utf8, lengths) are the server's" \
	"^ok 5$" "$T/cmp"
expect_eq "... every compared row alike" "$(grep -c differs "$T/cmp")" 0

# a wrong CRC32 in the second rows event of the big INSERT
python3 - "$F" "$T/bad.000001" >"$T/badoff" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
off, seen = 4, 0
while off + 19 <= len(b):
    n = struct.unpack('<I', b[off + 9:off + 13])[0]
    if b[off + 4] in (23, 30):
        seen += 1
        if seen == 2:
            b[off + n // 2] ^= 0x40
            print(off)
            break
    off += n
open(sys.argv[2], 'wb').write(b)
PY
bad=$(cat "$T/badoff")
expect_code 1 "a rows event with a wrong CRC32: exit 1" mc-binlog-tail "$T/bad.000001"
expect_grep "... its offset and the mismatch named" "offset $bad: .*checksum mismatch" "$T/err"
mc-cat --to=jsonl <"$T/out" >"$T/bad.jsonl" 2>/dev/null
expect_eq "... no record of its transaction written" \
	"$(grep -c '"kind":"row","op":"insert","db":"d","table":"t"' "$T/bad.jsonl")" 0
