#!/bin/sh
# The record streams mc-binlog-tail writes from the fixtures are whole and
# valid: every fixture that decodes (exit 0) gives a stream that mc-cat
# --check accepts and turns into JSON lines and back into the same bytes;
# the MariaDB fixtures decoded as one sequence too (state carried from one
# file into the next: table maps, value buffers). A column absent from a
# MINIMAL row image is an empty absent value, never stale bytes of an
# earlier row (a MINIMAL UPDATE after rows of other tables in 000003).
. "$(dirname "$0")/lib.sh"
B=$FIXTURES/binlog
G=$B/generated-here-mariadb-10.11
n=0 bad=""
for f in $(find "$B" -type f \( -name '*.0*' -o -name '*.binlog' -o -name 'mysql-bin.*' \) \
	! -name '*.txt' ! -name '*.stderr' ! -name '*.gz' ! -name '*.tsv' | sort); do
	if ! mc-binlog-tail "$f" >"$T/s.mcr" 2>"$T/err"; then
		# statement-based changes (refused, t2010): the stream up to them
		off=$(sed -n 's/.*: offset \([0-9]*\): statement-based .*/\1/p' "$T/err")
		[ -n "$off" ] && mc-binlog-tail --stop-position="$off" "$f" >"$T/s.mcr" 2>/dev/null ||
			continue
	fi
	n=$((n + 1))
	if ! mc-cat --check "$T/s.mcr" >/dev/null 2>"$T/err" ||
	   ! mc-cat "$T/s.mcr" >"$T/s.jsonl" 2>>"$T/err" ||
	   ! mc-cat --to=mcr "$T/s.jsonl" >"$T/back.mcr" 2>>"$T/err" ||
	   ! cmp -s "$T/s.mcr" "$T/back.mcr"; then
		bad="$bad ${f#$B/}"
	fi
done
[ "$n" -ge 40 ] && ok "$n fixture binlogs decode" || fail "fixture binlogs decode" "only $n"
expect_eq "their streams check, convert to JSON lines and back to the same bytes" "$bad" ""

expect_ok "the MariaDB fixtures decode as one sequence" \
	sh -c "mc-binlog-tail $G/mariadb-bin.00000[1-5] >$T/all.mcr"
expect_ok "the sequence's stream checks" mc-cat --check "$T/all.mcr"
mc-cat "$T/all.mcr" >"$T/all.jsonl" 2>"$T/err"
expect_eq "the sequence converts to JSON lines" "$?" 0
# the MINIMAL UPDATE of q1 (UPDATE q1 SET v='c' WHERE id=1): before has the
# key only, after the changed column only
grep '"table":"q1"' "$T/all.jsonl" >"$T/q1.jsonl"
grep '"op":"update"' "$T/q1.jsonl" | grep '"after":\[{"absent":true},"c"' >"$T/min"
expect_eq "the MINIMAL update has absent columns and its own values only" \
	"$(grep -c '"before":\[1,{"absent":true},{"absent":true}' "$T/min")" 1
mc-binlog-tail "$G/mariadb-bin.000004" | mc-cat | grep '"table":"q1"' >"$T/q1.alone" 2>"$T/err"
expect_same "q1 decodes the same alone and after the other files" "$T/q1.alone" "$T/q1.jsonl"
