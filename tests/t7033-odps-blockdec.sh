#!/bin/sh
# The local MaxCompute server's C block decoder (tests/odps-server/blockdec.c,
# built by make as $(O)/tools/odps-blockdec.so, loaded by blockdec.py) against
# the reference, recstream.py's Decoder: random tables of every type it
# takes, their streams, mutants of them (bytes flipped, cut, inserted) and
# the streams read with other schemas give the same rows or the same error,
# code and message (blockdec_check.py); JSON and nested types are left to
# the reference; and a snapshot and its changes uploaded by mc-tunnel-put
# into a server decoding in C and into one decoding in Python leave the
# same tables, row for row.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3
S=$TOP/tests/odps-server
SO=$BIN/tools/odps-blockdec.so
[ -f "$SO" ] || { fail "the C block decoder" "$SO was not built (make)"; exit 1; }

for seed in 1 2 3; do
	expect_ok "seed $seed: C and Python decoders agree on every stream, mutant and schema" \
		timeout -k 5 300 python3 "$S/blockdec_check.py" "$SO" 250 "$seed"
	expect_grep "seed $seed: 250 streams, none disagreed" '^250 streams, [0-9]+ mutants.*: [0-9]+ agreed, 0 disagreed$' "$T/out"
done

cat >"$T/fallback.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import blockdec, recstream
bd = blockdec.BlockDecoder(sys.argv[2])
for t in ("JSON", "ARRAY<BIGINT>", "MAP<STRING,BIGINT>", "STRUCT<a:BIGINT>"):
    cols = [("id", ("BIGINT",), True), ("x", recstream.parse_type(t), True)]
    print(t, bd.decode(recstream.encode([c[1] for c in cols], []), cols))
cols = [("id", ("BIGINT",), True)]
n, blob = bd.decode(recstream.encode([("BIGINT",)], [[1], [None], [-(1 << 63)]]), cols)
import marshal
print("BIGINT", n, marshal.loads(blob))
PY
expect_ok "the fallback" python3 "$T/fallback.py" "$S" "$SO"
printf '%s\n' "JSON None" "ARRAY<BIGINT> None" "MAP<STRING,BIGINT> None" "STRUCT<a:BIGINT> None" \
	"BIGINT 3 [[1], [None], [-9223372036854775808]]" >"$T/want"
expect_same "JSON and the nested types are left to the reference; the rest decoded in C" "$T/want" "$T/out"

# ---- end to end: the same uploads into a C server and a Python server ----
"$BIN/tools/mcgen" sysbench 3000 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 3000 600 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
for d in c py; do
	if [ $d = py ]; then ODPS_BLOCK_DECODER=python odps_start $d || exit 1; else odps_start $d || exit 1; fi
	curl -s "http://127.0.0.1:$ODPS_PORT/_mcsync/stats" >"$T/$d.stats"
	expect_ok "$d: the snapshot and its changes uploaded" sh -c "mc-tunnel-put --dest=odps://p1 \
		--odps-config=$ODPS_CONF --state=$T/st.$d --block-size=64K $T/sb.mcr &&
		mc-tunnel-put --dest=odps://p1 --odps-config=$ODPS_CONF --state=$T/st.$d --block-size=64K $T/ch.mcr"
	for t in sbtest__sbtest1 sbtest__sbtest1_log; do
		sqlite3 "$T/$d/p1.db" "SELECT * FROM $t ORDER BY 1, 2, 3, 4, 5, 6, 7, 8" >"$T/$d.$t"
	done
done
expect_grep "the C server says it decodes in C" '"block_decoder": "C \(' "$T/c.stats"
expect_grep "the other in Python" '"block_decoder": "Python \(recstream.py\)"' "$T/py.stats"
expect_eq "3000 rows in the base" "$(wc -l <"$T/c.sbtest__sbtest1")" 3000
expect_eq "the changes in the log" "$([ "$(wc -l <"$T/c.sbtest__sbtest1_log")" -ge 600 ] && echo yes)" yes
for t in sbtest__sbtest1 sbtest__sbtest1_log; do
	expect_same "$t: the same rows from both decoders" "$T/c.$t" "$T/py.$t"
done
