#!/bin/sh
# --dest=odps:// reads its input through the same source as a local
# warehouse: a saved stream damaged inside a string value is refused
# before any upload session is committed (exit 1, the place named), the
# state directory as it was, no request sent to the project; the same file undamaged
# goes in (docs/mc-tunnel-put.md "Input").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
odps_start srv || exit 1
"$BIN/tools/mcgen" sysbench 3000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
n=$(wc -c <"$T/sb.mcr")
o=$(LC_ALL=C grep -boa -E '[0-9]{11}-[0-9]{11}' "$T/sb.mcr" |
	awk -F: -v h=$((n / 2)) '$1 > h { print $1 + 5; exit }')
b=$(dd if="$T/sb.mcr" bs=1 skip="$o" count=1 2>/dev/null)
cp "$T/sb.mcr" "$T/bad.mcr"
printf '%s' $(((b + 1) % 10)) | dd of="$T/bad.mcr" bs=1 seek="$o" conv=notrunc 2>/dev/null
zstd -q -c "$T/bad.mcr" >"$T/bad.zst"
mkdir "$T/st"
PUT="mc-tunnel-put --dest=odps://p1 --odps-config=$ODPS_CONF --state=$T/st --retry-time=0.2 --commit-rows=100"
expect_code 1 "a damaged file is refused" $PUT "$T/bad.mcr"
expect_grep "... naming the place" "^mc-tunnel-put: '$T/bad.mcr': record [0-9]+: offset [0-9]+: checksum mismatch: the trailer says crc32c [0-9a-f]{8}, bytes 0\.\.[0-9]+ of the stream give [0-9a-f]{8}: the stream is damaged$" "$T/err"
expect_code 1 "standard input from the damaged zstd file is refused" sh -c "$PUT <'$T/bad.zst'"
expect_grep "... naming the place" "^mc-tunnel-put: '\(stdin\)': record [0-9]+: offset [0-9]+: checksum mismatch" "$T/err"
reqs() { cat "$T/srv/requests.log" 2>/dev/null | wc -l; }
expect_eq "... before any request to MaxCompute (no session, no table, no SQL)" "$(reqs)" 0
expect_eq "... no ledger in the state directory" "$(ls "$T/st" | grep -c ledger)" 0
expect_ok "the undamaged file goes in" $PUT "$T/sb.mcr"
expect_eq "... all its rows" "$(sqlite3 "$T/srv/p1.db" 'select count(*) from sbtest__sbtest1' 2>/dev/null)" 3000
