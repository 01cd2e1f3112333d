#!/bin/sh
# A bad option is named, never echoed with its value: getopt's own message
# ("unrecognized option '--password=secret'") would put a password given by
# mistake in logs. Every program says what is wrong by the option's name,
# the Try line, exit 2.
. "$(dirname "$0")/lib.sh"

for p in mc-cat mc-binlog-tail mc-snapshot mc-tunnel-put mc-merge mc-transform; do
	expect_code 2 "$p --password=VALUE exits 2" "$p" --password=s3cr3t-value
	expect_grep "... naming the option" "^$p: unrecognized or ambiguous option '--password'$" "$T/err"
	expect_eq "... never its value" "$(grep -c 's3cr3t' "$T/err")" 0
	expect_grep "... with the Try line" "^Try '$p --help' for more information.$" "$T/err"
	expect_code 2 "$p --no-such=VALUE (a prefix of nothing) exits 2" "$p" --no-such=s3cr3t-value
	expect_eq "... never its value" "$(grep -c 's3cr3t' "$T/err")" 0
	expect_code 2 "$p --help=VALUE exits 2" "$p" --help=s3cr3t-value
	expect_grep "... the option takes no argument" "^$p: option '--help' doesn't allow an argument$" "$T/err"
	expect_eq "... never its value" "$(grep -c 's3cr3t' "$T/err")" 0
	expect_code 2 "$p -Qh exits 2" "$p" -Qh
	expect_grep "... naming the letter" "^$p: invalid option -- 'Q'$" "$T/err"
done
expect_code 2 "a long option without its argument exits 2" mc-snapshot --tables
expect_grep "... saying so" "^mc-snapshot: option '--tables' requires an argument$" "$T/err"
