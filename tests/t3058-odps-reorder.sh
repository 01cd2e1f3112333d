#!/bin/sh
# Changes out of order inside one stream into MaxCompute (--dest=odps://,
# the same sink as a local warehouse: docs/mc-tunnel-put.md "Commits,
# resuming, exactly once"): refused, exit 1 naming the input, the record and
# both positions, nothing of it uploaded and the state unchanged (they were
# taken for repeats of what was committed and lost, exit 0); the good
# stream then loads, and its rerun is all repeats (tests/t3057 locally).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
odps_srv

F=$FIXTURES/binlog/generated-here-mariadb-10.11
# t.z: insert (5:807), update (5:1086), delete (5:1318), each its own
# transaction (compressed events)
mc-binlog-tail "$F/mariadb-bin.000005" >"$T/good.mcr" || { fail "setup" "mc-binlog-tail"; exit 1; }
swap_txns "$T/good.mcr" 1086 1318 >"$T/swapped.mcr" || { fail "setup" "swap"; exit 1; }
# the records up to the first transaction's end
mc-cat "$T/good.mcr" | upto_pos 5:838:0 | mc-cat --to=mcr >"$T/part0.mcr" || { fail "setup" "part0"; exit 1; }

put() { # ARGS...
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s1" \
		--retry-time=0.2 --retry-delay=0.05 "$@"
}
# the changes in the log table: its distinct positions (an update is two
# rows, its before and after images)
count() {
	$CLI sql "SELECT mc_pos_file, mc_pos_off, mc_pos_row FROM t__z_log" 2>"$T/sql.err" |
		sed 1d | sort -u | wc -l | tr -d ' '
}

expect_ok "the stream's first transaction" put "$T/part0.mcr"
expect_eq "is uploaded" "$(count)" 1
tree "$T/s1" >"$T/s1.before"
expect_code 1 "the swapped stream is refused" put "$T/swapped.mcr"
expect_grep "naming the input, the record and both positions" \
	"^mc-tunnel-put: '.*swapped.mcr': record [0-9]+: offset [0-9]+: position 5:1086:0 is below position 5:1349:0 of record [0-9]+, earlier in this stream: input out of order" "$T/err"
expect_eq "nothing more is uploaded" "$(count)" 1
tree "$T/s1" >"$T/s1.after"
expect_same "the state is unchanged" "$T/s1.before" "$T/s1.after"
expect_ok "the good stream" put "$T/good.mcr"
expect_eq "brings every change" "$(count)" 3
expect_ok "its rerun" put "$T/good.mcr"
expect_grep "is repeats" "^mc-tunnel-put: 3 records already in the warehouse, skipped$" "$T/err"
expect_eq "and uploads nothing" "$(count)" 3
