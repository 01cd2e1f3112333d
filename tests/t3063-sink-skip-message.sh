#!/bin/sh
# mc-tunnel-put's closing line about the rows it skipped as repeats: said
# only at the end of a run that succeeded, and as what it is ("N records
# already in the warehouse, skipped"). Before, "N records already
# committed, dropped" came after a failure too, beside the error, where a
# DBA read it as data dropped (docs/mc-tunnel-put.md "Commits, resuming,
# exactly once").
. "$(dirname "$0")/lib.sh"

F=$FIXTURES/binlog/generated-here-mariadb-10.11
# binlog 1: t.alltypes, four changes, each its own transaction
mc-binlog-tail "$F/mariadb-bin.000001" >"$T/good.mcr" || { fail "setup" "mc-binlog-tail"; exit 1; }
mc-cat "$T/good.mcr" | upto_pos 1:3389:0 | mc-cat --to=mcr >"$T/part.mcr" || { fail "setup" "upto"; exit 1; }
head -c $(($(wc -c <"$T/good.mcr") - 20)) "$T/good.mcr" >"$T/cut.mcr"

expect_ok "a first load" mc-tunnel-put --dest="$T/w" "$T/part.mcr"
expect_code 1 "no line about repeats on a fresh load" grep -Eq "skipped|dropped" "$T/err"

# a rerun of the same stream that then fails (a missing second input)
expect_code 1 "a rerun that fails on its second input" mc-tunnel-put --dest="$T/w" "$T/part.mcr" "$T/none.mcr"
expect_grep "... says its error" "^mc-tunnel-put: .*none.mcr" "$T/err"
expect_eq "... and nothing else (no 'dropped' beside the error)" "$(wc -l <"$T/err")" "1"

# the whole stream, cut short (no trailer): its new rows committed up to
# its last whole transaction, exit 1 for the missing end
expect_code 1 "a rerun with more, cut short" mc-tunnel-put --dest="$T/w" "$T/cut.mcr"
expect_grep "... says the input was cut" "cut.mcr.*truncated at offset" "$T/err"
expect_code 1 "... and not that records were dropped" grep -Eq "dropped|skipped" "$T/err"

# a rerun that succeeds says what it skipped, as what it is
expect_ok "a rerun of the whole stream" mc-tunnel-put --dest="$T/w" "$T/good.mcr"
expect_grep "... says the repeats were in the warehouse already" \
	"^mc-tunnel-put: [0-9]+ records already in the warehouse, skipped$" "$T/err"
expect_code 1 "... not 'dropped'" grep -q "dropped" "$T/err"
expect_ok "and again" mc-tunnel-put --dest="$T/w" "$T/good.mcr"
expect_grep "... all four changes skipped" "^mc-tunnel-put: 4 records already in the warehouse, skipped$" "$T/err"
