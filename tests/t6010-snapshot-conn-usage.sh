#!/bin/sh
# Connection options that cannot work are usage errors (exit 2), not a
# connection to another server or a retry for ever: a --defaults-file or
# --ssl-ca/--ssl-cert/--ssl-key that cannot be read, a host name that does
# not resolve (mc-snapshot and mc-binlog-tail share common/mysql/myconn.c).
# A selection that matches no table (no such database, no table matched,
# no SELECT grant) is an error (exit 1) naming the selection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE e; CREATE TABLE e.t (id INT PRIMARY KEY); INSERT INTO e.t VALUES (1);
CREATE USER nosel@localhost; GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO nosel@localhost;"

for p in mc-snapshot mc-binlog-tail; do
	start=
	[ $p = mc-binlog-tail ] && start=--start=mysql-bin.000001:4
	expect_code 2 "$p: a --defaults-file that does not exist exits 2" \
		$p $MDB_ARGS --defaults-file="$T/no-such.cnf" $start
	expect_grep "... naming the file" "^$p: --defaults-file: '$T/no-such.cnf': No such file or directory" "$T/err"
	expect_eq "... writing nothing" "$(wc -c <"$T/out" | tr -d ' ')" 0
	for o in ssl-ca ssl-cert ssl-key; do
		expect_code 2 "$p: a --$o file that does not exist exits 2" \
			$p $MDB_ARGS --$o="$T/no-such.pem" $start
		expect_grep "... naming it" "^$p: --$o: '$T/no-such.pem': No such file or directory" "$T/err"
	done
	expect_code 2 "$p: a host name that does not resolve exits 2 (not 3: no retry helps)" \
		timeout -k 5 60 $p --host=no-such-host.invalid --user=root $start
	expect_grep "... naming the host" "'no-such-host.invalid'.*\(2005\)" "$T/err"
done
printf '[client]\nuser=root\nsocket=%s\n' "$MDB_SOCK" >"$T/ok.cnf"
expect_ok "a --defaults-file that exists is read" mc-snapshot --defaults-file="$T/ok.cnf" --databases=e
expect_eq "... the table's row" "$(mc-cat --to=jsonl "$T/out" | grep -c '"kind":"row"')" 1

expect_code 1 "a database that does not exist: exit 1" mc-snapshot $MDB_ARGS --databases=nosuchdb
expect_grep "... naming the selection" "^mc-snapshot: no table matches the selection \(--databases=nosuchdb\)" "$T/err"
expect_eq "... writing nothing" "$(wc -c <"$T/out" | tr -d ' ')" 0
expect_code 1 "--tables matching nothing: exit 1" mc-snapshot $MDB_ARGS --databases=e --tables='^e\.nope$' --exclude=x
expect_grep "... naming the selection" 'no table matches the selection \(--databases=e --tables=\^e\\\.nope\$ --exclude=x\)' "$T/err"
expect_code 1 "a user without SELECT: exit 1" mc-snapshot --socket="$MDB_SOCK" --user=nosel --databases=e
expect_grep "... saying why it may be" "may SELECT the tables" "$T/err"
expect_code 1 "--precheck of an empty selection: exit 1" mc-snapshot $MDB_ARGS --precheck --databases=nosuchdb
expect_grep "... naming it" "no table matches the selection \(--databases=nosuchdb\)" "$T/err"
