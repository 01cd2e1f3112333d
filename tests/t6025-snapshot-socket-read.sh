#!/bin/sh
# mc-snapshot reads the text protocol's rows from the connection's socket
# itself on a plain connection (Unix socket or TCP, no TLS, no
# compression: docs/mc-snapshot.md "Code"), and through the client
# library otherwise (TLS) or with MC_SNAP_SOCKET=library. Over rows of
# many sizes (so that packets are cut at every kind of place by the
# reads), NULLs, a row whose packet is exactly 0xffffff bytes (an empty
# packet follows it) and one of 0xffffff + 1 (joined from two packets),
# whole and in chunks that stop with rows left unread, every
# way gives the same stream byte for byte (the event time set to 0); the
# socket reads of small rows ask for more than the library's 16 KB. Over TCP an error
# packet amid the rows is the server's error, exit 1, and a killed
# connection a lost one, exit 3 (t6018 does both over the Unix socket).
. "$(dirname "$0")/lib.sh"

tls_ca ca
tls_server_cert
port=$(free_port)

. "$(dirname "$0")/mariadb.sh"
mdb_start --skip-networking=0 --bind-address=127.0.0.1 --port=$port --ssl-ca=$T/ca.pem \
	--ssl-cert=$T/server.pem --ssl-key=$T/server-key.pem --max-allowed-packet=64M
# a packet of exactly 0xffffff bytes: "1" (2 bytes) + 0xfd and 3 length
# bytes + 16777209 bytes
sql "CREATE USER rep@'%' IDENTIFIED BY 'pw'; GRANT ALL ON *.* TO rep@'%';
CREATE DATABASE d;
CREATE TABLE d.t (id INT PRIMARY KEY, s VARCHAR(100), b LONGBLOB) ENGINE=InnoDB;
INSERT INTO d.t SELECT seq, IF(seq % 7 = 0, NULL, CONCAT('row ', seq)),
  IF(seq % 11 = 0, NULL, REPEAT(CHAR(65 + seq % 26), (seq * 7919) % 6000))
  FROM d.seq_10_to_1500;
INSERT INTO d.t VALUES (1, NULL, REPEAT('a', 16777209)), (2, 'x', REPEAT('b', 70000)),
  (3, '', REPEAT('c', 16777210)), (5, 'e', '');
CREATE TABLE d.small (id INT PRIMARY KEY, v VARCHAR(100));
INSERT INTO d.small SELECT seq, REPEAT('s', seq % 100) FROM d.seq_1_to_20000;
ANALYZE TABLE d.t, d.small" >/dev/null ||
	{ fail "create the table" "sql failed"; exit 1; }
# (ANALYZE: the row estimate the planner cuts a dense key by is fixed
# from here on; InnoDB's background recount of a new table would move the
# chunks' bounds between two runs)
expect_eq "the row of id 1 is a packet of 0xffffff bytes" \
	"$(sql "SELECT LENGTH(b) + 2 + 4 FROM d.t WHERE id = 1")" 16777215

# norm NAME: the stream as JSON lines, every record's time 0 and the
# trailer's CRC (of the records, times included) 0
norm() {
	mc-cat --to=jsonl "$T/out" | sed 's/"time":[0-9]*/"time":0/; s/"crc32c":[0-9]*/"crc32c":0/' \
		>"$T/$1"
}
tcp="--host=127.0.0.1 --port=$port --user=rep"
for opts in "" "--chunk-rows=300 --threads=3" "--chunk-bytes=3000000"; do
	expect_ok "Unix socket, the library's read ($opts)" \
		env MC_SNAP_SOCKET=library mc-snapshot $MDB_ARGS --tables='d\.t' $opts
	norm lib
	expect_ok "Unix socket, read here ($opts)" mc-snapshot $MDB_ARGS --tables='d\.t' $opts
	norm unix
	expect_same "($opts) Unix socket: the same stream" "$T/unix" "$T/lib"
	# (the stream names its source: TCP's differs from the socket's)
	expect_ok "TCP, the library's read ($opts)" env MC_SNAP_SOCKET=library MYSQL_PWD=pw \
		mc-snapshot $tcp --ssl-mode=DISABLED --tables='d\.t' $opts
	norm tcplib
	expect_ok "TCP, read here ($opts)" env MYSQL_PWD=pw mc-snapshot $tcp --ssl-mode=DISABLED \
		--tables='d\.t' $opts
	norm tcp
	expect_same "($opts) TCP: the same stream" "$T/tcp" "$T/tcplib"
	[ -n "$opts" ] && continue
	expect_ok "TLS: the library's read ($opts)" env MYSQL_PWD=pw mc-snapshot $tcp \
		--ssl-mode=VERIFY_CA --ssl-ca="$T/ca.pem" --tables='d\.t' $opts
	norm tls
	expect_same "($opts) TLS: the same stream" "$T/tls" "$T/tcplib"
done
expect_eq "all the rows" "$(grep -c '"op":"snapshot"' "$T/tls")" 1495

# the socket's reads of rows under 2 KB (which the library reads 16 KB at a
# time) ask for more than 16 KB here, never there
reads() { # the largest recvfrom asked for in a run (MC_SNAP_SOCKET: $1)
	env MC_SNAP_SOCKET="$1" strace -f -e trace=recvfrom -o "$T/strace" \
		mc-snapshot $MDB_ARGS --tables='d\.small' >/dev/null 2>&1
	sed -n 's/.*recvfrom([0-9]*, .*, \([0-9][0-9]*\), MSG_DONTWAIT.*/\1/p' "$T/strace" |
		sort -n | tail -1
}
big=$(reads here)
expect_eq "small rows: reads here ask for more than 16 KB ($big bytes)" "$((big > 16384))" 1
big=$(reads library)
expect_eq "small rows: the library's ask for 16 KB ($big bytes)" "$big" 16384

# over TCP: an error packet amid the rows, a connection killed amid them
sql "CREATE DATABASE slow; CREATE TABLE slow.t (id INT PRIMARY KEY, v VARCHAR(1000));
INSERT INTO slow.t SELECT seq, REPEAT('x', 1000) FROM slow.seq_1_to_300;"
rows() { mc-cat "$T/out" 2>/dev/null | grep -c '"op":"snapshot"'; }
sql "SET GLOBAL max_statement_time=0.5"
expect_code 1 "TCP: an error packet amid the rows: exit 1" \
	env MYSQL_PWD=pw mc-snapshot $tcp --ssl-mode=DISABLED --tables='slow\.t' \
	--where='slow.t:SLEEP(0.01)=0'
sql "SET GLOBAL max_statement_time=0"
expect_grep "... the server's error" \
	"reading a chunk: Query execution was interrupted \(max_statement_time exceeded\) \(1969\)" \
	"$T/err"
expect_eq "... one line on stderr" "$(wc -l <"$T/err")" 1
expect_eq "... no row record" "$(rows)" 0

MYSQL_PWD=pw mc-snapshot $tcp --ssl-mode=DISABLED --tables='slow\.t' \
	--where='slow.t:SLEEP(0.01)=0' >"$T/out" 2>"$T/err" &
pid=$!
mdb_kill_query '%SLEEP(0.01)%ORDER BY%' || fail "TCP: a connection killed amid the rows" "the chunk's query never showed"
wait $pid
expect_eq "TCP: a connection killed amid the rows: exit 3" "$?" 3
expect_grep "... a lost connection" \
	"reading a chunk: Lost connection to server during query \(2013\)" "$T/err"
expect_eq "... no row record" "$(rows)" 0
