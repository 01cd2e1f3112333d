#!/bin/sh
# MariaDB's INET6, UUID and INET4 are the same on both paths: their text
# as the server's SELECT prints it (a str, MaxCompute STRING; type text
# inet6/uuid/inet4). The binlog has 16 or 4 bytes in a BINARY column: the
# binlog path knows the type from the CREATE TABLE it followed or from
# --schema (the snapshot's records). Edge values: ::, all ones, IPv4-mapped
# and -compatible, runs of zero words of every length and place (a single
# zero word is "::" too), the nil and max UUIDs, and 300 random values.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

vals=$(python3 -c '
import random
r = random.Random(6014)
v = ["::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:1.2.3.4", "::1.2.3.4", "::1",
     "1::", "::ffff:0:0", "::2:3", "::1:0:0", "1:0:0:2::3", "1:0:2:0:3:0:4:0", "1:2:3:4:5:6:7:0",
     "0:1:2:3:4:5:6:7", "::fffe:1.2.3.4", "0:0:0:0:0:1:0:0", "abcd:ef01::1", "::ffff:ffff:ffff"]
for i in range(300):
    w = [r.choice([0, 0, 0, 1, 0xffff, r.randrange(65536)]) for _ in range(8)]
    v.append(":".join("%x" % x for x in w))
u = ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
     "6ccd780c-baba-1026-9564-5b8c656024db", "123e4567-e89b-42d3-a456-426614174000",
     "01890a5d-ac96-774b-bcce-b302099a8057", "12345678-1234-e678-cabc-def012345678"]
i4 = ["0.0.0.0", "255.255.255.255", "1.2.3.4", "10.0.0.1", "127.0.0.1"]
rows = []
for i, a in enumerate(v):
    uu = u[i] if i < len(u) else "%08x-%04x-%x%03x-%x%03x-%012x" % (r.getrandbits(32), r.getrandbits(16), r.choice([1, 4, 7]), r.getrandbits(12), r.choice([8, 9, 10, 11]), r.getrandbits(12), r.getrandbits(48))
    ii = i4[i] if i < len(i4) else "%d.%d.%d.%d" % tuple(r.randrange(256) for _ in range(4))
    rows.append("(%d,%r,%r,%r)" % (i + 1, a, uu, ii))
rows.append("(%d,NULL,NULL,NULL)" % (len(v) + 1))
print(",".join(rows))')
sql "CREATE DATABASE n;
CREATE TABLE n.t (id INT PRIMARY KEY, a INET6, u UUID, b INET4) ENGINE=InnoDB;
INSERT INTO n.t VALUES $vals;" || { fail "create the table" "sql failed"; exit 1; }
sql "SELECT id, HEX(CAST(a AS CHAR)), HEX(CAST(u AS CHAR)), HEX(CAST(b AS CHAR)) FROM n.t" \
	>"$T/server.tsv" || fail "the server's values" "sql failed"
expect_grep "the server's IPv4-mapped text" "^3	$(printf '::ffff:1.2.3.4' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)	" "$T/server.tsv"

expect_ok "mc-snapshot" mc-snapshot $MDB_ARGS --tables=n.t
cp "$T/out" "$T/snap.mcr"; mc-cat --to=jsonl "$T/snap.mcr" >"$T/snap.jsonl"
binlog=$(ls "$MDB_DIR"/binlog/mysql-bin.0* | tail -1)
expect_ok "mc-binlog-tail (the CREATE TABLE followed)" mc-binlog-tail --tables='n\.t' "$binlog"
mc-cat --to=jsonl "$T/out" >"$T/tail.jsonl"
expect_ok "the snapshot's values are the server's text" \
	python3 "$TOP/tests/valcmp.py" n.t "$T/server.tsv" "$T/snap.jsonl"
expect_ok "the binlog's values are the server's text (were 16/4 raw bytes)" \
	python3 "$TOP/tests/valcmp.py" n.t "$T/server.tsv" "$T/tail.jsonl"
expect_ok "the schema records are the same on both paths" \
	python3 "$TOP/tests/schemacmp.py" "$T/snap.jsonl" "$T/tail.jsonl"
expect_grep "inet6, uuid, inet4 in the binlog's schema (were binary(16), binary(4))" \
	'"name":"a","mysql_type":"inet6","mc_type":"STRING".*"name":"u","mysql_type":"uuid","mc_type":"STRING".*"name":"b","mysql_type":"inet4","mc_type":"STRING"' "$T/tail.jsonl"
expect_grep "the snapshot's are str (were bytes)" '"after":\[1,"::","00000000-0000-0000-0000-000000000000","0.0.0.0"\]' "$T/snap.jsonl"

# --schema: a tail that starts after the CREATE TABLE
pos=$(grep -o '"table":"t","version":1,"pos":\[[0-9]*,[0-9]*' "$T/snap.jsonl" | head -1 | sed 's/.*\[//')
sql "INSERT INTO n.t VALUES (1000, '::ffff:10.0.0.1', 'aaaaaaaa-bbbb-1ccc-8ddd-eeeeeeeeeeee', '192.168.0.1')"
expect_ok "mc-binlog-tail --schema from the snapshot, after the CREATE" \
	mc-binlog-tail --schema="$T/snap.mcr" --from="$binlog:${pos#*,}" --tables='n\.t' "$binlog"
mc-cat --to=jsonl "$T/out" >"$T/tail2.jsonl"
expect_grep "... gives the text" '"after":\[1000,"::ffff:10.0.0.1","aaaaaaaa-bbbb-1ccc-8ddd-eeeeeeeeeeee","192.168.0.1"\]' "$T/tail2.jsonl"
