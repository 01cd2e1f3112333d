#!/bin/sh
# mc-binlog-tail: command line, exit codes, errors, SIGPIPE.
. "$(dirname "$0")/lib.sh"
B=$FIXTURES/binlog
RUST=$B/rust_mysql_common/test-data/binlogs
CRC=$B/mysql-binlog-connector-java/src/test/resources/mysql-bin.checksum-crc32

expect_conventions mc-binlog-tail '^mc-binlog-tail \(mcsync\) [0-9]' x mc-binlog-tail
expect_ok "-h exits 0" mc-binlog-tail -h
expect_code 2 "no FILE exits 2" mc-binlog-tail
expect_code 2 "bad --format exits 2" mc-binlog-tail --format=xml "$CRC"
expect_code 2 "bad --tables regex exits 2" mc-binlog-tail --tables='(' "$CRC"
expect_code 2 "bad --stop-datetime exits 2" mc-binlog-tail --stop-datetime=yesterday "$CRC"
expect_code 2 "bad --from exits 2" mc-binlog-tail --from=nocolon "$CRC"
expect_code 1 "missing file exits 1" mc-binlog-tail "$T/nonexistent.000001"
expect_grep "missing file is named" "'$T/nonexistent.000001'" "$T/err"

printf 'not a binlog' >"$T/junk.000001"
expect_code 1 "not a binlog exits 1" mc-binlog-tail "$T/junk.000001"
expect_grep "not a binlog: message" "junk.000001': .*not a binlog" "$T/err"

# Truncated input: every complete transaction first, then one error line.
cp "$CRC" "$T/full.000001"
mc-binlog-tail --format=text "$T/full.000001" >"$T/full.txt"
for cut in 100 1000 5000 20000; do
	head -c $cut "$CRC" >"$T/cut.000001"
	mc-binlog-tail --format=text "$T/cut.000001" >"$T/cut.txt" 2>"$T/cut.err"
	rc=$?
	expect_eq "truncated at $cut bytes exits 1" "$rc" 1
	expect_grep "truncated at $cut bytes: one line with an offset" \
		"^mc-binlog-tail: '.*cut.000001': offset [0-9]+: truncated event" "$T/cut.err"
	expect_eq "truncated at $cut bytes: one error line" "$(wc -l <"$T/cut.err")" 1
	# Complete transactions before the cut are there, in the same form.
	n=$(grep -c '^mark txn_end' "$T/cut.txt")
	last=$(grep -n '^mark txn_end' "$T/cut.txt" | tail -1 | cut -d: -f1)
	if [ -n "$last" ]; then
		head -n "$last" "$T/full.txt" >"$T/full.head"
		expect_same "truncated at $cut bytes: $n transactions written first" "$T/cut.txt" "$T/full.head"
	else
		expect_eq "truncated at $cut bytes: nothing written" "$(wc -c <"$T/cut.txt")" 0
	fi
done

expect_code 1 "binlog_truncated_event fails" mc-binlog-tail "$RUST/binlog_truncated_event.000001"
expect_grep "binlog_truncated_event: offset 4" "offset 4: truncated event" "$T/err"
expect_code 1 "binlog_truncated_prev_gtid_event fails" mc-binlog-tail "$RUST/binlog_truncated_prev_gtid_event.000001"
expect_grep "binlog_truncated_prev_gtid_event: offset" "offset 120: truncated event" "$T/err"
# (its changes are statements, binlog_format=STATEMENT: refused unless their
# tables are left out; here all are, so that the damaged event is reached)
expect_code 1 "corrupt-relay-bin fails" mc-binlog-tail --format=text --tables='^$' "$RUST/corrupt-relay-bin.000624"
expect_grep "corrupt-relay-bin: offset of the bad event" "offset 91204: " "$T/err"
expect_grep "corrupt-relay-bin: transactions before it written" "^mark txn_end" "$T/out"
# (statements before them are refused unless their tables are left out)
expect_code 1 "pre-GA 5.1 rows events fail cleanly" mc-binlog-tail --tables='^$' "$RUST/ver_5_1-wl2325_s.001"
expect_grep "pre-GA: named" "offset 411: .*pre-GA" "$T/err"
expect_code 1 "pre-GA 5.1 (r) fails cleanly" mc-binlog-tail "$RUST/ver_5_1-wl2325_r.001"

# A flipped byte inside an event: the CRC32 says so, with the offset.
python3 - "$CRC" "$T/flip.000001" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[2000] ^= 0x40
open(sys.argv[2], 'wb').write(b)
PY
expect_code 1 "bad checksum exits 1" mc-binlog-tail "$T/flip.000001"
expect_grep "bad checksum: offset and message" "offset [0-9]+: .*checksum mismatch" "$T/err"
expect_ok "--no-checksum skips the check" mc-binlog-tail --no-checksum --format=text "$CRC"

expect_sigpipe "SIGPIPE (mcr)" mc-binlog-tail "$CRC"
expect_sigpipe "SIGPIPE (text)" mc-binlog-tail --format=text "$CRC"

# The output is a record stream that ends with its trailer.
expect_ok "mcr output" mc-binlog-tail "$CRC"
cp "$T/out" "$T/crc.mcr"
expect_ok "mcr output reads back" "$BIN/tests/t_binlog" --read "$T/crc.mcr"
expect_grep "mcr output: records by kind" '^schema [1-9][0-9]* row [1-9][0-9]* ddl [0-9]+ mark [1-9][0-9]*$' "$T/out"

# Two files with the same number would give colliding positions.
expect_code 2 "the same file twice exits 2" mc-binlog-tail "$CRC" "$CRC"
expect_grep "the same file twice: message" "same file number 0" "$T/err"
