#!/bin/sh
# mc-binlog-tail live: the connection options of the mysql clients, as
# mc-snapshot has them (common/mysql/myconn.c). A user with a password from a
# --defaults-file or MYSQL_PWD; a wrong password is a one-line error, exit
# 1; TLS over TCP on a private port: --ssl-mode=VERIFY_CA with the test's
# CA connects, a foreign CA fails, REQUIRED fails against a server
# without TLS.
. "$(dirname "$0")/lib.sh"

mc-binlog-tail --help >"$T/help"
for o in --defaults-file --ssl-ca --ssl-cert --ssl-key --ssl-mode --column-names; do
	expect_grep "--help lists $o" "^ .*$o=" "$T/help"
done
expect_code 2 "bad --ssl-mode" mc-binlog-tail --socket=/x --start=b.000001:4 --ssl-mode=MAYBE
expect_code 2 "bad --port" mc-binlog-tail --host=h --port=0 --start=b.000001:4

# A CA and a server certificate signed by it; a second, foreign CA.
tls_ca ca
tls_ca other
tls_server_cert

# a free TCP port on the loopback
port=$(free_port)

. "$(dirname "$0")/mariadb.sh"
TLS_OPTS="--skip-networking=0 --bind-address=127.0.0.1 --port=$port --ssl-ca=$T/ca.pem
--ssl-cert=$T/server.pem --ssl-key=$T/server-key.pem"
mdb_start $TLS_OPTS
sql "CREATE USER rep@'%' IDENTIFIED BY 's3cret pw';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO rep@'%';
CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO d.t VALUES (1, 'a'), (2, 'b'); UPDATE d.t SET v = 'c' WHERE id = 2;"
sid=$((MDB_SERVER_ID + 1))
tail_to() { # OUT ARGS...: the binlog from its start, as text
	_o=$1
	shift
	timeout -k 5 30 mc-binlog-tail --server-id=$sid --heartbeat=0 --stop-at-end --format=text \
		--start=mysql-bin.000001:4 "$@" >"$T/$_o.txt" 2>"$T/$_o.err"
}
tail_to root $MDB_ARGS || fail "root over the socket" "$(head -3 "$T/root.err")"
expect_grep "root: the update is there" "^  after @2='c'$" "$T/root.txt"

printf '[client]\nuser=rep\npassword="s3cret pw"\nsocket=%s\n' "$MDB_SOCK" >"$T/my.cnf"
if tail_to dfile --defaults-file="$T/my.cnf"; then
	ok "--defaults-file: user, password and socket from [client]"
else
	fail "--defaults-file: user, password and socket from [client]" "$(head -3 "$T/dfile.err")"
fi
expect_same "--defaults-file: the same stream as root's" "$T/dfile.txt" "$T/root.txt"

printf '[client]\nuser=rep\npassword=wrong\nsocket=%s\n' "$MDB_SOCK" >"$T/bad.cnf"
tail_to badpw --defaults-file="$T/bad.cnf"
expect_eq "wrong password: exit 1" "$?" 1
expect_eq "wrong password: one line" "$(wc -l <"$T/badpw.err")" 1
expect_grep "wrong password: says so" "Access denied for user 'rep'" "$T/badpw.err"

if MYSQL_PWD='s3cret pw' tail_to env --socket="$MDB_SOCK" --user=rep; then
	ok "MYSQL_PWD: the password"
else
	fail "MYSQL_PWD: the password" "$(head -3 "$T/env.err")"
fi
expect_same "MYSQL_PWD: the same stream" "$T/env.txt" "$T/root.txt"
MYSQL_PWD=nope tail_to envbad --socket="$MDB_SOCK" --user=rep
expect_eq "MYSQL_PWD wrong: exit 1" "$?" 1

# TLS over TCP
tcp="--host=127.0.0.1 --port=$port --user=rep"
if MYSQL_PWD='s3cret pw' tail_to ca $tcp --ssl-mode=VERIFY_CA --ssl-ca="$T/ca.pem"; then
	ok "TLS: VERIFY_CA with the server's CA connects over TCP"
else
	fail "TLS: VERIFY_CA with the server's CA connects over TCP" "$(head -3 "$T/ca.err")"
fi
expect_same "TLS: the same stream" "$T/ca.txt" "$T/root.txt"
# the session is encrypted: the server counts TLS sessions
expect_grep "TLS: the server saw a TLS session" "Ssl_accepts	[1-9]" \
	"$(sql "SHOW GLOBAL STATUS LIKE 'Ssl_accepts'" >"$T/st"; echo "$T/st")"
printf '[client]\nuser=rep\npassword="s3cret pw"\nhost=127.0.0.1\nport=%s\nssl-ca=%s\n' \
	"$port" "$T/ca.pem" >"$T/tls.cnf"
if tail_to cnfca --defaults-file="$T/tls.cnf" --ssl-mode=VERIFY_CA; then
	ok "TLS: host, port and ssl-ca from the defaults file"
else
	fail "TLS: host, port and ssl-ca from the defaults file" "$(head -3 "$T/cnfca.err")"
fi
if MYSQL_PWD='s3cret pw' tail_to ident $tcp --ssl-mode=VERIFY_IDENTITY --ssl-ca="$T/ca.pem"; then
	ok "TLS: VERIFY_IDENTITY, the certificate names 127.0.0.1"
else
	fail "TLS: VERIFY_IDENTITY, the certificate names 127.0.0.1" "$(head -3 "$T/ident.err")"
fi
MYSQL_PWD='s3cret pw' tail_to other $tcp --ssl-mode=VERIFY_CA --ssl-ca="$T/other.pem"
expect_eq "TLS: VERIFY_CA with a foreign CA: exit 1" "$?" 1
expect_eq "TLS: foreign CA: one line" "$(wc -l <"$T/other.err")" 1
if MYSQL_PWD='s3cret pw' tail_to req $tcp --ssl-mode=REQUIRED; then
	ok "TLS: REQUIRED against a TLS server"
else
	fail "TLS: REQUIRED against a TLS server" "$(head -3 "$T/req.err")"
fi

# the same server without TLS: REQUIRED fails, DISABLED connects
mdb_restart --skip-networking=0 --bind-address=127.0.0.1 --port=$port
MYSQL_PWD='s3cret pw' tail_to nossl $tcp --ssl-mode=REQUIRED
expect_eq "TLS: REQUIRED against a server without TLS: exit 1" "$?" 1
expect_eq "TLS: no TLS: one line" "$(wc -l <"$T/nossl.err")" 1
expect_grep "TLS: no TLS: says so" "SSL|TLS" "$T/nossl.err"
if tail_to sock $MDB_ARGS --ssl-mode=REQUIRED; then
	ok "TLS: REQUIRED over the Unix socket connects (local, no TLS there)"
else
	fail "TLS: REQUIRED over the Unix socket connects (local, no TLS there)" "$(head -3 "$T/sock.err")"
fi
if MYSQL_PWD='s3cret pw' tail_to plain $tcp --ssl-mode=DISABLED; then
	ok "TLS: DISABLED over TCP"
else
	fail "TLS: DISABLED over TCP" "$(head -3 "$T/plain.err")"
fi
mdb_stop
