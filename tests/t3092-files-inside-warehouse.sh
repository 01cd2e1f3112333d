#!/bin/sh
# mc-tunnel-put --checkpoint-out and --metrics, and mc-merge --metrics,
# named inside the warehouse directory (the ledger, a base data file):
# exit 2 before anything is written, the warehouse unchanged, as mc-merge
# --output (t3068). (The file replaced the ledger or a data file, with exit
# 0 for --checkpoint-out, and no rerun could mend it: found by a tester.)
. "$(dirname "$0")/lib.sh"

"$BIN/tools/mcgen" sysbench 200 >"$T/snap.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/log.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
TB=sbtest__sbtest1
for target in _mcsync/ledger $TB/ds=20251121/part-000001.mcr.zst; do
	for how in "put --checkpoint-out" "put --metrics" "merge --metrics"; do
		W=$T/w
		rm -rf "$W"
		mc-tunnel-put --dest="$W" "$T/snap.mcr" 2>"$T/err" || { fail "setup" "load"; exit 1; }
		[ "$how" = "merge --metrics" ] && { mc-tunnel-put --dest="$W" "$T/log.mcr" 2>"$T/err" || { fail "setup" "log"; exit 1; }; }
		tree "$W" >"$T/t0"
		case $how in
		"put --checkpoint-out") mc-tunnel-put --dest="$W" --checkpoint-out="$W/$target" "$T/log.mcr" >"$T/out" 2>"$T/err" ;;
		"put --metrics") mc-tunnel-put --dest="$W" --metrics="$W/$target" "$T/log.mcr" >"$T/out" 2>"$T/err" ;;
		"merge --metrics") mc-merge --warehouse="$W" --table=$TB --ds=20251122 --metrics="$W/$target" >"$T/out" 2>"$T/err" ;;
		esac
		rc=$?
		expect_eq "$how=W/$target: refused as a usage error (exit 2)" "$rc" 2
		if [ $rc -eq 2 ]; then
			tree "$W" >"$T/t1"
			expect_same "... the warehouse unchanged" "$T/t0" "$T/t1"
		else
			head -c 15 "$W/$target" | grep -q 'mcsync-checkp\|^# HELP' &&
				fail "$how=W/$target" "the warehouse's file was replaced by it (exit $rc)"
		fi
	done
done
