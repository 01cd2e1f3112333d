#!/bin/sh
# The local warehouse compresses a data file two ways (docs/mc-tunnel-put.md
# "Compression"; issue 18): 4 MiB of records or more by zstd's worker
# threads, less in one go from the records' buffer (zout_frame). Both give
# the same warehouse: every table and partition holds the same rows in the
# same order (a stream of every type, several tables, base and log
# partitions of several days), mc-merge makes the same partition of either,
# every data file is a standard zstd frame with its checksum, the same run
# gives the same bytes, and a damaged stream gives the same error and
# commits nothing either way.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 25000 >"$T/s.mcr" && "$MCGEN" changes 25000 20000 >"$T/c.mcr" &&
	"$MCGEN" corpus >"$T/k.mcr" || { fail "mcgen" "failed"; exit 1; }
command -v zstd >/dev/null || { fail "zstd" "no zstd command (make deps)"; exit 1; }

# big: the default commits (a base file of 25000 rows, 5.4 MB of records);
# small: --commit-rows=500 (every file far under 4 MiB)
expect_ok "big commits" mc-tunnel-put --dest="$T/big" "$T/s.mcr" "$T/c.mcr" "$T/k.mcr"
expect_ok "small commits" mc-tunnel-put --dest="$T/small" --commit-rows=500 \
	"$T/s.mcr" "$T/c.mcr" "$T/k.mcr"

# raw FILE: its records' bytes (decompressed)
raw() { zstd -q -dc "$1" | wc -c | tr -d ' '; }
nbig=0
for f in $(find "$T/big" -name 'part-*.mcr.zst'); do
	[ "$(raw "$f")" -ge 4194304 ] && nbig=$((nbig + 1))
done
expect_eq "the big commits have a data file of 4 MiB or more (the workers' path)" \
	"$([ $nbig -ge 1 ] && echo yes)" yes
nsmall=0
for f in $(find "$T/small" -name 'part-*.mcr.zst'); do
	[ "$(raw "$f")" -ge 4194304 ] && nsmall=$((nsmall + 1))
done
expect_eq "the small commits have none (the one-go path)" "$nsmall" 0

# every data file: a zstd frame with its checksum, tested by zstd itself
bad=
for f in $(find "$T/big" "$T/small" -name 'part-*.mcr.zst'); do
	zstd -q -t "$f" 2>/dev/null || bad="$bad $f"
	zstd -lv "$f" 2>/dev/null | grep -q '^Check: XXH64' || bad="$bad $f(no checksum)"
done
expect_eq "every data file is a standard zstd frame with its checksum" "$bad" ""

# rows DIR: for every table and partition, in file order, its rows
rows() {
	(cd "$1" && find . -name 'part-*.mcr.zst' | sort) | while read -r f; do
		printf '%s\n' "$(dirname "$f")"
		mc-cat --to=jsonl "$1/$f" | grep '"kind":"row"'
	done | awk '/^\.\// { if ($0 != d) print; d = $0; next } { print }'
}
rows "$T/big" >"$T/rows.big"
rows "$T/small" >"$T/rows.small"
expect_same "every table and partition holds the same rows either way" "$T/rows.small" "$T/rows.big"
expect_eq "... of several tables and partitions" \
	"$(grep -c '^\./' "$T/rows.big" | awk '$1 >= 6 {print "yes"}')" yes
want=$(for f in s c k; do mc-cat --to=jsonl "$T/$f.mcr"; done | grep -c '"kind":"row"')
expect_eq "... and every row of the input" "$(grep -c '"kind":"row"' "$T/rows.big")" "$want"

for w in big small; do
	expect_ok "mc-merge reads the $w commits" mc-merge --warehouse="$T/$w" \
		--table=sbtest__sbtest1 --ds=20251122 --output="$T/merged.$w"
done
expect_eq "... and makes the same partition of either" \
	"$(cmp "$T/merged.big" "$T/merged.small" >/dev/null && echo same)" same

# the same run gives the same bytes (the workers' frames do not depend on
# how many there are, or on timing)
expect_ok "the big commits again" mc-tunnel-put --dest="$T/big2" "$T/s.mcr" "$T/c.mcr" "$T/k.mcr"
tree "$T/big" >"$T/tree.big"
tree "$T/big2" >"$T/tree.big2"
expect_same "... give the very same files" "$T/tree.big2" "$T/tree.big"

# a damaged stream: the same error either way, nothing committed
n=$(wc -c <"$T/s.mcr")
cp "$T/s.mcr" "$T/bad.mcr"
printf '9999' | dd of="$T/bad.mcr" bs=1 seek=$((n / 2)) conv=notrunc 2>/dev/null
expect_code 1 "a damaged stream, big commits" mc-tunnel-put --dest="$T/dbig" "$T/bad.mcr"
cp "$T/err" "$T/err.big"
expect_grep "... names the record and offset" \
	"^mc-tunnel-put: '$T/bad.mcr': record [0-9]+: offset [0-9]+: checksum mismatch" "$T/err.big"
expect_code 1 "a damaged stream, small commits" mc-tunnel-put --dest="$T/dsmall" \
	--commit-rows=500 "$T/bad.mcr"
expect_same "... the same message" "$T/err" "$T/err.big"
expect_eq "... and nothing committed either way" \
	"$(ls "$T"/dbig/_mcsync/ledger "$T"/dsmall/_mcsync/ledger "$T"/dbig/*/*/part-* \
		"$T"/dsmall/*/*/part-* 2>/dev/null | wc -l | tr -d ' ')" 0
