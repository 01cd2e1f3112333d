#!/bin/sh
# mc-merge --dest=odps://P --state=DIR takes the day cuts and the log's
# range from DIR's ledger. A DIR of another --dest (the upload into another
# project), of --mode=upsert, or a local warehouse was taken as it came: the
# merge ran on P's tables under another ledger's cuts and recorded its
# partition in DIR, exit 0 (mc-tunnel-put refuses each such DIR). Now each
# is exit 2 naming what the directory is; the upload's own state merges as
# before (docs/mc-merge.md "In MaxCompute").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3
"$BIN/tools/mcgen" sysbench 200 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
restamp "$T/sb.mcr" 1763640000 >"$T/sb1.mcr" && restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/ch1.mcr" ||
	{ fail "restamp" "failed"; exit 1; }
ODPS_PROJECT=p1,p2 odps_start srv || exit 1
C="--odps-config=$ODPS_CONF --retry-time=0.2"
merge() { mc-merge $C --table=sbtest__sbtest1 --ds=20251121 "$@"; }
expect_ok "p1: snapshot and changes" mc-tunnel-put --dest=odps://p1 $C --state="$T/s1" "$T/sb1.mcr" "$T/ch1.mcr"
expect_ok "p2: the same table, its own state" mc-tunnel-put --dest=odps://p2 $C --state="$T/s2" "$T/sb1.mcr" "$T/ch1.mcr"
expect_ok "p1: an upsert state of the changes" mc-tunnel-put --dest=odps://p1 $C --state="$T/u" --mode=upsert \
	--name=sbtest.sbtest1=up "$T/ch1.mcr"
expect_ok "a local warehouse of the same streams" mc-tunnel-put --dest="$T/w" "$T/sb1.mcr" "$T/ch1.mcr"

expect_code 2 "p2 merged with p1's state: refused" merge --dest=odps://p2 --state="$T/s1"
expect_grep "... naming both" "--state=$T/s1 holds the state of --dest=odps://p1, not of odps://p2" "$T/err"
expect_eq "... no record written into p1's state" "$(cat "$T/s1/merge.sbtest__sbtest1" 2>/dev/null)" ""
expect_code 2 "p1 merged with the upsert state: refused" merge --dest=odps://p1 --state="$T/u"
expect_grep "... naming it" "--state=$T/u is of mc-tunnel-put --mode=upsert" "$T/err"
expect_code 2 "p1 merged with a local warehouse as --state: refused" merge --dest=odps://p1 --state="$T/w"
expect_grep "... naming it" "--state=$T/w is a local warehouse" "$T/err"
expect_eq "... nothing merged in p1" \
	"$(sqlite3 "$T/srv/p1.db" "SELECT count(*) FROM sbtest__sbtest1 WHERE ds = '20251121'")" 0

expect_ok "p1 with its own state" merge --dest=odps://p1 --state="$T/s1"
expect_ok "p2 with its own state" merge --dest=odps://p2 --state="$T/s2"
expect_eq "... the same rows" \
	"$(sqlite3 "$T/srv/p1.db" "SELECT id, k, c, pad FROM sbtest__sbtest1 WHERE ds = '20251121'" | sort | cksum)" \
	"$(sqlite3 "$T/srv/p2.db" "SELECT id, k, c, pad FROM sbtest__sbtest1 WHERE ds = '20251121'" | sort | cksum)"
