#!/bin/sh
# The local MaxCompute server decompresses blocks in process, in C
# (tests/odps-server/blockinf.c, in $(O)/tools/odps-blockdec.so): deflate
# and zstd blocks, whole, cut, flipped, extended, empty, over the limit,
# give the same bytes or the same refusal (HTTP status; for deflate the
# message too) as the reference (server.py's inflate: Python's zlib, the
# zstd command; blockinf_check.py); a server decoding in C runs no zstd
# command for a zstd upload (a zstd on PATH that logs its calls), the
# reference server does; and both leave the same rows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3 zstd
S=$TOP/tests/odps-server
SO=$BIN/tools/odps-blockdec.so
[ -f "$SO" ] || { fail "the C block decoder" "$SO was not built (make)"; exit 1; }

# INFLATE_BLOCKS random blocks a seed (default 10, sized for CI: every block
# goes through every form and mutation; `make soak` runs 30)
NB=${INFLATE_BLOCKS:-10}
# INFLATE_STREAMS record streams for the software CRC32C (default 100)
NS=${INFLATE_STREAMS:-100}
for seed in 1 2 3; do
	expect_ok "seed $seed: C and the reference decompress alike ($NB blocks)" \
		timeout -k 5 300 python3 "$S/blockinf_check.py" "$SO" "$NB" "$seed"
	expect_grep "seed $seed: no case disagreed" "^$NB blocks, [0-9]+ cases: [0-9]+ agreed, 0 disagreed\$" "$T/out"
done

# a zstd on PATH that logs each call, then runs the real one
mkdir -p "$T/bin"
cat >"$T/bin/zstd" <<SH
#!/bin/sh
echo call >>"$T/zstd.calls"
exec $(command -v zstd) "\$@"
SH
chmod +x "$T/bin/zstd"
"$BIN/tools/mcgen" sysbench 3000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
for d in c py; do
	: >"$T/zstd.calls"
	if [ $d = py ]; then
		PATH=$T/bin:$PATH ODPS_BLOCK_DECODER=python odps_start $d || exit 1
	else
		PATH=$T/bin:$PATH odps_start $d || exit 1
	fi
	for enc in zstd deflate; do
		expect_ok "$d: the snapshot uploaded with --compress=$enc" timeout -k 5 120 mc-tunnel-put \
			--dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st.$d.$enc" --block-size=64K \
			--compress=$enc --name=sbtest.sbtest1="t_$enc" "$T/sb.mcr"
	done
	wc -l <"$T/zstd.calls" | tr -d ' ' >"$T/$d.calls"
	odps_stop "$ODPS_PID"
	for enc in zstd deflate; do
		sqlite3 "$T/$d/p1.db" "SELECT * FROM t_$enc ORDER BY 1" >"$T/$d.$enc"
	done
done
expect_eq "the C server ran no zstd command" "$(cat "$T/c.calls")" 0
expect_eq "the reference server ran the zstd command" "$([ "$(cat "$T/py.calls")" -gt 0 ] && echo yes)" yes
expect_eq "3000 rows" "$(wc -l <"$T/c.zstd")" 3000
for enc in zstd deflate; do
	expect_same "$enc: the same rows from both servers" "$T/c.$enc" "$T/py.$enc"
done
expect_same "zstd and deflate: the same rows" "$T/c.zstd" "$T/c.deflate"

# the decoder's CRC32C without the CPU's crc32 instruction agrees too
expect_ok "the software CRC32C: C and Python decoders agree" env BD_CRC_SOFTWARE=1 \
	timeout -k 5 300 python3 "$S/blockdec_check.py" "$SO" "$NS" 4
expect_grep "the software CRC32C: none disagreed" "^$NS streams, [0-9]+ mutants.*: [0-9]+ agreed, 0 disagreed\$" "$T/out"
