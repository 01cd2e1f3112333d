#!/bin/sh
# mc-binlog-tail's --tables goes into its stream's header, and mc-tunnel-put
# keeps it per source (ledger key tables.SERVERID): a later tail stream with
# another filter is refused (exit 1, nothing of it kept). Before, a run
# whose filter added a table gave it only the changes after its start: the
# table's changes in the binlogs an earlier, narrower run had read were
# lost with exit 0. --tables-changed takes the new filter and records it.
# On four consecutive binlogs of one MariaDB (t.p2's row is in the third).
. "$(dirname "$0")/lib.sh"
F=$FIXTURES/binlog/generated-here-mariadb-10.11
W=$T/wh
state() { { ls -lR "$W" | grep -v '^total'; cat "$W/_mcsync/ledger"; } 2>&1; }

mc-binlog-tail --tables='^t[.]p1$' "$F"/mariadb-bin.00000[123] >"$T/narrow.mcr"
expect_grep "the header names the filter" '"tables":"\^t\[\.\]p1\$"' \
	"$(mc-cat "$T/narrow.mcr" | head -1 >"$T/h1"; echo "$T/h1")"
expect_ok "a narrow tail over the first three binlogs" \
	mc-tunnel-put --dest="$W" "$T/narrow.mcr"
expect_grep "the ledger records its filter" '^tables\.1 re:\^t\[\.\]p1\$$' "$W/_mcsync/ledger"

state >"$T/before"
mc-binlog-tail --tables='^t[.]p(1|2)$' "$F"/mariadb-bin.000004 >"$T/wide.mcr"
expect_code 1 "a wider tail over the next binlog is refused" \
	mc-tunnel-put --dest="$W" "$T/wide.mcr"
expect_grep "... naming both filters, the ledger key and the way out" \
	"this stream's mc-binlog-tail read --tables='\^t\[\.\]p\(1\|2\)\\$', the warehouse's streams of it --tables='\^t\[\.\]p1\\$' \(ledger key tables\.1\):.*--tables-changed" "$T/err"
state >"$T/after"
expect_same "... and nothing of it kept" "$T/before" "$T/after"
mc-binlog-tail "$F"/mariadb-bin.000004 >"$T/all.mcr"
expect_code 1 "a tail without --tables is refused too" mc-tunnel-put --dest="$W" "$T/all.mcr"
expect_grep "... (every table)" "read every table \(no --tables\)" "$T/err"
mc-cat --to=jsonl "$T/wide.mcr" >"$T/wide.jsonl"
expect_code 1 "... also through JSON lines (the header is kept)" \
	mc-tunnel-put --dest="$W" "$T/wide.jsonl"
printf 'version: 1\nselect:\n  include:\n    - db: t\n      table: /p[0-9]+/\n' >"$T/r.yaml"
mc-transform --rules="$T/r.yaml" "$T/narrow.mcr" >"$T/narrow-tf.mcr" 2>"$T/tf.err"
mc-transform --rules="$T/r.yaml" "$T/wide.mcr" >"$T/wide-tf.mcr" 2>>"$T/tf.err"
expect_ok "through mc-transform: the narrow tail" mc-tunnel-put --dest="$T/wh2" "$T/narrow-tf.mcr"
expect_code 1 "... then the wider one is refused (mc-transform keeps the header entry)" \
	mc-tunnel-put --dest="$T/wh2" "$T/wide-tf.mcr"
expect_grep "... for its filter" "ledger key tables\.1" "$T/err"

mc-binlog-tail --tables='^t[.]p1$' "$F"/mariadb-bin.000004 >"$T/same.mcr"
expect_ok "the same filter over the next binlog is taken" mc-tunnel-put --dest="$W" "$T/same.mcr"
expect_ok "--tables-changed takes the wider one" \
	mc-tunnel-put --tables-changed --dest="$W" "$T/wide.mcr"
expect_grep "... and records it" '^tables\.1 re:\^t\[\.\]p\(1\|2\)\$$' "$W/_mcsync/ledger"
expect_ok "the next stream of it needs nothing" mc-tunnel-put --dest="$W" "$T/wide.mcr"
expect_code 1 "the old filter is now the other one" mc-tunnel-put --dest="$W" "$T/same.mcr"
expect_ok "a ledger without the key (an older sink's) records the first filter it sees" \
	sh -c "sed -i '/^tables\\./d' '$W/_mcsync/ledger' && mc-tunnel-put --dest='$W' '$T/same.mcr' &&
		grep -q '^tables.1 re:^t\\[.\\]p1\\$\$' '$W/_mcsync/ledger'"
expect_grep "mc-tunnel-put --help names --tables-changed" "--tables-changed" \
	"$(mc-tunnel-put --help >"$T/help"; echo "$T/help")"
rm -rf "$T"
