#!/bin/sh
# mc-tunnel-put --dest=odps:// --threads=N (N > 1) pipelines a commit
# (docs/maxcompute.md "Connections", common/odps/dest_odps_pipe.c): each
# block goes up as soon as it is compressed, while the next ones are
# encoded, and goes to the spool as it is made (under a name of its own,
# _mcsync/spool-new/PID.N, renamed to spool/SEQ.I once every block is in).
# With a late PUT held by the server (the spool then on disk): the first
# blocks are answered before the spool's last write (before, every block
# was encoded and spooled before the first PUT); the blocks are the very
# bytes of one connection's (the spools of --threads=1 and --threads=4,
# deflate and zstd, are equal byte for byte). And a session that
# expires and a block answered 503 while the rest is still being encoded:
# every row once.
# runs beside the pool
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
need curl
odps_srv
"$BIN/tools/mcgen" sysbench 40000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
put() { sb_put "$@"; }

# --- the last of 32 blocks held 4 s by the server: meanwhile the spool is
# on disk, and when it was written (not an earlier one: with four
# connections the encoder waits while more blocks wait for their PUT than
# there are connections, and the server holds the others' answers too) ---
for c in deflate zstd; do
	for t in 1 4; do
		: >"$T/srv/faults.log"
		nofaults
		faults "put slow=4 skip=31 times=1" # of 32 blocks
		put "s$t$c" "st$t$c" --threads=$t --compress=$c --block-size=262144 "$T/sb.mcr" \
			>"$T/put.out" 2>&1 &
		p=$!
		f=$T/st$t$c/_mcsync/spool/1.0
		# the spool, once its size holds still (within the 4 s the PUT is
		# held; a fixed second was too short under load with the sanitizers)
		if wait_for " slow put " "$T/srv/faults.log" 300; then
			i=0 last=-1 still=0
			while [ $i -lt 35 ] && [ $still -lt 3 ]; do
				# (four connections: spooled as made, renamed at the end)
				[ $t = 1 ] || f=$(ls "$T/st$t$c/_mcsync/spool-new/"* 2>/dev/null | head -1)
				sz=$(wc -c <"${f:-/nonexistent}" 2>/dev/null || echo 0)
				if [ "$sz" -gt 0 ] && [ "$sz" = "$last" ]; then still=$((still + 1)); else still=0; fi
				last=$sz
				sleep 0.1
				i=$((i + 1))
			done
		fi
		if [ -s "$f" ]; then
			cp "$f" "$T/spool$t$c"
			python3 -c 'import os, sys; print("%.3f" % os.stat(sys.argv[1]).st_mtime)' "$f" \
				>"$T/spooled$t$c"
		fi
		wait "$p"
		expect_eq "--threads=$t --compress=$c: exit 0" "0" "$?"
	done
	if [ -s "$T/spool1$c" ] && cmp -s "$T/spool1$c" "$T/spool4$c"; then
		ok "--compress=$c: the spools of 1 and 4 connections are the same bytes ($(wc -c <"$T/spool4$c") bytes)"
	else
		fail "--compress=$c: the spools of 1 and 4 connections are the same bytes" \
			"$(wc -c <"$T/spool1$c" 2>&1) / $(wc -c <"$T/spool4$c" 2>&1) bytes"
	fi
	# the first PUT answered (requests.log: when the answer went) before
	# the spool's last write
	first=$(grep " PUT /projects/p1/tables/s4$c?" "$T/srv/requests.log" | head -1 | cut -d' ' -f1)
	spooled=$(cat "$T/spooled4$c" 2>/dev/null)
	nput=$(grep -c " PUT /projects/p1/tables/s4$c?" "$T/srv/requests.log")
	if [ -n "$first" ] && [ -n "$spooled" ] && [ "$nput" -ge 32 ] &&
		awk -v a="$first" -v b="$spooled" 'BEGIN {exit !(a < b)}'; then
		ok "--threads=4 --compress=$c: the first of $nput blocks was in before the spool was written"
	else
		fail "--threads=4 --compress=$c: the first block was in before the spool was written" \
			"first PUT answered at ${first:-none}, spool written at ${spooled:-never seen} ($nput PUTs)"
	fi
done
nofaults

# --- faults while the rest of the commit is still being encoded ---
rows() { $CLI sql "SELECT COUNT(*), COUNT(DISTINCT id), SUM(id) FROM $1" 2>&1 | sed 1d; }
want="40000,40000,800020000"
faults "put expire times=1 skip=2"
expect_ok "--threads=4: the session expired at the third PUT" put e4 ste --threads=4 --compress=zstd --block-size=131072 "$T/sb.mcr"
nofaults
expect_eq "a session expired under the pipeline: every row once" "$want" "$(rows e4)"
# (at the 21st PUT, the blocks before it are in the spool and gave their
# memory back: they go up again read from the spool)
faults "put expire times=1 skip=20"
expect_ok "--threads=4: the session expired at the 21st PUT" put e5 ste5 --threads=4 --compress=zstd --block-size=131072 "$T/sb.mcr"
nofaults
expect_eq "expired after blocks gave their memory back: every row once" "$want" "$(rows e5)"
faults "put 503 times=3 skip=1"
expect_ok "--threads=4: 503 on three PUTs" put r4 str --threads=4 --compress=deflate --block-size=131072 --retry-time=30 "$T/sb.mcr"
nofaults
expect_eq "blocks answered 503 under the pipeline, retried: every row once" "$want" "$(rows r4)"
expect_grep "the 503 fired" " 503 put PUT " "$T/srv/faults.log"
expect_grep "the expiry fired" " expire put PUT " "$T/srv/faults.log"
