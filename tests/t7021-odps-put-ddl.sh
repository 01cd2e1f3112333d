#!/bin/sh
# A TRUNCATE (or DROP / CREATE / RENAME) of a table bound for MaxCompute is
# refused, not dropped: the MaxCompute log table holds row images only, so
# its merge would keep the rows the server removed (docs/maxcompute.md
# "Uploading"). Nothing of that commit goes up; what came before it stays.
. "$(dirname "$0")/lib.sh"
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

odps_start srv || exit 1
"$BIN/tools/mcgen" sysbench 200 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 200 100 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# the changes with a TRUNCATE in place of their tenth transaction end
mc-cat "$T/ch.mcr" | awk '/"mark":"txn_end"/ && ++n == 10 {
	sub(/"kind":"mark","mark":"txn_end"/, "\"kind\":\"ddl\"")
	sub(/"label":""/, "\"sql\":\"TRUNCATE TABLE sbtest1\",\"effect\":\"truncate\"")
	sub(/"db":"","table":""/, "\"db\":\"sbtest\",\"table\":\"sbtest1\"") } { print }' |
	mc-cat --to=mcr >"$T/tr.mcr" 2>"$T/err" || { fail "setup" "$(cat "$T/err")"; exit 1; }
mc-cat "$T/tr.mcr" >"$T/tr.jsonl"
expect_grep "the stream holds the TRUNCATE" '"kind":"ddl".*"effect":"truncate"' "$T/tr.jsonl"
put() { mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s" \
	--name=sbtest.sbtest1=t1 --retry-time=0.2 "$@"; }
expect_ok "the snapshot goes up" put "$T/sb.mcr"
expect_code 1 "a TRUNCATE bound for MaxCompute is refused" put "$T/tr.mcr"
expect_grep "... naming the statement, its position and the table" \
	"'TRUNCATE TABLE sbtest1' at [0-9]+:[0-9]+:[0-9]+ replaces the rows of sbtest\.sbtest1, which the MaxCompute log table cannot carry" "$T/err"
expect_ok "the same changes without it go up" put "$T/ch.mcr"
