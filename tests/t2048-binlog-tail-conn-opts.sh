#!/bin/sh
# mc-binlog-tail: the short connection options mc-snapshot has (-S, -P,
# -u), and -V in the same form as the other programs. No server: the
# connection is refused (exit 3), not the option (exit 2).
. "$(dirname "$0")/lib.sh"

expect_code 3 "-S SOCKET is a connection option" \
	mc-binlog-tail -S "$T/no-such.sock" --start=mysql-bin.000001:4
expect_grep "-S SOCKET: the socket is named" "no-such.sock" "$T/err"
expect_code 3 "--socket=SOCKET the same" \
	mc-binlog-tail --socket="$T/no-such.sock" --start=mysql-bin.000001:4
expect_code 3 "-P PORT and -u USER are connection options" \
	mc-binlog-tail --host=127.0.0.1 -P 1 -u nobody --start=mysql-bin.000001:4
expect_code 2 "-P with a bad port is a usage error" \
	mc-binlog-tail --host=127.0.0.1 -P notaport --start=mysql-bin.000001:4
expect_code 2 "-S alone needs a start" mc-binlog-tail -S "$T/no-such.sock"
expect_grep "-S alone: says what is missing" "needs --start=FILE:POS" "$T/err"
expect_ok "-V exits 0" mc-binlog-tail -V
mc-snapshot -V | sed 's/^mc-snapshot /mc-binlog-tail /' >"$T/want"
expect_same "-V: the form of mc-snapshot -V" "$T/out" "$T/want"
