#!/bin/sh
# Options of the live tail given with FILEs are a usage error (exit 2,
# naming the option), not silently ignored; so are FILEs with a live start.
. "$(dirname "$0")/lib.sh"
F=$FIXTURES/binlog/generated-here-mariadb-10.11/mariadb-bin.000001

for a in --heartbeat=5 --server-id=7 --retry-time=1 --stop-at-end --user=x "-u x" \
	--ssl-ca=/etc/hosts --ssl-mode=REQUIRED; do
	expect_code 2 "$a with a FILE: exit 2" mc-binlog-tail $a "$F"
	o=${a%%=*}
	[ "$o" = "-u x" ] && o=--user
	expect_grep "... naming it" "^mc-binlog-tail: $o is for reading a server .*not FILEs" "$T/err"
	expect_grep "... with the Try line" "^Try 'mc-binlog-tail --help'" "$T/err"
	expect_eq "... nothing on standard output" "$(wc -c <"$T/out")" 0
done
for a in --checkpoint-in="$T/c.ckpt" --start-gtid=0-1-1 --start=mysql-bin.000001:4; do
	expect_code 2 "${a%%=*} with a FILE and a socket: exit 2" \
		mc-binlog-tail --socket="$T/none.sock" "$a" "$F"
	expect_grep "... no FILE" "read from the server: no FILE" "$T/err"
done
expect_code 0 "FILE alone still decodes" mc-binlog-tail "$F"
